"""``xencenter-py vm VERB``: VM verbs (each verb in its own module)."""

from __future__ import annotations

VERBS: dict[str, tuple[str, str]] = {
    "migrate": ("xencenter_py.cli.vm_migrate", "live-migrate a VM, move its disks, or move it to another pool"),
}
