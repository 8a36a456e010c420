"""One bad call never hurts anyone else: text that is not valid Unicode is refused at the
protocol boundary with xapi's type error, for JSON-RPC and XML-RPC alike."""

from __future__ import annotations

import json
import xmlrpc.client
from pathlib import Path

import httpx
import pytest

from tests.conftest import SimProcess, start_sim
from tests.sim.core_support import USERS, Rpc
from tests.sim.hardening_support import rpc, sdk

SURROGATE = "\ud800"


def post_json(sim: SimProcess, method: str, *params: object) -> httpx.Response:
    # json.dumps escapes the lone surrogate as \ud800, which JSON allows
    body = json.dumps({"jsonrpc": "2.0", "method": method, "params": list(params), "id": 1}).encode()
    return httpx.post(sim.jsonrpc_url, content=body)


@pytest.fixture
def state_sim(tmp_path: Path):
    sim = start_sim("--seed", "empty", "--speed", "50", "--state", str(tmp_path / "pool.state"), *USERS)
    yield sim, tmp_path / "pool.state"
    sim.stop()


def test_lone_surrogates_are_a_type_error_and_poison_nothing(state_sim) -> None:
    sim, state = state_sim
    with rpc(sim) as root, rpc(sim, "ro", "ro-pw") as ro:
        check_surrogates_refused(sim, root, ro)
    sim.stop()
    again = start_sim("--state", str(state))
    try:
        with rpc(again) as root:
            host = root.call("host.get_all")[0]
            assert root.call("host.get_name_label", host) == "still fine"
    finally:
        again.stop()


def check_surrogates_refused(sim: SimProcess, root: Rpc, ro: Rpc) -> None:
    host = root.call("host.get_all")[0]
    cases = [
        (root.session, "host.set_name_label", [host, SURROGATE], "value"),
        (root.session, "host.add_to_other_config", [host, "k" + SURROGATE, "v"], "key"),
        (ro.session, "task.create", ["x" + SURROGATE, "x"], "label"),
        (root.session, "host.set_other_config", [host, {SURROGATE: "v"}], "value"),
    ]
    for session, method, params, name in cases:
        answer = post_json(sim, method, session, *params)
        assert answer.status_code == 200
        assert answer.json()["error"] == {"code": 1, "message": "FIELD_TYPE_ERROR", "data": [name]}, method
    # a surrogate in the session or a login parameter: the same, before anything is looked up
    answer = post_json(sim, "session.login_with_password", "root" + SURROGATE, "x", "1.0", "t")
    assert answer.json()["error"]["message"] == "FIELD_TYPE_ERROR"
    answer = post_json(sim, "host.get_all", SURROGATE)
    assert answer.json()["error"] == {"code": 1, "message": "FIELD_TYPE_ERROR", "data": ["session_id"]}
    # a surrogate in the method name or id cannot even be echoed: a malformed request
    assert post_json(sim, "host.get_all" + SURROGATE, root.session).status_code == 500
    # everyone else carries on, over both protocols, and the state still saves
    root.call("host.set_name_label", host, "still fine")
    with sdk(sim) as x:
        assert x.host.get_name_label(host) == "still fine"
    with rpc(sim, "op", "op-pw") as op:
        assert op.call("host.get_name_label", host) == "still fine"


def test_xmlrpc_cannot_carry_surrogates_either(state_sim) -> None:
    sim, _ = state_sim
    with rpc(sim) as root, sdk(sim) as x:
        host = x.host.get_all()[0]
        # a character reference to a surrogate is not well-formed XML: HTTP 500, as xapi
        body = (
            "<?xml version='1.0'?><methodCall><methodName>host.set_name_label</methodName><params>"
            f"<param><value>{root.session}</value></param><param><value>{host}</value></param>"
            "<param><value>&#xD800;</value></param></params></methodCall>"
        )
        assert httpx.post(sim.url, content=body.encode()).status_code == 500
        with pytest.raises(xmlrpc.client.ProtocolError):
            x.host.set_name_label(host, SURROGATE)  # the SDK sends a character reference
        assert x.host.get_name_label(host) != SURROGATE
