"""The simulator as real clients use it: the official XenAPI SDK the way scripts call it,
and XenCenter's login, cache and task sequence over JSON-RPC v1 and v2.
"""

from __future__ import annotations

import time
import xmlrpc.client
from collections.abc import Iterator
from typing import Any

import pytest
import XenAPI

from tests.conftest import PASSWORD, SimProcess, close_proxy
from tests.sim.behaviour_support import GiB, wait_task
from tests.sim.core_support import Rpc

MiB = 1024**2


@pytest.fixture(scope="module")
def x(sim: SimProcess) -> Iterator[Any]:
    session = XenAPI.Session(sim.url)
    session.xenapi.login_with_password("root", PASSWORD)
    yield session.xenapi
    session.xenapi.logout()
    close_proxy(session)


def _halted(x: Any, name: str) -> str:
    """A fresh halted VM (a clone, so tests do not disturb each other)."""
    source = next(
        ref
        for ref, rec in x.VM.get_all_records_where(
            'field "power_state" = "Halted" and field "is_a_template" = "false"'
        ).items()
        if not rec["is_control_domain"] and not rec["is_a_snapshot"]
    )
    return x.VM.clone(source, name)


# ---------------------------------------------------------------------------- SDK: sessions
@pytest.mark.parametrize("args", [("root", PASSWORD), ("root", PASSWORD, "1.0"), ("root", PASSWORD, "2.20", "script")])
def test_login_with_two_three_and_four_arguments(sim: SimProcess, args: tuple[str, ...]) -> None:
    session = XenAPI.Session(sim.url)
    session.xenapi.login_with_password(*args)
    assert session.handle.startswith("OpaqueRef:")
    assert session.API_version == "2.21"  # the SDK reads host.API_version_* of the master
    session.xenapi.session.logout()
    with pytest.raises(xmlrpc.client.Fault):  # no session left: the SDK cannot retry
        session.xenapi.VM.get_all()


def test_login_failure_and_calls_on_a_dead_session(sim: SimProcess) -> None:
    with pytest.raises(XenAPI.Failure) as failure:
        XenAPI.Session(sim.url).xenapi.login_with_password("root", "wrong")
    assert failure.value.details[0] == "SESSION_AUTHENTICATION_FAILED"
    session = XenAPI.Session(sim.url)
    session.login_with_password("root", PASSWORD)  # the older spelling, straight on Session
    handle = session.handle
    session.logout()
    raw = xmlrpc.client.ServerProxy(sim.url)
    answer = getattr(raw, "VM.get_all")(handle)
    assert answer["Status"] == "Failure" and answer["ErrorDescription"] == ["SESSION_INVALID", handle]


# ---------------------------------------------------------------------------- SDK: reading
def test_records_queries_and_lookups(x: Any) -> None:
    records = x.VM.get_all_records()
    running = x.VM.get_all_records_where('field "power_state" = "Running"')
    assert running and set(running) == {r for r, v in records.items() if v["power_state"] == "Running"}
    assert len(x.VM.get_all_records_where("true")) == len(records)
    with pytest.raises(XenAPI.Failure) as bad:
        x.VM.get_all_records_where('field "power_state" = ')
    assert bad.value.details[0] == "INVALID_VALUE"
    ref, rec = next((r, v) for r, v in records.items() if v["name_label"] and not v["is_control_domain"])
    # Filters name database columns, as xe does; numbers compare in their database form.
    assert list(x.VM.get_all_records_where(f'field "name__label" = "{rec["name_label"]}"')) == [ref]
    same_memory = x.VM.get_all_records_where(f'field "memory__static_max" = "{rec["memory_static_max"]}"')
    assert ref in same_memory
    assert ref in x.VM.get_by_name_label(rec["name_label"])
    assert x.VM.get_by_uuid(rec["uuid"]) == ref
    for bad_ref in ("OpaqueRef:bad", "OpaqueRef:NULL", x.host.get_all()[0]):
        with pytest.raises(XenAPI.Failure) as invalid:
            x.VM.get_record(bad_ref)
        assert invalid.value.details == ["HANDLE_INVALID", "VM", bad_ref]


