"""event.from (tokens, subscriptions, blocking, many waiters) and the legacy event API."""

from __future__ import annotations

import asyncio
import time
import xmlrpc.client
from typing import Any

import httpx
import pytest
import XenAPI

from tests.conftest import PASSWORD, SimProcess
from tests.sim.core_support import Rpc, core_sim_fixture, failure, rpc_fixture, xenapi  # noqa: F401  (fixtures)


class AsyncRpc:
    """JSON-RPC v2 over an async client (for concurrent waiters)."""

    def __init__(self, sim: SimProcess, client: httpx.AsyncClient) -> None:
        self.url = sim.jsonrpc_url
        self.http = client
        self.session = ""

    async def call(self, method: str, *params: Any) -> Any:
        body = {"jsonrpc": "2.0", "method": method, "params": [self.session, *params], "id": 1}
        answer = (await self.http.post(self.url, json=body)).json()
        if "error" in answer:
            raise XenAPI.Failure([answer["error"]["message"], *answer["error"]["data"]])
        return answer["result"]

    async def login(self) -> AsyncRpc:
        body = {"jsonrpc": "2.0", "method": "session.login_with_password", "params": ["root", PASSWORD], "id": 1}
        self.session = (await self.http.post(self.url, json=body)).json()["result"]
        return self


def test_initial_load_returns_every_object_as_add(rpc: Rpc) -> None:
    batch = rpc.call("event.from", ["*"], "", 5.0)
    assert set(batch) == {"events", "valid_ref_counts", "token"}
    ops = {e["operation"] for e in batch["events"]}
    assert ops == {"add"}
    classes = {e["class"] for e in batch["events"]}
    assert {"pool", "host", "vm", "host_metrics"} <= classes
    counts = batch["valid_ref_counts"]
    assert counts["vm"] == len(rpc.call("VM.get_all")) and counts["sr"] == len(rpc.call("SR.get_all"))
    assert "task" in counts and "vdi" in counts  # every table, lower-case
    vm_events = [e for e in batch["events"] if e["class"] == "vm"]
    snap = vm_events[0]["snapshot"]
    assert snap == rpc.call("VM.get_record", vm_events[0]["ref"])
    assert isinstance(vm_events[0]["id"], str) and vm_events[0]["timestamp"] == "0.0"
    gen, msg = batch["token"].split(",")
    assert len(gen) == 20 and len(msg) == 20


def test_subscriptions_filter(rpc: Rpc) -> None:
    pool = rpc.call("pool.get_all")[0]
    token = rpc.call("event.from", ["pool"], "", 0.1)["token"]
    rpc.call("pool.set_name_label", pool, "changed")
    host = rpc.call("host.get_all")[0]
    rpc.call("host.set_name_description", host, "changed")
    for spec in (["POOL"], ["Pool"], [f"pool/{pool}"]):
        batch = rpc.call("event.from", spec, token, 1.0)
        assert [(e["class"], e["operation"], e["ref"]) for e in batch["events"]] == [("pool", "mod", pool)]
        assert batch["events"][0]["snapshot"]["name_label"] == "changed"
    batch = rpc.call("event.from", ["nosuchclass"], token, 0.1)
    assert batch["events"] == []
    both = rpc.call("event.from", ["pool", "host"], token, 1.0)
    assert {e["class"] for e in both["events"]} == {"pool", "host"}


def test_token_and_subscription_errors(rpc: Rpc) -> None:
    with pytest.raises(XenAPI.Failure) as e:
        rpc.call("event.from", ["*"], "garbage", 0.1)
    assert failure(e) == ["EVENT_FROM_TOKEN_PARSE_FAILURE", "garbage"]
    with pytest.raises(XenAPI.Failure) as e:
        rpc.call("event.from", ["vm/a/b"], "", 0.1)
    assert failure(e) == ["EVENT_SUBSCRIPTION_PARSE_FAILURE", "vm/a/b"]


def test_timeout_returns_empty_batch_not_earlier(rpc: Rpc) -> None:
    token = rpc.call("event.from", ["pool"], "", 0.1)["token"]
    started = time.monotonic()
    batch = rpc.call("event.from", ["pool"], token, 0.5)
    assert batch["events"] == [] and time.monotonic() - started >= 0.45
    assert batch["token"] >= token


