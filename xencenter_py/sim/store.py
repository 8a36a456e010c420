"""The simulator's object database: one table per datamodel class, kept consistent.

Every change bumps a pool-wide generation counter and is remembered (latest generation per
object, plus tombstones for deletions) so ``event.from`` can answer "what changed since
token N" without scanning tables. One-to-many ``ref set`` fields are maintained from their
reverse foreign keys, as XAPI's database does, so behaviour code only ever sets the
"many" side (``VBD.VM``) and ``VM.VBDs`` follows.
"""

from __future__ import annotations

import contextlib
import uuid as _uuid
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from xencenter_py.datamodel import NULL_REF, Datamodel, load

# (class, set field) <- (class, reference field): the datamodel's one-to-many relations.
RELATIONS: tuple[tuple[str, str, str, str], ...] = (
    ("VM", "VBDs", "VBD", "VM"),
    ("VM", "VIFs", "VIF", "VM"),
    ("VM", "consoles", "console", "VM"),
    ("VM", "crash_dumps", "crashdump", "VM"),
    ("VM", "VTPMs", "VTPM", "VM"),
    ("VM", "VGPUs", "VGPU", "VM"),
    ("VM", "VUSBs", "VUSB", "VM"),
    ("VM", "snapshots", "VM", "snapshot_of"),
    ("VM", "children", "VM", "parent"),
    ("VDI", "VBDs", "VBD", "VDI"),
    ("VDI", "snapshots", "VDI", "snapshot_of"),
    ("VDI", "crash_dumps", "crashdump", "VDI"),
    ("SR", "VDIs", "VDI", "SR"),
    ("SR", "PBDs", "PBD", "SR"),
    ("host", "PBDs", "PBD", "host"),
    ("host", "PIFs", "PIF", "host"),
    ("host", "resident_VMs", "VM", "resident_on"),
    ("host", "host_CPUs", "host_cpu", "host"),
    ("host", "crashdumps", "host_crashdump", "host"),
    ("host", "patches", "host_patch", "host"),
    ("host", "PCIs", "PCI", "host"),
    ("host", "PGPUs", "PGPU", "host"),
    ("host", "PUSBs", "PUSB", "host"),
    ("host", "features", "Feature", "host"),
    ("host", "certificates", "Certificate", "host"),
    ("network", "PIFs", "PIF", "network"),
    ("network", "VIFs", "VIF", "network"),
    ("pool_patch", "host_patches", "host_patch", "pool_patch"),
    ("GPU_group", "PGPUs", "PGPU", "GPU_group"),
    ("GPU_group", "VGPUs", "VGPU", "GPU_group"),
    ("VM_appliance", "VMs", "VM", "appliance"),
    ("VMPP", "VMs", "VM", "protection_policy"),
    ("VMSS", "VMs", "VM", "snapshot_schedule"),
    ("task", "subtasks", "task", "subtask_of"),
    ("Bond", "slaves", "PIF", "bond_slave_of"),
    ("PIF", "bond_master_of", "Bond", "master"),
    ("PIF", "VLAN_slave_of", "VLAN", "tagged_PIF"),
)

# Classes that exist on the wire but are not database tables (no events, no rows).
NON_DB_CLASSES = frozenset({"session", "event", "user", "data_source", "auth", "secret", "role"})


class StoreError(Exception):
    """A store-level failure; the dispatcher maps these to XAPI errors."""


class NoSuchObject(StoreError):
    def __init__(self, cls: str, ref: str) -> None:
        super().__init__(cls, ref)
        self.cls = cls
        self.ref = ref


@dataclass(frozen=True)
class Change:
    """One entry of the answer to "what changed since generation N"."""

    op: str  # "add", "mod" or "del"
    cls: str
    ref: str
    generation: int


Listener = Callable[[str, str, str], None]  # (op, cls, ref)


class _Group:
    """The objects one running operation has added so far (see :meth:`Store.atomic`)."""

    __slots__ = ("open", "refs")

    def __init__(self) -> None:
        self.refs: set[str] = set()
        self.open = True


_GROUP: ContextVar[_Group | None] = ContextVar("sim_store_atomic_group", default=None)


def new_uuid() -> str:
    return str(_uuid.uuid4())


def new_ref() -> str:
    return f"OpaqueRef:{_uuid.uuid4()}"


