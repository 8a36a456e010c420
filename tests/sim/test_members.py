"""``sim --members``: every pool member answers on its own loopback address, supporters
redirect with ``HOST_IS_SLAVE``, and ``pool.designate_new_master`` moves the coordinator."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import XenAPI

from tests.conftest import PASSWORD, SimProcess, start_sim
from tests.sim.core_support import failure, member_urls


def rpc(url: str, method: str, *params: Any) -> Any:
    """One JSON-RPC v2 call; a failure is raised as :class:`XenAPI.Failure`."""
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
    answer = httpx.post(url.rstrip("/") + "/jsonrpc", json=body, timeout=30).json()
    if "error" in answer:
        raise XenAPI.Failure([answer["error"]["message"], *answer["error"]["data"]])
    return answer["result"]


def login(url: str) -> str:
    return str(rpc(url, "session.login_with_password", "root", PASSWORD, "2.21", "tests"))


@pytest.fixture(scope="module")
def pool() -> Iterator[SimProcess]:
    """A demo pool with its members reachable (not changed by the tests using it)."""
    sim = start_sim("--seed", "demo", "--members", "--speed", "400")
    yield sim
    sim.stop()


@pytest.fixture
def small_pool(sim_factory: Callable[..., SimProcess]) -> SimProcess:
    """A three-host pool without guests, for tests that change the pool."""
    return sim_factory("--pool-size", "3:0", "--members", "--speed", "400")


def test_members_are_printed_and_are_the_host_addresses(pool: SimProcess) -> None:
    urls = member_urls(pool, 2)
    port = urlsplit(pool.url).port
    assert urls == {"xs-demo-02": f"http://127.0.0.2:{port}", "xs-demo-03": f"http://127.0.0.3:{port}"}
    assert next(line for line in pool.output if "on http" in line).startswith("listening on http://127.0.0.1:")
    session = login(pool.url)
    hosts = rpc(pool.url, "host.get_all_records", session)
    assert sorted((h["name_label"], h["address"]) for h in hosts.values()) == [
        ("xs-demo-01", "127.0.0.1"),
        ("xs-demo-02", "127.0.0.2"),
        ("xs-demo-03", "127.0.0.3"),
    ]
    # the management interface carries the same address
    pifs = rpc(pool.url, "PIF.get_all_records", session)
    assert {p["IP"] for p in pifs.values() if p["management"]} == {"127.0.0.1", "127.0.0.2", "127.0.0.3"}


def test_sdk_login_on_a_supporter_names_the_coordinator(pool: SimProcess) -> None:
    member = member_urls(pool, 2)["xs-demo-03"]
    session = XenAPI.Session(member)
    with pytest.raises(XenAPI.Failure) as e:
        session.xenapi.login_with_password("root", PASSWORD, "2.21", "tests")
    assert failure(e) == ["HOST_IS_SLAVE", "127.0.0.1"]
    # even with a wrong password: the supporter does not authenticate
    with pytest.raises(XenAPI.Failure) as e:
        rpc(member, "session.login_with_password", "root", "wrong", "2.21", "tests")
    assert failure(e) == ["HOST_IS_SLAVE", "127.0.0.1"]


def test_pool_session_is_redirected_at_a_supporter(pool: SimProcess) -> None:
    member = member_urls(pool, 2)["xs-demo-02"]
    session = login(pool.url)
    with pytest.raises(XenAPI.Failure) as e:
        rpc(member, "pool.get_all", session)
    assert failure(e) == ["HOST_IS_SLAVE", "127.0.0.1"]
    with pytest.raises(XenAPI.Failure) as e:
        rpc(member, "pool.get_all", "OpaqueRef:not-a-session")
    assert failure(e)[0] == "SESSION_INVALID"
    with pytest.raises(XenAPI.Failure) as e:
        rpc(member, "no_such.method", session)
    assert failure(e)[0] == "MESSAGE_METHOD_UNKNOWN"


def test_emergency_login_works_on_that_member_only(pool: SimProcess) -> None:
    member = member_urls(pool, 2)["xs-demo-02"]
    local = rpc(member, "session.slave_local_login_with_password", "root", PASSWORD)
    this_host = rpc(member, "session.get_this_host", local, local)
    assert rpc(member, "host.get_name_label", local, this_host) == "xs-demo-02"
    with pytest.raises(XenAPI.Failure) as e:
        rpc(pool.url, "pool.get_all", local)
    assert failure(e) == ["SESSION_INVALID", local]
    assert rpc(member, "session.local_logout", local) == ""
    with pytest.raises(XenAPI.Failure) as e:
        rpc(member, "pool.get_all", local)
    assert failure(e)[0] == "SESSION_INVALID"


def test_member_performance_data_is_its_own(pool: SimProcess) -> None:
    member = member_urls(pool, 2)["xs-demo-02"]
    session = login(pool.url)
    host = rpc(pool.url, "host.get_by_name_label", session, "xs-demo-02")[0]
    uuid = rpc(pool.url, "host.get_uuid", session, host)
    answer = httpx.get(
        f"{member}/rrd_updates", params={"session_id": session, "start": int(time.time()) - 60, "host": "true"}
    )
    assert answer.status_code == 200
    assert f"host:{uuid}:" in answer.text


def test_designate_new_master_moves_the_coordinator(small_pool: SimProcess) -> None:
    members = member_urls(small_pool, 2)
    old = small_pool.url
    new_name, new = sorted(members.items())[0]
    new_ip = urlsplit(new).hostname
    session = login(old)
    new_host = rpc(old, "host.get_by_name_label", session, new_name)[0]
    token = rpc(old, "event.from", session, ["*"], "", 0)["token"]
    waiting: list[Any] = []

    def long_poll() -> None:
        try:
            waiting.append(rpc(old, "event.from", session, ["pool"], token, 60))
        except XenAPI.Failure as f:
            waiting.append(f)

    poller = threading.Thread(target=long_poll)
    poller.start()
    assert rpc(old, "pool.designate_new_master", session, new_host) == ""
    poller.join(timeout=30)
    # the long-poll at the old coordinator ends, redirected
    assert isinstance(waiting[0], XenAPI.Failure) and waiting[0].details == ["HOST_IS_SLAVE", new_ip]
    with pytest.raises(XenAPI.Failure) as e:
        login(old)
    assert failure(e) == ["HOST_IS_SLAVE", new_ip]
    with pytest.raises(XenAPI.Failure) as e:
        rpc(old, "pool.get_all", session)
    assert failure(e) == ["HOST_IS_SLAVE", new_ip]
    # sessions are pool-wide: the same one works at the new coordinator
    pool_ref = rpc(new, "pool.get_all", session)[0]
    assert rpc(new, "pool.get_master", session, pool_ref) == new_host
    assert login(new).startswith("OpaqueRef:")


def test_a_member_that_is_down_does_not_answer(small_pool: SimProcess) -> None:
    name, member = sorted(member_urls(small_pool, 2).items())[-1]
    session = login(small_pool.url)
    host = rpc(small_pool.url, "host.get_by_name_label", session, name)[0]
    rpc(small_pool.url, "host.disable", session, host)
    rpc(small_pool.url, "host.shutdown", session, host)
    with pytest.raises(httpx.TransportError):
        rpc(member, "session.login_with_password", "root", PASSWORD, "2.21", "tests")
    with pytest.raises(XenAPI.Failure) as e:
        rpc(small_pool.url, "pool.designate_new_master", session, host)
    assert failure(e)[0] == "HOST_OFFLINE"


@pytest.mark.parametrize(
    "args",
    [("--listen", "::1"), ("--listen", "127.255.255.254")],
    ids=["not-ipv4", "no-room"],
)
def test_members_need_loopback_room(args: tuple[str, ...]) -> None:
    with pytest.raises(RuntimeError, match="--members"):
        start_sim("--seed", "demo", "--members", *args)