def test_add_mod_del_sequence(rpc: Rpc) -> None:
    token = rpc.call("event.from", ["network"], "", 0.1)["token"]
    net = rpc.call("network.create", {"name_label": "a"})
    batch = rpc.call("event.from", ["network"], token, 1.0)
    assert [(e["operation"], e["ref"]) for e in batch["events"]] == [("add", net)]
    token2 = batch["token"]
    rpc.call("network.set_name_label", net, "b")
    rpc.call("network.destroy", net)
    batch = rpc.call("event.from", ["network"], token2, 1.0)
    assert [(e["operation"], e["ref"]) for e in batch["events"]] == [("del", net)]
    assert "snapshot" not in batch["events"][0]
    # Created and deleted inside the window: nothing at all.
    net2 = rpc.call("network.create", {"name_label": "c"})
    rpc.call("network.destroy", net2)
    assert rpc.call("event.from", ["network"], batch["token"], 0.2)["events"] == []


async def test_many_concurrent_waiters_are_woken_and_others_are_served(core_sim: SimProcess) -> None:
    limits = httpx.Limits(max_connections=60)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:
        admin = await AsyncRpc(core_sim, http).login()
        pool = (await admin.call("pool.get_all"))[0]
        token = (await admin.call("event.from", ["pool"], "", 0.0))["token"]
        waiters = [await AsyncRpc(core_sim, http).login() for _ in range(40)]
        tasks = [asyncio.create_task(w.call("event.from", ["pool"], token, 20.0)) for w in waiters]
        # Blocked waiters do not delay other calls.
        for _ in range(20):
            assert (await admin.call("pool.get_all")) == [pool]
        assert not any(t.done() for t in tasks)
        await admin.call("pool.set_name_description", pool, "wake up")
        batches = await asyncio.wait_for(asyncio.gather(*tasks), 10)
    for batch in batches:
        assert [e["snapshot"]["name_description"] for e in batch["events"]] == ["wake up"]


async def test_logout_wakes_a_blocked_waiter_with_session_invalid(core_sim: SimProcess) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        waiter = await AsyncRpc(core_sim, http).login()
        token = (await waiter.call("event.from", ["pool"], "", 0.0))["token"]
        blocked = asyncio.create_task(waiter.call("event.from", ["pool"], token, 25.0))
        other = await AsyncRpc(core_sim, http).login()
        await other.call("pool.get_all")
        assert not blocked.done()
        await other.call("session.logout_subject_identifier", "nobody")  # unrelated: no effect
        other.session = waiter.session
        await other.call("session.logout")
        with pytest.raises(XenAPI.Failure) as e:
            await asyncio.wait_for(blocked, 10)
        assert failure(e) == ["SESSION_INVALID", waiter.session]


def test_xmlrpc_event_batch_encoding(core_sim: SimProcess) -> None:
    s = xenapi(core_sim)
    body = xmlrpc.client.dumps((s._session, ["host"], "", 1.0), "event.from")
    text = httpx.post(core_sim.url, content=body).text
    assert "<name>valid_ref_counts</name>" in text and "<i4>" in text
    batch = getattr(s.xenapi.event, "from")(["host"], "", 1.0)
    assert batch["valid_ref_counts"]["host"] == 1
    assert batch["events"][0]["class"] == "host" and batch["events"][0]["snapshot"]["API_version_major"] == "2"


def test_inject_and_current_id(rpc: Rpc) -> None:
    pool = rpc.call("pool.get_all")[0]
    before = rpc.call("event.get_current_id")
    assert isinstance(before, int)
    token = rpc.call("event.inject", "pool", pool)
    batch = rpc.call("event.from", ["pool"], token, 1.0)
    assert [(e["operation"], e["ref"]) for e in batch["events"]] == [("mod", pool)]
    assert rpc.call("event.get_current_id") > before
    with pytest.raises(XenAPI.Failure) as e:
        rpc.call("event.inject", "pool", "OpaqueRef:nope")
    assert failure(e)[0] == "HANDLE_INVALID"


def test_legacy_register_next_unregister(core_sim: SimProcess) -> None:
    c = Rpc(core_sim).login()
    with pytest.raises(XenAPI.Failure) as e:
        c.call("event.next")
    assert failure(e) == ["SESSION_NOT_REGISTERED", c.session]
    c.call("event.register", ["pool"])
    pool = c.call("pool.get_all")[0]
    c.call("pool.set_name_label", pool, "legacy")
    host = c.call("host.get_all")[0]
    c.call("host.set_name_label", host, "not subscribed")
    events = c.call("event.next")
    assert [(e["class"], e["operation"], e["ref"]) for e in events] == [("pool", "mod", pool)]
    assert events[0]["snapshot"]["name_label"] == "legacy" and events[0]["timestamp"].endswith(".")
    c.call("event.unregister", ["pool"])
    with pytest.raises(XenAPI.Failure) as e:
        c.call("event.next")
    assert failure(e)[0] == "SESSION_NOT_REGISTERED"
