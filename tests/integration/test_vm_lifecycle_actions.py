"""The VM lifecycle actions against simulators over real sockets: create from a default
template, copy (fast and full), templates, delete with and without disks, XVA export and
import into another pool, and the refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SimProcess
from tests.model.waiting import wait_until
from xencenter_py.model.actions.base import ActionError
from xencenter_py.model.actions.vm_lifecycle import (
    Deletion,
    DiskSpec,
    InstallMedia,
    NewVm,
    convert_to_template,
    copy_vm,
    create_vm,
    delete_vms,
    export_vm,
    import_vm,
    new_template_from,
)
from xencenter_py.model.connection import Connection
from xencenter_py.model.templates import can_fast_clone, provision_disks, recommendations, vm_disks
from xencenter_py.xapi.errors import Failure

GiB = 1024**3


async def connected(sim: SimProcess) -> Connection:
    conn = Connection(sim.url, "root", sim.password)
    await conn.connect()
    return conn


def by_name(conn: Connection, cls: str, name: str):  # type: ignore[no-untyped-def]
    return next(o for o in conn.cache.all(cls) if o.name == name)


def spec_for(conn: Connection, template_name: str, name: str, **kw) -> NewVm:  # type: ignore[no-untyped-def]
    template = by_name(conn, "VM", template_name)
    nfs = by_name(conn, "SR", "NFS virtual disk storage")
    iso = next(v for v in conn.cache.all("VDI") if v.sr is not None and v.sr.is_iso)
    net = next(n for n in conn.cache.all("network") if n.pifs)
    disks = [DiskSpec(d.size, nfs.ref, d.device, d.bootable, d.type) for d in provision_disks(template)]
    fields = dict(
        template=template.ref,
        name=name,
        description="made by the test",
        media=InstallMedia("iso", iso.ref),
        vcpus_max=2,
        vcpus_at_startup=2,
        cores_per_socket=2,
        memory_static_max=4 * GiB,
        memory_dynamic_min=2 * GiB,
        memory_dynamic_max=4 * GiB,
        disks=disks,
        networks=[net.ref],
    )
    fields.update(kw)
    return NewVm(**fields)  # type: ignore[arg-type]


async def test_create_copy_template_delete(sim_factory) -> None:  # type: ignore[no-untyped-def]
    conn = await connected(sim_factory("--seed", "demo", "--speed", "400"))
    try:
        template = by_name(conn, "VM", "Debian Bookworm 12")
        assert recommendations(template).vcpus_max == 32
        assert provision_disks(template)[0].size == 10 * GiB
        seen: list[float] = []
        ref = await create_vm(
            conn, spec_for(conn, "Debian Bookworm 12", "web-07", start=True), lambda f, d: seen.append(f)
        )
        await wait_until(conn, lambda: conn.cache.get("VM", ref) is not None and conn.cache.get("VM", ref).is_running)
        vm = conn.cache.get("VM", ref)
        assert seen[-1] == 1.0 and seen == sorted(seen)
        assert vm.description == "made by the test" and vm.vcpus == 2
        assert vm.get("platform")["cores-per-socket"] == "2"
        assert vm.memory_static_max == 4 * GiB and "disks" not in vm.other_config
        disks = vm_disks(vm)
        assert [(d.virtual_size, d.sr.name) for d in disks] == [(10 * GiB, "NFS virtual disk storage")]
        cd = next(b for b in vm.vbds if b.get("type") == "CD")
        assert not cd.get("empty") and cd.get("mode") == "RO"
        assert len(vm.vifs) == 1 and vm.vifs[0].get("MAC")

        await conn.run_task("VM.hard_shutdown", ref)
        assert can_fast_clone(vm)
        copied: list[float] = []
        fast = await copy_vm(conn, ref, "web-07 fast", progress=lambda f, d: copied.append(f))
        assert copied and max(copied) <= 1.0
        iscsi = by_name(conn, "SR", "iSCSI storage")
        full = await copy_vm(conn, ref, "web-07 full", fast=False, sr=iscsi.ref)
        await wait_until(conn, lambda: conn.cache.get("VM", full) is not None and vm_disks(conn.cache.get("VM", full)))
        assert [d.sr.name for d in vm_disks(conn.cache.get("VM", full))] == ["iSCSI storage"]
        with pytest.raises(ActionError):
            await copy_vm(conn, ref, "no sr", fast=False)

        tmpl = await new_template_from(conn, fast, "web template")
        await convert_to_template(conn, full)
        await wait_until(conn, lambda: conn.cache.get("VM", full).is_template)
        await wait_until(
            conn, lambda: conn.cache.get("VM", tmpl) is not None and conn.cache.get("VM", tmpl).is_template
        )
        # A VM from the custom template: its disks are cloned, no provision spec.
        custom = await create_vm(
            conn,
            spec_for(conn, "web template", "from custom", disks=(), memory_dynamic_min=2 * GiB, start=False),
        )
        await wait_until(
            conn, lambda: conn.cache.get("VM", custom) is not None and vm_disks(conn.cache.get("VM", custom))
        )

        # Delete: one VM with its disks, one keeping them.
        vdis_before = {v.ref for v in conn.cache.all("VDI")}
        keep = conn.cache.get("VM", custom)
        kept_disks = [d.ref for d in vm_disks(keep)]
        await delete_vms(conn, [Deletion(ref, disks=[d.ref for d in disks]), Deletion(custom)])
        await wait_until(conn, lambda: conn.cache.get("VM", ref) is None and conn.cache.get("VM", custom) is None)
        await wait_until(conn, lambda: disks[0].ref not in {v.ref for v in conn.cache.all("VDI")})
        assert set(kept_disks) <= {v.ref for v in conn.cache.all("VDI")} <= vdis_before
    finally:
        await conn.disconnect()


async def test_refusals_leave_nothing_behind(demo_sim: SimProcess) -> None:
    conn = await connected(demo_sim)
    try:
        vms_before = len(conn.cache.all("VM"))
        with pytest.raises(ActionError, match="at least"):
            await create_vm(conn, spec_for(conn, "Windows 11", "tiny", memory_dynamic_min=256 * 1024**2))
        nfs = by_name(conn, "SR", "NFS virtual disk storage")
        with pytest.raises(ActionError, match="larger than 0"):
            await create_vm(conn, spec_for(conn, "Windows 11", "nodisk", disks=[DiskSpec(0, nfs.ref, "0", True)]))
        huge = [DiskSpec(1 << 50, nfs.ref, "0", True)]
        with pytest.raises(Failure) as err:
            await create_vm(conn, spec_for(conn, "Windows 11", "too big", disks=huge))
        assert err.value.code == "SR_FULL"
        await wait_until(conn, lambda: len(conn.cache.all("VM")) == vms_before)
        assert not [v for v in conn.cache.all("VM") if v.name == "too big"]
    finally:
        await conn.disconnect()


async def test_export_and_import_into_another_pool(sim_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = await connected(sim_factory("--seed", "demo", "--speed", "400"))
    target = await connected(sim_factory("--seed", "standalone", "--speed", "400"))
    try:
        vm = by_name(source, "VM", "CentOS 7 Test")
        path = tmp_path / "centos.xva"
        seen: list[float] = []
        await export_vm(source, vm.ref, path, lambda f, d: seen.append(f))
        assert path.stat().st_size > 0 and not (tmp_path / "centos.xva.part").exists()
        assert seen and max(seen) > 0.5
        running = next(v for v in source.cache.all("VM") if v.is_real_vm and v.is_running)
        with pytest.raises(ActionError):
            await export_vm(source, running.ref, tmp_path / "running.xva")

        sr = target.cache.all("pool")[0].default_sr
        host = target.cache.all("host")[0]
        refs = await import_vm(target, path, sr.ref, home=host.ref)
        await wait_until(
            target,
            lambda: target.cache.get("VM", refs[0]) is not None and target.cache.get("VM", refs[0]).affinity == host,
        )
        imported = target.cache.get("VM", refs[0])
        assert imported.name == "CentOS 7 Test"
        await wait_until(target, lambda: bool(vm_disks(target.cache.get("VM", refs[0]))))
        assert all(d.sr == sr for d in vm_disks(imported))
        with pytest.raises(ActionError):
            await import_vm(target, tmp_path / "missing.xva", sr.ref)
        bad = tmp_path / "bad.xva"
        bad.write_bytes(b"not an xva")
        with pytest.raises(Failure) as err:
            await import_vm(target, bad, sr.ref)
        assert err.value.code == "IMPORT_ERROR"
    finally:
        await source.disconnect()
        await target.disconnect()


async def test_cancelling_an_export_or_import_leaves_nothing(sim_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    conn = await connected(sim_factory("--seed", "demo", "--speed", "4"))
    try:
        vm = by_name(conn, "VM", "CentOS 7 Test")
        path = tmp_path / "slow.xva"
        started = asyncio.Event()
        task = asyncio.ensure_future(export_vm(conn, vm.ref, path, lambda f, d: f > 0 and started.set()))
        await asyncio.wait_for(started.wait(), 30)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not path.exists() and not (tmp_path / "slow.xva.part").exists()
        await wait_until(conn, lambda: not vm.current_operations)
        assert not [t for t in conn.cache.all("task") if t.get("status") == "pending"]

        # A finished export, imported and cancelled half-way: no VM, no disk left.
        fast = await connected(sim_factory("--seed", "demo", "--speed", "400"))
        try:
            await export_vm(fast, by_name(fast, "VM", "CentOS 7 Test").ref, path)
        finally:
            await fast.disconnect()
        vms, vdis = len(conn.cache.all("VM")), len(conn.cache.all("VDI"))
        sr = by_name(conn, "SR", "NFS virtual disk storage")
        started.clear()
        task = asyncio.ensure_future(import_vm(conn, path, sr.ref, progress=lambda f, d: f > 0 and started.set()))
        await asyncio.wait_for(started.wait(), 30)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await wait_until(conn, lambda: len(conn.cache.all("VDI")) == vdis and len(conn.cache.all("VM")) == vms)
    finally:
        await conn.disconnect()