def test_maps_sets_and_duplicate_keys(x: Any) -> None:
    vm = _halted(x, "sdk maps")
    x.VM.add_to_other_config(vm, "owner", "scripts")
    with pytest.raises(XenAPI.Failure) as dup:
        x.VM.add_to_other_config(vm, "owner", "again")
    assert dup.value.details == ["MAP_DUPLICATE_KEY", "VM", "other_config", x.VM.get_uuid(vm), "owner"]
    x.VM.remove_from_other_config(vm, "owner")
    x.VM.remove_from_other_config(vm, "owner")  # removing an absent key is fine
    x.VM.add_tags(vm, "web")
    x.VM.add_tags(vm, "web")
    assert x.VM.get_tags(vm) == ["web"]


# ---------------------------------------------------------------------------- SDK: memory, vCPUs
def test_memory_limits_on_halted_and_running_vms(x: Any) -> None:
    vm = _halted(x, "sdk memory")
    x.VM.set_memory_limits(vm, str(256 * MiB), str(GiB), str(512 * MiB), str(GiB))
    rec = x.VM.get_record(vm)
    fields = ("memory_static_min", "memory_dynamic_min", "memory_dynamic_max", "memory_static_max")
    assert [int(rec[k]) for k in fields] == [256 * MiB, 512 * MiB, GiB, GiB]
    with pytest.raises(XenAPI.Failure) as order:
        x.VM.set_memory_limits(vm, str(256 * MiB), str(512 * MiB), str(GiB), str(GiB))
    assert order.value.details[0] == "MEMORY_CONSTRAINT_VIOLATION"
    x.VM.set_memory(vm, str(768 * MiB))
    assert int(x.VM.get_memory_static_max(vm)) == int(x.VM.get_memory_dynamic_min(vm)) == 768 * MiB
    x.VM.start(vm, False, False)
    with pytest.raises(XenAPI.Failure) as running:
        x.VM.set_memory_limits(vm, str(256 * MiB), str(GiB), str(512 * MiB), str(GiB))
    assert running.value.details[:2] == ["VM_BAD_POWER_STATE", vm]
    x.VM.set_memory_dynamic_range(vm, str(512 * MiB), str(640 * MiB))
    assert int(x.VM_metrics.get_memory_actual(x.VM.get_metrics(vm))) == 640 * MiB
    assert int(x.VM.get_memory_target(vm)) == 640 * MiB
    with pytest.raises(XenAPI.Failure) as too_many:
        x.VM.set_VCPUs_number_live(vm, "999")
    assert too_many.value.details[0] == "INVALID_VALUE"
    x.VM.hard_shutdown(vm)


# ---------------------------------------------------------------------------- SDK: tasks and events
def test_async_call_polled_with_task_getters(x: Any) -> None:
    vm = _halted(x, "sdk async")
    task = x.Async.VM.start(vm, False, False)
    deadline = time.monotonic() + 20
    while x.task.get_status(task) == "pending" and time.monotonic() < deadline:
        assert 0.0 <= float(x.task.get_progress(task)) <= 1.0
        time.sleep(0.02)
    assert x.task.get_status(task) == "success"
    assert x.task.get_result(task) == "<value></value>"
    assert x.task.get_progress(task) == 1.0
    x.task.destroy(task)
    failing = x.Async.VM.start(vm, False, False)
    record = wait_task(x, failing)
    assert record["status"] == "failure" and record["error_info"][:2] == ["VM_BAD_POWER_STATE", vm]
    clone = x.Async.VM.clone(_halted(x, "sdk clone source"), "sdk clone")
    result = wait_task(x, clone)["result"]
    assert result.startswith("<value>OpaqueRef:") and x.VM.get_name_label(result[7:-8]) == "sdk clone"


