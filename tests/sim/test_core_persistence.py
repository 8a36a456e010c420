"""Durable state: every acknowledged write survives kill -9; restarts reload exactly."""

from __future__ import annotations

import signal
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import XenAPI

from tests.conftest import SimProcess
from tests.sim.core_support import Rpc


def _everything(rpc: Rpc) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for cls in ("pool", "host", "VM", "network", "host_metrics", "subject"):
        out[cls] = rpc.call(f"{cls}.get_all_records")
    return out


def test_kill_9_mid_stream_keeps_every_acknowledged_write(
    sim_factory: Callable[..., SimProcess], tmp_path: Path
) -> None:
    state = tmp_path / "pool.db"
    sim = sim_factory("--seed", "empty", "--state", str(state))
    rpc = Rpc(sim).login()
    vm = rpc.call("VM.get_all")[0]
    acknowledged: list[int] = []
    stop = threading.Event()

    def writer() -> None:
        client = Rpc(sim, timeout=5).login()
        n = 0
        while not stop.is_set():
            try:
                client.call("VM.set_name_label", vm, f"write {n}")
                client.call("VM.add_to_other_config", vm, f"k{n}", str(n))
            except (httpx.HTTPError, XenAPI.Failure):
                return
            acknowledged.append(n)
            n += 1

    t = threading.Thread(target=writer)
    t.start()
    # Kill once a good number of writes has been acknowledged (waiting on the writer's progress).
    deadline_rounds = 0
    while len(acknowledged) < 150 and deadline_rounds < 2000 and t.is_alive():
        t.join(0.01)
        deadline_rounds += 1
    sim.proc.send_signal(signal.SIGKILL)
    sim.proc.wait(10)
    stop.set()
    t.join(10)
    assert len(acknowledged) >= 150
    last = acknowledged[-1]

    again = sim_factory("--seed", "empty", "--state", str(state))
    rpc2 = Rpc(again).login()
    rec = rpc2.call("VM.get_record", vm)
    # The last acknowledged write is there (one more, unacknowledged, may be too).
    assert rec["name_label"] in (f"write {last}", f"write {last + 1}")
    for n in acknowledged:
        assert rec["other_config"][f"k{n}"] == str(n)


def test_restart_reloads_refs_uuids_and_generation(sim_factory: Callable[..., SimProcess], tmp_path: Path) -> None:
    state = tmp_path / "pool.db"
    sim = sim_factory("--seed", "empty", "--state", str(state), "--user", "ro:pw:read-only")
    rpc = Rpc(sim).login()
    net = rpc.call("network.create", {"name_label": "kept", "other_config": {"a": "b"}, "MTU": 9000})
    rpc.call("network.add_tags", net, "日本語")
    doomed = rpc.call("network.create", {"name_label": "doomed"})
    rpc.call("network.destroy", doomed)
    before = _everything(rpc)
    before["network"] = rpc.call("network.get_all_records")
    generation = rpc.call("event.get_current_id")
    assert sim.stop() == 0  # SIGTERM: a clean stop

    # The saved pool wins over the seed, even if a different one is asked for.
    again = sim_factory("--seed", "demo", "--state", str(state), "--user", "ro:pw:read-only")
    rpc2 = Rpc(again).login()
    after = _everything(rpc2)
    after["network"] = rpc2.call("network.get_all_records")
    assert after == before
    # Not reset: the loaded generation goes on (a restart may add changes, e.g. consoles on the new port).
    assert rpc2.call("event.get_current_id") >= generation
    # Tokens from before the restart keep working.
    batch = rpc2.call("event.from", ["network"], f"{generation:020d},{0:020d}", 0.1)
    assert batch["events"] == []
    rpc2.call("network.set_name_label", net, "after restart")
    assert rpc2.call("event.get_current_id") > generation


def test_state_file_holds_no_password(sim_factory: Callable[..., SimProcess], tmp_path: Path) -> None:
    state = tmp_path / "pool.db"
    sim = sim_factory("--seed", "empty", "--state", str(state), "--user", "ro:very-secret-pw:read-only")
    Rpc(sim).login()
    sim.stop()
    for path in tmp_path.iterdir():
        data = path.read_bytes()
        assert b"s3cret-pw" not in data and b"very-secret-pw" not in data
    with sqlite3.connect(state) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        classes = {row[0] for row in db.execute("SELECT DISTINCT cls FROM objects")}
    assert "task" not in classes and "VM" in classes


def test_unusable_state_file_is_a_clear_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    bad = tmp_path / "not-a-db"
    bad.write_text("hello, this is not sqlite" * 100)
    proc = subprocess.run(
        [sys.executable, "-m", "xencenter_py", "sim", "--port", "0", "--password", "x", "--state", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "not a simulator state file" in proc.stderr


def test_dump_db_on_sync_and_on_shutdown(sim_factory: Callable[..., SimProcess], tmp_path: Path) -> None:
    from xencenter_py.sim import xmldb
    from xencenter_py.sim.store import Store

    dump = tmp_path / "pool.xml"
    sim = sim_factory("--seed", "empty", "--dump-db", str(dump))
    rpc = Rpc(sim).login()
    pool = rpc.call("pool.get_all")[0]
    rpc.call("pool.set_name_label", pool, "synced")
    rpc.call("pool.sync_database")
    synced = Store()
    xmldb.load(dump, synced)
    assert [p["name_label"] for p in synced.tables["pool"].values()] == ["synced"]
    rpc.call("pool.set_name_label", pool, "at shutdown")
    assert sim.stop() == 0
    final = Store()
    xmldb.load(dump, final)
    assert [p["name_label"] for p in final.tables["pool"].values()] == ["at shutdown"]


def test_state_file_keeps_every_value_type_exactly(tmp_path: Path) -> None:
    """Int-keyed maps, dates, NaN and look-alikes of the file's own tags survive a reload."""
    import datetime as dt
    import math

    from xencenter_py.sim.persistence import Persistence
    from xencenter_py.sim.store import Store

    store = Store()
    when = dt.datetime(2024, 4, 20, 12, 0, tzinfo=dt.UTC)
    metrics = store.add("VM_metrics", {"VCPUs_utilisation": {0: 0.5, 1: math.nan}, "start_time": when})
    vm = store.add("VM", {"name_label": "東京", "other_config": {"$dt": "not a date"}, "metrics": metrics})
    store.add("task", {"name_label": "not persisted"})
    Persistence(tmp_path / "s.db", store).save_all()
    again = Store()
    Persistence(tmp_path / "s.db", again).load()
    m = again.get("VM_metrics", metrics)
    assert m["VCPUs_utilisation"][0] == 0.5 and math.isnan(m["VCPUs_utilisation"][1])
    assert m["start_time"] == when
    assert again.get("VM", vm) == store.get("VM", vm)
    assert again.tables["task"] == {}
    assert again.generation == store.generation
    assert again.created_generation(vm) == store.created_generation(vm)
