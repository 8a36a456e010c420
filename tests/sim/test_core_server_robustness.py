"""Bad input never crashes or hangs the server; TLS; the RRD endpoints; the command line."""

from __future__ import annotations

import contextlib
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx
import pytest
import XenAPI

from tests.conftest import SimProcess
from tests.sim.core_support import Rpc, core_sim_fixture, output_line, rpc_fixture, xenapi  # noqa: F401  (fixtures)


def _alive(sim: SimProcess) -> None:
    assert Rpc(sim).login().call("pool.get_all")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<methodCall",
        b"<?xml version='1.0'?><methodCall><params/></methodCall>",
        b"<methodCall><methodName>pool.get_all</methodName><params><param><value><int>x</int></value></param></params></methodCall>",
        b"<methodCall><methodName>pool.get_all</methodName><params><param><value><boolean>7</boolean></value></param></params></methodCall>",
        b"\xff\xfe\x00garbage",
        b"<!DOCTYPE x [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;'>]><methodCall><methodName>&b;</methodName></methodCall>",
    ],
)
def test_malformed_xmlrpc_is_http_500(core_sim: SimProcess, body: bytes) -> None:
    r = httpx.post(core_sim.url, content=body, headers={"Content-Type": "application/x-unknown"})
    assert r.status_code in (200, 500)
    if r.status_code == 500:
        assert r.headers["content-type"].startswith("text/html")
    _alive(core_sim)


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"[]",
        b'{"method": "pool.get_all", "params": [], "id": null}',
        b'{"method": "pool.get_all", "params": [], "jsonrpc": "2.0"}',
        b'{"method": "pool.get_all", "params": {"a": 1}, "id": 1}',
        b'{"method": 5, "params": [], "id": 1}',
        b'{"method": "pool.get_all", "params": [], "id": true}',
        b"\x00\x01\x02",
    ],
)
def test_malformed_jsonrpc_is_http_500(core_sim: SimProcess, body: bytes) -> None:
    r = httpx.post(core_sim.jsonrpc_url, content=body)
    assert r.status_code == 500 and "<html>" in r.text
    _alive(core_sim)


def test_wrong_types_are_api_errors_not_crashes(rpc: Rpc) -> None:
    for method, params in [
        ("pool.set_name_label", [{"a": 1}, 5]),
        ("event.from", ["not a list", "", 1.0]),
        ("event.from", [["*"], 5, "soon"]),
        ("VM.create", [[1, 2, 3]]),
        ("task.create", [None, None]),
    ]:
        with pytest.raises(XenAPI.Failure) as e:
            rpc.call(method, *params)
        assert e.value.details[0] == "FIELD_TYPE_ERROR"


def test_oversized_body_gets_413_and_server_goes_on(core_sim: SimProcess) -> None:
    big = b"<methodCall>" + b" " * (33 * 1024 * 1024) + b"</methodCall>"
    try:
        r = httpx.post(core_sim.url, content=big, timeout=30)
        assert r.status_code == 413
    except httpx.HTTPError:
        pass  # the server may close the connection while we are still sending
    _alive(core_sim)


def test_half_closed_and_abandoned_connections(core_sim: SimProcess) -> None:
    parts = urlsplit(core_sim.url)
    for payload in (
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n<methodCall>",
        b"POST /jsonrpc HTTP/1.1\r\nHost: x\r\n",
        b"GARBAGE\r\n\r\n",
    ):
        with socket.create_connection((parts.hostname, parts.port), timeout=5) as s:
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
            s.settimeout(5)
            with contextlib.suppress(TimeoutError, ConnectionResetError):
                s.recv(1000)
    _alive(core_sim)


def test_keep_alive_reuses_one_connection(core_sim: SimProcess) -> None:
    with httpx.Client() as c:
        for _ in range(20):
            r = c.post(
                core_sim.jsonrpc_url, json={"jsonrpc": "2.0", "method": "pool.get_all", "params": ["x"], "id": 1}
            )
            assert r.status_code == 200
        # httpx keeps a single pooled connection to the server.
        assert len(c._transport._pool.connections) == 1  # type: ignore[attr-defined]


def test_tls_with_pinned_fingerprint(sim_factory: Callable[..., SimProcess], tmp_path: object) -> None:
    sim = sim_factory("--seed", "empty", "--tls")
    assert sim.url.startswith("https://")
    line = output_line(sim, "fingerprint sha256 ")
    expected = line.split()[-1].strip()
    assert len(expected.split(":")) == 32
    parts = urlsplit(sim.url)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection((parts.hostname, parts.port)) as raw, ctx.wrap_socket(raw) as tls:
        der = tls.getpeercert(binary_form=True)
    import hashlib

    assert ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest()) == expected
    with httpx.Client(verify=False) as c:
        r = c.post(
            sim.jsonrpc_url,
            json={"jsonrpc": "2.0", "method": "session.login_with_password", "params": ["root", sim.password], "id": 1},
        )
        assert r.json()["result"].startswith("OpaqueRef:")
    s = XenAPI.Session(sim.url, ignore_ssl=True)
    s.xenapi.login_with_password("root", sim.password, "2.21", "tests")
    assert s.xenapi.pool.get_all()


