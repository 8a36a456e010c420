"""The demo's simulators live exactly as long as the console that started them: closed by
SIGTERM or Ctrl+C the console stops them cleanly; killed outright, its simulators notice
the closed pipe and stop too. Their passwords never appear on a command line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

DEADLINE = 60.0


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        if ppid == pid:
            found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> list[str]:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().decode().split("\0")
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    try:
        return status.read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def _wait_for(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    """Poll a condition another process must bring about (no event to wait on across processes)."""
    end = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def console(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XENCENTER_PY_CONFIG_DIR=str(tmp_path / "config"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "xencenter_py", "--demo"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=20)


def _simulators(console: subprocess.Popen[bytes]) -> list[int]:
    sims: list[int] = []

    def started() -> bool:
        sims[:] = [p for p in _children(console.pid) if "sim" in _cmdline(p)]
        return len(sims) == 2

    _wait_for(started, "the two demo simulators")
    return sims


def test_simulators_stop_when_the_console_is_killed(console: subprocess.Popen[bytes]) -> None:
    sims = _simulators(console)
    for pid in sims:
        cmd = _cmdline(pid)
        assert "--password" not in cmd and "--password-stdin" in cmd
    console.kill()
    console.wait(timeout=20)
    _wait_for(lambda: not any(_alive(p) for p in sims), "the orphaned simulators to stop")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_closes_the_console_and_its_simulators(console: subprocess.Popen[bytes], sig: int) -> None:
    sims = _simulators(console)
    console.send_signal(sig)
    assert console.wait(timeout=DEADLINE) == 0
    _wait_for(lambda: not any(_alive(p) for p in sims), "the simulators to stop with the console")
