"""XAPI's ``/export`` and ``/import`` HTTP handlers (XVA files, see :mod:`.xva`).

As in XAPI: the session comes as ``session_id`` in the query or a cookie, the caller may
pass a ``task_id`` made with ``task.create`` to follow progress (one is made otherwise);
``GET /export?ref=|uuid=`` streams the tar of a halted VM or a snapshot;
``PUT /import?sr_id=&restore=`` reads one and leaves the new VM refs as the task's
result. Cancelling the task stops the transfer and an import leaves nothing behind.
Disks take simulated time by their size (the speed factor applies).
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import io
import logging
from typing import Any

from aiohttp import web

from xencenter_py.datamodel import NULL_DATE, NULL_REF, Type
from xencenter_py.sim import codec_xmlrpc, xva
from xencenter_py.sim.behaviours.allowed_ops import assert_vm_op
from xencenter_py.sim.behaviours.common import GiB, in_progress, is_null, pool_ref
from xencenter_py.sim.behaviours.storage import COPY_SECONDS_PER_GIB, destroy_vdi, new_vdi
from xencenter_py.sim.behaviours.vm_lifecycle import random_mac
from xencenter_py.sim.errors import XapiError
from xencenter_py.sim.operations import Call
from xencenter_py.sim.simulator import Simulator
from xencenter_py.sim.store import Store, new_uuid

log = logging.getLogger(__name__)

MAX_IMPORT = 4 * 1024**3
"""Largest XVA body accepted (bytes); the simulator's files are a few MiB per disk."""

_STEPS_PER_DISK = 4


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0)


class _Transfer:
    """The task an HTTP transfer reports on, registered so ``task.cancel`` reaches it."""

    def __init__(self, sim: Simulator, request: web.Request, session: str, label: str) -> None:
        self.sim = sim
        task = request.query.get("task_id") or request.cookies.get("task_id") or ""
        if task and not sim.store.exists("task", task):
            raise web.HTTPNotFound(text=f"HANDLE_INVALID task {task}")
        self.task = task or sim.tasks.new_record(label)
        self.call = Call(sim, None, session, "", "", task=self.task)  # type: ignore[arg-type]
        current = asyncio.current_task()
        assert current is not None
        sim.tasks.running[self.task] = (self.call, current)
        self.call.allow_cancel(True)

    async def step(self, seconds: float, progress: float) -> None:
        await self.call.step(seconds, progress)

    def finish(self, error: XapiError | None = None, result: str = "") -> None:
        self.sim.tasks.running.pop(self.task, None)
        store = self.sim.store
        if not store.exists("task", self.task):
            return
        if self.task in self.sim.tasks.destroy_requested:
            self.sim.tasks.destroy_requested.discard(self.task)
            store.delete("task", self.task)
            return
        changes: dict[str, Any] = {"progress": 1.0, "finished": _now(), "allowed_operations": []}
        if error is None:
            changes.update(status="success", result=result)
        else:
            changes.update(
                status="cancelled" if error.code == "TASK_CANCELLED" else "failure", error_info=error.description
            )
        store.update("task", self.task, changes)
        self.sim.after_background_change()


def _session(request: web.Request) -> tuple[Simulator, str]:
    from xencenter_py.sim.server import SIM_KEY

    sim = request.app[SIM_KEY]
    sid = request.query.get("session_id") or request.cookies.get("session_id") or ""
    try:
        sim.sessions.check(sid)
    except XapiError:
        raise web.HTTPForbidden(text="SESSION_INVALID") from None
    return sim, sid


def _disk_seconds(size: int) -> float:
    return max(size / GiB, 0.05) * COPY_SECONDS_PER_GIB


