"""Cross-pool migration between two simulators over loopback, driven by the official SDK as
XenCenter's wizard does: the destination's migrate_receive token, assert_can_migrate with
VDI and VIF maps, then Async.VM.migrate_send."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import XenAPI

from tests.conftest import SimProcess, close_proxy, start_sim
from tests.sim.behaviour_support import details, login, vm_by_name, wait_task


@pytest.fixture(scope="module")
def lab() -> Iterator[SimProcess]:
    """The standalone server, the destination pool."""
    process = start_sim("--seed", "standalone", "--speed", "400")
    yield process
    process.stop()


@pytest.fixture(scope="module")
def y(lab: SimProcess) -> Iterator[Any]:
    session = login(lab)
    yield session.xenapi
    session.xenapi.session.logout()
    close_proxy(session)


def maps(x: Any, y: Any, vm: str) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """The token for the lab's host and maps of every disk and VIF to its local SR / network."""
    host = y.host.get_all()[0]
    network = next(n for n in y.network.get_all() if y.network.get_bridge(n) == "xenbr0")
    local_sr = next(s for s in y.SR.get_all() if y.SR.get_type(s) in ("lvm", "ext"))
    token = y.host.migrate_receive(host, network, {})
    disks = [x.VBD.get_VDI(b) for b in x.VM.get_VBDs(vm) if not x.VBD.get_empty(b)]
    return token, {d: local_sr for d in disks}, {v: network for v in x.VM.get_VIFs(vm)}


def test_a_running_vm_moves_to_the_standalone_server(x: Any, y: Any) -> None:
    vm = vm_by_name(x, "Web Server 1")
    uuid = x.VM.get_uuid(vm)
    token, vdi_map, vif_map = maps(x, y, vm)
    assert token["master"].startswith("http://127.") and token["session_id"].startswith("OpaqueRef:")
    x.VM.assert_can_migrate(vm, token, True, vdi_map, vif_map, {}, {})
    task = x.Async.VM.migrate_send(vm, token, True, vdi_map, vif_map, {}, {})
    record = wait_task(x, task, timeout=60)
    assert record["status"] == "success", record["error_info"]
    assert 150 <= int(record["other_config"]["migration_downtime_ms"]) <= 2000
    arrived = y.VM.get_by_uuid(uuid)
    assert y.VM.get_power_state(arrived) == "Running"
    assert y.VM.get_resident_on(arrived) == y.host.get_all()[0]
    assert len(y.VM.get_VBDs(arrived)) >= 1 and len(y.VM.get_VIFs(arrived)) == 2
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.get_by_uuid(uuid)
    assert details(err)[0] == "UUID_INVALID"
    for vdi in vdi_map:
        with pytest.raises(XenAPI.Failure):
            x.VDI.get_record(vdi)


def test_the_destination_refuses_what_it_cannot_take(x: Any, y: Any) -> None:
    vm = vm_by_name(x, "SQL Database Server")  # 7 GiB does not fit beside the lab's VMs
    token, vdi_map, vif_map = maps(x, y, vm)
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.assert_can_migrate(vm, token, True, vdi_map, vif_map, {}, {})
    assert details(err)[0] in ("HOST_NOT_ENOUGH_FREE_MEMORY", "SR_FULL")
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.assert_can_migrate(vm, token, True, {}, vif_map, {}, {})
    assert details(err)[0] == "VDI_NOT_IN_MAP"
    bad = {**token, "master": "http://192.0.2.10/"}
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.assert_can_migrate(vm, bad, True, vdi_map, vif_map, {}, {})
    assert details(err)[0] == "VM_MIGRATE_FAILED"


def test_a_halted_vm_moves_with_its_disks(x: Any, y: Any) -> None:
    vm = vm_by_name(x, "CentOS 7 Test")
    uuid = x.VM.get_uuid(vm)
    token, vdi_map, vif_map = maps(x, y, vm)
    task = x.Async.VM.migrate_send(vm, token, False, vdi_map, vif_map, {}, {})
    assert wait_task(x, task, timeout=60)["status"] == "success"
    assert y.VM.get_power_state(y.VM.get_by_uuid(uuid)) == "Halted"


def test_the_peer_calls_refuse_bad_payloads(x: Any) -> None:
    """Garbage sent to the simulator-to-simulator calls is refused with an error, never a crash."""
    bad = ["", "not json", "[]", "{}", '{"vm": 1, "disks": [], "vifs": []}', '{"host": "x", "records": [["host"]]}']
    for payload in bad:
        for call in (lambda p: x.simulator.receive_vm(p, True), lambda p: x.simulator.accept_member(p, False)):
            with pytest.raises(XenAPI.Failure) as err:
                call(payload)
            assert details(err)[0] in ("INVALID_VALUE", "FIELD_TYPE_ERROR", "HANDLE_INVALID"), (payload, details(err))
    odd_host = '{"host": "OpaqueRef:h", "records": [["host", "OpaqueRef:h", {"uuid": "u-1", "software_version": 5}]]}'
    with pytest.raises(XenAPI.Failure) as err:
        x.simulator.accept_member(odd_host, False)
    assert details(err)[0] in ("FIELD_TYPE_ERROR", "INVALID_VALUE")
    bare_host = '{"host": "OpaqueRef:h", "records": [["host", "OpaqueRef:h", {"uuid": "u-2"}]]}'
    with pytest.raises(XenAPI.Failure) as err:
        x.simulator.accept_member(bare_host, False)
    assert details(err)[0] == "POOL_HOSTS_NOT_COMPATIBLE"
    assert "OpaqueRef:h" not in x.host.get_all()


def test_receive_vm_types_every_field(x: Any) -> None:
    host = x.host.get_all()[0]
    wrong = json.dumps({"host": host, "vm": {"memory_static_max": "lots"}, "disks": [], "vifs": []})
    with pytest.raises(XenAPI.Failure) as err:
        x.simulator.receive_vm(wrong, True)
    assert details(err)[0] in ("FIELD_TYPE_ERROR", "INVALID_VALUE")
    shapeless = json.dumps({"host": host, "vm": {}, "disks": [1], "vifs": []})
    with pytest.raises(XenAPI.Failure) as err:
        x.simulator.receive_vm(shapeless, True)
    assert details(err)[0] == "INVALID_VALUE"
