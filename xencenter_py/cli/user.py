"""``xencenter-py user ...``: the Users tab's verbs."""

from __future__ import annotations

VERBS: dict[str, tuple[str, str]] = {
    "add": ("xencenter_py.cli.user_add", "give a domain user or group access with a role"),
    "role": ("xencenter_py.cli.user_role", "change the role of a user or group with access"),
}
