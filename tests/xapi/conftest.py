"""Simulators for the client tests (module-scoped where tests may change the pool)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest

from tests.conftest import SimProcess, start_sim

FINGERPRINT = re.compile(r"fingerprint sha256 (\S+)")


def fingerprint(sim: SimProcess, timeout: float = 10.0) -> str:
    """The fingerprint the simulator printed (the line follows ``listening on``; wait for it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = FINGERPRINT.search("".join(sim.output))
        if m:
            return m.group(1)
        time.sleep(0.01)
    raise AssertionError("the simulator printed no fingerprint")


@pytest.fixture(scope="module")
def pool_sim() -> Iterator[SimProcess]:
    """A demo pool these tests may change (fast operations)."""
    sim = start_sim("--seed", "demo", "--speed", "50")
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def tls_sim() -> Iterator[SimProcess]:
    sim = start_sim("--seed", "demo", "--tls", "--speed", "50")
    yield sim
    sim.stop()
