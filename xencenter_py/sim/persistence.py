"""Durable simulator state (``--state PATH``): an SQLite file in WAL mode.

Each object is one row (ref, class, created and modified generation, record as JSON);
``meta`` holds the generation counter. The simulator commits the store's dirty objects
before every reply, and soon after background changes, so each acknowledged write is in
the WAL before the client hears of it. With ``synchronous=NORMAL`` in WAL mode a commit
survives the process being killed (``kill -9``); only a power cut could lose the last
commits. Not persisted, as in xapi: sessions (clients log in again after a restart) and
tasks (their work died with the process). No passwords are stored.

Objects an operation is still building (:attr:`Store.pending`) are listed in ``pending``
in the same transaction; loading drops them, so a multi-object operation is all or
nothing across a crash. Loading also clears what only a running operation could have set
(``current_operations``, ``scheduled_to_be_resident_on``), as loading a dump does. Any
damage (not SQLite, unreadable pages, bad JSON, records of the wrong shape or field types)
is one :class:`StateError` naming what is wrong, never a traceback.
"""

from __future__ import annotations

import datetime as _dt
import gc
import json
import os
import sqlite3
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from xencenter_py.datamodel import Type
from xencenter_py.sim.dispatch import encodable
from xencenter_py.sim.store import Store

SCHEMA_VERSION = "1"
TRANSIENT_CLASSES = frozenset({"task"})


class StateError(Exception):
    """The state file cannot be used (not ours, newer schema, corrupt)."""


def _text(v: Any) -> bool:
    return type(v) is str and (v.isascii() or encodable(v))


@cache
def _checker(t: Type) -> Callable[[Any], bool]:
    """Whether a loaded value has the shape of datamodel type ``t``."""
    k = t.kind
    if k in ("string", "ref", "enum"):
        return _text
    if k == "int":
        return lambda v: type(v) is int
    if k == "float":
        return lambda v: type(v) is float or type(v) is int
    if k == "bool":
        return lambda v: type(v) is bool
    if k == "datetime":
        return lambda v: isinstance(v, _dt.datetime)
    if k == "set":
        item = _checker(t.of) if t.of else _text
        return lambda v: type(v) is list and all(map(item, v))
    if k == "map":
        key = _checker(t.key) if t.key else _text
        value = _checker(t.of) if t.of else _text
        return lambda v: type(v) is dict and all(key(a) and value(b) for a, b in v.items())
    if k == "option":
        inner = _checker(t.of) if t.of else _text
        return lambda v: v is None or inner(v)
    if k == "record":
        return lambda v: type(v) is dict
    return lambda v: True


def _pack(v: Any) -> Any:
    """A JSON-able form that keeps datetimes and non-string map keys exact."""
    t = type(v)
    if t is str or t is int or t is float or t is bool or v is None:
        return v
    if t is list or t is tuple:
        return [_pack(x) for x in v]
    if t is dict:
        if all(type(k) is str for k in v) and not (len(v) == 1 and next(iter(v)).startswith("$")):
            return {k: _pack(x) for k, x in v.items()}
        return {"$map": [[_pack(k), _pack(x)] for k, x in v.items()]}
    if isinstance(v, _dt.datetime):
        return {"$dt": v.isoformat()}
    return str(v)


def _iso(v: Any) -> Any:
    """Top-level datetimes as plain ISO text (the loader knows which fields are dates)."""
    if isinstance(v, _dt.datetime):
        return v.isoformat()
    raise TypeError(f"cannot store {type(v).__name__}")


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_iso).encode


def _needs_tags(t: Type, top: bool = True) -> bool:
    """Whether values of ``t`` hold something plain JSON would lose (nested dates, non-text keys)."""
    if t.kind == "datetime":
        return not top
    if t.kind == "map":
        key = t.key.kind if t.key else "string"
        return key not in ("string", "ref", "enum") or _needs_tags(t.of or t, False)
    if t.kind in ("set", "option"):
        return _needs_tags(t.of, False) if t.of else False
    return t.kind == "record"


