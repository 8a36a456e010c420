"""Pools made of simulators: ``pool.join`` (a standalone simulator joins another simulated pool
over loopback), ``pool.eject``, with XAPI's pre-join checks and errors.

The joining simulator checks itself as xapi does (no other hosts, no running VMs, no VMs
busy, no shared SRs, HA off), logs in to the coordinator with the given credentials, and
sends its database; the coordinator checks the rest (HA, versions, CPU vendor, editions,
external authentication) and merges the records as xapi does: the host with its CPUs,
PIFs (on the pool's networks of the same bridge), local SRs with their disks, its own VMs
(halted; default templates and the tools SR are the pool's), and a PBD on the new host
for every shared SR. The joined simulator then answers ``HOST_IS_SLAVE`` with the
coordinator's address, as a pool member does. ``pool.eject`` removes the host and its
objects from the pool and tells its simulator it is standalone again (its guests are gone,
as xapi destroys the VMs on an ejected host's local storage).
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
from typing import Any
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

import aiohttp

from xencenter_py.datamodel import NULL_REF
from xencenter_py.sim import codec_jsonrpc
from xencenter_py.sim.behaviours.common import is_null, pool_ref
from xencenter_py.sim.dispatch import coerce, extension
from xencenter_py.sim.errors import XapiError
from xencenter_py.sim.operations import Call, implements
from xencenter_py.sim.store import Store

PEER_TIMEOUT = 30.0

# Classes a joining host does not bring: the pool's own, or runtime-only records.
_NOT_MERGED = frozenset({"pool", "SM", "task", "message", "subject", "event", "session", "role", "user", "secret"})


def _base_url(address: str) -> str:
    """``http://host:port`` for a loopback coordinator address (``host:port`` or a URL)."""
    text = address.strip()
    if "://" not in text:
        text = f"http://{text}"
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:  # not an address at all, or not a loopback one
        raise XapiError("JOINING_HOST_CONNECTION_FAILED") from None
    if not loopback:
        raise XapiError("JOINING_HOST_CONNECTION_FAILED")
    return f"{parts.scheme}://{parts.netloc}"


async def _rpc(base: str, method: str, *params: Any) -> Any:
    body = {"jsonrpc": "2.0", "method": method, "params": list(params), "id": 1}
    try:
        timeout = aiohttp.ClientTimeout(total=PEER_TIMEOUT)
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.post(f"{base}/jsonrpc", json=body, ssl=False) as response,
        ):
            answer = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError):
        raise XapiError("JOINING_HOST_CONNECTION_FAILED") from None
    error = answer.get("error")
    if error:
        if isinstance(error, dict):
            raise XapiError(str(error.get("message")), *[str(p) for p in error.get("data") or ()])
        raise XapiError("JOINING_HOST_SERVICE_FAILED")
    return answer.get("result")


def _pre_join_checks(store: Store) -> None:
    """The joining host's own checks (xapi's pre_join_checks, local half)."""
    pool = store.get("pool", pool_ref(store) or "")
    if pool["ha_enabled"]:
        raise XapiError("HA_IS_ENABLED")
    if len(store.all("host")) > 1:
        raise XapiError("JOINING_HOST_CANNOT_BE_MASTER_OF_OTHER_HOSTS")
    vms = [r for r in store.all("VM").values() if not r["is_control_domain"]]
    if any(r["power_state"] in ("Running", "Paused", "Suspended") for r in vms):
        raise XapiError("JOINING_HOST_CANNOT_HAVE_RUNNING_VMS")
    if any(r["current_operations"] for r in vms):
        raise XapiError("JOINING_HOST_CANNOT_HAVE_VMS_WITH_CURRENT_OPERATIONS")
    if any(r["shared"] and not _is_tools_sr(r) for r in store.all("SR").values()):
        raise XapiError("JOINING_HOST_CANNOT_CONTAIN_SHARED_SRS")


def _is_tools_sr(rec: dict[str, Any]) -> bool:
    return bool(rec.get("is_tools_sr")) or rec.get("name_label") == "XenServer Tools"


