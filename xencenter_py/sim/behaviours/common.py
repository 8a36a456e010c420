"""Small helpers shared by the behaviour modules: time, memory units, operations in progress.

An operation in progress is recorded the way XAPI does it: ``current_operations`` maps the
task ref (or, for a synchronous call, a private one) to the operation name for as long as
the call runs, so ``allowed_operations`` (recomputed by :mod:`.allowed_ops`) drops the
operations that conflict with it at every moment.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from xencenter_py.datamodel import NULL_REF
from xencenter_py.sim.store import new_ref

if TYPE_CHECKING:
    from xencenter_py.sim.operations import Call
    from xencenter_py.sim.store import Store

KiB = 1024
MiB = 1024**2
GiB = 1024**3


def now() -> _dt.datetime:
    """The current UTC time to the second (XAPI datetimes carry no fractions)."""
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0)


def is_null(ref: Any) -> bool:
    """True for an unset reference (old dumps sometimes store ``""`` instead of NULL)."""
    return not ref or ref == NULL_REF


def lower_state(state: str) -> str:
    """Power states as XAPI spells them in error parameters (``halted``, ``running``)."""
    return state.lower()


@asynccontextmanager
async def in_progress(call: Call, cls: str, ref: str, op: str) -> AsyncIterator[str]:
    """Record ``op`` in the object's ``current_operations`` for the duration of the block."""
    store = call.store
    key = call.task or new_ref()
    current = store.get(cls, ref)["current_operations"]
    store.set(cls, ref, "current_operations", {**current, key: op})
    try:
        yield key
    finally:
        if store.exists(cls, ref):
            current = dict(store.get(cls, ref)["current_operations"])
            current.pop(key, None)
            store.set(cls, ref, "current_operations", current)


async def work(call: Call, seconds: float, start: float, end: float, steps: int = 4) -> None:
    """Spend ``seconds`` of simulated time while the task progress rises from ``start`` to ``end``."""
    steps = max(steps, 1)
    for i in range(1, steps + 1):
        await call.step(seconds / steps, start + (end - start) * i / steps)


def sm_capabilities(store: Store, sr_type: str) -> frozenset[str]:
    """The capability names of the SM driver for an SR type (empty if no driver record)."""
    for rec in store.all("SM").values():
        if rec["type"] == sr_type:
            return frozenset(c.split("/")[0] for c in rec["capabilities"]) | frozenset(rec["features"])
    return frozenset()


def pool_ref(store: Store) -> str | None:
    return next(iter(store.all("pool")), None)
