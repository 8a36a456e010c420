"""Clients for the hardening tests that always close their connections."""

from __future__ import annotations

import contextlib
import xmlrpc.client
from collections.abc import Iterator
from typing import Any

import XenAPI

from tests.conftest import PASSWORD, SimProcess
from tests.sim.core_support import Rpc


@contextlib.contextmanager
def sdk(sim: SimProcess, user: str = "root", password: str = PASSWORD) -> Iterator[Any]:
    """An official-SDK session (its ``xenapi`` proxy), logged out and closed afterwards."""
    session = XenAPI.Session(sim.url)
    try:
        session.xenapi.login_with_password(user, password, "2.21", "hardening-tests")
        yield session.xenapi
    finally:
        with contextlib.suppress(Exception):
            session.xenapi.session.logout()
        xmlrpc.client.ServerProxy.__call__(session, "close")()


@contextlib.contextmanager
def rpc(sim: SimProcess, user: str = "root", password: str = PASSWORD) -> Iterator[Rpc]:
    """A logged-in JSON-RPC client, closed afterwards."""
    client = Rpc(sim)
    try:
        yield client.login(user, password)
    finally:
        client.close()
