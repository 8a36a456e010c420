"""Durable simulator state (``--state PATH``): an SQLite file in WAL mode.

Each object is one row (ref, class, created and modified generation, record as JSON);
``meta`` holds the generation counter. The simulator commits the store's dirty objects
before every reply, and soon after background changes, so each acknowledged write is in
the WAL before the client hears of it. With ``synchronous=NORMAL`` in WAL mode a commit
survives the process being killed (``kill -9``); only a power cut could lose the last
commits. Not persisted, as in xapi: sessions (clients log in again after a restart) and
tasks (their work died with the process). No passwords are stored.
"""

from __future__ import annotations

import datetime as _dt
import gc
import json
import sqlite3
from pathlib import Path
from typing import Any

from xencenter_py.datamodel import Type
from xencenter_py.sim.store import Store

SCHEMA_VERSION = "1"
TRANSIENT_CLASSES = frozenset({"task"})


class StateError(Exception):
    """The state file cannot be used (not ours, newer schema, corrupt)."""


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
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(
                "CREATE TABLE IF NOT EXISTS objects (ref TEXT PRIMARY KEY, cls TEXT NOT NULL,"
                " created INTEGER NOT NULL, modified INTEGER NOT NULL, data TEXT NOT NULL);"
                "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
            )
            version = self._meta("schema")
        except sqlite3.DatabaseError as e:
            raise StateError(f"{path} is not a simulator state file: {e}") from None
        if version is not None and version != SCHEMA_VERSION:
            raise StateError(f"{path} has state schema {version}; this simulator reads {SCHEMA_VERSION}")

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
        return self._meta("generation") is not None

    def load(self) -> int:
        """Put every persisted object back into the (empty) store; return the count."""
        # Millions of new objects and no garbage: cyclic GC passes would only slow this.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._load()
        finally:
            if enabled:
                gc.enable()

    def _load(self) -> int:
        store = self.store
        count = 0
        dates = {
            name: [f.name for f in c.fields.values() if f.type.kind == "datetime"]
            for name, c in store.dm.classes.items()
        }
        rows = self.db.execute("SELECT ref, cls, created, modified, data FROM objects")
        for ref, cls, created, modified, data in rows:
            if cls not in store.tables:
                continue  # a class this datamodel no longer has
            rec = json.loads(data)
            for name in self._tagged_fields(cls):
                if name in rec:
                    rec[name] = _unpack(rec[name])
            for name in dates[cls]:
                if type(rec.get(name)) is str:
                    rec[name] = _dt.datetime.fromisoformat(rec[name])
            fields = store.dm.classes[cls].fields
            if rec.keys() != fields.keys():  # written by an older datamodel
                full = store.dm.default_record(cls)
                full.update((k, v) for k, v in rec.items() if k in full)
                rec = full
            store.restore(cls, ref, rec, created, modified)
            count += 1
        store.finish_restore(int(self._meta("generation") or 0))
        return count

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
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            if gone:
                db.executemany("DELETE FROM objects WHERE ref=?", gone)
            if rows:
                db.executemany("INSERT OR REPLACE INTO objects VALUES (?,?,?,?,?)", rows)
            db.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?,?)",
                (("generation", str(store.generation)), ("schema", SCHEMA_VERSION)),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            store.dirty |= dirty  # try again at the next flush
            raise

    def close(self) -> None:
        self.db.close()