def test_tls_certificate_is_kept_with_the_state(sim_factory: Callable[..., SimProcess], tmp_path: object) -> None:
    from pathlib import Path

    state = Path(str(tmp_path)) / "pool.db"
    first = sim_factory("--seed", "empty", "--tls", "--state", str(state))
    fp1 = output_line(first, "fingerprint")
    first.stop()
    second = sim_factory("--seed", "empty", "--tls", "--state", str(state))
    fp2 = output_line(second, "fingerprint")
    assert fp1 == fp2


def test_rrd_updates_xml_and_json(core_sim: SimProcess, rpc: Rpc) -> None:
    now = int(time.time())
    host = rpc.call("host.get_all")[0]
    host_uuid = rpc.call("host.get_uuid", host)
    q = {"session_id": rpc.session, "start": str(now - 60), "cf": "AVERAGE", "interval": "5", "host": "true"}
    r = httpx.get(core_sim.url + "/rrd_updates", params=q)
    assert r.status_code == 200 and r.text.startswith("<?xml")
    assert f"<entry>AVERAGE:host:{host_uuid}:cpu0</entry>" in r.text
    assert f"AVERAGE:host:{host_uuid}:memory_free_kib" in r.text
    assert "<step>5</step>" in r.text and "<row><t>" in r.text
    r = httpx.get(core_sim.url + "/rrd_updates", params={**q, "json": "true"})
    doc = r.json()
    legend = doc["meta"]["legend"]
    assert any(e.endswith(":memory_total_kib") for e in legend)
    assert all(isinstance(v, str) for row in doc["data"] for v in row["values"])
    assert int(doc["meta"]["rows"]) == len(doc["data"]) >= 10
    # Newest first, step apart.
    ts = [int(row["t"]) for row in doc["data"]]
    assert ts == sorted(ts, reverse=True) and ts[0] - ts[1] == 5
    dom0 = rpc.call("VM.get_all")[0]
    vm_uuid = rpc.call("VM.get_uuid", dom0)
    r = httpx.get(
        core_sim.url + "/rrd_updates",
        params={"session_id": rpc.session, "start": str(now - 3600), "interval": "60", "vm_uuid": vm_uuid, "json": "1"},
    )
    doc = r.json()
    assert doc["meta"]["step"] == "60"
    assert f"AVERAGE:vm:{vm_uuid}:memory" in doc["meta"]["legend"]
    assert httpx.get(core_sim.url + "/rrd_updates", params={"session_id": rpc.session}).status_code == 400
    assert httpx.get(core_sim.url + "/rrd_updates", params={"session_id": "bad", "start": "0"}).status_code in (
        401,
        403,
    )


def test_full_archives(core_sim: SimProcess, rpc: Rpc) -> None:
    r = httpx.get(core_sim.url + "/host_rrds", params={"session_id": rpc.session})
    assert r.status_code == 200 and r.text.startswith("<rrd><version>0003</version><step>5</step>")
    assert r.text.count("<rra>") == 10 and "<cf>MIN</cf>" in r.text
    dom0 = rpc.call("VM.get_all")[0]
    uuid = rpc.call("VM.get_uuid", dom0)
    r = httpx.get(core_sim.url + "/vm_rrds", params={"session_id": rpc.session, "uuid": uuid, "json": "true"})
    doc = r.json()
    assert [a["pdp_per_row"] for a in doc["rra"]] == ["1", "12", "720", "17280"]
    assert len(doc["rra"][0]["database"]) == 120
    assert httpx.get(core_sim.url + "/vm_rrd", params={"session_id": rpc.session, "uuid": "nope"}).status_code == 404


