"""Shared fixtures: simulators started as real processes on real sockets."""

from __future__ import annotations

import ipaddress
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import xmlrpc.client
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

LISTENING = re.compile(r"listening on (https?://\S+)")
PASSWORD = "s3cret-pw"
DB_DIR = Path(__file__).parent / "data" / "db"
"""Real XAPI database dumps (copied from the shared reference set)."""


@dataclass
class SimProcess:
    """A running ``xencenter-py sim``: its URL, root password and process."""

    proc: subprocess.Popen[str]
    url: str
    password: str = PASSWORD
    output: list[str] = field(default_factory=list)
    drain: threading.Thread | None = None

    @property
    def jsonrpc_url(self) -> str:
        return self.url.rstrip("/") + "/jsonrpc"

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout=20)
        if self.drain is not None:
            self.drain.join(timeout=20)  # the pipe ends with the process
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        return code


def start_sim(*args: str, password: str = PASSWORD) -> SimProcess:
    """Start ``python -m xencenter_py sim --port 0`` and wait for its ``listening on`` line."""
    cmd = [sys.executable, "-m", "xencenter_py", "sim", "--port", "0", "--password", password, *args]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: list[str] = []
    assert proc.stdout is not None
    # Reading blocks until the simulator prints; a process that dies ends the loop.
    for line in proc.stdout:
        lines.append(line)
        m = LISTENING.search(line)
        if m:
            # Keep draining so a chatty simulator never blocks on a full pipe.
            drain = threading.Thread(target=lambda: lines.extend(proc.stdout or ()), daemon=True)
            drain.start()
            return SimProcess(proc, m.group(1), password, lines, drain)
    proc.wait()
    proc.stdout.close()
    raise RuntimeError(f"simulator exited ({proc.returncode}) before listening:\n{''.join(lines)}")


def _is_local(address: object) -> bool:
    """Whether a ``connect`` target stays on this machine: a Unix socket path, or an IP
    address (or ``localhost``) in 127.0.0.0/8 or ``::1``."""
    if not isinstance(address, tuple):
        return True  # AF_UNIX path (or abstract name)
    host = str(address[0]).strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        return False  # a name: it would be resolved elsewhere first
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


class LeftTheMachine(ConnectionRefusedError):
    """A test tried to connect outside the loopback range (refused before any packet leaves)."""


@pytest.fixture(autouse=True)
def loopback_only() -> Iterator[list[str]]:
    """Fail any test that tries to open a connection outside 127.0.0.0/8 and ``::1``.

    ``socket.socket.connect``/``connect_ex`` are what every client here ends in (httpx and
    asyncio's ``sock_connect`` included), on any thread. The attempt is refused with an
    ``OSError`` (so nothing leaves) and recorded, so the test fails even when the code
    under test swallows the error, e.g. a reconnect loop trying the next address."""
    attempts: list[str] = []
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def check(address: object) -> None:
        if not _is_local(address):
            attempts.append(repr(address))
            raise LeftTheMachine(f"test tried to connect outside loopback: {address!r}")

    def connect(self: socket.socket, address: object) -> None:
        check(address)
        return original_connect(self, address)  # type: ignore[arg-type]

    def connect_ex(self: socket.socket, address: object) -> int:
        check(address)
        return original_connect_ex(self, address)  # type: ignore[arg-type]

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    try:
        yield attempts
    finally:
        socket.socket.connect = original_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = original_connect_ex  # type: ignore[method-assign]
    if attempts:
        pytest.fail(f"connections outside loopback attempted: {', '.join(sorted(set(attempts)))}", pytrace=False)


@pytest.fixture(autouse=True)
def xmlrpc_proxies_closed() -> Iterator[None]:
    """Close the keep-alive connection of every XML-RPC proxy a test made (the official
    SDK's ``XenAPI.Session`` is one): a proxy keeps its socket open until it is closed, and
    a test that logs out is done with the session but not with the socket. Proxies made by
    module-scoped fixtures exist before this starts and are closed by their fixture."""
    made: list[xmlrpc.client.ServerProxy] = []
    original = xmlrpc.client.ServerProxy.__init__

    def init(self: xmlrpc.client.ServerProxy, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        made.append(self)

    xmlrpc.client.ServerProxy.__init__ = init  # type: ignore[method-assign]
    try:
        yield
    finally:
        xmlrpc.client.ServerProxy.__init__ = original  # type: ignore[method-assign]
        for proxy in made:
            close_proxy(proxy)


def close_proxy(proxy: xmlrpc.client.ServerProxy) -> None:
    """Close an XML-RPC proxy's connection (``ServerProxy("close")`` is its close method)."""
    proxy("close")()


@pytest.fixture
def sim_factory() -> Iterator[Callable[..., SimProcess]]:
    """Start simulators with any arguments; all are stopped after the test."""
    started: list[SimProcess] = []

    def factory(*args: str, password: str = PASSWORD) -> SimProcess:
        sim = start_sim(*args, password=password)
        started.append(sim)
        return sim

    yield factory
    for sim in started:
        sim.stop()


@pytest.fixture(scope="session")
def demo_sim() -> Iterator[SimProcess]:
    """One demo pool shared by tests that do not change it (fast speed)."""
    sim = start_sim("--seed", "demo", "--speed", "50")
    yield sim
    sim.stop()