def test_event_from_spelt_the_way_scripts_spell_it(x: Any, sim: SimProcess) -> None:
    batch = x.event_from(["vm"], "", 0.0)  # XenAPI.py sends "event_from": xapi accepts it
    assert batch["events"] and all(e["class"] == "vm" for e in batch["events"])
    token = batch["token"]
    other = XenAPI.Session(sim.url)
    other.xenapi.login_with_password("root", PASSWORD)
    vm = next(iter(batch["events"]))["ref"]
    other.xenapi.VM.set_name_description(vm, "touched by another session")
    changed = x.event_from(["vm"], token, 10.0)
    assert [e["ref"] for e in changed["events"]] == [vm]
    assert changed["events"][0]["snapshot"]["name_description"] == "touched by another session"
    other.xenapi.session.logout()


def test_legacy_register_and_next(x: Any, sim: SimProcess) -> None:
    vm = _halted(x, "sdk legacy events")
    x.event.register(["vm"])
    other = XenAPI.Session(sim.url)
    other.xenapi.login_with_password("root", PASSWORD)
    other.xenapi.VM.set_name_description(vm, "legacy")
    events = x.event.next()
    assert any(e["ref"] == vm and e["class"] == "vm" and e["snapshot"]["name_description"] == "legacy" for e in events)
    x.event.unregister(["vm"])
    other.xenapi.session.logout()


# ---------------------------------------------------------------------------- admin calls scripts make
def test_alerts_blobs_and_plugins(x: Any) -> None:
    vm = _halted(x, "sdk alerts")
    uuid = x.VM.get_uuid(vm)
    message = x.message.create("SDK_TEST", "3", "VM", uuid, "hello")
    assert message in x.message.get_since("20000101T00:00:00Z")
    assert list(x.message.get("VM", uuid, "20000101T00:00:00Z")) == [message]
    with pytest.raises(XenAPI.Failure) as unknown:
        x.message.create("SDK_TEST", "3", "VM", "no-such-uuid", "hello")
    assert unknown.value.details[0] == "UUID_INVALID"
    x.message.destroy_many([message])
    assert message not in x.message.get_all()
    blob = x.VM.create_new_blob(vm, "notes", "text/plain", False)
    assert x.VM.get_blobs(vm) == {"notes": blob}
    host = x.host.get_all()[0]
    assert x.host.call_plugin(host, "perfmon", "refresh", {}) == ""
    with pytest.raises(XenAPI.Failure) as missing:
        x.host.call_plugin(host, "no-such-plugin", "main", {})
    assert missing.value.details == ["XENAPI_MISSING_PLUGIN", "no-such-plugin"]
    assert x.PIF.get_management(x.host.get_management_interface(host)) is True
    assert x.host.get_server_certificate(host).startswith("-----BEGIN CERTIFICATE-----")
    assert "edition" in x.pool.get_license_state(x.pool.get_all()[0])


def test_data_sources_match_what_rrd_updates_serves(x: Any, sim: SimProcess) -> None:
    host = x.pool.get_master(x.pool.get_all()[0])
    names = {ds["name_label"] for ds in x.host.get_data_sources(host)}
    assert {"cpu0", "memory_total_kib", "memory_free_kib", "loadavg"} <= names
    running = next(
        iter(x.VM.get_all_records_where('field "power_state" = "Running" and field "is_control_domain" = "false"'))
    )
    sources = x.VM.get_data_sources(running)
    assert {"memory", "memory_internal_free", "cpu0"} <= {ds["name_label"] for ds in sources}
    assert set(sources[0]) == {"name_label", "name_description", "enabled", "standard", "units", "min", "max", "value"}
    assert float(x.VM.query_data_source(running, "memory")) > 0
    with pytest.raises(XenAPI.Failure):
        x.VM.query_data_source(running, "no_such_source")


