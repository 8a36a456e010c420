"""The local full-resolution history: every 5-second sample the console receives, kept in
SQLite in the user's data directory, so 6 h to 48 h can be shown at full resolution where
xapi keeps 5-second data for only 10 minutes.

All database work runs on one worker thread (writes are queued, reads awaited), so the UI
never waits for the disk. The file is kept under a size limit (default 200 MB) by
dropping the oldest samples. It survives restarts.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import sqlite3
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from platformdirs import user_data_dir

from xencenter_py.model.perf.archive import Window, with_gaps

log = logging.getLogger(__name__)

DEFAULT_LIMIT_MB = 200
FILE_NAME = "perf-history.sqlite"
TRIM_EVERY = 200
"""Batches written between two size checks."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sample (
    uuid TEXT NOT NULL, name TEXT NOT NULL, t INTEGER NOT NULL, v REAL,
    PRIMARY KEY (uuid, name, t)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sample_time ON sample (t);
"""


def data_dir() -> Path:
    """``$XENCENTER_PY_DATA_DIR`` when set, else the platform's user data directory."""
    return Path(os.environ.get("XENCENTER_PY_DATA_DIR") or user_data_dir("xencenter-py", appauthor=False))


class HistoryStore:
    """5-second samples per (object uuid, data source, time)."""

    def __init__(self, path: Path, limit_mb: float = DEFAULT_LIMIT_MB) -> None:
        self.path = path
        self.limit_bytes = int(limit_mb * 1024 * 1024)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="perf-history")
        self._db: sqlite3.Connection | None = None
        self._writes = 0
        self._lock = threading.Lock()
        self._pending: list[Future[None]] = []

    # -- worker side ------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
            self._db = db
        return self._db

    def _write(self, uuid: str, times: list[int], series: dict[str, list[float]]) -> None:
        db = self._conn()
        rows = [
            (uuid, name, t, None if not math.isfinite(v) else v)
            for name, values in series.items()
            for t, v in zip(times, values, strict=False)
        ]
        with db:
            db.executemany("INSERT OR REPLACE INTO sample VALUES (?, ?, ?, ?)", rows)
        self._writes += 1
        if self._writes % TRIM_EVERY == 1:
            self._trim()

    def size_bytes(self) -> int:
        db = self._conn()
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        size = db.execute("PRAGMA page_size").fetchone()[0]
        return int(pages * size)

    def _trim(self) -> None:
        """Drop the oldest tenth of the time span until the file fits its limit."""
        db = self._conn()
        while self.size_bytes() > self.limit_bytes:
            lo, hi = db.execute("SELECT MIN(t), MAX(t) FROM sample").fetchone()
            if lo is None or lo >= hi:
                break
            with db:
                db.execute("DELETE FROM sample WHERE t < ?", (lo + max(5, (hi - lo) // 10),))
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            db.execute("VACUUM")

    def _read(self, uuid: str, names: list[str], start: float, end: float) -> Window:
        db = self._conn()
        marks = ",".join("?" * len(names))
        rows = db.execute(
            f"SELECT name, t, v FROM sample WHERE uuid = ? AND name IN ({marks}) AND t BETWEEN ? AND ? ORDER BY t",
            (uuid, *names, int(start), int(end)),
        ).fetchall()
        times = sorted({t for _n, t, _v in rows})
        index = {t: i for i, t in enumerate(times)}
        series = {n: [math.nan] * len(times) for n in names}
        for name, t, v in rows:
            series[name][index[t]] = math.nan if v is None else v
        return with_gaps(5, times, series)

    # -- caller side ------------------------------------------------------------------------
    def append(self, kind: str, uuid: str, times: list[int], series: dict[str, list[float]]) -> None:
        """Queue new samples (never waits)."""
        future = self._worker.submit(self._write, uuid, list(times), {k: list(v) for k, v in series.items()})
        future.add_done_callback(_log_failure)

    async def window(self, kind: str, uuid: str, names: Sequence[str], start: float, end: float) -> Window:
        """The stored samples of ``names`` between ``start`` and ``end``."""
        if not names:
            return with_gaps(5, [], {})
        future = self._worker.submit(self._read, uuid, list(names), start, end)
        return await asyncio.wrap_future(future)

    def set_limit(self, limit_mb: float) -> None:
        self.limit_bytes = int(limit_mb * 1024 * 1024)
        self._worker.submit(self._trim).add_done_callback(_log_failure)

    def flush(self) -> None:
        """Wait for queued writes (tests, shutdown)."""
        self._worker.submit(lambda: None).result()

    def close(self) -> None:
        def shut() -> None:
            if self._db is not None:
                self._db.close()
                self._db = None

        self._worker.submit(shut).result()
        self._worker.shutdown(wait=True)


def _log_failure(future: Future[None]) -> None:
    exc = future.exception()
    if exc is not None:
        log.error("local performance history: %s", exc)


_store: HistoryStore | None = None


def store() -> HistoryStore | None:
    """The console's history store (None until :func:`enable`)."""
    return _store


def enable(limit_mb: float = DEFAULT_LIMIT_MB, path: Path | None = None) -> HistoryStore:
    """Open the store and have every archive keeper feed it."""
    global _store
    from xencenter_py.model.perf.keeper import registry

    if _store is None:
        _store = HistoryStore(path or data_dir() / FILE_NAME, limit_mb)
    else:
        _store.set_limit(limit_mb)
    registry.history = _store.append
    return _store


def disable() -> None:
    global _store
    from xencenter_py.model.perf.keeper import registry

    registry.history = None
    if _store is not None:
        _store.close()
        _store = None
