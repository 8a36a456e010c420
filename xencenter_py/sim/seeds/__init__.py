"""Starting contents for a simulated pool, chosen with ``xencenter-py sim --seed NAME``."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from xencenter_py.sim.store import Store

SeedFunction = Callable[[Store], None]

SEED_NAMES = ("demo", "standalone", "empty")


def seed(store: Store, name: str) -> None:
    """Fill an empty store with the named seed (``demo``, ``standalone`` or ``empty``)."""
    if name not in SEED_NAMES:
        raise ValueError(f"unknown seed {name!r}; choose one of {', '.join(SEED_NAMES)}")
    module = importlib.import_module(f"{__name__}.{name}")
    module.build(store)
