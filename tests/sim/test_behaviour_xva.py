"""XAPI's /export and /import HTTP handlers: a real XVA layout, tasks, refusals, and a file
XAPI itself would write."""

from __future__ import annotations

import hashlib
import io
import tarfile
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import SimProcess, close_proxy, start_sim
from tests.sim.behaviour_support import GiB, login, sr_by_name, vm_by_name, wait_task


@pytest.fixture(scope="module")
def other() -> Iterator[SimProcess]:
    """A second pool to import into."""
    process = start_sim("--seed", "standalone", "--speed", "400")
    yield process
    process.stop()


_HANDLES: dict[int, str] = {}


def _proxy(session: Any) -> Any:
    """An SDK proxy whose session ref the HTTP handlers get beside it (``_session_ref``)."""
    proxy = session.xenapi
    _HANDLES[id(proxy)] = session.handle
    return proxy


def _session_ref(x: Any) -> str:
    return _HANDLES[id(x)]


@pytest.fixture(scope="module")
def x(sim: SimProcess) -> Iterator[Any]:
    session = login(sim)
    proxy = _proxy(session)
    yield proxy
    proxy.session.logout()
    close_proxy(session)


@pytest.fixture(scope="module")
def y(other: SimProcess) -> Iterator[Any]:
    session = login(other)
    proxy = _proxy(session)
    yield proxy
    proxy.session.logout()
    close_proxy(session)


def export(sim: SimProcess, x: Any, vm: str) -> tuple[bytes, dict[str, Any]]:
    task = x.task.create("export", "")
    r = httpx.get(sim.url.rstrip("/") + "/export", params={"session_id": _session_ref(x), "task_id": task, "ref": vm})
    return r.content, wait_task(x, task) | {"http": r.status_code}


def import_(sim: SimProcess, x: Any, data: bytes, sr: str = "") -> dict[str, Any]:
    task = x.task.create("import", "")
    params = {"session_id": _session_ref(x), "task_id": task}
    if sr:
        params["sr_id"] = sr
    httpx.put(sim.url.rstrip("/") + "/import", params=params, content=data)
    return wait_task(x, task)


def members(data: bytes) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return tar.getnames()


def test_export_writes_an_xva_that_another_pool_imports(sim: SimProcess, x: Any, other: SimProcess, y: Any) -> None:
    vm = vm_by_name(x, "CentOS 7 Test")
    cd = next(b for b in x.VM.get_VBDs(vm) if x.VBD.get_type(b) == "CD")
    if not x.VBD.get_empty(cd):
        x.VBD.eject(cd)
    x.VBD.insert(cd, x.VDI.get_by_name_label("CentOS-7-x86_64-DVD-2009.iso")[0])
    data, task = export(sim, x, vm)
    assert task["status"] == "success", task["error_info"]
    names = members(data)
    assert names[0] == "ova.xml"
    assert "Ref:0" not in names  # the VM has no disk data of its own
    chunks = [n for n in names if n.endswith("/00000000")]
    assert chunks and all(f"{c}.checksum" in names for c in chunks)
    assert len(data) < 8 * 1024 * 1024  # sparse: a 10 GiB disk is not 10 GiB of file

    sr = y.pool.get_default_SR(y.pool.get_all()[0])
    vdis_before = len(y.VDI.get_all())
    result = import_(other, y, data, sr)
    assert result["status"] == "success", result["error_info"]
    new = y.VM.get_by_name_label("CentOS 7 Test")
    assert len(new) == 1 and new[0] in result["result"]
    rec = y.VM.get_record(new[0])
    assert rec["power_state"] == "Halted" and rec["uuid"] != x.VM.get_uuid(vm)
    assert rec["memory_static_max"] == x.VM.get_memory_static_max(vm)
    disks = [y.VBD.get_record(b) for b in rec["VBDs"]]
    vdis = [y.VDI.get_record(d["VDI"]) for d in disks if d["type"] == "Disk"]
    assert vdis and all(v["SR"] == sr for v in vdis)
    source_sizes = sorted(
        int(x.VDI.get_virtual_size(x.VBD.get_VDI(b)))
        for b in x.VM.get_VBDs(vm)
        if x.VBD.get_type(b) == "Disk" and not x.VBD.get_empty(b)
    )
    assert sorted(int(v["virtual_size"]) for v in vdis) == source_sizes
    assert len(y.VDI.get_all()) - vdis_before == len(vdis)  # an inserted ISO does not travel
    cds = [d for d in disks if d["type"] == "CD"]
    assert all(d["empty"] for d in cds)
    assert rec["VIFs"], "its network card comes along"
    y.VM.start(new[0], False, False)
    assert y.VM.get_power_state(new[0]) == "Running"
    y.VM.hard_shutdown(new[0])


