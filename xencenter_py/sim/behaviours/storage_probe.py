"""Finding and attaching storage: ``SR.probe`` / ``SR.probe_ext`` answer from the fake
storage servers (:mod:`xencenter_py.sim.storage_servers`) as the SM drivers do (NFS exports,
iSCSI target IQNs and LUNs, HBA LUNs, the SRs already on a share or LUN), ``SR.create``
checks ``device_config`` with the drivers' ``SR_BACKEND_FAILURE_*`` errors, and
``SR.introduce`` brings back an SR found by a probe (reattach; its PBDs are then created
and plugged by the caller, as XenCenter does).

An SR backend failure carries ``["SR_BACKEND_FAILURE_<n>", "", description, xml]`` as the
drivers raise it; XenCenter reads the IQN and LUN lists of an iSCSI probe from the XML.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from xencenter_py.datamodel import NULL_REF
from xencenter_py.sim.errors import XapiError
from xencenter_py.sim.operations import Call, implements
from xencenter_py.sim.storage_servers import ExistingSR, Lun, Servers, servers
from xencenter_py.sim.store import Store

_ERRORS = {
    37: "Configuration error: the server parameter is missing",  # NFS / SMB
    38: "Configuration error: the serverpath parameter is missing",
    73: "NFS mount error",
    90: "The request is missing the device parameter",
    96: "The request is missing or has an incorrect target IQN parameter",
    107: "The SCSIid parameter is missing or incorrect",
    108: "Unable to detect an NFS service on this target.",
    111: "SMB mount error",
    140: "Incorrect DNS name, unable to resolve.",
    141: "Unable to connect to iSCSI service on target",
    221: "Configuration error: the location parameter is missing",
    222: "Could not mount the directory specified in Device Configuration",
}


def backend_error(code: int, xml: str = "") -> XapiError:
    return XapiError(f"SR_BACKEND_FAILURE_{code}", "", _ERRORS[code], xml)


def _sr_list(srs: list[ExistingSR]) -> str:
    items = "".join(
        f"<SR><UUID>{s.uuid}</UUID><name_label>{escape(s.name)}</name_label>"
        f"<name_description>{escape(s.description)}</name_description><size>{s.size}</size></SR>"
        for s in srs
    )
    return f'<?xml version="1.0" ?><SRlist>{items}</SRlist>'


def _nfs_exports(server: str, exports: dict[str, Any]) -> str:
    items = "".join(
        f"<Export><Target>{escape(server)}</Target><Path>{escape(p)}</Path><Accesslist>*</Accesslist></Export>"
        for p in exports
    )
    return f'<?xml version="1.0" ?><nfs-exports>{items}</nfs-exports>'


def _iqns(portal: str, targets: dict[str, list[Lun]]) -> str:
    items = "".join(
        f"<TGT><Index>{i}</Index><IPAddress>{escape(portal)}</IPAddress><TargetIQN>{escape(iqn)}</TargetIQN></TGT>"
        for i, iqn in enumerate(targets)
    )
    return f'<?xml version="1.0" ?><iscsi-target-iqns>{items}</iscsi-target-iqns>'


def _luns(luns: list[Lun], tag: str = "iscsi-target") -> str:
    items = "".join(
        f"<LUN><vendor>{lun.vendor}</vendor><serial>{lun.serial}</serial><LUNid>{lun.lun_id}</LUNid>"
        f"<size>{lun.size}</size><SCSIid>{lun.scsi_id}</SCSIid></LUN>"
        for lun in luns
    )
    return f'<?xml version="1.0" ?><{tag}>{items}</{tag}>'


def _hba_devices(luns: list[Lun]) -> str:
    items = "".join(
        f"<BlockDevice><path>/dev/sd{'bcdefgh'[i]}</path><SCSIid>{lun.scsi_id}</SCSIid><vendor>{lun.vendor}</vendor>"
        f"<serial>{lun.serial}</serial><size>{lun.size}</size><adapter>1</adapter><channel>0</channel>"
        f"<id>0</id><lun>{lun.lun_id}</lun><hba>qla2xxx</hba></BlockDevice>"
        for i, lun in enumerate(luns)
    )
    return f'<?xml version="1.0" ?><Devlist>{items}<Adapter><host>host1</host><name>qla2xxx</name></Adapter></Devlist>'


def _nfs_share(data: Servers, config: dict[str, str]) -> list[ExistingSR]:
    """The SRs in an NFS export, after the driver's checks."""
    server = config.get("server", "").strip()
    if not server:
        raise backend_error(37)
    exports = data.nfs.get(data.canonical(server))
    if exports is None:
        raise backend_error(140 if not _is_address(server) else 108)
    path = config.get("serverpath", "").strip()
    if not path:
        raise backend_error(38, _nfs_exports(server, exports))
    if path.rstrip("/") not in exports:
        raise backend_error(73)
    return exports[path.rstrip("/")]


