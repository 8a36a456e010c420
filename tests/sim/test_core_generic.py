"""Generic datamodel messages for every class, served with no per-class code."""

from __future__ import annotations

import pytest
import XenAPI

from tests.conftest import SimProcess
from tests.sim.core_support import Rpc, core_sim_fixture, failure, rpc_fixture, xenapi  # noqa: F401  (fixtures)
from xencenter_py.datamodel import load


def test_lookups_by_uuid_and_name(rpc: Rpc) -> None:
    host = rpc.call("host.get_all")[0]
    rec = rpc.call("host.get_record", host)
    assert rpc.call("host.get_by_uuid", rec["uuid"]) == host
    assert rpc.call("host.get_uuid", host) == rec["uuid"]
    assert rpc.call("host.get_by_name_label", rec["name_label"]) == [host]
    assert rpc.call("host.get_by_name_label", "no such name") == []
    with pytest.raises(XenAPI.Failure) as e:
        rpc.call("host.get_by_uuid", "00000000-0000-0000-0000-000000000000")
    assert failure(e) == ["UUID_INVALID", "host", "00000000-0000-0000-0000-000000000000"]
    with pytest.raises(XenAPI.Failure) as e:
        rpc.call("SR.get_record", "OpaqueRef:missing")
    assert failure(e) == ["HANDLE_INVALID", "SR", "OpaqueRef:missing"]


def test_every_field_getter_matches_the_record(rpc: Rpc) -> None:
    host = rpc.call("host.get_all")[0]
    rec = rpc.call("host.get_record", host)
    for name in load().classes["host"].fields:
        assert rpc.call(f"host.get_{name}", host) == rec[name], name


def test_setters_maps_and_sets(rpc: Rpc) -> None:
    pool = rpc.call("pool.get_all")[0]
    rpc.call("pool.set_name_label", pool, "Tokyo pool 東京")
    assert rpc.call("pool.get_name_label", pool) == "Tokyo pool 東京"
    rpc.call("pool.add_to_other_config", pool, "folder", "/a")
    with pytest.raises(XenAPI.Failure) as e:
        rpc.call("pool.add_to_other_config", pool, "folder", "/b")
    uuid = rpc.call("pool.get_uuid", pool)
    assert failure(e) == ["MAP_DUPLICATE_KEY", "pool", "other_config", uuid, "folder"]
    rpc.call("pool.remove_from_other_config", pool, "folder")
    rpc.call("pool.remove_from_other_config", pool, "folder")  # absent keys are fine
    rpc.call("pool.add_to_other_config", pool, "folder", "/b")
    assert rpc.call("pool.get_other_config", pool)["folder"] == "/b"
    rpc.call("pool.add_tags", pool, "prod")
    rpc.call("pool.add_tags", pool, "prod")
    rpc.call("pool.add_tags", pool, "tokyo")
    assert rpc.call("pool.get_tags", pool) == ["prod", "tokyo"]
    rpc.call("pool.remove_tags", pool, "prod")
    assert rpc.call("pool.get_tags", pool) == ["tokyo"]
    rpc.call("pool.set_other_config", pool, {})
    assert rpc.call("pool.get_other_config", pool) == {}


def test_enum_keyed_maps(rpc: Rpc) -> None:
    vm = rpc.call("VM.get_all")[0]
    rpc.call("VM.add_to_blocked_operations", vm, "start", "because")
    assert rpc.call("VM.get_blocked_operations", vm) == {"start": "because"}
    with pytest.raises(XenAPI.Failure) as e:
        rpc.call("VM.add_to_blocked_operations", vm, "fly", "x")
    assert failure(e)[0] == "FIELD_TYPE_ERROR"
    rpc.call("VM.remove_from_blocked_operations", vm, "start")


def test_create_and_destroy(rpc: Rpc) -> None:
    net = rpc.call("network.create", {"name_label": "storage net", "MTU": 9000, "other_config": {}})
    rec = rpc.call("network.get_record", net)
    assert rec["name_label"] == "storage net" and rec["MTU"] == 9000
    assert rec["bridge"].startswith("xapi") and rec["PIFs"] == [] and rec["uuid"]  # xapi picks a bridge
    assert net in rpc.call("network.get_all")
    rpc.call("network.destroy", net)
    with pytest.raises(XenAPI.Failure) as e:
        rpc.call("network.get_record", net)
    assert failure(e) == ["HANDLE_INVALID", "network", net]
    with pytest.raises(XenAPI.Failure) as e:
        rpc.call("network.create", "not a struct")
    assert failure(e) == ["FIELD_TYPE_ERROR", "args"]


def test_one_to_many_sets_follow_references(rpc: Rpc) -> None:
    net = rpc.call("network.create", {"name_label": "n"})
    vm = rpc.call("VM.create", {"name_label": "plain", "memory_static_max": 1 << 30})
    vif = rpc.call("VIF.create", {"VM": vm, "network": net, "device": "0", "MAC": "", "MTU": 1500})
    assert rpc.call("VM.get_VIFs", vm) == [vif]
    assert rpc.call("network.get_VIFs", net) == [vif]
    rpc.call("VIF.destroy", vif)
    assert rpc.call("VM.get_VIFs", vm) == []


def test_get_all_records_where(rpc: Rpc) -> None:
    dom0 = rpc.call("VM.get_all_records_where", 'field "is_control_domain"="true"')
    assert len(dom0) == 1 and next(iter(dom0.values()))["is_control_domain"] is True
    none = rpc.call("VM.get_all_records_where", 'field "power_state"="Halted" and field "is_control_domain"="true"')
    assert none == {}
    either = rpc.call("VM.get_all_records_where", '(field "power_state"="Running" or false)')
    assert set(dom0) <= set(either)
    assert rpc.call("VM.get_all_records_where", "true").keys() == rpc.call("VM.get_all_records").keys()
    with pytest.raises(XenAPI.Failure) as e:
        rpc.call("VM.get_all_records_where", 'field "x" ==')
    assert failure(e)[0] == "INVALID_VALUE"


def test_generic_messages_over_xmlrpc(core_sim: SimProcess) -> None:
    x = xenapi(core_sim).xenapi
    sm = x.SM.get_all_records()
    assert isinstance(sm, dict)
    host = x.host.get_all()[0]
    x.host.set_name_description(host, "rack 4")
    assert x.host.get_name_description(host) == "rack 4"
    assert x.host.get_record(host)["name_description"] == "rack 4"


def test_unimplemented_messages_say_so(rpc: Rpc) -> None:
    with pytest.raises(XenAPI.Failure) as e:
        rpc.call("pool.emergency_transition_to_master")
    assert failure(e) == ["NOT_IMPLEMENTED", "pool.emergency_transition_to_master"]
