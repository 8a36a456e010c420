"""Cache: event application, batching, atomic replacement, consistency check."""

from __future__ import annotations

import asyncio

from tests.model.records import PoolBuilder
from xencenter_py.model.cache import Cache, CacheChange, tables_from_events
from xencenter_py.model.objects import VM


def test_events_upsert_delete_and_notify_once_per_batch() -> None:
    cache = Cache()
    seen: list[list[CacheChange]] = []
    cache.subscribe(seen.append)
    events = [
        {"class": "vm", "operation": "add", "ref": f"OpaqueRef:{i}", "snapshot": {"name_label": f"v{i}"}}
        for i in range(10_000)
    ]
    cache.apply_events(events)
    assert len(seen) == 1 and len(seen[0]) == 10_000
    assert cache.get("VM", "OpaqueRef:5").name == "v5" and isinstance(cache.get("vm", "OpaqueRef:5"), VM)
    cache.apply_events(
        [
            {"class": "VM", "operation": "del", "ref": "OpaqueRef:5"},
            {"class": "vm", "operation": "mod", "ref": "OpaqueRef:6", "snapshot": {"name_label": "x"}},
            {"class": "session", "operation": "add", "ref": "OpaqueRef:s", "snapshot": {}},
            {"class": "no_such_class", "operation": "add", "ref": "OpaqueRef:z", "snapshot": {}},
            {"bogus": True},
        ]
    )
    assert [(c.op, c.ref) for c in seen[1]] == [("del", "OpaqueRef:5"), ("mod", "OpaqueRef:6")]
    assert seen[1][0].old == {"name_label": "v5"}
    assert cache.get("VM", "OpaqueRef:5") is None and cache.count("VM") == 9_999


def test_wrapper_stays_live_and_keeps_last_record_after_delete() -> None:
    cache = Cache()
    cache.apply_events([{"class": "vm", "operation": "add", "ref": "OpaqueRef:1", "snapshot": {"name_label": "a"}}])
    vm = cache.get("VM", "OpaqueRef:1")
    cache.apply_events([{"class": "vm", "operation": "mod", "ref": "OpaqueRef:1", "snapshot": {"name_label": "b"}}])
    assert vm.name == "b" and vm.exists
    cache.apply_events([{"class": "vm", "operation": "del", "ref": "OpaqueRef:1"}])
    assert vm.name == "b" and not vm.exists


def test_load_compares_off_the_loop_and_stays_exact_when_events_come_meanwhile() -> None:
    """``load`` (the full load) compares on a worker thread; an event applied while it runs
    is not lost from the notifications: the content is the load's, the difference exact."""
    b = PoolBuilder("p")
    b.host("h")
    b.vm("v")
    cache = Cache()
    seen: list[list[CacheChange]] = []
    cache.subscribe(seen.append)
    extra = {"class": "vm", "operation": "add", "ref": "OpaqueRef:extra", "snapshot": {"name_label": "x"}}

    async def load() -> None:
        first = asyncio.ensure_future(cache.load(b.tables))
        await first
        assert {c.op for c in seen[0]} == {"add"} and len(seen[0]) == len(cache)
        second = asyncio.ensure_future(cache.load(b.tables))
        await asyncio.sleep(0)  # the comparison is under way on the worker
        cache.apply_events([extra])
        await second

    asyncio.run(load())
    assert [(c.op, c.ref) for c in seen[-1]] == [("del", "OpaqueRef:extra")]
    assert cache.get("VM", "OpaqueRef:extra") is None and cache.populated

    async def clear() -> list[CacheChange]:
        return await cache.clear()

    assert len(asyncio.run(clear())) == len(seen[0]) and len(cache) == 0 and not cache.populated


def test_replace_is_atomic_and_reports_the_difference() -> None:
    b = PoolBuilder("p")
    h = b.host("h")
    vm = b.vm("v")
    cache = Cache()
    cache.replace(b.tables)
    seen: list[list[CacheChange]] = []
    cache.subscribe(seen.append)
    new = {c: dict(t) for c, t in b.tables.items()}
    del new["VM"][vm]
    new["host"][h] = dict(new["host"][h], name_label="renamed")
    new["VM"]["OpaqueRef:fresh"] = dict(b.tables["VM"][vm], name_label="fresh")
    cache.replace(new)
    assert len(seen) == 1
    assert {(c.op, c.ref) for c in seen[0]} == {("del", vm), ("mod", h), ("add", "OpaqueRef:fresh")}
    assert cache.get("host", h).name == "renamed" and cache.get("VM", vm) is None


def test_counts_check_and_full_load_tables() -> None:
    b = PoolBuilder("p")
    b.host("h")
    events = [
        {"class": c.lower(), "operation": "add", "ref": r, "snapshot": rec}
        for c, t in b.tables.items()
        for r, rec in t.items()
    ]
    cache = Cache()
    cache.replace(tables_from_events(events))
    counts = {c.lower(): len(t) for c, t in b.tables.items()}
    assert cache.counts_match({**counts, "role": 12, "message": 3})
    assert not cache.counts_match({**counts, "vm": counts["vm"] + 1})
    assert cache.pool is not None and cache.pool.name == "p"
