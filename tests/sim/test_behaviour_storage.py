"""Disks, CDs and storage capacity over the XenAPI SDK (§10)."""

from __future__ import annotations

from typing import Any

import pytest
import XenAPI

from tests.sim.behaviour_support import NULL, GiB, details, sr_by_name, vm_by_name

TiB = 1024**4


def new_disk(x: Any, sr: str, size: int, name: str = "data disk") -> str:
    return x.VDI.create(
        {
            "name_label": name,
            "name_description": "",
            "SR": sr,
            "virtual_size": str(size),
            "type": "user",
            "sharable": False,
            "read_only": False,
            "other_config": {},
        }
    )


def test_create_resize_destroy_account_for_space(x: Any) -> None:
    sr = sr_by_name(x, "Local storage")  # thick LVM: space is taken at once
    used = int(x.SR.get_physical_utilisation(sr))
    allocated = int(x.SR.get_virtual_allocation(sr))
    vdi = new_disk(x, sr, 10 * GiB)
    assert int(x.SR.get_physical_utilisation(sr)) == used + 10 * GiB
    assert int(x.SR.get_virtual_allocation(sr)) == allocated + 10 * GiB
    assert vdi in x.SR.get_VDIs(sr)
    allowed = set(x.VDI.get_allowed_operations(vdi))
    # The deck's table: plain LVM resizes, but neither clones fast nor snapshots.
    assert {"resize", "destroy", "copy"} <= allowed and not {"clone", "snapshot"} & allowed
    x.VDI.resize(vdi, str(12 * GiB))
    assert int(x.VDI.get_virtual_size(vdi)) == 12 * GiB
    assert int(x.SR.get_physical_utilisation(sr)) == used + 12 * GiB
    x.VDI.destroy(vdi)
    assert int(x.SR.get_physical_utilisation(sr)) == used
    assert vdi not in x.SR.get_VDIs(sr)


def test_sr_full(x: Any) -> None:
    sr = sr_by_name(x, "Local storage")
    free = int(x.SR.get_physical_size(sr)) - int(x.SR.get_physical_utilisation(sr))
    with pytest.raises(XenAPI.Failure) as err:
        new_disk(x, sr, TiB)
    assert details(err) == ["SR_FULL", str(TiB), str(free)]


def test_disk_of_a_running_vm_is_in_use(x: Any) -> None:
    vm = vm_by_name(x, "SQL Database Server")
    vbd = next(v for v in x.VM.get_VBDs(vm) if x.VBD.get_type(v) == "Disk")
    vdi = x.VBD.get_VDI(vbd)
    allowed = x.VDI.get_allowed_operations(vdi)
    assert "destroy" not in allowed and "snapshot" in allowed
    with pytest.raises(XenAPI.Failure) as err:
        x.VDI.destroy(vdi)
    assert details(err) == ["VDI_IN_USE", vdi, "destroy"]
    snap = x.VDI.snapshot(vdi, {})
    assert x.VDI.get_is_a_snapshot(snap) is True
    assert x.VDI.get_snapshot_of(snap) == vdi
    assert snap in x.VDI.get_snapshots(vdi)


def test_hot_unplug_and_plug(x: Any) -> None:
    vm = vm_by_name(x, "SQL Database Server")
    vbd = next(v for v in x.VM.get_VBDs(vm) if x.VBD.get_userdevice(v) == "1")
    assert x.VBD.get_currently_attached(vbd) is True
    x.VBD.unplug(vbd)
    assert x.VBD.get_currently_attached(vbd) is False
    assert "plug" in x.VBD.get_allowed_operations(vbd)
    with pytest.raises(XenAPI.Failure) as err:
        x.VBD.unplug(vbd)
    assert details(err) == ["DEVICE_ALREADY_DETACHED", vbd]
    x.VBD.plug(vbd)
    assert x.VBD.get_currently_attached(vbd) is True