def _smb_share(data: Servers, location: str) -> list[ExistingSR]:
    """The SRs in ``\\\\server\\share`` (or ``//server/share``)."""
    parts = [p for p in location.replace("/", "\\").split("\\") if p]
    if not parts:
        raise backend_error(37)
    shares = data.smb.get(data.canonical(parts[0]))
    if shares is None:
        raise backend_error(140 if not _is_address(parts[0]) else 111)
    if len(parts) < 2 or parts[1].lower() not in shares:
        raise backend_error(111)
    return shares[parts[1].lower()]


def _iscsi_lun(data: Servers, config: dict[str, str]) -> Lun:
    portal = config.get("target", "").strip()
    if not portal:
        raise backend_error(141)
    targets = data.iscsi.get(data.canonical(portal))
    if targets is None:
        raise backend_error(140 if not _is_address(portal) else 141)
    iqn = config.get("targetIQN", "").strip()
    if iqn not in targets:
        raise backend_error(96, _iqns(portal, targets))
    scsi_id = config.get("SCSIid", "").strip()
    for lun in targets[iqn]:
        if lun.scsi_id == scsi_id:
            return lun
    raise backend_error(107, _luns(targets[iqn]))


def _hba_lun(data: Servers, config: dict[str, str]) -> Lun:
    scsi_id = config.get("SCSIid", "").strip()
    for lun in data.hba:
        if lun.scsi_id == scsi_id:
            return lun
    raise backend_error(107, _hba_devices(data.hba))


def _is_address(server: str) -> bool:
    return all(part.isdigit() for part in server.split(".")) and server.count(".") == 3


def _iso_share(data: Servers, config: dict[str, str]) -> list[ExistingSR]:
    location = config.get("location", "").strip()
    if not location:
        raise backend_error(221)
    if config.get("type") == "cifs" or location.startswith(("\\\\", "//")):
        try:
            return _smb_share(data, location)
        except XapiError:
            raise backend_error(222) from None
    server, _, path = location.partition(":")
    try:
        return _nfs_share(data, {"server": server, "serverpath": path})
    except XapiError:
        raise backend_error(222) from None


def existing(store: Store, sr_type: str, config: dict[str, str]) -> list[ExistingSR]:
    """The SRs already on the storage ``config`` names (raises the driver's error)."""
    data = servers(store)
    if sr_type == "nfs":
        return _nfs_share(data, config)
    if sr_type == "smb":
        return _smb_share(data, config.get("server", ""))
    if sr_type == "lvmoiscsi":
        return _iscsi_lun(data, config).srs
    if sr_type == "lvmohba":
        return _hba_lun(data, config).srs
    if sr_type == "iso":
        return _iso_share(data, config)
    return []


def validate_create(store: Store, sr_type: str, config: dict[str, str]) -> list[ExistingSR]:
    """``SR.create``'s device checks for a network or SAN SR type; returns the list the new SR
    is recorded in on its server (empty list for types without a fake server)."""
    if sr_type in ("nfs", "smb", "lvmoiscsi", "lvmohba", "iso"):
        if sr_type == "lvmohba" and not config.get("SCSIid"):
            raise backend_error(90, _hba_devices(servers(store).hba))
        return existing(store, sr_type, config)
    return []


