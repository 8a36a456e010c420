"""Resource limits, log hygiene and browser safety: one client never hurts another."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import XenAPI

from tests.conftest import PASSWORD, SimProcess, start_sim
from tests.sim.core_support import USERS, wait_for
from tests.sim.hardening_support import rpc, sdk
from xencenter_py.sim import sessions as sessions_module
from xencenter_py.sim.seeds import seed
from xencenter_py.sim.simulator import Simulator
from xencenter_py.sim.store import Store


@pytest.fixture(scope="module")
def sim() -> SimProcess:
    process = start_sim("--seed", "empty", "--speed", "50", "--request-timeout", "1", *USERS)
    yield process
    process.stop()


def address(sim: SimProcess) -> tuple[str, int]:
    parts = urlsplit(sim.url)
    return parts.hostname or "", parts.port or 80


def closed_by_server(sock: socket.socket, within: float) -> bool:
    sock.settimeout(within)
    try:
        data = sock.recv(4096)
    except TimeoutError:
        return False
    # an answer (e.g. 408) is fine too, as long as the connection ends
    while data:
        data = sock.recv(4096)
    return True


def test_idle_and_half_sent_connections_are_closed(sim: SimProcess) -> None:
    idle = socket.create_connection(address(sim))
    half_headers = socket.create_connection(address(sim))
    half_headers.sendall(b"POST /jsonrpc HTTP/1.1\r\nHost: x\r\nContent-Le")
    half_body = socket.create_connection(address(sim))
    half_body.sendall(b"POST /jsonrpc HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
    with idle, half_headers, half_body:
        for sock in (idle, half_headers, half_body):
            assert closed_by_server(sock, within=20)
    with rpc(sim) as root:
        assert root.call("pool.get_all")  # and logins still work


def test_tasks_belong_to_their_session_and_go_with_it(sim: SimProcess) -> None:
    with rpc(sim, "ro", "ro-pw") as ro, rpc(sim) as root:
        made = [ro.call("task.create", "mine", "") for _ in range(5)]
        assert set(made) <= set(root.call("task.get_all"))
        ro.call("session.logout")
        assert not set(made) & set(root.call("task.get_all"))


def test_one_user_cannot_pile_up_tasks(sim: SimProcess) -> None:
    from xencenter_py.sim.tasks import MAX_TASKS_PER_USER

    with rpc(sim, "ro", "ro-pw") as ro, rpc(sim) as root:
        for _ in range(MAX_TASKS_PER_USER + 20):
            ro.call("task.create", "pile", "")
        labels = [r["name_label"] for r in root.call("task.get_all_records").values()]
        assert labels.count("pile") == MAX_TASKS_PER_USER
        ro.call("session.logout")


async def test_eviction_spares_a_session_in_a_long_poll_and_says_so_when_it_cannot(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sessions_module, "SESSIONS_PER_ORIGINATOR", 3)
    store = Store()
    seed(store, "empty")
    sim = Simulator(store, speed=50, users={"root": ("pw", "pool-admin")})
    await sim.start()
    try:
        first = await sim.login("root", "pw")
        token = (await sim.call("event.from", [first, ["*"], "", 0.0]))[0]["token"]
        poll = asyncio.ensure_future(sim.call("event.from", [first, ["*"], token, 30.0]))
        while not sim.sessions.info[first].polls:
            await asyncio.sleep(0)
        others = [await sim.login("root", "pw") for _ in range(3)]
        # the oldest idle session went, not the polling one
        assert first in sim.sessions.info and others[0] not in sim.sessions.info
        for info in sim.sessions.info.values():
            info.polls += 1  # now every session is in a long poll
        with caplog.at_level(logging.WARNING, logger="xencenter_py.sim.sessions"):
            await sim.login("root", "pw")
        assert first not in sim.sessions.info
        assert any("long poll" in r.getMessage() and first in r.getMessage() for r in caplog.records)
        with pytest.raises(Exception, match="SESSION_INVALID"):
            await asyncio.wait_for(poll, 10)
    finally:
        await sim.stop()


def rejected_lines(sim: SimProcess, before: int) -> list[str]:
    return [line for line in list(sim.output)[before:] if line.strip()]


def test_a_deeply_nested_request_is_one_log_line(sim: SimProcess) -> None:
    nested_json = "[" * 100_000 + "]" * 100_000
    body = '{"jsonrpc": "2.0", "method": "pool.get_all", "params": ' + nested_json + ', "id": 1}'
    nested_xml = "<value><array><data>" * 2000 + "</data></array></value>" * 2000
    xml = f"<methodCall><methodName>pool.get_all</methodName><params><param>{nested_xml}</param></params></methodCall>"
    shallow = "[" * 200 + "]" * 200
    medium = '{"jsonrpc": "2.0", "method": "VM.set_tags", "params": ["s", "r", ' + shallow + '], "id": 1}'
    for url, content in ((sim.jsonrpc_url, body), (sim.url, xml)):
        before = len(sim.output)
        assert httpx.post(url, content=content).status_code == 500
        lines = wait_for(lambda before=before: rejected_lines(sim, before))
        assert len(lines) == 1 and "rejected" in lines[0] and len(lines[0]) < 400, lines
    with rpc(sim) as root:
        answer = httpx.post(sim.jsonrpc_url, content=medium.replace('"s"', json.dumps(root.session))).json()
    assert answer["error"]["message"] in ("FIELD_TYPE_ERROR", "HANDLE_INVALID")
    assert not any("Traceback" in line for line in sim.output)


def test_browsers_only_from_allowed_origins() -> None:
    plain = start_sim("--seed", "empty")
    allowing = start_sim("--seed", "empty", "--allow-origin", "http://localhost:3000")
    try:
        login = {"jsonrpc": "2.0", "method": "session.login_with_password", "params": ["root", PASSWORD], "id": 1}
        # a web page elsewhere cannot use a known password (not even blind, without reading)
        r = httpx.post(plain.jsonrpc_url, json=login, headers={"Origin": "http://evil.example"})
        assert r.status_code == 403 and "access-control-allow-origin" not in r.headers
        xml = "<methodCall><methodName>session.login_with_password</methodName></methodCall>"
        assert httpx.post(plain.url, content=xml, headers={"Origin": "null"}).status_code == 403
        r = httpx.options(plain.jsonrpc_url, headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in r.headers
        # tools (no Origin) are unaffected
        assert "result" in httpx.post(plain.jsonrpc_url, json=login).json()
        # a configured origin gets CORS for itself only
        r = httpx.post(allowing.jsonrpc_url, json=login, headers={"Origin": "http://localhost:3000"})
        assert r.headers["access-control-allow-origin"] == "http://localhost:3000" and "result" in r.json()
        r = httpx.options(allowing.jsonrpc_url, headers={"Origin": "http://localhost:3000"})
        assert r.headers["access-control-allow-origin"] == "http://localhost:3000"
        assert httpx.post(allowing.jsonrpc_url, json=login, headers={"Origin": "http://other"}).status_code == 403
    finally:
        plain.stop()
        allowing.stop()


def test_parallel_password_guesses_for_one_user_are_slowed_down(sim: SimProcess) -> None:
    guesses = 6
    errors: list[str] = []

    def guess(n: int) -> None:
        try:
            with sdk(sim, "op", f"wrong-{n}"):
                pass
        except XenAPI.Failure as f:
            errors.append(f.details[0])

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(guesses)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    assert errors == ["SESSION_AUTHENTICATION_FAILED"] * guesses
    # one guess per delay for this user, however many connections
    assert elapsed >= guesses * sessions_module.FAILED_LOGIN_DELAY * 0.9


def test_root_can_change_its_password_as_in_xapi(tmp_path: Path) -> None:
    own = start_sim("--seed", "empty", *USERS)
    try:
        with sdk(own) as root:
            with pytest.raises(XenAPI.Failure) as info:
                root.session.change_password("not the old one", "n3w")
            assert info.value.details[0] == "SESSION_AUTHENTICATION_FAILED"
            root.session.change_password(PASSWORD, "n3w-pw")
        with sdk(own, "root", "n3w-pw") as again:
            assert again.pool.get_all()
        with sdk(own, "op", "op-pw") as op, pytest.raises(XenAPI.Failure) as info:
            op.session.change_password("op-pw", "x")
        assert info.value.details[0] == "RBAC_PERMISSION_DENIED"
    finally:
        own.stop()


def test_sigterm_right_after_listening_still_saves_and_cleans_up(tmp_path: Path) -> None:
    dump = tmp_path / "dump.xml"
    state = tmp_path / "pool.state"
    process = start_sim("--seed", "empty", "--dump-db", str(dump), "--state", str(state), "--tls")
    assert process.stop(signal.SIGTERM) == 0  # (stop also closes the output pipe)
    assert dump.stat().st_size > 0
