"""The fake storage servers a simulated pool can see: NFS filers, an iSCSI array, SMB
shares and Fibre Channel LUNs behind the hosts' HBAs. Data only; nothing is ever
contacted. Every name ends in ``.localhost`` and every address is IPv4 loopback
(127.0.50.x), so nothing here can reach another machine even if it were used.

Each store keeps its own view (:func:`servers`), because SRs created on a server appear
there for later probes, and a forgotten SR stays on its server to be reattached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from xencenter_py.sim.store import Store

GiB = 1024**3


@dataclass
class ExistingSR:
    """An SR's metadata as found on a storage server (what a probe reports)."""

    uuid: str
    name: str
    type: str
    size: int
    description: str = ""


@dataclass
class Lun:
    vendor: str
    serial: str
    lun_id: int
    size: int
    scsi_id: str
    srs: list[ExistingSR] = field(default_factory=list)


@dataclass
class Servers:
    """Server name or address → what it offers."""

    nfs: dict[str, dict[str, list[ExistingSR]]]  # server → export path → SRs in it
    iscsi: dict[str, dict[str, list[Lun]]]  # portal → target IQN → LUNs
    hba: list[Lun]  # LUNs zoned to every host
    smb: dict[str, dict[str, list[ExistingSR]]]  # server → share → SRs
    aliases: dict[str, str]  # address → canonical server name

    def canonical(self, server: str) -> str:
        server = server.strip().lower()
        return self.aliases.get(server, server)


def _initial() -> Servers:
    filer, array, smb = "filer.storage.localhost", "iscsi.storage.localhost", "smb.storage.localhost"
    archive = ExistingSR("8f5a2b3c-0d4e-4f6a-9b1c-2d3e4f5a6b7c", "Archive NFS storage", "nfs", 1024 * GiB)
    old_lun = ExistingSR("3c1d9e2f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "Old iSCSI storage", "lvmoiscsi", 200 * GiB)
    fc_sr = ExistingSR("b7e6d5c4-b3a2-4918-8776-655443322110", "FC LUN 2 storage", "lvmohba", 500 * GiB)
    iqn = "iqn.2026-01.localhost.storage:array1"
    return Servers(
        nfs={
            filer: {"/vol/xenserver": [], "/vol/archive": [archive], "/vol/iso": []},
        },
        iscsi={
            array: {
                iqn: [
                    Lun("SIMARRAY", "SA0001", 0, 500 * GiB, "36001405a1b2c3d4e5f600000000000a0"),
                    Lun("SIMARRAY", "SA0002", 1, 200 * GiB, "36001405a1b2c3d4e5f600000000000a1", [old_lun]),
                ],
                "iqn.2026-01.localhost.storage:array1-backup": [
                    Lun("SIMARRAY", "SA0101", 0, 1024 * GiB, "36001405a1b2c3d4e5f600000000000b0"),
                ],
            }
        },
        hba=[
            Lun("SIMFC", "FC0001", 1, 250 * GiB, "3600a0b80000f1e2d3c4b5a6978000001"),
            Lun("SIMFC", "FC0002", 2, 500 * GiB, "3600a0b80000f1e2d3c4b5a6978000002", [fc_sr]),
        ],
        smb={smb: {"xenserver": [], "iso": []}},
        aliases={"127.0.50.10": filer, "127.0.50.20": array, "127.0.50.30": smb},
    )


_SERVERS: WeakKeyDictionary[Store, Servers] = WeakKeyDictionary()


def servers(store: Store) -> Servers:
    found = _SERVERS.get(store)
    if found is None:
        found = _SERVERS[store] = _initial()
    return found
