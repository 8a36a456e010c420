"""Every icon name of the model's vocabulary has its own drawing."""

from __future__ import annotations

from typing import Any

from xencenter_py.model.tree_rules import ICONS
from xencenter_py.ui import icons


def test_every_tree_icon_is_drawn(qapp: Any) -> None:
    missing = [name for name in ICONS if not icons.known(name)]
    assert missing == []
    # Distinct states look different (a running VM is not drawn like a halted one).
    names = ("vm-running", "vm-halted", "vm-suspended", "vm")
    images = [icons.pixmap(name, 16).toImage() for name in names]
    assert all(images[i] != images[j] for i in range(len(names)) for j in range(i + 1, len(names)))
