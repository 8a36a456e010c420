"""``xencenter-py vm ...``: VM verbs (this module lists the property tabs' verbs)."""

from __future__ import annotations

VERBS: dict[str, tuple[str, str]] = {
    "disk": ("xencenter_py.cli.vm_disk", "add, resize or delete a VM's virtual disks"),
    "snapshot": ("xencenter_py.cli.vm_snapshot", "take a snapshot of a VM (with --memory: disks and memory)"),
    "revert": ("xencenter_py.cli.vm_revert", "revert a VM to one of its snapshots"),
}
