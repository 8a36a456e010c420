"""Helpers for the simulator-core tests: a shared simulator, JSON-RPC and XenAPI clients."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import httpx
import pytest
import XenAPI

from tests.conftest import PASSWORD, SimProcess, start_sim

MEMBER = re.compile(r"member (\S+) on (https?://\S+)")

USERS = ("--user", "ro:ro-pw:read-only", "--user", "op:op-pw:vm-operator")


class Rpc:
    """A tiny JSON-RPC client (v1 or v2) on one keep-alive connection; clients a test
    leaves open are closed after it (``rpc_clients_closed`` in ``tests/sim/conftest.py``)."""

    unclosed: ClassVar[set[Rpc]] = set()

    def __init__(self, sim: SimProcess, v2: bool = True, timeout: float = 30.0) -> None:
        self.url = sim.jsonrpc_url
        self.v2 = v2
        self.http = httpx.Client(timeout=timeout)
        self.session = ""
        Rpc.unclosed.add(self)

    def raw(self, method: str, *params: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"method": method, "params": list(params), "id": 7}
        if self.v2:
            body["jsonrpc"] = "2.0"
        r = self.http.post(self.url, json=body)
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    def call(self, method: str, *params: Any) -> Any:
        """Call with the session prepended; raise :class:`XenAPI.Failure` on errors."""
        return self.unwrap(self.raw(method, self.session, *params))

    def unwrap(self, answer: dict[str, Any]) -> Any:
        if self.v2:
            if "error" in answer:
                raise XenAPI.Failure([answer["error"]["message"], *answer["error"]["data"]])
            return answer["result"]
        if answer["error"] is not None:
            raise XenAPI.Failure(answer["error"])
        return answer["result"]

    def login(self, user: str = "root", password: str = PASSWORD) -> Rpc:
        self.session = self.unwrap(self.raw("session.login_with_password", user, password, "2.21", "tests"))
        return self

    def close(self) -> None:
        self.http.close()
        Rpc.unclosed.discard(self)


def wait_for(condition: Callable[[], Any], timeout: float = 15.0) -> Any:
    """Wait until ``condition()`` is true and return its value; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)
    return value


def output_line(sim: SimProcess, prefix: str) -> str:
    """The first line the simulator printed that starts with ``prefix`` (lines after
    ``listening on`` arrive a moment later: wait for it)."""
    return wait_for(lambda: next((x for x in list(sim.output) if x.startswith(prefix)), ""))  # type: ignore[no-any-return]


def member_urls(sim: SimProcess, count: int) -> dict[str, str]:
    """Host name → URL from the ``member`` lines (printed just after ``listening on``)."""

    def found() -> dict[str, str]:
        urls = {m.group(1): m.group(2) for line in list(sim.output) if (m := MEMBER.search(line))}
        return urls if len(urls) == count else {}

    return wait_for(found)  # type: ignore[no-any-return]


def xenapi(sim: SimProcess, user: str = "root", password: str = PASSWORD) -> XenAPI.Session:
    s = XenAPI.Session(sim.url)
    s.xenapi.login_with_password(user, password, "2.21", "tests")
    return s


def failure(exc: pytest.ExceptionInfo[XenAPI.Failure]) -> list[str]:
    return list(exc.value.details)


@pytest.fixture(scope="module", name="core_sim")
def core_sim_fixture() -> Iterator[SimProcess]:
    """One empty-seed simulator per test module, with a read-only and a vm-operator user."""
    sim = start_sim("--seed", "empty", "--speed", "50", *USERS)
    yield sim
    sim.stop()


@pytest.fixture(name="rpc")
def rpc_fixture(core_sim: SimProcess) -> Iterator[Rpc]:
    client = Rpc(core_sim).login()
    yield client
    client.close()
