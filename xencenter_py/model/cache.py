"""The object cache of one connection, changed only by events (and the full load).

Records are stored per canonical XAPI class name (``VM``, ``host``, ``SR``...; event class
names arrive in lower case and are mapped through the datamodel). Subscribers get one
notification per applied batch (one ``event.from`` answer), so a burst of thousands of
events costs the UI a handful of updates. A mod whose snapshot equals the cached record
(the periodic pool heartbeat, for one) is dropped, as XenCenter does.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache as _memo
from typing import Any, TypeVar

from xencenter_py.datamodel import load as load_datamodel
from xencenter_py.model.listeners import add_listener
from xencenter_py.model.objects import Pool, XenObject, is_null, wrapper_for

log = logging.getLogger(__name__)

IGNORED_CLASSES = frozenset({"session", "event", "user", "secret"})
"""Classes whose events carry nothing for the console (XenCenter ignores them too)."""


@dataclass(frozen=True, slots=True)
class CacheChange:
    """One applied change: ``op`` is ``add``, ``mod`` or ``del``; ``old`` is the record
    before the change (None for ``add``), so listeners can see what a delete removed."""

    op: str
    cls: str
    ref: str
    old: dict[str, Any] | None = None


Listener = Callable[[list[CacheChange]], None]

_T = TypeVar("_T")

# One plain Python worker for every connection's big loads (not the event loop's default
# executor: Qt's would be torn down with the loop while a load may still run).
_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cache-load")


async def off_loop(func: Callable[..., _T], *args: Any) -> _T:
    """Run ``func(*args)`` on the worker thread, letting the event loop run meanwhile."""
    return await asyncio.get_running_loop().run_in_executor(_WORKER, func, *args)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Hold the cyclic collector while tens of thousands of records change hands: it would
    rescan the whole (acyclic) cache again and again. Reference counting still frees."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@_memo
def canonical_class(name: str) -> str | None:
    """The datamodel's spelling of a class name (``vm`` → ``VM``); None if unknown or ignored."""
    c = load_datamodel().cls(name)
    if c is None or c.name.lower() in IGNORED_CLASSES:
        return None
    return c.name