def _payload(store: Store, own_url: str, session: str) -> str:
    """Every record the coordinator merges, typed as the wire types them."""
    tools = {ref for ref, rec in store.all("SR").items() if _is_tools_sr(rec)}
    skip: set[str] = set(tools)
    for ref, rec in store.all("VM").items():
        if rec["is_default_template"]:
            skip.add(ref)
            skip.update(r for r in (rec["metrics"], rec["guest_metrics"]) if not is_null(r))
    for cls in ("PBD", "VDI"):
        skip.update(ref for ref, rec in store.all(cls).items() if rec["SR"] in tools)
    records = [
        [cls, ref, json.loads(codec_jsonrpc.dumps(rec))]
        for cls, table in store.tables.items()
        if cls not in _NOT_MERGED
        for ref, rec in table.items()
        if ref not in skip
    ]
    host = next(iter(store.all("host")))
    return json.dumps({"host": host, "url": own_url, "session": session, "records": records})


@implements("pool.join", "pool.join_force")
async def join(call: Call, address: str, username: str, password: str) -> None:
    """Join the simulated pool whose coordinator answers at ``address`` (loopback only)."""
    store = call.store
    _pre_join_checks(store)
    base = _base_url(address)
    if base == getattr(call.sim, "url", ""):
        call.fail("OPERATION_NOT_ALLOWED", "Host cannot become slave of itself")
    session = await _rpc(base, "session.login_with_password", username, password, "1.0", "pool.join")
    own_url = getattr(call.sim, "url", "")
    sessions = call.sim.sessions  # type: ignore[attr-defined]
    local = sessions.create(sessions.users[call.user], "pool-coordinator")  # for the eject notice
    force = call.message.name == "join_force"
    await _rpc(base, "simulator.accept_member", session, _payload(store, own_url, local), force)
    call.sim.member_of = urlsplit(base).netloc  # type: ignore[attr-defined]


def _check_compatible(store: Store, host: dict[str, Any], force: bool) -> None:
    """The coordinator's half of xapi's checks against the joining host's record."""
    pool = store.get("pool", pool_ref(store) or "")
    if pool["ha_enabled"]:
        raise XapiError("HA_IS_ENABLED")
    if host["uuid"] in {r["uuid"] for r in store.all("host").values()}:
        raise XapiError("OPERATION_NOT_ALLOWED", "Host is already part of a pool")
    master = store.get("host", pool["master"])
    keys = ("platform_version", "product_brand")
    if any(master["software_version"].get(k) != host["software_version"].get(k) for k in keys):
        raise XapiError("POOL_HOSTS_NOT_COMPATIBLE")
    if not force:
        if master["software_version"].get("build_number") != host["software_version"].get("build_number"):
            raise XapiError("POOL_HOSTS_NOT_HOMOGENEOUS", "software version differs")
        if master["cpu_info"].get("vendor") != host["cpu_info"].get("vendor"):
            raise XapiError("POOL_HOSTS_NOT_HOMOGENEOUS", "CPUs differ")
    auth = ("external_auth_type", "external_auth_service_name")
    if any(master[k] != host[k] for k in auth):
        raise XapiError("POOL_JOINING_EXTERNAL_AUTH_MISMATCH")
    if master["edition"] != host["edition"]:
        raise XapiError("LICENCE_RESTRICTION", "edition")


def _decode(store: Store, cls: str, fields: dict[str, Any]) -> dict[str, Any]:
    """A record from the wire: every field decoded by its datamodel type, defaults for the rest."""
    known = store.dm.classes[cls].fields
    given = {name: coerce(value, known[name].type, name) for name, value in fields.items() if name in known}
    return {**store.dm.default_record(cls), **given}


_MEMBERS: WeakKeyDictionary[Store, dict[str, tuple[str, str]]] = WeakKeyDictionary()
"""Per pool: joined host ref -> (its simulator's URL, a session there) to tell it of an eject."""


extension("accept_member", (("payload", "string"), ("force", "bool")))
extension("leave_pool", ())


