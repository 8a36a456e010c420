"""Fixtures shared by the behaviour and SDK-client tests: a demo pool per test module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import SimProcess, close_proxy, start_sim
from tests.sim.behaviour_support import login
from tests.sim.core_support import Rpc


@pytest.fixture(scope="module")
def sim() -> Iterator[SimProcess]:
    """A demo pool of the test module's own (its tests change it), at 400x speed."""
    process = start_sim("--seed", "demo", "--speed", "400")
    yield process
    process.stop()


@pytest.fixture(scope="module")
def x(sim: SimProcess) -> Iterator[Any]:
    """The ``xenapi`` proxy of a root session on the module's ``sim``."""
    session = login(sim)
    yield session.xenapi
    session.xenapi.session.logout()
    close_proxy(session)


@pytest.fixture(autouse=True)
def rpc_clients_closed() -> Iterator[None]:
    """Close the keep-alive connection of every JSON-RPC test client the test left open."""
    yield
    for client in list(Rpc.unclosed):
        client.close()
