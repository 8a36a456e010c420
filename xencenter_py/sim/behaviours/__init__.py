"""Behaviour modules: the operations with real semantics (power, storage, snapshots, ...).

Each module registers its handlers with :func:`xencenter_py.sim.operations.implements`;
importing this package loads them all.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
