"""``xencenter-py vm VERB``: scripting a VM's life on the same actions the console uses
(each verb in its own module)."""

from __future__ import annotations

# verb -> (module, one-line help)
VERBS: dict[str, tuple[str, str]] = {
    "new": ("xencenter_py.cli.vm_new", "create a VM from a template (as the New VM wizard does)"),
    "copy": ("xencenter_py.cli.vm_copy", "copy a VM or template within its pool (fast clone or full copy)"),
    "delete": ("xencenter_py.cli.vm_delete", "delete VMs, templates or snapshots, with or without their disks"),
    "export": ("xencenter_py.cli.vm_export", "export a VM or snapshot to an XVA file"),
    "import": ("xencenter_py.cli.vm_import", "import an XVA file"),
    "migrate": ("xencenter_py.cli.vm_migrate", "live-migrate a VM, move its disks, or move it to another pool"),
    "disk": ("xencenter_py.cli.vm_disk", "add, resize or delete a VM's virtual disks"),
    "snapshot": ("xencenter_py.cli.vm_snapshot", "take a snapshot of a VM (with --memory: disks and memory)"),
    "revert": ("xencenter_py.cli.vm_revert", "revert a VM to one of its snapshots"),
}
