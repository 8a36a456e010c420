"""The client against the simulator over real sockets: login, typed calls in both
protocols, events on their own connection, duplicates and logout."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import math

import pytest

from tests.conftest import SimProcess, start_sim
from tests.xapi.rawserver import Request, http, raw_server
from xencenter_py.datamodel import NULL_REF
from xencenter_py.xapi import ConnectionLost, Failure, XapiSession, parse_address


@pytest.mark.parametrize("protocol", ["jsonrpc", "xmlrpc"])
async def test_login_learns_the_pool(pool_sim: SimProcess, protocol: str) -> None:
    async with await XapiSession.login(pool_sim.url, "root", pool_sim.password, protocol=protocol) as s:
        assert s.protocol == protocol and s.ref.startswith("OpaqueRef:")
        assert s.api_version >= (2, 6)
        assert await s.call("pool.get_all") == [s.pool]
        assert await s.call("pool.get_master", s.pool) == s.coordinator != NULL_REF
        assert abs(s.server_time_offset) < 5
        assert abs(s.server_now() - dt.datetime.now(dt.UTC).timestamp()) < 5
        originator = await s.call("session.get_originator", s.ref)
        assert originator == "xencenter-py/0.1"


async def test_auto_prefers_jsonrpc(pool_sim: SimProcess) -> None:
    async with await XapiSession.login(pool_sim.url, "root", pool_sim.password) as s:
        assert s.protocol == "jsonrpc"


async def test_both_protocols_decode_to_the_same_values(pool_sim: SimProcess) -> None:
    """The strongest check of the codec: XML-RPC (ints as strings, typed dates) and JSON-RPC
    (native numbers, date strings) must give identical Python values for every class."""
    async with (
        await XapiSession.login(pool_sim.url, "root", pool_sim.password, protocol="jsonrpc") as js,
        await XapiSession.login(pool_sim.url, "root", pool_sim.password, protocol="xmlrpc") as xs,
    ):
        for cls in ("VM", "host", "host_metrics", "VM_metrics", "SR", "VDI", "VBD", "network", "PIF", "pool", "task"):
            from_json = await js.call(f"{cls}.get_all_records")
            from_xml = await xs.call(f"{cls}.get_all_records")
            assert _comparable(from_json) == _comparable(from_xml), cls
        vms = await js.call("VM.get_all_records")
        vm = next(iter(vms.values()))
        assert isinstance(vm["memory_static_max"], int) and isinstance(vm["snapshot_time"], dt.datetime)
        assert isinstance(vm["HVM_shadow_multiplier"], float) and isinstance(vm["is_a_template"], bool)
        metrics = await xs.call("VM_metrics.get_all_records")
        for m in metrics.values():
            assert all(isinstance(k, int) for k in m["VCPUs_utilisation"])


def _comparable(value: object) -> object:
    """NaN never equals itself: make it comparable."""
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return value


async def test_wrong_password(pool_sim: SimProcess) -> None:
    with pytest.raises(Failure) as exc:
        await XapiSession.login(pool_sim.url, "root", "not-the-password")
    assert exc.value.code == "SESSION_AUTHENTICATION_FAILED"
    assert "password" in exc.value.message().lower()


async def test_unknown_method_is_a_failure(pool_sim: SimProcess) -> None:
    async with await XapiSession.login(pool_sim.url, "root", pool_sim.password) as s:
        with pytest.raises(Failure) as exc:
            await s.call("VM.no_such_call")
        assert exc.value.code == "MESSAGE_METHOD_UNKNOWN"
        with pytest.raises(Failure) as exc:
            await s.call("VM.get_record", "OpaqueRef:does-not-exist")
        assert exc.value.code == "HANDLE_INVALID" and exc.value.params[0] == "VM"


async def test_nothing_listening_is_connection_lost() -> None:
    async with raw_server(lambda r: None) as srv:
        url = srv.url  # the port is closed again when the block ends
    with pytest.raises(ConnectionLost):
        await XapiSession.login(url, "root", "x", timeout=5)


async def test_events_and_calls_use_separate_connections(pool_sim: SimProcess) -> None:
    async with await XapiSession.login(pool_sim.url, "root", pool_sim.password) as s:
        first = await s.event_from(["vm"], "", 5.0)
        assert first.events and all(e.operation == "add" and e.cls == "VM" for e in first.events)
        vm = first.events[0].ref
        # A long-poll that has nothing to report blocks; calls must not queue behind it.
        waiting = asyncio.ensure_future(s.event_from(["vm"], first.token, 20.0))
        for _ in range(20):
            await s.call("pool.get_all")
        assert not waiting.done()
        await s.call("VM.set_name_description", vm, "changed by the client test")
        batch = await asyncio.wait_for(waiting, 10)
        changed = [e for e in batch.events if e.ref == vm]
        assert changed and changed[-1].operation == "mod"
        assert changed[-1].snapshot["name_description"] == "changed by the client test"
        assert batch.valid_ref_counts["vm"] == len(first.events)


async def test_event_timeout_returns_empty_batch(pool_sim: SimProcess) -> None:
    async with await XapiSession.login(pool_sim.url, "root", pool_sim.password) as s:
        start = await s.event_from(["vm"], "", 5.0)
        empty = await s.event_from(["vm"], start.token, 0.2)
        assert empty.events == [] and empty.token


async def test_duplicate_shares_the_session_and_does_not_log_out(pool_sim: SimProcess) -> None:
    s = await XapiSession.login(pool_sim.url, "root", pool_sim.password)
    dup = s.duplicate()
    assert dup.ref == s.ref and dup.coordinator == s.coordinator and dup.api_version == s.api_version
    assert await dup.call("pool.get_all") == [s.pool]
    await dup.aclose()
    assert await s.call("pool.get_all") == [s.pool]  # still logged in
    other = s.duplicate()
    await s.logout()
    with pytest.raises(Failure) as exc:
        await other.call("pool.get_all")
    assert exc.value.code == "SESSION_INVALID"
    await other.aclose()
    with pytest.raises(ConnectionLost):
        await s.call("pool.get_all")


async def test_logout_wakes_a_blocked_event_wait(pool_sim: SimProcess) -> None:
    s = await XapiSession.login(pool_sim.url, "root", pool_sim.password)
    dup = s.duplicate()
    start = await dup.event_from(["vm"], "", 5.0)
    waiting = asyncio.ensure_future(dup.event_from(["vm"], start.token, 30.0))
    await asyncio.sleep(0)  # let the request go out before logging out
    await s.logout()
    with pytest.raises(Failure) as exc:
        await asyncio.wait_for(waiting, 10)
    assert exc.value.code == "SESSION_INVALID"
    await dup.aclose()


async def test_old_server_without_jsonrpc_falls_back_to_xmlrpc(pool_sim: SimProcess) -> None:
    """A front that answers 404 on /jsonrpc (as pre-JSON-RPC servers did) and passes XML-RPC
    through to the simulator: "auto" must end up on XML-RPC with a working session."""
    import httpx

    async with httpx.AsyncClient() as upstream:

        async def front(req: Request) -> bytes:
            if req.path.startswith("/jsonrpc"):
                return http("<html><body>404 Not Found</body></html>", "404 Not Found", "text/html")
            answer = await upstream.post(
                pool_sim.url + req.path, content=req.body, headers={"Content-Type": "text/xml"}
            )
            return http(answer.content, ctype="text/xml")

        async with raw_server(front) as srv:
            async with await XapiSession.login(srv.url, "root", pool_sim.password) as s:
                assert s.protocol == "xmlrpc"
                assert await s.call("pool.get_all") == [s.pool]
            assert srv.requests[0].path == "/jsonrpc"
        with pytest.raises(Exception) as exc:
            async with raw_server(front) as srv:
                await XapiSession.login(srv.url, "root", pool_sim.password, protocol="jsonrpc")
        assert "JSON-RPC" in str(exc.value)


def test_addresses() -> None:
    assert parse_address("pool.example.com").url == "https://pool.example.com:443"
    assert parse_address("10.0.0.1:80").url == "http://10.0.0.1:80"
    assert parse_address("10.0.0.1:8080").scheme == "http"
    assert parse_address("10.0.0.1:8443").url == "https://10.0.0.1:8443"
    assert parse_address("http://127.0.0.1:1234/jsonrpc").url == "http://127.0.0.1:1234"
    assert parse_address("https://[::1]:8443").key == "[::1]:8443"
    assert parse_address("http://127.0.0.1:9").with_host("10.0.0.2").url == "http://10.0.0.2:9"
    for bad in ("", "ftp://x", "host:notaport", "http://"):
        with pytest.raises(ValueError):
            parse_address(bad)


async def test_several_pools_at_once() -> None:
    """Sessions to two pools on one loop stay independent (each sees only its own pool)."""
    sims = [start_sim("--seed", "demo", "--speed", "50") for _ in range(2)]
    try:
        sessions = await asyncio.gather(*(XapiSession.login(p.url, "root", p.password) for p in sims))
        await asyncio.gather(*(s.call("pool.set_name_label", s.pool, f"pool {i}") for i, s in enumerate(sessions)))
        names = await asyncio.gather(*(s.call("pool.get_name_label", s.pool) for s in sessions))
        assert names == ["pool 0", "pool 1"]
        await asyncio.gather(*(s.logout() for s in sessions))
    finally:
        for p in sims:
            p.stop()


async def test_supporter_answers_host_is_slave() -> None:
    """The simulator cannot act as a pool supporter, so a front answers login the way a
    supporter does; the caller gets the coordinator's address to follow."""

    def supporter(req: Request) -> bytes:
        error = {"code": 1, "message": "HOST_IS_SLAVE", "data": ["192.0.2.10"]}
        return http(json.dumps({"jsonrpc": "2.0", "error": error, "id": req.json()["id"]}))

    async with raw_server(supporter) as srv:
        with pytest.raises(Failure) as exc:
            await XapiSession.login(srv.url, "root", "pw")
    assert exc.value.code == "HOST_IS_SLAVE" and exc.value.params == ["192.0.2.10"]
    assert "192.0.2.10" in exc.value.message()
    follow = parse_address(srv.url).with_host(exc.value.params[0])
    assert follow.url == f"http://192.0.2.10:{parse_address(srv.url).port}"


async def test_int64_arguments_over_xmlrpc(pool_sim: SimProcess) -> None:
    """Python's XML-RPC refuses ints ≥ 2³¹: the codec sends them as decimal strings."""
    async with (
        await XapiSession.login(pool_sim.url, "root", pool_sim.password, protocol="xmlrpc") as xs,
        await XapiSession.login(pool_sim.url, "root", pool_sim.password, protocol="jsonrpc") as js,
    ):
        (vm,) = await xs.call("VM.get_by_name_label", "テスト用 VM")
        five_gib = 5 << 30
        await xs.call("VM.set_memory_static_max", vm, five_gib)
        assert await js.call("VM.get_memory_static_max", vm) == five_gib
        assert await xs.call("VM.get_memory_static_max", vm) == five_gib
