"""Clone, copy, snapshot, revert, destroy, provision and templates over the XenAPI SDK."""

from __future__ import annotations

from typing import Any

import pytest
import XenAPI

from tests.sim.behaviour_support import NULL, GiB, details, sr_by_name, vm_by_name, wait_task


def disks(x: Any, vm: str) -> list[dict[str, Any]]:
    """The VDI records behind a VM's disk VBDs."""
    out = []
    for vbd in x.VM.get_VBDs(vm):
        rec = x.VBD.get_record(vbd)
        if rec["type"] == "Disk" and rec["VDI"] != NULL:
            out.append(x.VDI.get_record(rec["VDI"]) | {"ref": rec["VDI"]})
    return out


def test_clone_on_a_fast_clone_sr_shares_the_sr(x: Any) -> None:
    source = vm_by_name(x, "Windows Server 2019 Staging")
    nfs = sr_by_name(x, "NFS virtual disk storage")
    used_before = int(x.SR.get_physical_utilisation(nfs))
    clone = x.VM.clone(source, "Staging clone")
    rec = x.VM.get_record(clone)
    assert rec["name_label"] == "Staging clone"
    assert rec["power_state"] == "Halted" and rec["is_a_template"] is False
    assert rec["uuid"] != x.VM.get_uuid(source)
    new, old = disks(x, clone), disks(x, source)
    assert [d["SR"] for d in new] == [nfs]
    assert new[0]["ref"] != old[0]["ref"] and new[0]["virtual_size"] == old[0]["virtual_size"]
    # A fast clone is thin: far less new space than the disk's size.
    assert int(x.SR.get_physical_utilisation(nfs)) - used_before < int(old[0]["virtual_size"]) // 10
    macs = {x.VIF.get_MAC(v) for v in x.VM.get_VIFs(clone)} | {x.VIF.get_MAC(v) for v in x.VM.get_VIFs(source)}
    assert len(macs) == 2
    assert "start" in rec["allowed_operations"]
    x.VM.start(clone, False, False)
    assert x.VM.get_power_state(clone) == "Running"
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.clone(clone, "clone of a running VM")
    assert details(err) == ["VM_BAD_POWER_STATE", clone, "halted", "running"]
    x.VM.hard_shutdown(clone)


def test_copy_to_another_sr_is_a_full_copy(x: Any) -> None:
    source = vm_by_name(x, "CentOS 7 Test")
    iscsi = sr_by_name(x, "iSCSI storage")
    used_before = int(x.SR.get_physical_utilisation(iscsi))
    task = x.Async.VM.copy(source, "CentOS copy", iscsi)
    record = wait_task(x, task)
    assert record["status"] == "success", record["error_info"]
    copy = x.VM.get_by_name_label("CentOS copy")[0]
    assert copy in record["result"]
    new = disks(x, copy)
    assert [d["SR"] for d in new] == [iscsi]
    # iSCSI is thin (the deck's table): the copy holds the source's data, not its full size.
    source_disk = disks(x, source)[0]
    assert int(new[0]["physical_utilisation"]) == min(
        int(source_disk["physical_utilisation"]), int(new[0]["virtual_size"])
    )
    assert int(x.SR.get_physical_utilisation(iscsi)) - used_before == int(new[0]["physical_utilisation"])
    assert disks(x, source)[0]["SR"] != iscsi


def test_snapshot_revert_and_the_snapshot_tree(x: Any) -> None:
    vm = vm_by_name(x, "Dev Server")
    original = disks(x, vm)[0]
    previous_parent = x.VM.get_parent(vm)
    snap = x.VM.snapshot(vm, "Before the demo")
    rec = x.VM.get_record(snap)
    assert rec["is_a_snapshot"] is True and rec["is_a_template"] is True
    assert rec["snapshot_of"] == vm and rec["parent"] == previous_parent
    assert snap in x.VM.get_snapshots(vm)
    assert x.VM.get_parent(vm) == snap
    assert snap in x.VM.get_children(previous_parent)
    assert "revert" in rec["allowed_operations"] and "start" not in rec["allowed_operations"]
    snap_disk = disks(x, snap)[0]
    assert snap_disk["is_a_snapshot"] is True and snap_disk["snapshot_of"] == original["ref"]
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.start(snap, False, False)
    assert details(err) == ["VM_IS_SNAPSHOT", snap, "start"]

    assert x.VM.get_power_state(vm) == "Running"
    x.VM.set_name_description(vm, "changed after the snapshot")
    x.VM.revert(snap)
    after = x.VM.get_record(vm)
    assert after["power_state"] == "Halted"
    assert after["parent"] == snap
    reverted = disks(x, vm)[0]
    assert reverted["ref"] not in (original["ref"], snap_disk["ref"])
    assert original["ref"] not in x.VDI.get_all()
    x.VM.start(vm, False, False)
    assert x.VM.get_power_state(vm) == "Running"