def test_cd_eject_and_insert(x: Any) -> None:
    vm = vm_by_name(x, "Windows 7 Desktop")
    cd = next(v for v in x.VM.get_VBDs(vm) if x.VBD.get_type(v) == "CD")
    iso = x.VBD.get_VDI(cd)
    assert iso != NULL and "eject" in x.VBD.get_allowed_operations(cd)
    x.VBD.eject(cd)
    assert (x.VBD.get_empty(cd), x.VBD.get_VDI(cd)) == (True, NULL)
    with pytest.raises(XenAPI.Failure) as err:
        x.VBD.eject(cd)
    assert details(err) == ["VBD_IS_EMPTY", cd]
    assert "insert" in x.VBD.get_allowed_operations(cd)
    x.VBD.insert(cd, iso)
    assert (x.VBD.get_empty(cd), x.VBD.get_VDI(cd)) == (False, iso)
    with pytest.raises(XenAPI.Failure) as err:
        x.VBD.insert(cd, iso)
    assert details(err) == ["VBD_NOT_EMPTY", cd]
    disk = next(v for v in x.VM.get_VBDs(vm) if x.VBD.get_type(v) == "Disk")
    with pytest.raises(XenAPI.Failure) as err:
        x.VBD.eject(disk)
    assert details(err) == ["VBD_NOT_REMOVABLE_MEDIA", disk]


def test_clone_and_copy_a_vdi(x: Any) -> None:
    sr = sr_by_name(x, "NFS virtual disk storage")
    target = sr_by_name(x, "Fibre Channel storage")
    vdi = new_disk(x, sr, 4 * GiB, "golden disk")
    clone = x.VDI.clone(vdi, {})
    assert (x.VDI.get_SR(clone), x.VDI.get_virtual_size(clone)) == (sr, str(4 * GiB))
    used = int(x.SR.get_physical_utilisation(target))
    copy = x.VDI.copy(vdi, target, NULL, NULL)
    assert x.VDI.get_SR(copy) == target
    # A thin target holds what the source held (a full copy of the data, not of the size).
    held = int(x.VDI.get_physical_utilisation(vdi))
    assert int(x.VDI.get_physical_utilisation(copy)) == held
    assert int(x.SR.get_physical_utilisation(target)) == used + held


def test_scan_and_pbd_unplug_refusal(x: Any) -> None:
    sr = sr_by_name(x, "iSCSI storage")
    x.SR.scan(sr)
    vm = vm_by_name(x, "SQL Database Server")
    host = x.VM.get_resident_on(vm)
    pbd = next(p for p in x.SR.get_PBDs(sr) if x.PBD.get_host(p) == host)
    with pytest.raises(XenAPI.Failure) as err:
        x.PBD.unplug(pbd)
    assert details(err)[0] == "VDI_IN_USE"
    idle = next(p for p in x.SR.get_PBDs(sr) if x.PBD.get_host(p) != host)
    x.PBD.unplug(idle)
    assert x.PBD.get_currently_attached(idle) is False
    x.PBD.plug(idle)
    assert x.PBD.get_currently_attached(idle) is True


def test_create_detach_and_forget_an_sr(x: Any) -> None:
    host = x.pool.get_master(x.pool.get_all()[0])
    with pytest.raises(XenAPI.Failure) as err:
        x.SR.create(host, {}, "0", "bad", "", "nosuchdriver", "user", False, {})
    assert details(err) == ["SR_UNKNOWN_DRIVER", "nosuchdriver"]
    config = {"server": "filer.storage.localhost", "serverpath": "/vol/xenserver"}  # a fake filer (sim.storage_servers)
    sr = x.SR.create(host, config, "0", "New NFS", "made by a test", "nfs", "user", True, {})
    rec = x.SR.get_record(sr)
    assert (rec["type"], rec["shared"], len(rec["PBDs"])) == ("nfs", True, len(x.host.get_all()))
    assert all(x.PBD.get_currently_attached(p) and x.PBD.get_device_config(p) == config for p in rec["PBDs"])
    assert int(rec["physical_size"]) > 0 and "vdi_create" in rec["allowed_operations"]
    new_disk(x, sr, GiB)
    with pytest.raises(XenAPI.Failure) as err:
        x.SR.forget(sr)
    assert details(err) == ["SR_HAS_PBD", sr]
    for pbd in rec["PBDs"]:
        x.PBD.unplug(pbd)
    x.SR.forget(sr)
    assert sr not in x.SR.get_all()
    assert not set(rec["PBDs"]) & set(x.PBD.get_all())
