"""Listener lists: the one way the model's objects (cache, connection, tree) hand out
subscriptions."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

L = TypeVar("L")


def add_listener(listeners: list[L], listener: L) -> Callable[[], None]:
    """Append ``listener`` to ``listeners``; returns the function that removes it again
    (calling it twice is harmless)."""
    listeners.append(listener)

    def remove() -> None:
        if listener in listeners:
            listeners.remove(listener)

    return remove
