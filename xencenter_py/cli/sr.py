"""``xencenter-py sr VERB``: storage repository verbs (each verb in its own module)."""

from __future__ import annotations

VERBS: dict[str, tuple[str, str]] = {
    "probe": ("xencenter_py.cli.sr_probe", "show what a storage location offers"),
    "create": ("xencenter_py.cli.sr_create", "create a storage repository, or reattach one found there"),
}
