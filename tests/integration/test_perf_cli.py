"""``xencenter-py perf`` against the demo pool: a table or CSV of the same series as the
Performance tab, and one-line errors."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys

from tests.conftest import SimProcess


def perf_cli(*args: str, password: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, XENCENTER_PASSWORD=password)
    return subprocess.run(
        [sys.executable, "-m", "xencenter_py", "perf", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_vm_series_as_csv(demo_sim: SimProcess) -> None:
    done = perf_cli("--server", demo_sim.url, "--vm", "SQL Database Server", "--csv", "-", password=demo_sim.password)
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert rows[0] == [
        "time",
        "cpu0",
        "cpu1",
        "cpu2",
        "cpu3",
        "memory",
        "memory_internal_free",
        "vif_0_tx",
        "vif_0_rx",
        "vif_1_tx",
        "vif_1_rx",
        "vbd_xvda_read",
        "vbd_xvda_write",
        "vbd_xvdb_read",
        "vbd_xvdb_write",
    ]
    assert 110 <= len(rows) - 1 <= 125  # ten minutes of 5-second rows
    assert all(0.0 <= float(r[1]) <= 100.0 for r in rows[1:] if r[1])
    assert rows[1][0].endswith("Z")


def test_host_series_as_a_table_over_a_week(demo_sim: SimProcess) -> None:
    done = perf_cli("--server", demo_sim.url, "--host", "xs-demo-01", "--range", "1w", password=demo_sim.password)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "CPU 0" in lines[0] and "Free Memory" in lines[0]
    assert 160 <= len(lines) - 1 <= 170  # hourly rows
    assert "%" in lines[1] and "GB" in lines[1]


def test_unknown_vm_is_one_line(demo_sim: SimProcess) -> None:
    done = perf_cli("--server", demo_sim.url, "--vm", "No Such VM", password=demo_sim.password)
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "No Such VM" in done.stderr
