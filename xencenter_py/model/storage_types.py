"""SR types by their product names, and what an SR's storage driver can do.

XenCenter never shows a driver code (``lvmoiscsi``) to a user; it shows the product
(iSCSI). What an SR can do (thin provisioning, resize, fast clone, snapshot) is read from
the pool's ``SM`` record for its type, so a pool brings its own capabilities with it.
"""

from __future__ import annotations

from typing import Any

from xencenter_py.i18n import N_, LazyString
from xencenter_py.i18n import gettext as _

PRODUCT_NAMES: dict[str, str | LazyString] = {
    "lvm": "LVM",
    "ext": "EXT",
    "lvhd": "LVHD",
    "nfs": "NFS",
    "lvmoiscsi": "iSCSI",
    "iscsi": "iSCSI",
    "lvmohba": N_("Hardware HBA"),
    "netapp": "NetApp",
    "equal": "Dell EqualLogic",
    "cslg": "StorageLink",
    "iso": N_("ISO library"),
    "udev": N_("Removable storage"),
    "smb": "SMB",
    "cifs": "SMB",
    "gfs2": "GFS2",
    "nfs_iso": N_("NFS ISO library"),
    "file": N_("File"),
    "dummy": N_("Dummy"),
}


def product_name(sr_type: str) -> str:
    """The product name of an SR type (``lvmohba`` → Hardware HBA); unknown codes as given."""
    return str(PRODUCT_NAMES.get(sr_type, sr_type))


# Capability → what it means to a user (the columns of the deck's storage table).
CAPABILITIES: tuple[tuple[str, LazyString], ...] = (
    ("THIN_PROVISIONING", N_("Thin provisioning")),
    ("VDI_RESIZE", N_("Virtual disk resize")),
    ("VDI_CLONE", N_("Fast clone")),
    ("VDI_SNAPSHOT", N_("Snapshot")),
)

_FILE_BASED = frozenset({"ext", "nfs", "file", "smb"})


def capabilities(sr: Any) -> frozenset[str]:
    """The capability names of the SM driver of ``sr``'s type (empty without a driver)."""
    for sm in sr.cache.all("SM"):
        if sm.get("type") == sr.type:
            caps = {str(c).split("/")[0] for c in sm.get("capabilities") or []}
            return frozenset(caps | set((sm.get("features") or {}).keys()))
    return frozenset()


def is_thin(sr: Any) -> bool:
    """Whether new disks on ``sr`` take space only as they are written."""
    allocation = (sr.get("sm_config") or {}).get("allocation")
    if allocation == "thick":
        return False
    return allocation == "thin" or sr.type in _FILE_BASED or "THIN_PROVISIONING" in capabilities(sr)


def capability_names(sr: Any) -> list[str]:
    """What the SR can do, in the user's language, as the SR's General tab lists it."""
    caps = capabilities(sr)
    out = []
    for cap, label in CAPABILITIES:
        if cap == "THIN_PROVISIONING":
            if is_thin(sr):
                out.append(str(label))
        elif cap in caps:
            out.append(str(label))
    return out


def cannot(sr: Any, capability: str) -> str:
    """Why a disk action needing ``capability`` is unavailable on ``sr`` ("" when it is)."""
    if sr is None:
        return _("The storage repository is not available")
    if capability in capabilities(sr):
        return ""
    texts = {
        "VDI_CREATE": _("This storage repository cannot create virtual disks"),
        "VDI_RESIZE": _("{type} storage does not support resizing virtual disks"),
        "VDI_SNAPSHOT": _("{type} storage does not support snapshots"),
        "VDI_CLONE": _("{type} storage does not support fast clone"),
        "VDI_DELETE": _("This storage repository cannot delete virtual disks"),
    }
    return texts.get(capability, _("The storage repository does not support this action")).format(
        type=product_name(sr.type)
    )