def test_export_of_a_running_vm_is_refused_and_a_bad_session_is_forbidden(sim: SimProcess, x: Any) -> None:
    running = next(
        r for r, v in x.VM.get_all_records().items() if v["power_state"] == "Running" and not v["is_control_domain"]
    )
    _data, task = export(sim, x, running)
    assert task["status"] == "failure" and task["error_info"][0] == "VM_BAD_POWER_STATE"
    r = httpx.get(sim.url.rstrip("/") + "/export", params={"session_id": "OpaqueRef:bogus", "ref": running})
    assert r.status_code == 403
    r = httpx.put(sim.url.rstrip("/") + "/import", params={"session_id": "OpaqueRef:bogus"}, content=b"x")
    assert r.status_code == 403


def test_a_damaged_file_fails_the_task_and_leaves_nothing(sim: SimProcess, x: Any) -> None:
    before = len(x.VM.get_all())
    vdis_before = len(x.VDI.get_all())
    task = import_(sim, x, b"this is not a tar file" * 100)
    assert task["status"] == "failure" and task["error_info"][0] == "IMPORT_ERROR"
    data, _task = export(sim, x, vm_by_name(x, "CentOS 7 Test"))
    broken = bytearray(data)
    # Corrupt the first disk chunk's payload: its checksum no longer matches.
    at = bytes(broken).index(b"xencenter-py simulated disk")
    broken[at] ^= 0xFF
    task = import_(sim, x, bytes(broken))
    assert task["status"] == "failure" and "checksum" in task["error_info"][1]
    assert len(x.VM.get_all()) == before and len(x.VDI.get_all()) == vdis_before