class Store:
    """Tables of records keyed by ref. Records are plain dicts holding decoded values.

    Callers read records freely but change them only through :meth:`add`, :meth:`set`,
    :meth:`update` and :meth:`delete` (never by mutating a list or dict in place: pass a
    new one), so generations, relations and listeners stay right.
    """

    TOMBSTONE_LIMIT = 200_000

    def __init__(self, datamodel: Datamodel | None = None) -> None:
        self.dm = datamodel or load()
        self.tables: dict[str, dict[str, dict[str, Any]]] = {
            name: {} for name in self.dm.classes if name not in NON_DB_CLASSES
        }
        self.generation = 0
        self._class_of: dict[str, str] = {}
        self._created: dict[str, int] = {}
        self._by_uuid: dict[str, dict[str, str]] = {name: {} for name in self.tables}
        self._last_change: dict[str, int] = {}  # ref -> generation, oldest first
        self._tombs: dict[str, tuple[str, int]] = {}  # ref -> (class, created generation)
        self.dirty: set[str] = set()  # refs changed since the last take_dirty()
        self.pending: set[str] = set()
        """Refs added by operations still running: durable only together, once the operation
        ends (a restart in between drops them, so a half-built clone never survives)."""
        self.pending_changed = False
        self._listeners: list[Listener] = []
        # (set class, set field) per (child class, child field), and the reverse.
        self._reverse: dict[tuple[str, str], tuple[str, str]] = {}
        self._sets: dict[str, list[tuple[str, str, str]]] = {}
        for pcls, pset, ccls, cfield in RELATIONS:
            if pcls in self.tables and ccls in self.tables and cfield in self.dm.classes[ccls].fields:
                self._reverse[(ccls, cfield)] = (pcls, pset)
                self._sets.setdefault(pcls, []).append((pset, ccls, cfield))

    # ------------------------------------------------------------------ reading
    def canonical(self, cls: str) -> str:
        """The datamodel spelling of a class name given in any case."""
        c = self.dm.cls(cls)
        if c is None or c.name not in self.tables:
            raise StoreError(f"no table {cls!r}")
        return c.name

    def class_of(self, ref: str) -> str | None:
        return self._class_of.get(ref)

    def exists(self, cls: str, ref: str) -> bool:
        return ref in self.tables[cls]

    def get(self, cls: str, ref: str) -> dict[str, Any]:
        """The live record; raise :class:`NoSuchObject` for an unknown ref."""
        try:
            return self.tables[cls][ref]
        except KeyError:
            raise NoSuchObject(cls, ref) from None

    def ref_by_uuid(self, cls: str, uuid: str) -> str | None:
        return self._by_uuid[cls].get(uuid)

    def all(self, cls: str) -> dict[str, dict[str, Any]]:
        return self.tables[cls]

    def find(self, cls: str, **match: Any) -> Iterator[tuple[str, dict[str, Any]]]:
        """Records whose fields equal every given value."""
        for ref, rec in self.tables[cls].items():
            if all(rec.get(k) == v for k, v in match.items()):
                yield ref, rec

    def first(self, cls: str, **match: Any) -> str | None:
        return next((ref for ref, _ in self.find(cls, **match)), None)

    def deref(self, ref: str) -> dict[str, Any] | None:
        cls = self._class_of.get(ref)
        return self.tables[cls][ref] if cls else None

    def created_generation(self, ref: str) -> int:
        return self._created.get(ref, 0)

    def modified_generation(self, ref: str) -> int:
        return self._last_change.get(ref, 0)

    # ------------------------------------------------------------------ writing
    def add(self, cls: str, fields: dict[str, Any] | None = None, ref: str | None = None) -> str:
        """Insert a record with datamodel defaults for every field not given."""
        cls = self.canonical(cls)
        rec = self.dm.default_record(cls)
        if fields:
            unknown = set(fields) - set(rec)
            if unknown:
                raise StoreError(f"{cls} has no field(s) {sorted(unknown)}")
            rec.update(fields)
        if "uuid" in rec and not rec["uuid"]:
            rec["uuid"] = new_uuid()
        chosen = ref is not None
        ref = ref or new_ref()
        if ref in self._class_of:
            raise StoreError(f"duplicate ref {ref}")
        # Sets maintained from reverse references start from the truth, not from the caller.
        # A fresh random ref cannot be referenced yet, so only a chosen ref needs the scan.
        for pset, ccls, cfield in self._sets.get(cls, ()):
            rec[pset] = [r for r, c in self.tables[ccls].items() if c.get(cfield) == ref] if chosen else []
        self.tables[cls][ref] = rec
        self._class_of[ref] = cls
        if "uuid" in rec:
            self._by_uuid[cls][rec["uuid"]] = ref
        gen = self._bump(ref)
        self._created[ref] = gen
        self._tombs.pop(ref, None)
        for name, value in rec.items():
            link = self._reverse.get((cls, name))
            if link and value and value != NULL_REF:
                self._link(link, value, ref, add=True)
        group = _GROUP.get()
        if group is not None and group.open:
            group.refs.add(ref)
            self.pending.add(ref)
            self.pending_changed = True
        self._notify("add", cls, ref)
        return ref

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """Make the objects added inside (by this task and the tasks it starts) one unit for
        the durable state: they stay :attr:`pending` until the block ends. Nested blocks
        join the outer one."""
        if _GROUP.get() is not None:
            yield
            return
        group = _Group()
        token = _GROUP.set(group)
        try:
            yield
        finally:
            _GROUP.reset(token)
            group.open = False
            if group.refs:
                self.pending -= group.refs
                self.pending_changed = True

    def set(self, cls: str, ref: str, name: str, value: Any) -> None:
        self.update(cls, ref, {name: value})

    def update(self, cls: str, ref: str, changes: dict[str, Any]) -> None:
        """Change several fields as one event (one generation)."""
        rec = self.get(cls, ref)
        for name in changes:
            if name not in rec:
                raise StoreError(f"{cls} has no field {name!r}")
        real = {k: v for k, v in changes.items() if rec[k] != v}
        if not real:
            return
        for name, value in real.items():
            link = self._reverse.get((cls, name))
            old = rec[name]
            if link and old != value:
                if old and old != NULL_REF:
                    self._link(link, old, ref, add=False)
                if value and value != NULL_REF:
                    self._link(link, value, ref, add=True)
            if name == "uuid":
                self._by_uuid[cls].pop(old, None)
                self._by_uuid[cls][value] = ref
            rec[name] = value
        self._bump(ref)
        self._notify("mod", cls, ref)

    def touch(self, cls: str, ref: str) -> None:
        """Produce a ``mod`` event without changing anything (``event.inject``)."""
        self.get(cls, ref)
        self._bump(ref)
        self._notify("mod", cls, ref)

    def delete(self, cls: str, ref: str) -> None:
        rec = self.get(cls, ref)
        for name, value in rec.items():
            link = self._reverse.get((cls, name))
            if link and value and value != NULL_REF:
                self._link(link, value, ref, add=False)
        del self.tables[cls][ref]
        del self._class_of[ref]
        if "uuid" in rec:
            self._by_uuid[cls].pop(rec["uuid"], None)
        self._tombs[ref] = (cls, self._created.pop(ref, 0))
        self._bump(ref)
        if len(self._tombs) > self.TOMBSTONE_LIMIT:
            self._forget_oldest_tombstones()
        self._notify("del", cls, ref)

    def _link(self, link: tuple[str, str], parent: str, child: str, add: bool) -> None:
        pcls, pset = link
        prec = self.tables[pcls].get(parent)
        if prec is None:
            return  # dangling references are legal in XAPI (and common in old dumps)
        members = prec[pset]
        if add and child not in members:
            prec[pset] = [*members, child]
        elif not add and child in members:
            prec[pset] = [m for m in members if m != child]
        else:
            return
        self._bump(parent)
        self._notify("mod", pcls, parent)

    def _bump(self, ref: str) -> int:
        self.generation += 1
        self._last_change.pop(ref, None)
        self._last_change[ref] = self.generation
        self.dirty.add(ref)
        return self.generation

    def _forget_oldest_tombstones(self) -> None:
        excess = len(self._tombs) - self.TOMBSTONE_LIMIT // 2
        for ref in list(self._tombs)[:excess]:
            del self._tombs[ref]
            self._last_change.pop(ref, None)

    # ------------------------------------------------------------------ events
    def changes_since(self, since: int) -> list[Change]:
        """Changes after generation ``since``, oldest first, one per object (§4.1 rules)."""
        out: list[Change] = []
        for ref in reversed(self._last_change):
            gen = self._last_change[ref]
            if gen <= since:
                break
            cls = self._class_of.get(ref)
            if cls is not None:
                op = "add" if self._created.get(ref, 0) > since else "mod"
                out.append(Change(op, cls, ref, gen))
            else:
                tomb = self._tombs.get(ref)
                if tomb and tomb[1] <= since:
                    out.append(Change("del", tomb[0], ref, gen))
        out.reverse()
        return out

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(op, cls, ref)`` after every change; returns an unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _notify(self, op: str, cls: str, ref: str) -> None:
        for listener in tuple(self._listeners):
            listener(op, cls, ref)

    # ------------------------------------------------------------------ persistence support
    def take_dirty(self) -> set[str]:
        """Refs changed since the last call (the persistence layer writes these)."""
        dirty, self.dirty = self.dirty, set()
        return dirty

    def restore(self, cls: str, ref: str, rec: dict[str, Any], created: int, modified: int) -> None:
        """Put back a record exactly as persisted (no relation maintenance, no events)."""
        self.tables[cls][ref] = rec
        self._class_of[ref] = cls
        self._created[ref] = created
        if "uuid" in rec:
            self._by_uuid[cls][rec["uuid"]] = ref
        self._last_change[ref] = modified

    def finish_restore(self, generation: int) -> None:
        """Order the change log by generation after a bulk :meth:`restore`."""
        self._last_change = dict(sorted(self._last_change.items(), key=lambda kv: kv[1]))
        self.generation = max(generation, max(self._last_change.values(), default=0))
        self.dirty.clear()

    def rebuild_relations(self) -> None:
        """Recompute every maintained set from its reverse references (after a DB import)."""
        for pcls, entries in self._sets.items():
            for pset, ccls, cfield in entries:
                members: dict[str, list[str]] = {}
                for cref, crec in self.tables[ccls].items():
                    parent = crec.get(cfield)
                    if parent and parent != NULL_REF:
                        members.setdefault(parent, []).append(cref)
                for pref, prec in self.tables[pcls].items():
                    prec[pset] = members.get(pref, [])

    def counts(self) -> dict[str, int]:
        """Rows per table, keyed by lower-case class name (``valid_ref_counts``)."""
        return {cls.lower(): len(rows) for cls, rows in self.tables.items()}
