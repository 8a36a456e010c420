"""VM calls clients use to ask rather than act: operation checks, boot record, agility,
recovery, guest triggers, and the few that only touch one field (BIOS strings).
"""

from __future__ import annotations

from typing import Any

from xencenter_py.sim.behaviours import allowed_ops
from xencenter_py.sim.behaviours.allowed_ops import assert_vm_op
from xencenter_py.sim.operations import Call, implements


@implements("VM.assert_operation_valid")
async def assert_operation_valid(call: Call, vm: str, op: str) -> str:
    assert_vm_op(call.store, vm, op)
    return ""


@implements("VM.update_allowed_operations")
async def update_allowed_operations(call: Call, vm: str) -> str:
    allowed_ops.refresh(call.store, "VM", vm)
    return ""


@implements("VM.get_boot_record")
async def get_boot_record(call: Call, vm: str) -> dict[str, Any]:
    return dict(call.store.get("VM", vm))


@implements("VM.get_cooperative")
async def get_cooperative(call: Call, vm: str) -> bool:
    return True


@implements("VM.query_services")
async def query_services(call: Call, vm: str) -> dict[str, str]:
    assert_vm_op(call.store, vm, "query_services")
    return {}


@implements("VM.call_plugin")
async def vm_call_plugin(call: Call, vm: str, plugin: str, fn: str, args: dict[str, str]) -> str:
    assert_vm_op(call.store, vm, "call_plugin")
    call.fail("XENAPI_MISSING_PLUGIN", plugin)


@implements("VM.send_sysrq")
async def send_sysrq(call: Call, vm: str, key: str) -> str:
    assert_vm_op(call.store, vm, "send_sysrq")
    return ""


@implements("VM.send_trigger")
async def send_trigger(call: Call, vm: str, trigger: str) -> str:
    assert_vm_op(call.store, vm, "send_trigger")
    return ""


@implements("VM.restart_device_models")
async def restart_device_models(call: Call, vm: str) -> str:
    vm_rec = call.store.get("VM", vm)
    if vm_rec["power_state"] != "Running":
        call.fail("VM_BAD_POWER_STATE", vm, "running", vm_rec["power_state"].lower())
    return ""


@implements("VM.copy_bios_strings")
async def copy_bios_strings(call: Call, vm: str, host: str) -> str:
    rec = call.store.get("VM", vm)
    if rec["bios_strings"]:
        call.fail("VM_BIOS_STRINGS_ALREADY_SET")
    call.store.set("VM", vm, "bios_strings", dict(call.store.get("host", host)["bios_strings"]))
    return ""


@implements("VM.get_SRs_required_for_recovery")
async def get_srs_required_for_recovery(call: Call, vm: str, session_to: str) -> list[str]:
    return []


@implements("VM.assert_can_be_recovered")
async def assert_can_be_recovered(call: Call, vm: str, session_to: str) -> str:
    return ""


@implements("VM.snapshot_with_quiesce")
async def snapshot_with_quiesce(call: Call, vm: str, new_name: str) -> str:
    assert_vm_op(call.store, vm, "snapshot_with_quiesce")
    call.fail("VM_SNAPSHOT_WITH_QUIESCE_NOT_SUPPORTED", vm, "quiesced snapshots are no longer supported")