def test_checkpoint_reverts_to_a_suspended_vm(x: Any) -> None:
    vm = vm_by_name(x, "Web Server 4")
    checkpoint = x.VM.checkpoint(vm, "With memory")
    assert x.VM.get_power_state(checkpoint) == "Suspended"
    assert x.VM.get_suspend_VDI(checkpoint) != NULL
    x.VM.revert(checkpoint)
    assert x.VM.get_power_state(vm) == "Suspended"
    x.VM.resume(vm, False, False)
    assert x.VM.get_power_state(vm) == "Running"


def test_destroy_keeps_disks_and_refuses_running_vms(x: Any) -> None:
    source = vm_by_name(x, "テスト用 VM")
    clone = x.VM.clone(source, "使い捨て VM")
    vbds, vifs = x.VM.get_VBDs(clone), x.VM.get_VIFs(clone)
    vdis = [d["ref"] for d in disks(x, clone)]
    x.VM.destroy(clone)
    assert clone not in x.VM.get_all()
    assert not set(vbds) & set(x.VBD.get_all()) and not set(vifs) & set(x.VIF.get_all())
    assert set(vdis) <= set(x.VDI.get_all())
    x.VDI.destroy(vdis[0])
    assert vdis[0] not in x.VDI.get_all()
    running = vm_by_name(x, "XenApp Server 01")
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.destroy(running)
    assert details(err) == ["VM_BAD_POWER_STATE", running, "halted, suspended", "running"]
    default = vm_by_name(x, "CentOS 7")
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.destroy(default)
    assert details(err) == ["VM_CANNOT_DELETE_DEFAULT_TEMPLATE", default]


def test_install_from_a_default_template(x: Any) -> None:
    template = vm_by_name(x, "Debian Bookworm 12")
    new = x.VM.clone(template, "Debian from template")
    assert x.VM.get_is_a_template(new) is True
    assert x.VM.get_is_default_template(new) is False
    x.VM.provision(new)
    provisioned = disks(x, new)
    assert len(provisioned) == 1
    assert int(provisioned[0]["virtual_size"]) == 10 * GiB
    assert provisioned[0]["SR"] == x.pool.get_default_SR(x.pool.get_all()[0])
    assert "disks" not in x.VM.get_other_config(new)
    x.VM.set_is_a_template(new, False)
    x.VM.start(new, False, False)
    assert x.VM.get_power_state(new) == "Running"
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.provision(new)
    assert details(err)[0] == "VM_BAD_POWER_STATE"


def test_convert_a_vm_into_a_template(x: Any) -> None:
    vm = x.VM.clone(vm_by_name(x, "CentOS 7 Test"), "To become a template")
    running = vm_by_name(x, "Web Server 2")
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.set_is_a_template(running, True)
    assert details(err) == ["VM_BAD_POWER_STATE", running, "halted", "running"]
    x.VM.set_is_a_template(vm, True)
    rec = x.VM.get_record(vm)
    assert rec["is_a_template"] is True
    assert set(rec["allowed_operations"]) >= {"clone", "copy", "export", "provision"}
    assert "start" not in rec["allowed_operations"]
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.start(vm, False, False)
    assert details(err)[:2] == ["VM_IS_TEMPLATE", vm]


def test_allowed_device_slots(x: Any) -> None:
    vm = vm_by_name(x, "SQL Database Server")
    slots = x.VM.get_allowed_VBD_devices(vm)
    assert "0" not in slots and "1" not in slots and "2" in slots
    assert x.VM.get_allowed_VIF_devices(vm)[:1] == ["2"]