def _unpack(v: Any) -> Any:
    """Undo :func:`_pack` (applied only to the fields that were packed)."""
    if isinstance(v, list):
        return [_unpack(x) for x in v]
    if isinstance(v, dict):
        if len(v) == 1:
            if "$dt" in v:
                return _dt.datetime.fromisoformat(v["$dt"])
            if "$map" in v:
                return {_unpack(k): _unpack(x) for k, x in v["$map"]}
        return {k: _unpack(x) for k, x in v.items()}
    return v


class Persistence:
    """The state file of one simulator."""

    def __init__(self, path: Path, store: Store) -> None:
        self.path = path
        self.store = store
        self._tagged: dict[str, list[str]] = {}  # class -> fields stored with type tags
        self._check_writable(path)
        existed = path.exists()
        try:
            self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as e:
            raise StateError(f"{path}: cannot open the state file: {e}") from None
        try:
            tables = {row[0] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if existed and not {"objects", "meta"} <= tables:
                raise StateError(f"{path} is not a simulator state file (it has no objects and meta tables)")
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(
                "CREATE TABLE IF NOT EXISTS objects (ref TEXT PRIMARY KEY, cls TEXT NOT NULL,"
                " created INTEGER NOT NULL, modified INTEGER NOT NULL, data TEXT NOT NULL);"
                "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                "CREATE TABLE IF NOT EXISTS pending (ref TEXT PRIMARY KEY);"
            )
            version = self._meta("schema")
            has_objects = self.db.execute("SELECT 1 FROM objects LIMIT 1").fetchone() is not None
            has_generation = self._meta("generation") is not None
        except sqlite3.DatabaseError as e:
            self.db.close()
            raise StateError(f"{path} is not a simulator state file, or it is damaged ({e})") from None
        except StateError:
            self.db.close()
            raise
        if version is not None and version != SCHEMA_VERSION:
            self.db.close()
            raise StateError(f"{path} has state schema {version}; this simulator reads {SCHEMA_VERSION}")
        if has_objects != has_generation:
            # Both are written in the first save's transaction: one without the other is damage
            # (no objects and no generation is a first start that never finished: seed again).
            self.db.close()
            missing = "generation" if has_objects else "objects"
            raise StateError(f"{path} is damaged: it has no {missing}")

    @staticmethod
    def _check_writable(path: Path) -> None:
        """A clear message for a state file that could never be written (before SQLite's
        vaguer one), and for an empty file, which is never taken for a fresh start."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise StateError(f"{path}: {path.parent} is not a directory") from None
        except OSError as e:
            raise StateError(f"{path}: cannot create the directory for the state file ({e.strerror or e})") from None
        if path.is_dir():
            raise StateError(f"{path} is a directory, not a state file")
        if path.exists():
            if not os.access(path, os.R_OK | os.W_OK):
                raise StateError(f"{path}: cannot read and write the state file (permission denied)")
            wal = path.with_name(path.name + "-wal")
            if path.stat().st_size == 0 and not (wal.exists() and wal.stat().st_size > 0):
                raise StateError(f"{path} is empty (0 bytes), not a simulator state: remove it to start from a seed")
        elif not os.access(path.parent, os.W_OK | os.X_OK):
            raise StateError(f"{path}: cannot create the state file in {path.parent} (permission denied)")

    def _tagged_fields(self, cls: str) -> list[str]:
        tagged = self._tagged.get(cls)
        if tagged is None:
            fields = self.store.dm.classes[cls].fields
            tagged = self._tagged[cls] = [n for n, f in fields.items() if _needs_tags(f.type)]
        return tagged

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def has_state(self) -> bool:
        try:
            return self._meta("generation") is not None
        except sqlite3.DatabaseError as e:
            raise StateError(f"{self.path} is damaged ({e})") from None

    def load(self) -> int:
        """Put every persisted object back into the (empty) store; return the count.
        Raises :class:`StateError` for any damage."""
        # Millions of new objects and no garbage: cyclic GC passes would only slow this.
        enabled = gc.isenabled()
        gc.disable()
        try:
            count = self._load()
        except sqlite3.DatabaseError as e:
            raise StateError(f"{self.path} is damaged ({e})") from None
        finally:
            if enabled:
                gc.enable()
        from xencenter_py.sim.behaviours.runtime import clear_stale_operations

        clear_stale_operations(self.store)
        return count

    def _load(self) -> int:
        store = self.store
        count = 0
        text = self._meta("generation") or "0"
        if not text.isdigit():
            raise StateError(f"{self.path} is damaged: the generation {text[:40]!r} is not a number")
        generation = int(text)
        unfinished = {row[0] for row in self.db.execute("SELECT ref FROM pending")}
        rows = self.db.execute("SELECT ref, cls, created, modified, data FROM objects")
        for ref, cls, created, modified, data in rows:
            if cls not in store.tables:
                continue  # a class this datamodel no longer has
            if ref in unfinished:
                continue  # built by an operation the process did not live to finish
            try:
                rec = self._record(cls, data)
                if type(created) is not int or type(modified) is not int or type(ref) is not str:
                    raise ValueError("its generations are not numbers")
            except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as e:
                raise StateError(f"{self.path} is damaged: {cls} {str(ref)[:60]}: {e}") from None
            store.restore(cls, ref, rec, created, modified)
            count += 1
        store.finish_restore(generation)
        if unfinished:
            store.rebuild_relations()
            for table in store.tables.values():
                store.dirty.update(table)
            store.dirty.update(unfinished)
            store.pending_changed = True
        return count

    def _record(self, cls: str, data: Any) -> dict[str, Any]:
        """One stored record, decoded and checked field by field against the datamodel."""
        rec = json.loads(data)
        if type(rec) is not dict:
            raise ValueError(f"the record is a JSON {type(rec).__name__}, not an object")
        for name in self._tagged_fields(cls):
            if name in rec:
                rec[name] = _unpack(rec[name])
        fields = self.store.dm.classes[cls].fields
        for name, value in rec.items():
            f = fields.get(name)
            if f is None:
                continue
            if f.type.kind == "datetime" and type(value) is str:
                rec[name] = value = _dt.datetime.fromisoformat(value)
            if not _checker(f.type)(value):
                raise ValueError(f"field {name} is not a {f.type}")
        if rec.keys() != fields.keys():  # written by an older datamodel
            full = self.store.dm.default_record(cls)
            full.update((k, v) for k, v in rec.items() if k in full)
            rec = full
        return rec

    def save_all(self) -> None:
        """Write the whole store (first start, or after seeding/importing)."""
        for table in self.store.tables.values():
            self.store.dirty.update(table)
        enabled = gc.isenabled()
        gc.disable()
        try:
            self.flush()
        finally:
            if enabled:
                gc.enable()

    def flush(self) -> None:
        """Commit every object changed since the last flush, in one transaction."""
        store = self.store
        dirty = store.take_dirty()
        rows = []
        gone = []
        for ref in dirty:
            cls = store.class_of(ref)
            if cls is None:
                gone.append((ref,))
            elif cls not in TRANSIENT_CLASSES:
                rec = store.tables[cls][ref]
                tagged = self._tagged_fields(cls)
                if tagged:
                    rec = {**rec, **{n: _pack(rec[n]) for n in tagged if n in rec}}
                data = _dumps(rec)
                rows.append((ref, cls, store.created_generation(ref), store.modified_generation(ref), data))
        pending = None
        if store.pending_changed:
            store.pending_changed = False
            pending = [(ref,) for ref in store.pending if store.class_of(ref) not in TRANSIENT_CLASSES]
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            if gone:
                db.executemany("DELETE FROM objects WHERE ref=?", gone)
            if rows:
                db.executemany("INSERT OR REPLACE INTO objects VALUES (?,?,?,?,?)", rows)
            if pending is not None:
                db.execute("DELETE FROM pending")
                db.executemany("INSERT INTO pending VALUES (?)", pending)
            db.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?,?)",
                (("generation", str(store.generation)), ("schema", SCHEMA_VERSION)),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            store.dirty |= dirty  # try again at the next flush
            store.pending_changed = store.pending_changed or pending is not None
            raise

    def close(self) -> None:
        self.db.close()