def _member(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


XAPI_OVA = """<value><struct><member><name>version</name><value><struct>
<member><name>hostname</name><value>xs-lab-01</value></member>
<member><name>date</name><value>2024-03-01</value></member>
<member><name>product_version</name><value>8.2.1</value></member>
<member><name>product_brand</name><value>XenServer</value></member>
<member><name>build_number</name><value>release/yangtze/master/58</value></member>
<member><name>xapi_major</name><value><i4>1</i4></value></member>
<member><name>xapi_minor</name><value><i4>20</i4></value></member>
<member><name>export_vsn</name><value><i4>2</i4></value></member>
</struct></value></member><member><name>objects</name><value><array><data>
<value><struct><member><name>class</name><value>VM</value></member><member><name>id</name><value>Ref:0</value></member>
<member><name>snapshot</name><value><struct>
<member><name>uuid</name><value>2a3f8a1e-7e56-4c0e-9a49-3e0a5b7f1c11</value></member>
<member><name>allowed_operations</name><value><array><data/></array></value></member>
<member><name>power_state</name><value>Halted</value></member>
<member><name>name_label</name><value>web-legacy</value></member>
<member><name>name_description</name><value>exported by XAPI</value></member>
<member><name>user_version</name><value>1</value></member>
<member><name>is_a_template</name><value><boolean>0</boolean></value></member>
<member><name>memory_static_max</name><value>1073741824</value></member>
<member><name>memory_dynamic_max</name><value>1073741824</value></member>
<member><name>memory_dynamic_min</name><value>1073741824</value></member>
<member><name>memory_static_min</name><value>536870912</value></member>
<member><name>VCPUs_max</name><value>2</value></member>
<member><name>VCPUs_at_startup</name><value>2</value></member>
<member><name>VCPUs_params</name><value><struct/></value></member>
<member><name>HVM_boot_policy</name><value>BIOS order</value></member>
<member><name>HVM_boot_params</name><value><struct><member><name>order</name><value>cd</value></member></struct></value></member>
<member><name>platform</name><value><struct><member><name>acpi</name><value>1</value></member></struct></value></member>
<member><name>resident_on</name><value>OpaqueRef:NULL</value></member>
<member><name>VBDs</name><value><array><data><value>Ref:1</value></data></array></value></member>
<member><name>VIFs</name><value><array><data><value>Ref:4</value></data></array></value></member>
<member><name>snapshot_time</name><value><dateTime.iso8601>19700101T00:00:00Z</dateTime.iso8601></value></member>
<member><name>some_future_field</name><value>ignored</value></member>
<member><name>domain_type</name><value>a-future-kind</value></member>
</struct></value></member></struct></value>
<value><struct><member><name>class</name><value>VBD</value></member><member><name>id</name><value>Ref:1</value></member>
<member><name>snapshot</name><value><struct>
<member><name>VM</name><value>Ref:0</value></member><member><name>VDI</name><value>Ref:2</value></member>
<member><name>userdevice</name><value>0</value></member><member><name>bootable</name><value><boolean>1</boolean></value></member>
<member><name>mode</name><value>RW</value></member><member><name>type</name><value>Disk</value></member>
<member><name>empty</name><value><boolean>0</boolean></value></member>
</struct></value></member></struct></value>
<value><struct><member><name>class</name><value>VDI</value></member><member><name>id</name><value>Ref:2</value></member>
<member><name>snapshot</name><value><struct>
<member><name>name_label</name><value>web-legacy 0</value></member>
<member><name>virtual_size</name><value>3145728</value></member>
<member><name>type</name><value>system</value></member>
<member><name>SR</name><value>Ref:3</value></member>
<member><name>VBDs</name><value><array><data><value>Ref:1</value></data></array></value></member>
</struct></value></member></struct></value>
<value><struct><member><name>class</name><value>SR</value></member><member><name>id</name><value>Ref:3</value></member>
<member><name>snapshot</name><value><struct><member><name>name_label</name><value>Local storage</value></member>
</struct></value></member></struct></value>
<value><struct><member><name>class</name><value>VIF</value></member><member><name>id</name><value>Ref:4</value></member>
<member><name>snapshot</name><value><struct>
<member><name>device</name><value>0</value></member><member><name>MAC</name><value>8e:3a:91:00:12:34</value></member>
<member><name>MTU</name><value>1500</value></member>
<member><name>VM</name><value>Ref:0</value></member><member><name>network</name><value>Ref:5</value></member>
</struct></value></member></struct></value>
<value><struct><member><name>class</name><value>network</value></member><member><name>id</name><value>Ref:5</value></member>
<member><name>snapshot</name><value><struct><member><name>name_label</name><value>Lab network 7</value></member>
<member><name>uuid</name><value>d7f0b4f6-0000-4000-8000-000000000007</value></member>
</struct></value></member></struct></value>
</data></array></value></member></struct></value>"""


def xapi_written_xva() -> bytes:
    """An XVA laid out as XAPI writes one: ova.xml first, 1 MiB chunks with SHA-1
    checksums, zero chunks skipped but the last one kept."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, data in (
            ("ova.xml", XAPI_OVA.encode()),
            ("Ref:2/00000000", b"\xeb\x63\x90" + bytes(1024 * 1024 - 3)),
            ("Ref:2/00000002", bytes(1024 * 1024)),
        ):
            info, payload = _member(name, data)
            tar.addfile(info, io.BytesIO(payload))
            if name != "ova.xml":
                digest = hashlib.sha1(payload).hexdigest().encode()
                info, payload = _member(name + ".checksum", digest)
                tar.addfile(info, io.BytesIO(payload))
    return out.getvalue()


def test_an_xva_written_by_xapi_is_understood(sim: SimProcess, x: Any) -> None:
    nfs = sr_by_name(x, "NFS virtual disk storage")
    task = import_(sim, x, xapi_written_xva(), nfs)
    assert task["status"] == "success", task["error_info"]
    vm = vm_by_name(x, "web-legacy")
    rec = x.VM.get_record(vm)
    assert rec["uuid"] != "2a3f8a1e-7e56-4c0e-9a49-3e0a5b7f1c11"
    assert int(rec["memory_static_max"]) == GiB and rec["VCPUs_max"] == "2"
    assert rec["HVM_boot_params"] == {"order": "cd"}
    vdi = x.VBD.get_VDI(rec["VBDs"][0])
    assert x.VDI.get_SR(vdi) == nfs and x.VDI.get_virtual_size(vdi) == "3145728"
    vif = x.VIF.get_record(rec["VIFs"][0])
    assert vif["MAC"] == "8e:3a:91:00:12:34"
    assert x.network.get_name_label(vif["network"]) == "Lab network 7"  # made, as XAPI does


def _xva(ova: str) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        info, payload = _member("ova.xml", ova.encode())
        tar.addfile(info, io.BytesIO(payload))
    return out.getvalue()


@pytest.mark.parametrize(
    ("ova", "why"),
    [
        ("<value><struct><member><name>objects", "not valid"),
        ("<value><struct></struct></value>", "no objects"),
        ("<value><struct><member><name>objects</name><value><array><data/></array></value></member></struct></value>",
         "no VM"),
        (XAPI_OVA.replace("<value>3145728</value>", "<value>-5</value>"), "negative"),
    ],
)  # fmt: skip
def test_bad_archives_are_refused_cleanly(sim: SimProcess, x: Any, ova: str, why: str) -> None:
    vms, vdis = len(x.VM.get_all()), len(x.VDI.get_all())
    task = import_(sim, x, _xva(ova))
    assert task["status"] == "failure" and task["error_info"][0] == "IMPORT_ERROR" and why in task["error_info"][1]
    assert (len(x.VM.get_all()), len(x.VDI.get_all())) == (vms, vdis)
