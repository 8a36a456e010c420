"""``xencenter-py pool VERB``: pool verbs (each verb in its own module)."""

from __future__ import annotations

VERBS: dict[str, tuple[str, str]] = {
    "join": ("xencenter_py.cli.pool_join", "add a standalone server to a pool"),
    "eject": ("xencenter_py.cli.pool_eject", "remove a server from its pool"),
}
