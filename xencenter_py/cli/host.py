"""``xencenter-py host VERB``: server verbs (each verb in its own module)."""

from __future__ import annotations

VERBS: dict[str, tuple[str, str]] = {
    "maintenance": ("xencenter_py.cli.host_maintenance", "enter or exit maintenance mode"),
}