# ---------------------------------------------------------------------------- XenCenter
@pytest.mark.parametrize("v2", [True, False], ids=["jsonrpc-v2", "jsonrpc-v1"])
def test_xencenter_connect_sequence(sim: SimProcess, v2: bool) -> None:
    """``XenConnection``: login, session details, RBAC, roles, clock, then the cache warm-up."""
    rpc = Rpc(sim, v2=v2)
    answer = rpc.raw("session.login_with_password", "root", PASSWORD, "2.20", "XenCenter 8.4.0")
    rpc.session = rpc.unwrap(answer)
    if v2:
        assert set(answer) == {"jsonrpc", "result", "id"}
    else:
        assert set(answer) == {"result", "error", "id"} and answer["error"] is None
    pools = rpc.call("pool.get_all_records")
    master = rpc.call("host.get_record", next(iter(pools.values()))["master"])
    assert (master["API_version_major"], master["API_version_minor"]) == (2, 21)
    assert {"product_version", "product_brand", "platform_version", "xapi", "build_number"} <= set(
        master["software_version"]
    )
    assert rpc.call("session.get_is_local_superuser", rpc.session) is True
    assert "vm.start" in {p.lower() for p in rpc.call("session.get_rbac_permissions", rpc.session)}
    assert any(r["name_label"] == "pool-admin" for r in rpc.call("role.get_all_records").values())
    assert rpc.call("host.get_servertime", next(iter(pools.values()))["master"]).endswith("Z")
    batch = rpc.call("event.from", ["*"], "", 30.0)
    first = batch["events"][0]
    assert set(first) == {"id", "timestamp", "class", "operation", "ref", "snapshot"}
    assert isinstance(first["id"], str) and first["timestamp"] == "0.0" and first["class"].islower()
    assert {"pool", "host", "vm", "sr"} <= {e["class"] for e in batch["events"]}
    assert all(k.islower() for k in batch["valid_ref_counts"])
    assert batch["valid_ref_counts"]["vm"] == len(rpc.call("VM.get_all"))
    start = time.monotonic()
    empty = rpc.call("event.from", ["*"], batch["token"], 0.5)
    assert empty["events"] == [] and time.monotonic() - start >= 0.45
    rpc.call("session.logout")
    with pytest.raises(XenAPI.Failure) as gone:
        rpc.call("VM.get_all")
    assert gone.value.details[0] == "SESSION_INVALID"
    rpc.close()


def test_xencenter_task_polling_and_devices(sim: SimProcess, x: Any) -> None:
    """``AsyncAction``: tag the task, poll ``task.get_record``, read the XML result, destroy it."""
    rpc = Rpc(sim).login()
    template = next(
        r for r, v in rpc.call("VM.get_all_records").items() if v["is_a_template"] and not v["is_default_template"]
    )
    task = rpc.call("Async.VM.clone", template, "xc clone")
    rpc.call("task.add_to_other_config", task, "XenCenterUUID", "0f0e")
    while (record := rpc.call("task.get_record", task))["status"] == "pending":
        time.sleep(0.05)
    assert record["status"] == "success" and record["other_config"]["XenCenterUUID"] == "0f0e"
    clone = record["result"].removeprefix("<value>").removesuffix("</value>")
    assert rpc.call("VM.get_name_label", clone) == "xc clone"
    rpc.call("task.destroy", task)
    with pytest.raises(XenAPI.Failure) as destroyed:
        rpc.call("task.get_record", task)
    assert destroyed.value.details == ["HANDLE_INVALID", "task", task]
    used = {rpc.call("VBD.get_userdevice", vbd) for vbd in rpc.call("VM.get_VBDs", clone)}
    assert used and not used & set(rpc.call("VM.get_allowed_VBD_devices", clone))
    assert rpc.call("VM.get_allowed_VIF_devices", clone)
    rpc.close()
