"""Connections against the simulator over real sockets: load, events, resync, reconnect."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.conftest import SimProcess, start_sim
from tests.model.shadow import ShadowTree
from tests.model.waiting import wait_until
from xencenter_py.model.connection import Connection, ConnectionState
from xencenter_py.model.tree import NavigationTree
from xencenter_py.xapi.client import XapiSession
from xencenter_py.xapi.errors import Failure

COMPARED = ("pool", "host", "host_metrics", "VM", "SR", "PBD", "VDI", "VBD", "network", "PIF", "VIF")


async def connected(sim: SimProcess, **kw: object) -> Connection:
    conn = Connection(sim.url, "root", sim.password, **kw)  # type: ignore[arg-type]
    await conn.connect()
    return conn


async def test_full_load_equals_get_all_records(demo_sim: SimProcess) -> None:
    conn = await connected(demo_sim)
    try:
        assert conn.state is ConnectionState.CONNECTED and conn.cache.populated
        for cls in COMPARED:
            records = await conn.call(f"{cls}.get_all_records")
            assert records, cls
            cached = {ref: conn.cache.record(cls, ref) for ref in conn.cache.refs(cls)}
            assert cached.keys() == records.keys(), cls
            for ref, rec in records.items():
                for field in ("uuid", "name_label", "power_state", "resident_on", "VBDs", "PBDs", "shared"):
                    if field in rec:
                        assert cached[ref][field] == rec[field], (cls, ref, field)
        assert conn.roles and conn.permissions and "vm.start" in conn.permissions
        assert conn.friendly_name == "Demo Pool"
    finally:
        await conn.disconnect()
    assert conn.state is ConnectionState.DISCONNECTED and len(conn.cache) == 0


async def test_events_reach_the_cache(sim_factory) -> None:
    conn = await connected(sim_factory("--seed", "demo", "--speed", "50"))
    try:
        vm = next(v for v in conn.cache.all("VM") if v.is_real_vm)
        batches: list[int] = []
        conn.cache.subscribe(lambda b: batches.append(len(b)))
        await conn.call("VM.set_name_description", vm.ref, "changed by the test")
        await wait_until(conn, lambda: vm.description == "changed by the test")
        assert batches  # applied through a cache batch, not by the call
        # a burst of changes arrives in a few batches, not one notification per change
        before = len(batches)
        for i in range(200):
            await conn.call("VM.add_tags", vm.ref, f"tag-{i}")
        await wait_until(conn, lambda: len(vm.tags) >= 200)
        assert len(batches) - before < 200
        assert conn.resyncs == 0 and conn.reconnects == 0  # row counts agreed all along
    finally:
        await conn.disconnect()


async def test_wrong_password_and_unreachable_fail_cleanly(demo_sim: SimProcess) -> None:
    conn = Connection(demo_sim.url, "root", "wrong")
    with pytest.raises(Failure) as info:
        await conn.connect()
    assert info.value.code == "SESSION_AUTHENTICATION_FAILED"
    assert conn.state is ConnectionState.FAILED and conn.reason
    dead = Connection("http://127.0.0.1:1", "root", "x")
    with pytest.raises(Exception):  # noqa: B017 - ConnectionLost; the state carries it
        await dead.connect()
    assert dead.state is ConnectionState.FAILED and dead.reason


async def test_session_invalidated_leads_to_clean_resync(sim_factory) -> None:
    sim = sim_factory("--seed", "demo", "--speed", "50")
    conn = await connected(sim)
    other = await XapiSession.login(sim.url, "root", sim.password)
    try:
        vm = next(v for v in conn.cache.all("VM") if v.is_real_vm)
        # Log our session out behind the connection's back: its event.from fails SESSION_INVALID.
        async with conn.session.duplicate() as killer:  # closing a duplicate never logs out
            await killer.call("session.logout")
        await other.call("VM.set_name_label", vm.ref, "renamed while resyncing")
        await wait_until(
            conn,
            lambda: (
                conn.resyncs >= 1 and conn.state is ConnectionState.CONNECTED and vm.name == "renamed while resyncing"
            ),
        )
        # the cache equals the server, nothing stale
        assert set(conn.cache.refs("VM")) == set(await other.call("VM.get_all"))
        await conn.call("VM.set_name_description", vm.ref, "after resync")
        await wait_until(conn, lambda: vm.description == "after resync")
    finally:
        await other.logout()
        await conn.disconnect()


async def test_reconnects_after_the_server_dies_mid_stream(tmp_path: Path) -> None:
    state = tmp_path / "pool.state"
    sim = start_sim("--seed", "demo", "--speed", "50", "--state", str(state))
    port = sim.url.rsplit(":", 1)[1].rstrip("/")
    conn = await connected(sim)
    states: list[ConnectionState] = []
    conn.on_state(states.append)
    restarted: SimProcess | None = None
    try:
        vm = next(v for v in conn.cache.all("VM") if v.is_real_vm)
        await conn.call("VM.set_name_label", vm.ref, "survives restart")
        await wait_until(conn, lambda: vm.name == "survives restart")
        tree = NavigationTree([conn])
        shadow = ShadowTree(tree)
        sim.stop(signal.SIGKILL)  # the pending event.from dies with the process
        await wait_until(conn, lambda: conn.state is ConnectionState.RECONNECTING)
        assert [n.icon for n in tree.root.children] == ["host-connecting"]
        restarted = start_sim("--state", str(state), "--port", port, "--speed", "50")
        await wait_until(conn, lambda: conn.state is ConnectionState.CONNECTED, timeout=30)
        assert states[:2] == [ConnectionState.RECONNECTING, ConnectionState.CONNECTED]
        # the tree went to "connecting" and back through deltas only
        assert shadow.matches(tree) and tree.render_lines() == NavigationTree([conn]).render_lines()
        assert any(line.endswith("\tpool") for line in tree.render_lines())
        assert conn.cache.get("VM", vm.ref) is not None or conn.cache.find_by_uuid("VM", vm.uuid) is not None
        renamed = conn.cache.find_by_uuid("VM", vm.uuid)
        assert renamed.name == "survives restart"
        # and the stream works again
        await conn.call("VM.set_name_description", renamed.ref, "back")
        await wait_until(conn, lambda: renamed.description == "back")
    finally:
        await conn.disconnect()
        if restarted is not None:
            restarted.stop()


async def test_several_pools_on_one_loop(demo_sim: SimProcess, sim_factory) -> None:
    standalone = sim_factory("--seed", "standalone", "--speed", "50")
    a, b = await connected(demo_sim), await connected(standalone)
    try:
        assert a.cache is not b.cache and a.friendly_name != b.friendly_name
        vm = next(v for v in b.cache.all("VM") if v.is_real_vm)
        await b.call("VM.set_name_description", vm.ref, "pool b only")
        await wait_until([a, b], lambda: vm.description == "pool b only")
        assert all(v.description != "pool b only" for v in a.cache.all("VM"))
        tree = NavigationTree([a, b])
        assert [(n.kind, n.label) for n in tree.root.children] == [("pool", "Demo Pool"), ("host", b.friendly_name)]
    finally:
        await a.disconnect()
        await b.disconnect()


async def test_truncated_event_answer_reloads_instead_of_half_applying(sim_factory) -> None:
    """A proxy in front of the simulator cuts one event.from answer in the middle."""
    import httpx

    demo_sim = sim_factory("--seed", "demo", "--speed", "50")

    from tests.xapi.rawserver import Close, Request, http, raw_server

    upstream = httpx.AsyncClient(base_url=demo_sim.url, timeout=60)
    cut = {"done": False}

    async def reply(req: Request) -> bytes:
        body = req.json()
        if body.get("method") == "event.from" and body["params"][2] != "" and not cut["done"]:
            cut["done"] = True
            return Close(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 900\r\n\r\n{"jsonrpc"')
        answer = await upstream.post(req.path, content=req.body, headers={"content-type": "application/json"})
        return http(answer.content)

    try:
        async with raw_server(reply) as proxy:
            conn = Connection(proxy.url, "root", demo_sim.password)
            await conn.connect()
            try:
                await wait_until(
                    conn, lambda: cut["done"] and conn.reconnects >= 1 and conn.state is ConnectionState.CONNECTED
                )
                vm = next(v for v in conn.cache.all("VM") if v.is_real_vm)
                await conn.call("VM.set_name_description", vm.ref, "after the cut")
                await wait_until(conn, lambda: vm.description == "after the cut")
                assert set(conn.cache.refs("VM")) == set(await conn.call("VM.get_all"))
            finally:
                await conn.disconnect()
    finally:
        await upstream.aclose()


async def test_rbac_permissions_of_the_session_drive_commands(sim_factory) -> None:
    from xencenter_py.model.commands import can_run

    sim = sim_factory(
        "--seed", "demo", "--speed", "50", "--user", "viewer:view-pw:read-only", "--user", "vmops:ops-pw:vm-operator"
    )
    viewer = Connection(sim.url, "viewer", "view-pw")
    operator = Connection(sim.url, "vmops", "ops-pw")
    await viewer.connect()
    await operator.connect()
    try:
        assert viewer.permissions is not None and "vm.start" not in viewer.permissions
        vm = next(v for v in viewer.cache.all("VM") if v.is_real_vm and "start" in v.allowed_operations)
        assert can_run("start", [vm]) == (False, "Your role does not allow this action")
        same_vm = operator.cache.get("VM", vm.ref)
        assert can_run("start", [same_vm]) == (True, "")
        host = next(iter(operator.cache.all("host")))
        assert not can_run("host_reboot", [host])[0]  # a VM operator cannot reboot servers
    finally:
        await viewer.disconnect()
        await operator.disconnect()
