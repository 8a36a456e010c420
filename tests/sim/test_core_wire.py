"""Wire protocol: XML-RPC as xapi writes it, JSON-RPC v1/v2 key rules, dispatch errors."""

from __future__ import annotations

import re
import xmlrpc.client

import httpx
import pytest
import XenAPI

from tests.conftest import PASSWORD, SimProcess
from tests.sim.core_support import Rpc, core_sim_fixture, failure, rpc_fixture, xenapi  # noqa: F401  (fixtures)


def _xml_call(sim: SimProcess, method: str, *params: object, path: str = "/") -> str:
    body = xmlrpc.client.dumps(tuple(params), method)
    r = httpx.post(sim.url + path, content=body, headers={"Content-Type": "text/xml"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/xml")
    return r.text


def test_xenapi_sdk_login_and_records(core_sim: SimProcess) -> None:
    s = xenapi(core_sim)
    x = s.xenapi
    pools = x.pool.get_all_records()
    assert len(pools) == 1
    pool = next(iter(pools.values()))
    master = pool["master"]
    host = x.host.get_record(master)
    # Untyped XML-RPC ints reach Python as decimal strings, exactly as with real xapi.
    assert host["API_version_major"] == "2"
    assert isinstance(host["enabled"], bool)
    vms = x.VM.get_all_records()
    dom0 = next(v for v in vms.values() if v["is_control_domain"])
    assert dom0["memory_static_max"].isdigit() and int(dom0["memory_static_max"]) >= 2**30
    assert dom0["HVM_shadow_multiplier"] == 1.0
    assert dom0["resident_on"] == master
    assert dom0["suspend_VDI"] == "OpaqueRef:NULL"
    assert isinstance(dom0["snapshot_time"], xmlrpc.client.DateTime)
    # Records carry every datamodel field.
    from xencenter_py.datamodel import load

    assert set(dom0) == set(load().classes["VM"].fields)
    s.xenapi.session.logout()


def test_xmlrpc_value_encoding_is_xapis(core_sim: SimProcess) -> None:
    session = xenapi(core_sim)._session
    text = _xml_call(core_sim, "VM.get_all_records", session)
    assert "<string>" not in text and "<i4>" not in text and "<int>" not in text
    assert "<member><name>Status</name><value>Success</value></member>" in text
    assert re.search(r"<name>memory_static_max</name><value>\d+</value>", text)
    assert "<name>HVM_shadow_multiplier</name><value><double>1</double></value>" in text
    assert "<name>is_control_domain</name><value><boolean>1</boolean></value>" in text
    assert "<dateTime.iso8601>19700101T00:00:00Z</dateTime.iso8601>" in text
    assert "<array><data></data></array>" in text


def test_xmlrpc_failure_envelope(core_sim: SimProcess) -> None:
    text = _xml_call(core_sim, "VM.get_all", "OpaqueRef:not-a-session", path="/RPC2")
    assert "<fault>" not in text
    response = xmlrpc.client.loads(text)[0][0]
    assert response == {"Status": "Failure", "ErrorDescription": ["SESSION_INVALID", "OpaqueRef:not-a-session"]}


def test_xmlrpc_accepts_typed_and_string_ints(core_sim: SimProcess) -> None:
    x = xenapi(core_sim).xenapi
    vm = x.VM.get_all()[0]
    for sent in (1234, "2345", 2**40):
        if isinstance(sent, int) and sent > 2**31:
            sent = str(sent)  # xmlrpc.client refuses big ints; xapi takes strings for int64
        x.VM.set_user_version(vm, sent)
        assert x.VM.get_user_version(vm) == str(sent)
    with pytest.raises(XenAPI.Failure) as e:
        x.VM.set_user_version(vm, "twelve")
    assert failure(e) == ["FIELD_TYPE_ERROR", "value"]
    with pytest.raises(XenAPI.Failure) as e:
        x.VM.set_is_a_template(vm, "true")  # bools must be real <boolean> values
    assert failure(e)[0] == "FIELD_TYPE_ERROR"


def test_jsonrpc_v2_key_rules(core_sim: SimProcess) -> None:
    c = Rpc(core_sim, v2=True).login()
    ok = c.raw("pool.get_all", c.session)
    assert set(ok) == {"jsonrpc", "result", "id"} and ok["jsonrpc"] == "2.0" and ok["id"] == 7
    bad = c.raw("VM.get_record", c.session, "OpaqueRef:nope")
    assert set(bad) == {"jsonrpc", "error", "id"}
    assert bad["error"] == {"code": 1, "message": "HANDLE_INVALID", "data": ["VM", "OpaqueRef:nope"]}
    noparams = httpx.post(c.url, json={"jsonrpc": "2.0", "method": "pool.get_all", "id": "s"}).json()
    assert noparams["error"]["message"] == "MESSAGE_PARAMETER_COUNT_MISMATCH"
    assert noparams["error"]["data"] == ["pool.get_all", "1", "0"] and noparams["id"] == "s"


def test_jsonrpc_v1_key_rules(core_sim: SimProcess) -> None:
    c = Rpc(core_sim, v2=False).login()
    ok = c.raw("pool.get_all", c.session)
    assert set(ok) == {"result", "error", "id"} and ok["error"] is None
    bad = c.raw("pool.get_all", "OpaqueRef:x")
    assert bad["result"] is None and bad["error"] == ["SESSION_INVALID", "OpaqueRef:x"]


def test_json_values_are_typed(rpc: Rpc) -> None:
    vms = rpc.call("VM.get_all_records")
    dom0 = next(v for v in vms.values() if v["is_control_domain"])
    assert isinstance(dom0["memory_static_max"], int) and dom0["memory_static_max"] >= 2**30
    assert isinstance(dom0["VCPUs_max"], int) and dom0["is_control_domain"] is True
    assert dom0["snapshot_time"] == "19700101T00:00:00Z"
    assert dom0["power_state"] == "Running"


def test_sessions_are_shared_across_protocols(core_sim: SimProcess) -> None:
    s = xenapi(core_sim)
    c = Rpc(core_sim)
    c.session = s._session
    assert c.call("pool.get_all") == s.xenapi.pool.get_all()
    c2 = Rpc(core_sim).login()
    s.xenapi.session.logout()
    x = XenAPI.Session(core_sim.url)
    x._session = c2.session
    assert x.xenapi.host.get_all() == c2.call("host.get_all")


def test_dispatch_errors(rpc: Rpc) -> None:
    with pytest.raises(XenAPI.Failure) as e:
        rpc.call("VM.no_such_message")
    assert failure(e) == ["MESSAGE_METHOD_UNKNOWN", "VM.no_such_message"]
    with pytest.raises(XenAPI.Failure) as e:
        rpc.call("VM.set_power_state", "x", "Halted")  # RO field: no setter exists
    assert failure(e)[0] == "MESSAGE_METHOD_UNKNOWN"
    with pytest.raises(XenAPI.Failure) as e:
        rpc.call("VM.get_record")
    assert failure(e) == ["MESSAGE_PARAMETER_COUNT_MISMATCH", "VM.get_record", "2", "1"]
    with pytest.raises(XenAPI.Failure) as e:
        rpc.call("VM.get_record", 12)
    assert failure(e) == ["FIELD_TYPE_ERROR", "self"]


def test_alternative_method_spelling(rpc: Rpc) -> None:
    assert rpc.call("pool_get_all") == rpc.call("pool.get_all")


def test_login_with_older_parameter_counts(core_sim: SimProcess) -> None:
    c = Rpc(core_sim)
    for params in (["root", PASSWORD], ["root", PASSWORD, "1.0"], ["root", PASSWORD, "2.21", "x"]):
        ref = c.unwrap(c.raw("session.login_with_password", *params))
        assert ref.startswith("OpaqueRef:")
    answer = c.raw("session.login_with_password", "root")
    assert answer["error"]["message"] == "MESSAGE_PARAMETER_COUNT_MISMATCH"


def test_optional_trailing_parameters(rpc: Rpc) -> None:
    """Messages with later-added parameters accept the older, shorter form."""
    host = rpc.call("host.get_all")[0]
    from xencenter_py.sim.dispatch import OPTIONAL_TRAILING

    assert "network" in OPTIONAL_TRAILING["host.evacuate"]
    # Both forms pass the dispatcher (the host has no VMs to move, or a behaviour error).
    for params in ([host], [host, "OpaqueRef:NULL"], [host, "OpaqueRef:NULL", 0]):
        try:
            rpc.call("host.evacuate", *params)
        except XenAPI.Failure as e:
            assert e.details[0] not in ("MESSAGE_PARAMETER_COUNT_MISMATCH", "FIELD_TYPE_ERROR")


def test_cors_preflight_and_headers(core_sim: SimProcess) -> None:
    # No origin is allowed unless configured (see test_hardening_limits): no wildcard ever.
    r = httpx.options(core_sim.jsonrpc_url)
    assert r.status_code == 200 and "POST" in r.headers["allow"]
    assert "access-control-allow-origin" not in r.headers
    r = httpx.post(core_sim.jsonrpc_url, json={"jsonrpc": "2.0", "method": "pool.get_all", "params": ["x"], "id": 1})
    assert "access-control-allow-origin" not in r.headers
    assert r.headers["content-type"].startswith("application/json")


def test_every_call_needs_a_session(core_sim: SimProcess) -> None:
    c = Rpc(core_sim)
    for method in ("VM.get_all_records", "event.from", "task.create", "session.get_record"):
        answer = c.raw(method, "", *([["*"], "", 0.1] if method == "event.from" else []))
        assert answer["error"]["message"] in ("SESSION_INVALID", "MESSAGE_PARAMETER_COUNT_MISMATCH")
    answer = c.raw("VM.get_all", "")
    assert answer["error"] == {"code": 1, "message": "SESSION_INVALID", "data": [""]}
