"""Host administration calls that change a few fields or answer from the pool's records:
management interface, plugins, certificates, licensing, logs, external auth, power-on mode.

They matter because XenCenter and scripts call them on every connect or dialog (licensing
state, the management PIF, the perfmon plugin); a pool that answered ``NOT_IMPLEMENTED``
would break those screens even though nothing "happens" in a simulator.
"""

from __future__ import annotations

import datetime as _dt
from functools import cache

from cryptography.hazmat.primitives import serialization

from xencenter_py.datamodel import NULL_REF
from xencenter_py.sim.behaviours import directory
from xencenter_py.sim.behaviours.common import now
from xencenter_py.sim.operations import Call, implements
from xencenter_py.sim.tls import self_signed

# Plugins XenCenter calls, with the answer a real host gives when nothing needs doing.
_PLUGINS: dict[tuple[str, str], str] = {
    ("perfmon", "refresh"): "",
    ("echo", "main"): "",
    ("prepare_host_upgrade.py", "testUrl"): "true",
    ("extauth-hook", "after-extauth-enable"): "",
    ("xscontainer", "get_inspect"): "",
}

_STATUS_CAPABILITIES = (
    '<?xml version="1.0" ?><system-status-capabilities>'
    + "".join(
        f'<capability content-type="text/plain" default-checked="{checked}" key="{key}" max-size="{size}" '
        f'max-time="-1" min-size="-1" min-time="-1" pii="{pii}" />'
        for key, checked, size, pii in (
            ("xenserver-logs", "yes", 52428800, "maybe"),
            ("xenserver-config", "yes", 1048576, "maybe"),
            ("host-crashdump-logs", "no", 536870912, "maybe"),
            ("kernel-info", "yes", 1048576, "maybe"),
            ("system-logs", "yes", 104857600, "maybe"),
            ("hardware-info", "yes", 1048576, "no"),
            ("xenserver-databases", "yes", 2097152, "yes"),
        )
    )
    + "</system-status-capabilities>"
)


@implements("host.get_management_interface")
async def get_management_interface(call: Call, host: str) -> str:
    for ref in call.store.get("host", host)["PIFs"]:
        pif = call.store.all("PIF").get(ref)
        if pif and pif["management"]:
            return ref
    return NULL_REF


@implements("host.call_plugin")
async def call_plugin(call: Call, host: str, plugin: str, fn: str, args: dict[str, str]) -> str:
    answer = _PLUGINS.get((plugin, fn))
    if answer is None:
        if plugin in {p for p, _ in _PLUGINS}:
            call.fail("XENAPI_PLUGIN_FAILURE", "unknown function", fn, plugin)
        call.fail("XENAPI_MISSING_PLUGIN", plugin)
    return answer


@implements("host.has_extension", "pool.has_extension")
async def has_extension(call: Call, ref: str, name: str) -> bool:
    return False


@implements("host.call_extension")
async def call_extension(call: Call, host: str, request: str) -> str:
    call.fail("EXTENSION_PROTOCOL_FAILURE", "no extensions are installed on this host")


@cache
def _certificate(hostname: str) -> str:
    """The host's certificate in PEM (made once per host name, as a host keeps its own)."""
    _key, cert = self_signed(hostname)
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


@implements("host.get_server_certificate")
async def get_server_certificate(call: Call, host: str) -> str:
    rec = call.store.get("host", host)
    return _certificate(rec["hostname"] or rec["name_label"] or rec["uuid"])


@implements("host.get_system_status_capabilities")
async def get_system_status_capabilities(call: Call, host: str) -> str:
    return _STATUS_CAPABILITIES


@implements("host.get_uncooperative_resident_VMs")
async def get_uncooperative_resident_vms(call: Call, host: str) -> list[str]:
    return []


@implements("host.list_methods")
async def list_methods(call: Call) -> list[str]:
    dm = call.store.dm
    return sorted(f"{c.name}.{m}" for c in dm.classes.values() for m in c.messages)


@implements("host.get_log", "host.dmesg")
async def get_log(call: Call, host: str) -> str:
    return f"{now():%b %d %H:%M:%S} {call.store.get('host', host)['hostname']} xapi: simulated host, no kernel log\n"


@implements("host.get_sched_gran")
async def get_sched_gran(call: Call, host: str) -> str:
    return "cpu"