def test_command_line_without_password_prints_one(sim_factory: Callable[..., SimProcess]) -> None:
    import os
    import signal

    proc = subprocess.Popen(
        [sys.executable, "-m", "xencenter_py", "sim", "--port", "0", "--seed", "empty"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        second = proc.stdout.readline()
        assert first.startswith("root password: ")
        password = first.split(": ", 1)[1].strip()
        url = second.split("listening on ", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:")
        r = httpx.post(
            url + "/jsonrpc",
            json={"jsonrpc": "2.0", "method": "session.login_with_password", "params": ["root", password], "id": 1},
        )
        assert r.json()["result"].startswith("OpaqueRef:")
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(20) == 0
        proc.stdout.close()


@pytest.mark.parametrize(
    "args", [["--user", "bob:pw:emperor"], ["--user", "bob"], ["--pool-size", "x"], ["--speed", "0"]]
)
def test_bad_command_lines_are_clear_errors(args: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "xencenter_py", "sim", "--port", "0", "--password", "x", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and proc.stderr.startswith("xencenter-py sim: ")


def test_nan_and_infinity_on_both_protocols(core_sim: SimProcess, rpc: Rpc) -> None:
    task = rpc.call("task.create", "nan", "")
    body = f'{{"jsonrpc":"2.0","method":"task.set_progress","params":["{rpc.session}","{task}",NaN],"id":1}}'
    assert "error" not in httpx.post(core_sim.jsonrpc_url, content=body).json()
    raw = httpx.post(
        core_sim.jsonrpc_url,
        json={"jsonrpc": "2.0", "method": "task.get_progress", "params": [rpc.session, task], "id": 1},
    )
    assert '"result":NaN' in raw.text
    x = xenapi(core_sim).xenapi
    x.task.set_progress(task, float("inf"))
    text = httpx.post(
        core_sim.url,
        content=(
            "<methodCall><methodName>task.get_progress</methodName><params>"
            f"<param><value>{rpc.session}</value></param><param><value>{task}</value></param></params></methodCall>"
        ),
    ).text
    assert "<double>inf</double>" in text
    assert rpc.call("task.get_progress", task) == float("inf")


def test_rrd_updates_for_a_chosen_host(demo_sim: SimProcess) -> None:
    """One address serves every simulated host: ``host_uuid`` says which one is asked."""
    c = Rpc(demo_sim).login()
    hosts = c.call("host.get_all_records")
    master = c.call("pool.get_master", c.call("pool.get_all")[0])
    other = next(ref for ref in hosts if ref != master)
    uuid = hosts[other]["uuid"]
    q = {"session_id": c.session, "start": str(int(time.time()) - 30), "host": "true", "host_uuid": uuid}
    doc = httpx.get(demo_sim.url + "/rrd_updates", params=q, headers={"Accept": "application/json"}).json()
    host_entries = {e.split(":")[2] for e in doc["meta"]["legend"] if e.split(":")[1] == "host"}
    assert host_entries == {uuid}
    vm_entries = {e.split(":")[2] for e in doc["meta"]["legend"] if e.split(":")[1] == "vm"}
    resident = {c.call("VM.get_uuid", vm) for vm in hosts[other]["resident_VMs"]}
    assert vm_entries == resident
    default = httpx.get(demo_sim.url + "/rrd_updates", params={**q, "host_uuid": ""}).text
    assert hosts[master]["uuid"] in default and uuid not in default


def _exchange(sim: SimProcess, payload: bytes) -> bytes:
    """Send raw bytes and return what the server answers before closing or going quiet."""
    parts = urlsplit(sim.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as s:
        s.sendall(payload)
        return s.recv(4096)


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n<methodCall>", b" 413 "),
        (b"POST / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n", b" 400 "),
        (b"POST / HTTP/1.1\r\nHost: x\r\n" + b"X-H: 1\r\n" * 5000 + b"\r\n", b" 400 "),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\0" * 64, b" 400 "),
        (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", b" 400 "),
    ],
    ids=["huge-announced-body", "huge-header", "too-many-headers", "tls-on-http", "bad-chunking"],
)
def test_hostile_requests_get_an_immediate_http_error(core_sim: SimProcess, payload: bytes, status: bytes) -> None:
    """Answered at once (no waiting for a body that will never come), and the server goes on."""
    assert status in _exchange(core_sim, payload).split(b"\r\n", 1)[0]
    _alive(core_sim)


def test_slow_clients_do_not_hold_up_others(core_sim: SimProcess) -> None:
    parts = urlsplit(core_sim.url)
    slow = [socket.create_connection((parts.hostname, parts.port), timeout=5) for _ in range(100)]
    try:
        for s in slow:
            s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n<?xml")
        started = time.monotonic()
        _alive(core_sim)
        assert time.monotonic() - started < 2.0
    finally:
        for s in slow:
            s.close()


def test_paths_and_methods(core_sim: SimProcess) -> None:
    root = httpx.get(core_sim.url)
    assert root.status_code == 200 and "text/html" in root.headers["content-type"]
    assert httpx.get(core_sim.url.rstrip("/") + "/no/such/path").status_code == 404
    assert httpx.post(core_sim.url.rstrip("/") + "/no/such/path", content=b"x").status_code == 404
    assert httpx.get(core_sim.jsonrpc_url).status_code == 405


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'[{"jsonrpc":"2.0","method":"pool.get_all","params":[],"id":1}]', b"batch requests are not supported"),
        (b'{"jsonrpc":"2.0","method":"pool.get_all","params":[]}', b"id must be"),
        (b'{"jsonrpc":"2.0","method":"pool.get_all","params":{"a":1},"id":1}', b"params must be an array"),
    ],
)
def test_jsonrpc_shapes_xapi_does_not_take_are_named(core_sim: SimProcess, body: bytes, reason: bytes) -> None:
    r = httpx.post(core_sim.jsonrpc_url, content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 500 and reason in r.content
    _alive(core_sim)