@implements("simulator.accept_member")
async def accept_member(call: Call, data: str, force: bool) -> None:
    """The coordinator's side of ``pool.join``: check, then merge the joining host's records."""
    store = call.store
    try:
        parsed = json.loads(data)
        records = [(str(c), str(r), dict(f)) for c, r, f in parsed["records"]]
        if any(c not in store.tables or c in _NOT_MERGED for c, _r, _f in records):
            raise ValueError("unexpected class")
        host_ref = str(parsed["host"])
    except (ValueError, KeyError, TypeError):
        call.fail("INVALID_VALUE", "payload", "not a pool join payload")
    decoded = {ref: (cls, _decode(store, cls, fields)) for cls, ref, fields in records}
    if host_ref not in decoded or decoded[host_ref][0] != "host":
        call.fail("INVALID_VALUE", "payload", "no host")
    _check_compatible(store, decoded[host_ref][1], force)
    bridges = {rec["bridge"]: ref for ref, rec in store.all("network").items()}
    remap = {
        ref: bridges[rec["bridge"]]
        for ref, (cls, rec) in decoded.items()
        if cls == "network" and rec.get("bridge") in bridges
    }
    for ref, (cls, rec) in decoded.items():
        if ref in remap or store.exists(cls, ref):
            continue
        fields = {k: remap.get(v, v) if isinstance(v, str) else v for k, v in rec.items()}
        store.add(cls, fields, ref=ref)
    master = store.get("pool", pool_ref(store) or "")["master"]
    for sr, rec in store.all("SR").items():
        if rec["shared"]:
            template = next((store.get("PBD", p) for p in rec["PBDs"] if store.exists("PBD", p)), None)
            config = dict(template["device_config"]) if template else {}
            store.add("PBD", {"host": host_ref, "SR": sr, "device_config": config, "currently_attached": True})
    store.update(
        "host",
        host_ref,
        {"license_params": dict(store.get("host", master)["license_params"]), "enabled": True},
    )
    _MEMBERS.setdefault(store, {})[host_ref] = (str(parsed.get("url", "")), str(parsed.get("session", "")))


@implements("pool.eject")
async def eject(call: Call, host: str) -> None:
    store = call.store
    if host == store.get("pool", pool_ref(store) or "")["master"]:
        call.fail("OPERATION_NOT_ALLOWED", "Cannot eject the pool coordinator")
    vms = store.all("VM")
    for vm in store.get("host", host)["resident_VMs"]:
        rec = vms.get(vm)
        if rec and not rec["is_control_domain"] and rec["power_state"] in ("Running", "Paused"):
            call.fail("HOST_IN_USE", host, "VM", vm)
    _remove_host(store, host)
    member = _MEMBERS.get(store, {}).pop(host, None)
    if member and member[0]:
        with contextlib.suppress(XapiError):  # a server already gone: the pool is consistent without it
            await _rpc(_base_url(member[0]), "simulator.leave_pool", member[1])


def _remove_host(store: Store, host: str) -> None:
    """Delete the host and what only it had: its PBDs, PIFs, CPUs, metrics, dom0, local SRs
    with their disks, and the VMs whose disks were there (xapi destroys them)."""
    from xencenter_py.sim.behaviours.storage import destroy_vdi
    from xencenter_py.sim.behaviours.vm_lifecycle import destroy_vm

    rec = store.get("host", host)
    pbd_hosts = {ref: prec["host"] for ref, prec in store.all("PBD").items()}
    local_srs = [
        sr
        for sr, srec in store.all("SR").items()
        if not srec["shared"] and {pbd_hosts.get(p) for p in srec["PBDs"]} == {host}
    ]
    doomed_vdis = {v for sr in local_srs for v in store.get("SR", sr)["VDIs"]}
    for vm, vrec in list(store.all("VM").items()):
        disks = {store.get("VBD", b)["VDI"] for b in vrec["VBDs"] if store.exists("VBD", b)}
        on_host = vrec["resident_on"] == host
        on_its_disks = bool(disks & doomed_vdis)
        if on_host or on_its_disks:
            destroy_vm(store, vm)
        elif vrec["affinity"] == host:
            store.set("VM", vm, "affinity", NULL_REF)
    for vdi in doomed_vdis:
        if store.exists("VDI", vdi):
            destroy_vdi(store, vdi)
    for cls, refs in (("PBD", rec["PBDs"]), ("PIF", rec["PIFs"]), ("host_cpu", rec["host_CPUs"])):
        for ref in list(refs):
            if store.exists(cls, ref):
                store.delete(cls, ref)
    for sr in local_srs:
        store.delete("SR", sr)
    if store.exists("host_metrics", rec["metrics"]):
        store.delete("host_metrics", rec["metrics"])
    store.delete("host", host)


@implements("simulator.leave_pool")
async def leave_pool(call: Call) -> None:
    """The ejected simulator: standalone again, its guests gone (as after a real eject)."""
    from xencenter_py.sim.behaviours.vm_lifecycle import destroy_vm

    store = call.store
    for vm, rec in list(store.all("VM").items()):
        if not rec["is_control_domain"] and not rec["is_a_template"]:
            destroy_vm(store, vm)
    call.sim.member_of = ""  # type: ignore[attr-defined]