# ------------------------------------------------------------------------------ export
async def handle_export(request: web.Request) -> web.StreamResponse:
    sim, sid = _session(request)
    store = sim.store
    vm = request.query.get("ref") or store.ref_by_uuid("VM", request.query.get("uuid", "")) or ""
    if not store.exists("VM", vm):
        raise web.HTTPNotFound(text=f"HANDLE_INVALID VM {vm}")
    transfer = _Transfer(sim, request, sid, f"Export of VM: {store.get('VM', vm)['uuid']}")
    try:
        assert_vm_op(store, vm, "export")
    except XapiError as e:
        transfer.finish(e)
        raise web.HTTPForbidden(text=" ".join(e.description)) from None
    response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
    await response.prepare(request)
    try:
        async with in_progress(transfer.call, "VM", vm, "export"):
            ids, disks = xva.export_plan(store, vm)
            hostname = (
                store.get("host", sim.coordinator())["hostname"] if store.exists("host", sim.coordinator()) else ""
            )
            await response.write(xva.tar_member(xva.OVA_XML, xva.ova_xml(store, vm, ids, hostname)))
            for i, vdi in enumerate(disks):
                rec = store.get("VDI", vdi)
                seconds = _disk_seconds(rec["virtual_size"])
                for j in range(_STEPS_PER_DISK):
                    done = (i + (j + 1) / _STEPS_PER_DISK) / max(len(disks), 1)
                    await transfer.step(seconds / _STEPS_PER_DISK, 0.95 * done)
                for index, data in xva.disk_chunks(rec["uuid"], rec["virtual_size"]):
                    await response.write(xva.chunk_members(ids[vdi], index, data))
            await response.write(xva.tar_end())
    except XapiError as e:
        transfer.finish(e)
        if request.transport is not None:
            request.transport.close()  # the client sees a truncated file, as with XAPI
        return response
    except (ConnectionResetError, asyncio.CancelledError):
        transfer.finish(XapiError("TASK_CANCELLED", transfer.task))
        raise
    transfer.finish()
    await response.write_eof()
    return response


# ------------------------------------------------------------------------------ import
async def handle_import(request: web.Request) -> web.Response:
    sim, sid = _session(request)
    store = sim.store
    transfer = _Transfer(sim, request, sid, "VM import")
    created: list[tuple[str, str]] = []
    try:
        sr = _target_sr(store, request.query.get("sr_id", ""))
        body = await _read_body(request)
        archive = await asyncio.get_running_loop().run_in_executor(None, xva.read, io.BytesIO(body))
        refs = await _import(transfer, store, archive, sr, request.query.get("restore") == "true", created)
    except XapiError as e:
        _rollback(store, created)
        transfer.finish(e)
        return web.Response(status=200, text=" ".join(e.description))
    except (ConnectionResetError, asyncio.CancelledError):
        _rollback(store, created)
        transfer.finish(XapiError("TASK_CANCELLED", transfer.task))
        raise
    result = codec_xmlrpc.value_fragment(refs, Type("set", of=Type("ref", "VM")))
    transfer.finish(result=result)
    return web.Response(status=200, text="")


async def _read_body(request: web.Request) -> bytes:
    parts: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(1 << 20):
        size += len(chunk)
        if size > MAX_IMPORT:
            raise XapiError("IMPORT_ERROR", "the file is larger than this server accepts")
        parts.append(chunk)
    return b"".join(parts)


def _target_sr(store: Store, sr: str) -> str:
    """The SR disks go to: ``sr_id`` when given, else the pool's default SR."""
    if sr and not is_null(sr):
        if not store.exists("SR", sr):
            raise XapiError("HANDLE_INVALID", "SR", sr)
        return sr
    pool = pool_ref(store)
    default = store.get("pool", pool)["default_SR"] if pool else NULL_REF
    if is_null(default) or not store.exists("SR", default):
        raise XapiError("SR_NOT_FOUND", "default SR")  # XAPI: no sr_id and no default SR
    return default


def _rollback(store: Store, created: list[tuple[str, str]]) -> None:
    for cls, ref in reversed(created):
        if store.exists(cls, ref):
            destroy_vdi(store, ref) if cls == "VDI" else store.delete(cls, ref)


def _network_for(store: Store, wire: dict[str, Any] | None, created: list[tuple[str, str]]) -> str:
    """The pool's network matching an exported one (by uuid, then name), else a new one."""
    if wire is None:
        return NULL_REF
    uuid, name = str(wire.get("uuid", "")), str(wire.get("name_label", ""))
    found = store.ref_by_uuid("network", uuid) or store.first("network", name_label=name)
    if found:
        return found
    net = store.add(
        "network",
        {
            "name_label": name,
            "name_description": str(wire.get("name_description", "")),
            "bridge": f"xapi{new_uuid()[:4]}",
        },
    )
    created.append(("network", net))
    return net