@implements(
    "host.dmesg_clear",
    "host.send_debug_keys",
    "host.sync_data",
    "host.backup_rrds",
    "host.syslog_reconfigure",
    "host.restart_agent",
    "host.shutdown_agent",
    "host.refresh_pack_info",
    "host.set_sched_gran",
    "host.set_cpu_features",
    "host.reset_cpu_features",
    "host.enable_display",
    "host.disable_display",
    "host.enable_local_storage_caching",
    "host.disable_local_storage_caching",
    "pool.enable_local_storage_caching",
    "pool.disable_local_storage_caching",
    "pool.set_vswitch_controller",
    "pool.detect_nonhomogeneous_external_auth",
    "pool.certificate_sync",
    "pool.recover_slaves",
)
async def accepted(call: Call, *_: object) -> str:
    """Calls whose effect is outside the database (daemons, logs, caches): accepted as-is."""
    return ""


@implements("host.set_hostname_live")
async def set_hostname_live(call: Call, host: str, hostname: str) -> str:
    if not hostname or any(c.isspace() for c in hostname):
        call.fail("HOST_NAME_INVALID", "hostname must be non-empty and contain no spaces")
    call.store.set("host", host, "hostname", hostname)
    return ""


@implements("host.set_power_on_mode")
async def set_power_on_mode(call: Call, host: str, mode: str, config: dict[str, str]) -> str:
    call.store.update("host", host, {"power_on_mode": mode, "power_on_config": config})
    return ""


@implements("host.apply_edition")
async def apply_edition(call: Call, host: str, edition: str, force: bool) -> str:
    editions = {"free", "standard", "enterprise", "premium", "per-socket", "xendesktop", "trial", "express"}
    if edition not in editions:
        call.fail("INVALID_EDITION", edition)
    expiry = "" if edition == "free" else (now() + _dt.timedelta(days=365)).strftime("%Y%m%dT%H:%M:%SZ")
    rec = call.store.get("host", host)
    call.store.update(
        "host",
        host,
        {"edition": edition, "license_params": {**rec["license_params"], "expiry": expiry, "sku_type": edition}},
    )
    return ""


@implements("host.license_apply", "host.license_add")
async def license_apply(call: Call, host: str, contents: str) -> str:
    if not contents.strip():
        call.fail("LICENSE_PROCESSING_ERROR")
    return await apply_edition(call, host, "enterprise", False)


@implements("host.license_remove")
async def license_remove(call: Call, host: str) -> str:
    return await apply_edition(call, host, "free", False)


@implements("pool.apply_edition")
async def pool_apply_edition(call: Call, pool: str, edition: str) -> str:
    for host in list(call.store.all("host")):
        await apply_edition(call, host, edition, False)
    return ""


@implements("pool.get_license_state")
async def get_license_state(call: Call, pool: str) -> dict[str, str]:
    """The pool's weakest licence: the lowest edition and the earliest expiry of its hosts."""
    hosts = list(call.store.all("host").values())
    editions = sorted({h["edition"] or "free" for h in hosts})
    expiries = sorted(h["license_params"].get("expiry", "") for h in hosts if h["license_params"].get("expiry"))
    edition = "free" if "free" in editions else (editions[0] if editions else "free")
    return {"edition": edition, "expiry": expiries[0] if expiries else "never"}


@implements("host.enable_external_auth")
async def enable_external_auth(call: Call, host: str, config: dict[str, str], service_name: str, auth_type: str) -> str:
    if auth_type not in ("AD", ""):
        call.fail("AUTH_UNKNOWN_TYPE", auth_type)
    if auth_type == "AD":
        if call.store.get("host", host)["external_auth_type"] == "AD":
            call.fail("AUTH_ALREADY_ENABLED", host)
        directory.join(call, config, service_name)
    call.store.update(
        "host",
        host,
        {
            "external_auth_type": auth_type,
            "external_auth_service_name": service_name,
            "external_auth_configuration": directory.without_secrets(config),
        },
    )
    return ""


@implements("host.disable_external_auth")
async def disable_external_auth(call: Call, host: str, config: dict[str, str]) -> str:
    call.store.update(
        "host", host, {"external_auth_type": "", "external_auth_service_name": "", "external_auth_configuration": {}}
    )
    return ""


