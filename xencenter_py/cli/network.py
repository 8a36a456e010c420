"""``xencenter-py network ...``: the Networking and NICs tabs' verbs."""

from __future__ import annotations

VERBS: dict[str, tuple[str, str]] = {
    "create": ("xencenter_py.cli.network_create", "create an external (VLAN), internal or bonded network"),
    "bond": ("xencenter_py.cli.network_bond", "bond NICs of a server"),
}