def remember(
    store: Store, sr_type: str, config: dict[str, str], sr: dict[str, Any], on_server: list[ExistingSR]
) -> None:
    """Record a new SR on its server (``on_server`` from :func:`validate_create`) so a
    later probe finds it (reattach after forget)."""
    on_server.append(ExistingSR(sr["uuid"], sr["name_label"], sr_type, sr["physical_size"], sr["name_description"]))


def forget_on_server(store: Store, uuid: str) -> None:
    """``SR.destroy`` wipes the SR from its server (``SR.forget`` does not)."""
    data = servers(store)
    lists: list[list[ExistingSR]] = [
        *(srs for exports in data.nfs.values() for srs in exports.values()),
        *(srs for shares in data.smb.values() for srs in shares.values()),
        *(lun.srs for targets in data.iscsi.values() for luns in targets.values() for lun in luns),
        *(lun.srs for lun in data.hba),
    ]
    for srs in lists:
        srs[:] = [s for s in srs if s.uuid != uuid]


@implements("SR.probe")
async def probe(call: Call, host: str, device_config: dict[str, str], type: str, sm_config: dict[str, str]) -> str:
    store = call.store
    if not any(sm["type"] == type for sm in store.all("SM").values()):
        call.fail("SR_UNKNOWN_DRIVER", type)
    if type == "lvmohba" and not device_config.get("SCSIid"):
        return _hba_devices(servers(store).hba)
    if type == "lvmoiscsi":
        data = servers(store)
        portal = device_config.get("target", "")
        if not device_config.get("targetIQN") and data.canonical(portal) in data.iscsi:
            raise backend_error(96, _iqns(portal, data.iscsi[data.canonical(portal)]))
    return _sr_list(existing(store, type, device_config))


@implements("SR.probe_ext")
async def probe_ext(
    call: Call, host: str, device_config: dict[str, str], type: str, sm_config: dict[str, str]
) -> list[dict[str, Any]]:
    """The records of the SRs found, each with whether it is already known to this pool."""
    store = call.store
    if not any(sm["type"] == type for sm in store.all("SM").values()):
        call.fail("SR_UNKNOWN_DRIVER", type)
    known = {rec["uuid"] for rec in store.all("SR").values()}
    return [
        {
            "configuration": dict(device_config),
            "complete": True,
            "sr": {
                "uuid": s.uuid,
                "name_label": s.name,
                "name_description": s.description,
                "total_space": s.size,
                "free_space": s.size,
                "clustered": False,
                "health": "healthy",
            },
            "extra_info": {"already_attached": str(s.uuid in known).lower()},
        }
        for s in existing(store, type, device_config)
    ]


@implements("SR.introduce")
async def introduce(
    call: Call,
    uuid: str,
    name_label: str,
    name_description: str,
    type: str,
    content_type: str,
    shared: bool,
    sm_config: dict[str, str],
) -> str:
    store = call.store
    if any(rec["uuid"] == uuid for rec in store.all("SR").values()):
        call.fail("UUID_INVALID", "SR", uuid)
    if not any(sm["type"] == type for sm in store.all("SM").values()):
        call.fail("SR_UNKNOWN_DRIVER", type)
    size = next((s.size for s in _all_existing(store) if s.uuid == uuid), -1 if type == "iso" else 0)
    return store.add(
        "SR",
        {
            "uuid": uuid,
            "name_label": name_label,
            "name_description": name_description,
            "type": type,
            "content_type": content_type,
            "shared": shared,
            "sm_config": dict(sm_config),
            "physical_size": size,
            "physical_utilisation": 0 if size > 0 else -1,
            "introduced_by": NULL_REF,
        },
    )


def _all_existing(store: Store) -> list[ExistingSR]:
    data = servers(store)
    return [
        *(s for exports in data.nfs.values() for srs in exports.values() for s in srs),
        *(s for shares in data.smb.values() for srs in shares.values() for s in srs),
        *(s for targets in data.iscsi.values() for luns in targets.values() for lun in luns for s in lun.srs),
        *(s for lun in data.hba for s in lun.srs),
    ]