class Cache:
    """Records by class and ref, with wrappers and batched change notification."""

    def __init__(self, connection: Any = None) -> None:
        self.connection = connection
        self._tables: dict[str, dict[str, dict[str, Any]]] = {}
        self._wrappers: dict[tuple[str, str], XenObject] = {}
        self._listeners: list[Listener] = []
        self.populated = False
        self._version = 0  # bumped by every write: a comparison made off the loop is still valid

    # -- reading ----------------------------------------------------------------------
    def record(self, cls: str, ref: Any) -> dict[str, Any] | None:
        """The raw record, or None."""
        table = self._tables.get(cls)
        if table is None:
            canon = canonical_class(cls)
            table = self._tables.get(canon) if canon else None
            if table is None:
                return None
        return table.get(ref)

    def get(self, cls: str, ref: Any) -> Any:
        """The wrapper for ``ref`` (``VM``, ``Host``...), or None when not cached."""
        if is_null(ref):
            return None
        if cls not in self._tables:
            cls = canonical_class(cls) or cls
        w = self._wrappers.get((cls, ref))
        if w is not None:
            return w
        rec = self._tables.get(cls, {}).get(ref)
        if rec is None:
            return None
        w = wrapper_for(cls)(self, cls, ref, rec)
        self._wrappers[(cls, ref)] = w
        return w

    def all(self, cls: str) -> list[Any]:
        """Wrappers of every cached object of the class."""
        if cls not in self._tables:
            cls = canonical_class(cls) or cls
        return [self.get(cls, ref) for ref in self._tables.get(cls, {})]

    def refs(self, cls: str) -> list[str]:
        if cls not in self._tables:
            cls = canonical_class(cls) or cls
        return list(self._tables.get(cls, {}))

    def classes(self) -> list[str]:
        return [c for c, t in self._tables.items() if t]

    def count(self, cls: str) -> int:
        return len(self._tables.get(canonical_class(cls) or cls, {}))

    def find_by_uuid(self, cls: str, uuid: str) -> Any:
        cls = canonical_class(cls) or cls
        for ref, rec in self._tables.get(cls, {}).items():
            if rec.get("uuid") == uuid:
                return self.get(cls, ref)
        return None

    @property
    def pool(self) -> Pool | None:
        """The connection's pool (every connection has exactly one, even a standalone server)."""
        table = self._tables.get("pool")
        if not table:
            return None
        return self.get("pool", next(iter(table)))

    def __len__(self) -> int:
        return sum(len(t) for t in self._tables.values())

    # -- notification -------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(batch)`` after every applied batch; returns an unsubscribe function."""
        return add_listener(self._listeners, listener)

    def _notify(self, batch: list[CacheChange]) -> None:
        if not batch:
            return
        for listener in list(self._listeners):
            try:
                listener(batch)
            except Exception:  # a broken listener must not stop the event stream
                log.exception("cache listener failed")

    # -- writing (only the connection calls these) --------------------------------------
    def apply_events(self, events: Iterable[Any]) -> list[CacheChange]:
        """Apply one ``event.from`` batch (add/mod upsert the snapshot, del removes) and
        notify once. Malformed events are skipped, never half-applied."""
        batch: list[CacheChange] = []
        for ev in events:
            fields = event_fields(ev)
            if fields is None:
                log.warning("skipping malformed event %r", ev)
                continue
            cls, op, ref, snapshot = fields
            if cls is None:
                continue
            change = self._apply_one(cls, ref, op, snapshot)
            if change is not None:
                batch.append(change)
        if batch:
            self._version += 1
        self._notify(batch)
        return batch

    def _apply_one(self, cls: str, ref: str, op: str, snapshot: Any) -> CacheChange | None:
        table = self._tables.setdefault(cls, {})
        old = table.get(ref)
        if op == "del":
            if old is None:
                return None
            del table[ref]
            self._wrappers.pop((cls, ref), None)
            return CacheChange("del", cls, ref, old)
        if op not in ("add", "mod") or not isinstance(snapshot, dict):
            return None
        if old is not None and old == snapshot:
            return None  # heartbeat / no-op modification
        table[ref] = snapshot
        return CacheChange("mod" if old is not None else "add", cls, ref, old)

    def replace(self, tables: Mapping[str, Mapping[str, dict[str, Any]]]) -> list[CacheChange]:
        """Swap in a complete new content (full load or resync) in one step and notify the
        difference: the cache is never a mix of old and new state."""
        with _gc_paused():
            new, batch = self._compare(tables)
        return self._commit(new, batch)

    async def load(self, tables: Mapping[str, Mapping[str, dict[str, Any]]]) -> list[CacheChange]:
        """``replace``, with the comparison of tens of thousands of records made on a worker
        thread so the event loop (and a window) keeps running; redone here if the cache
        changed meanwhile."""
        version = self._version
        new, batch = await off_loop(self._compare_paused, tables)
        if version != self._version:
            return self.replace(tables)
        return self._commit(new, batch)

    def _compare_paused(
        self, tables: Mapping[str, Mapping[str, dict[str, Any]]]
    ) -> tuple[dict[str, dict[str, dict[str, Any]]], list[CacheChange]]:
        with _gc_paused():
            return self._compare(tables)

    def _commit(self, new: dict[str, dict[str, dict[str, Any]]], batch: list[CacheChange]) -> list[CacheChange]:
        self._tables = new
        self._wrappers = {k: w for k, w in self._wrappers.items() if w.ref in new.get(k[0], {})}
        self.populated = True
        self._version += 1
        self._notify(batch)
        return batch

    def _compare(
        self, tables: Mapping[str, Mapping[str, dict[str, Any]]]
    ) -> tuple[dict[str, dict[str, dict[str, Any]]], list[CacheChange]]:
        """The new tables (canonical class names) and the changes from the current ones;
        reads the cache only."""
        new: dict[str, dict[str, dict[str, Any]]] = {}
        for name, recs in tables.items():
            cls = canonical_class(name)
            if cls is not None:
                new.setdefault(cls, {}).update(recs)
        batch: list[CacheChange] = []
        for cls, old_table in self._tables.items():
            new_table = new.get(cls, {})
            for ref, old in old_table.items():
                if ref not in new_table:
                    batch.append(CacheChange("del", cls, ref, old))
        for cls, new_table in new.items():
            old_table = self._tables.get(cls, {})
            for ref, rec in new_table.items():
                old = old_table.get(ref)
                if old is None:
                    batch.append(CacheChange("add", cls, ref))
                elif old != rec:
                    batch.append(CacheChange("mod", cls, ref, old))
        return new, batch

    async def clear(self) -> list[CacheChange]:
        """Forget everything (e.g. the user disconnected); listeners see the deletions."""
        batch = await self.load({})
        self.populated = False
        return batch

    def counts_match(self, valid_ref_counts: Mapping[str, Any]) -> bool:
        """Compare with ``event.from``'s ``valid_ref_counts`` for the classes we hold; a
        mismatch means we missed events (e.g. a garbage-collected delete)."""
        for name, n in valid_ref_counts.items():
            cls = canonical_class(name)
            # Only classes the event stream feeds us (role rows, for one, never come as events).
            if cls is None or cls in ("message", "task") or cls not in self._tables:
                continue
            try:
                expected = int(n)
            except (TypeError, ValueError):
                continue
            if len(self._tables.get(cls, {})) != expected:
                return False
        return True


def event_fields(ev: Any) -> tuple[str | None, str, str, Any] | None:
    """(canonical class or None, operation, ref, snapshot) of a decoded ``xapi`` event or a
    raw event struct; None when it is malformed."""
    try:
        if type(ev) is dict or isinstance(ev, Mapping):
            return canonical_class(str(ev["class"])), str(ev["operation"]), str(ev["ref"]), ev.get("snapshot")
        return canonical_class(str(ev.cls)), str(ev.operation), str(ev.ref), ev.snapshot
    except (KeyError, TypeError, AttributeError):
        return None


def tables_from_events(events: Iterable[Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """Turn a full ``event.from(["*"], "")`` answer (all adds) into tables for ``replace``."""
    tables: dict[str, dict[str, dict[str, Any]]] = {}
    for ev in events:
        fields = event_fields(ev)
        if fields is None:
            continue
        cls, op, ref, snap = fields
        if cls is None:
            continue
        if op == "del":
            tables.get(cls, {}).pop(ref, None)
        elif isinstance(snap, dict):
            tables.setdefault(cls, {})[ref] = snap
    return tables
