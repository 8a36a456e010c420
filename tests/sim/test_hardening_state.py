"""A crash never leaves a mess: kill -9 mid-operation leaves no locks and no half-built
objects, and any damaged state file is one clear message with exit status 2."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, start_sim
from tests.sim.behaviour_support import vm_by_name
from tests.sim.core_support import wait_for
from tests.sim.hardening_support import sdk
from xencenter_py.datamodel import NULL_REF
from xencenter_py.sim.persistence import Persistence
from xencenter_py.sim.seeds import seed
from xencenter_py.sim.store import Store


def run_sim(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "xencenter_py", "sim", "--port", "0", "--password", PASSWORD, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def assert_one_clear_line(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("xencenter-py sim: "), proc.stderr
    assert "Traceback" not in proc.stderr and "listening on" not in proc.stdout
    for word in words:
        assert word in lines[0], lines[0]


def test_kill_9_mid_clone_leaves_no_lock_and_no_half_built_vm(tmp_path: Path) -> None:
    state = tmp_path / "pool.state"
    sim = start_sim("--seed", "standalone", "--speed", "0.25", "--state", str(state))
    with sdk(sim) as x:
        vm = vm_by_name(x, "検証用 VM")
        counts = {cls: len(getattr(x, cls).get_all()) for cls in ("VM", "VBD", "VIF", "VDI", "VM_metrics")}
        x.Async.VM.clone(vm, "half-built")
        # the new VM record exists before its disks and devices do
        wait_for(lambda: x.VM.get_by_name_label("half-built"))
        assert x.VM.get_current_operations(vm)
        sim.stop(signal.SIGKILL)
    again = start_sim("--state", str(state), "--speed", "50")
    try:
        with sdk(again) as y:
            assert y.VM.get_by_name_label("half-built") == []
            assert {cls: len(getattr(y, cls).get_all()) for cls in counts} == counts
            record = y.VM.get_record(vm)
            assert record["current_operations"] == {}
            assert {"start", "clone"} <= set(record["allowed_operations"])
            # a finished clone, on the other hand, is kept whole
            new = y.VM.clone(vm, "whole")
            whole = len(y.VM.get_VBDs(vm))
            assert len(y.VM.get_VBDs(new)) == whole
            y.VM.start(vm, False, False)  # not OTHER_OPERATION_IN_PROGRESS
            assert y.VM.get_power_state(vm) == "Running"
    finally:
        again.stop()
    third = start_sim("--state", str(state))
    try:
        with sdk(third) as z:
            assert len(z.VM.get_VBDs(vm_by_name(z, "whole"))) == whole
    finally:
        third.stop()


def test_loading_a_state_clears_operations_that_died_with_the_process(tmp_path: Path) -> None:
    store = Store()
    seed(store, "standalone")
    vm, host = next(iter(store.tables["VM"])), next(iter(store.tables["host"]))
    store.update(
        "VM", vm, {"current_operations": {"OpaqueRef:dead-task": "start"}, "scheduled_to_be_resident_on": host}
    )
    store.set("host", host, "current_operations", {"OpaqueRef:dead-task": "evacuate"})
    saved = Persistence(tmp_path / "s", store)
    saved.save_all()
    saved.close()
    loaded = Store()
    again = Persistence(tmp_path / "s", loaded)
    again.load()
    again.close()
    assert loaded.get("VM", vm)["current_operations"] == {} and loaded.get("host", host)["current_operations"] == {}
    assert loaded.get("VM", vm)["scheduled_to_be_resident_on"] == NULL_REF


@pytest.fixture(scope="module")
def good_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("state") / "pool.state"
    store = Store()
    seed(store, "empty")
    p = Persistence(path, store)
    p.save_all()
    p.close()
    return path


def damaged(good: Path, tmp_path: Path, *sql: str) -> Path:
    path = tmp_path / "pool.state"
    path.write_bytes(good.read_bytes())
    with sqlite3.connect(path) as db:
        for statement in sql:
            db.execute(statement)
    return path


def first_host_row(path: Path) -> tuple[str, dict]:
    with sqlite3.connect(path) as db:
        ref, data = db.execute("SELECT ref, data FROM objects WHERE cls='host'").fetchone()
    return ref, json.loads(data)


@pytest.mark.parametrize(
    "sql,words",
    [
        (["UPDATE objects SET data='{not json' WHERE cls='host'"], ["damaged", "host"]),
        (["UPDATE meta SET value='twelve' WHERE key='generation'"], ["damaged", "generation"]),
        (["UPDATE objects SET data='[1, 2, 3]' WHERE cls='host'"], ["damaged", "host"]),
        (["UPDATE objects SET created='x' WHERE cls='host'"], ["damaged", "host"]),
        (["DELETE FROM meta WHERE key='generation'"], ["damaged", "generation"]),
        (["DROP TABLE objects"], ["damaged"]),
    ],
)
def test_a_damaged_state_file_is_one_clear_message(good_state: Path, tmp_path: Path, sql, words) -> None:
    assert_one_clear_line(run_sim("--state", str(damaged(good_state, tmp_path, *sql))), "--state", *words)


@pytest.mark.parametrize(
    "field,value",
    [
        ("name_label", 5),
        ("PIFs", "not a list"),
        ("other_config", {"k": 1}),
        ("enabled", "yes"),
        ("memory_overhead", 1.5),
    ],
)
def test_fields_of_the_wrong_type_are_damage(good_state: Path, tmp_path: Path, field: str, value: object) -> None:
    ref, rec = first_host_row(good_state)
    rec[field] = value
    path = damaged(good_state, tmp_path, f"UPDATE objects SET data='{json.dumps(rec)}' WHERE ref='{ref}'")
    assert_one_clear_line(run_sim("--state", str(path)), "damaged", "host", field)


def test_random_overwrites_are_one_clear_message(good_state: Path, tmp_path: Path) -> None:
    data = bytearray(good_state.read_bytes())
    for offset in range(100, len(data), 997):
        data[offset : offset + 13] = b"\xde\xad\xbe\xef garbage"
    path = tmp_path / "pool.state"
    path.write_bytes(bytes(data))
    proc = run_sim("--state", str(path))
    if proc.returncode != 0:  # (a lucky overwrite may hit only free space)
        assert_one_clear_line(proc, "--state")


def test_an_empty_or_unusable_state_path_is_never_reseeded(tmp_path: Path) -> None:
    empty = tmp_path / "empty.state"
    empty.touch()
    assert_one_clear_line(run_sim("--state", str(empty)), "empty")
    assert empty.stat().st_size == 0  # left as it was
    blocker = tmp_path / "a-file"
    blocker.touch()
    assert_one_clear_line(run_sim("--state", str(blocker / "pool.state")), "not a directory")
    assert_one_clear_line(run_sim("--state", str(tmp_path)), "directory")


def test_port_out_of_range_is_one_clear_message() -> None:
    assert_one_clear_line(run_sim("--seed", "empty", "--port", "99999"), "--port 99999")