@implements("pool.enable_external_auth")
async def pool_enable_external_auth(
    call: Call, pool: str, config: dict[str, str], service_name: str, auth_type: str
) -> str:
    for host in list(call.store.all("host")):
        await enable_external_auth(call, host, config, service_name, auth_type)
    return ""


@implements("pool.disable_external_auth")
async def pool_disable_external_auth(call: Call, pool: str, config: dict[str, str]) -> str:
    for host in list(call.store.all("host")):
        await disable_external_auth(call, host, config)
    return ""


@implements("pool.certificate_list", "pool.crl_list")
async def certificate_list(call: Call) -> list[str]:
    return []


@implements("pool.enable_redo_log")
async def enable_redo_log(call: Call, sr: str) -> str:
    for pool in list(call.store.all("pool")):
        call.store.update("pool", pool, {"redo_log_enabled": True, "redo_log_vdi": NULL_REF})
    return ""


@implements("pool.disable_redo_log")
async def disable_redo_log(call: Call) -> str:
    for pool in list(call.store.all("pool")):
        call.store.update("pool", pool, {"redo_log_enabled": False, "redo_log_vdi": NULL_REF})
    return ""


@implements(
    "pool.retrieve_wlb_configuration",
    "pool.retrieve_wlb_recommendations",
    "pool.send_wlb_configuration",
    "pool.deconfigure_wlb",
    "VM.retrieve_wlb_recommendations",
    "host.retrieve_wlb_evacuate_recommendations",
)
async def wlb_not_initialised(call: Call, *_: object) -> str:
    """No Workload Balancing server is configured for a simulated pool."""
    call.fail("WLB_NOT_INITIALIZED")


@implements("pool.initialize_wlb")
async def initialize_wlb(call: Call, url: str, user: str, password: str, xs_user: str, xs_password: str) -> str:
    call.fail("WLB_CONNECTION_REFUSED")


# ---------------------------------------------------------------------------- pool membership
@implements("pool.designate_new_master")
async def designate_new_master(call: Call, host: str) -> str:
    from xencenter_py.sim.behaviours.placement import host_is_live

    if not host_is_live(call.store, host):
        call.fail("HOST_OFFLINE", host)
    for pool in list(call.store.all("pool")):
        call.store.set("pool", pool, "master", host)
    return ""


def _make_management(call: Call, host: str, pif: str) -> None:
    for ref in call.store.get("host", host)["PIFs"]:
        if call.store.exists("PIF", ref):
            call.store.set("PIF", ref, "management", ref == pif)


@implements("host.management_reconfigure")
async def management_reconfigure(call: Call, pif: str) -> str:
    rec = call.store.get("PIF", pif)
    if rec["ip_configuration_mode"] == "None":
        call.fail("PIF_HAS_NO_NETWORK_CONFIGURATION", pif)
    _make_management(call, rec["host"], pif)
    return ""


@implements("pool.management_reconfigure")
async def pool_management_reconfigure(call: Call, network: str) -> str:
    pifs = {call.store.get("PIF", p)["host"]: p for p in call.store.get("network", network)["PIFs"]}
    for host in call.store.all("host"):
        if host not in pifs:
            call.fail("PIF_NOT_PRESENT", host, network)
    for host, pif in pifs.items():
        _make_management(call, host, pif)
    return ""


# ---------------------------------------------------------------------------- subjects
@implements("subject.add_to_roles")
async def add_to_roles(call: Call, subject: str, role: str) -> str:
    roles = call.store.get("subject", subject)["roles"]
    if role in roles:
        call.fail("ROLE_ALREADY_EXISTS")
    call.store.set("subject", subject, "roles", [*roles, role])
    return ""


@implements("subject.remove_from_roles")
async def remove_from_roles(call: Call, subject: str, role: str) -> str:
    roles = call.store.get("subject", subject)["roles"]
    if role not in roles:
        call.fail("ROLE_NOT_FOUND")
    call.store.set("subject", subject, "roles", [r for r in roles if r != role])
    return ""


@implements("subject.get_permissions_name_label")
async def get_permissions_name_label(call: Call, subject: str) -> list[str]:
    from xencenter_py.sim.sessions import role_records

    roles = role_records()
    names: set[str] = set()
    for role in call.store.get("subject", subject)["roles"]:
        for permission in roles.get(role, {}).get("subroles", []):
            names.add(roles[permission]["name_label"] if permission in roles else permission)
    return sorted(names)