async def _import(
    transfer: _Transfer, store: Store, archive: xva.Xva, sr: str, restore: bool, created: list[tuple[str, str]]
) -> list[str]:
    vms = archive.of_class("VM")
    if not vms:
        raise XapiError("IMPORT_ERROR", "the XVA describes no VM")
    macs = {rec["MAC"] for rec in store.all("VIF").values()}
    refs: list[str] = []
    # Only disks travel; a CD's ISO is found in this pool by uuid, else the drive is empty.
    disk_ids = {str(v.snapshot.get("VDI")) for v in archive.of_class("VBD") if v.snapshot.get("type") != "CD"}
    vdis = [o for o in archive.of_class("VDI") if o.id in disk_ids or o.id in archive.disk_bytes]
    vdi_map: dict[str, str] = {}
    for obj in archive.of_class("VDI"):
        if obj not in vdis:
            found = store.ref_by_uuid("VDI", str(obj.snapshot.get("uuid", "")))
            if found:
                vdi_map[obj.id] = found
    for i, obj in enumerate(vdis):
        rec = xva.decode_record(store, "VDI", obj.snapshot)
        size = int(rec.get("virtual_size", 0))
        if size < 0:
            raise XapiError("IMPORT_ERROR", f"disk {obj.id} has a negative size")
        seconds = _disk_seconds(size)
        for j in range(_STEPS_PER_DISK):
            await transfer.step(seconds / _STEPS_PER_DISK, 0.9 * (i + (j + 1) / _STEPS_PER_DISK) / max(len(vdis), 1))
        keep = {k: rec[k] for k in ("sharable", "read_only", "other_config", "tags") if k in rec}
        vdi_map[obj.id] = new_vdi(
            store,
            sr,
            rec.get("name_label", ""),
            size,
            type=rec.get("type", "user"),
            description=rec.get("name_description", ""),
            **keep,
        )
        created.append(("VDI", vdi_map[obj.id]))
    for obj in vms:
        refs.append(_import_vm(store, archive, obj, vdi_map, macs, restore, created))
    await transfer.step(0.1, 1.0)
    return refs


_VM_DROPPED = (
    "uuid", "resident_on", "affinity", "metrics", "guest_metrics", "VBDs", "VIFs", "snapshots", "children", "parent",
    "snapshot_of", "suspend_VDI", "consoles", "crash_dumps", "VTPMs", "VGPUs", "VUSBs", "attached_PCIs", "domid",
    "allowed_operations", "current_operations", "scheduled_to_be_resident_on", "protection_policy", "snapshot_schedule",
    "appliance", "is_control_domain", "is_default_template",
)  # fmt: skip


def _import_vm(
    store: Store,
    archive: xva.Xva,
    obj: xva.XvaObject,
    vdi_map: dict[str, str],
    macs: set[str],
    restore: bool,
    created: list[tuple[str, str]],
) -> str:
    rec = xva.decode_record(store, "VM", obj.snapshot)
    uuid = str(obj.snapshot.get("uuid", ""))
    fields = {k: v for k, v in rec.items() if k not in _VM_DROPPED}
    fields.update(power_state="Halted", is_a_snapshot=False, snapshot_time=NULL_DATE)
    if restore and uuid and store.ref_by_uuid("VM", uuid) is None:
        fields["uuid"] = uuid
    fields["metrics"] = store.add("VM_metrics", {"install_time": _now(), "last_updated": _now()})
    created.append(("VM_metrics", fields["metrics"]))
    vm = store.add("VM", fields)
    created.append(("VM", vm))
    for vbd_obj in archive.of_class("VBD"):
        if vbd_obj.snapshot.get("VM") != obj.id:
            continue
        v = xva.decode_record(store, "VBD", vbd_obj.snapshot)
        vdi = vdi_map.get(str(vbd_obj.snapshot.get("VDI", "")), NULL_REF)
        keep = ("userdevice", "bootable", "mode", "type", "unpluggable", "other_config", "qos_algorithm_type")
        vbd = {k: v[k] for k in keep if k in v}
        vbd.update(VM=vm, VDI=vdi, empty=is_null(vdi), device="", currently_attached=False)
        created.append(("VBD", store.add("VBD", vbd)))
    for vif_obj in archive.of_class("VIF"):
        if vif_obj.snapshot.get("VM") != obj.id:
            continue
        v = xva.decode_record(store, "VIF", vif_obj.snapshot)
        net_obj = archive.by_id(str(vif_obj.snapshot.get("network", "")))
        network = _network_for(store, net_obj.snapshot if net_obj else None, created)
        if is_null(network):
            continue
        mac = str(v.get("MAC", ""))
        if not mac or mac in macs:
            mac = random_mac()
        macs.add(mac)
        keep = ("device", "MTU", "other_config", "qos_algorithm_type")
        vif = {k: v[k] for k in keep if k in v}
        vif.update(VM=vm, network=network, MAC=mac, MAC_autogenerated=False, currently_attached=False)
        created.append(("VIF", store.add("VIF", vif)))
    return vm


def register(app: web.Application) -> None:
    """Add the handlers to the simulator's HTTP application."""
    app.router.add_get("/export", handle_export)
    app.router.add_put("/import", handle_import)
    app.router.add_post("/import", handle_import)
