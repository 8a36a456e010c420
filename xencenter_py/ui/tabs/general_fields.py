"""What the General tab shows for each kind of object: titled sections of (label, value).

Plain functions over the model's wrappers (no widgets), so the field rules can be read
and tested on their own. Every label is translated and every number, size, date and
duration goes through the i18n formatting helpers.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from xencenter_py.datamodel import parse_datetime
from xencenter_py.i18n import format_bytes, format_datetime, format_duration, format_number, format_percent
from xencenter_py.i18n import gettext as _
from xencenter_py.model import storage_types
from xencenter_py.model.display_names import content_type_name, edition_name

Field = tuple[str, str]
Section = tuple[str, list[Field]]


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def _folder(obj: Any) -> str:
    folder = obj.other_config.get("folder", "")
    return folder or _("(None)")


def _tags(obj: Any) -> str:
    return ", ".join(obj.tags) or _("(None)")


def _common(obj: Any) -> list[Field]:
    return [
        (_("Name"), obj.name),
        (_("Description"), obj.description),
        (_("Tags"), _tags(obj)),
        (_("Folder"), _folder(obj)),
    ]


def _since(value: Any) -> str:
    """Duration from a server timestamp (datetime, XAPI date string or epoch seconds) to now."""
    start: dt.datetime | None = None
    if isinstance(value, dt.datetime):
        start = value
    elif isinstance(value, (int, float)) or (isinstance(value, str) and value.replace(".", "", 1).isdigit()):
        seconds = float(value)
        if seconds <= 0:
            return ""
        return format_duration(time.time() - seconds)
    elif isinstance(value, str) and value:
        try:
            start = parse_datetime(value)
        except ValueError:
            return ""
    if start is None or start.year <= 1970:
        return ""
    if start.tzinfo is None:
        start = start.replace(tzinfo=dt.UTC)
    return format_duration((dt.datetime.now(dt.UTC) - start).total_seconds())


def _pool_sections(pool: Any) -> list[Section]:
    coordinator = pool.coordinator
    general = [*_common(pool)]
    if coordinator is not None:
        general.append((_("Pool coordinator"), coordinator.name))
    default_sr = pool.default_sr
    general.append((_("Default SR"), default_sr.name if default_sr is not None else _("(None)")))
    general.append((_("High availability"), _("Enabled") if pool.ha_enabled else _("Disabled")))
    general.append((_("Number of servers"), format_number(len(pool.hosts))))
    general.append((_("UUID"), pool.uuid))
    sections: list[Section] = [(_("General"), general)]
    if coordinator is not None:
        sections.append((_("Version"), _host_versions(coordinator)))
        sections.append((_("License"), _host_license(coordinator)))
    return sections


def _host_versions(host: Any) -> list[Field]:
    sv = host.software_version
    fields = [(_("Product version"), host.product_version or _("Unknown"))]
    if sv.get("build_number"):
        fields.append((_("Build number"), sv["build_number"]))
    if sv.get("date"):
        fields.append((_("Build date"), sv["date"]))
    if sv.get("xen"):
        fields.append((_("Hypervisor version"), sv["xen"]))
    major, minor = host.api_version
    if major:
        fields.append((_("API version"), f"{major}.{minor}"))
    return fields


def _host_license(host: Any) -> list[Field]:
    expiry = host.license_expiry
    return [
        (_("Edition"), edition_name(host.edition)),
        (_("Expiry date"), format_datetime(expiry) if expiry is not None else _("Never")),
        (_("Status"), _("License expired") if host.license_expired else _("Licensed")),
    ]


def _host_sections(host: Any) -> list[Section]:
    general = [*_common(host)]
    general.append((_("Pool coordinator"), _yes_no(host.is_coordinator)))
    if host.in_maintenance_mode or not host.enabled:
        general.append((_("Enabled"), _("No (maintenance mode)") if host.in_maintenance_mode else _("No")))
    else:
        general.append((_("Enabled"), _("Yes")))
    iqn = host.other_config.get("iscsi_iqn") or host.get("iscsi_iqn", "")
    if iqn:
        general.append((_("iSCSI IQN"), iqn))
    boot = host.other_config.get("boot_time")
    if boot and (uptime := _since(boot)):
        general.append((_("Uptime"), uptime))
    agent = host.other_config.get("agent_start_time")
    if agent and (agent_up := _since(agent)):
        general.append((_("Toolstack uptime"), agent_up))
    general.append((_("UUID"), host.uuid))
    sections: list[Section] = [(_("General"), general)]
    sections.append((_("Management Interfaces"), [(_("Address"), host.address), (_("Host name"), host.hostname)]))
    total, free = host.memory_total, host.memory_free
    if total:
        sections.append(
            (
                _("Memory"),
                [
                    (_("Total memory"), format_bytes(total)),
                    (_("Used memory"), f"{format_bytes(total - free)} ({format_percent((total - free) / total)})"),
                    (_("Available memory"), format_bytes(free)),
                ],
            )
        )
    features = []
    if host.has_hap:
        features.append("EPT" if host.cpu_vendor.lower().startswith("genuineintel") else "RVI")
    if host.hvm_capable:
        features.append(_("Hardware virtualization"))
    info = host.cpu_info
    cpus = [
        (_("CPUs"), format_number(host.cpu_count)),
        (_("Sockets"), format_number(host.socket_count)) if host.socket_count else None,
        (_("Vendor"), host.cpu_vendor),
        (_("Model"), host.cpu_model),
        (_("Speed"), _("{mhz} MHz").format(mhz=format_number(float(info["speed"]), 0))) if info.get("speed") else None,
        (_("Features"), ", ".join(features) or _("(None)")),
    ]
    sections.append((_("CPUs"), [f for f in cpus if f is not None]))
    sections.append((_("Version"), _host_versions(host)))
    sections.append((_("License"), _host_license(host)))
    return sections


def _vm_common(vm: Any) -> list[Field]:
    fields = [*_common(vm)]
    os_name = vm.os_name
    fields.append((_("Operating system"), os_name or _("Unknown")))
    fields.append(
        (_("Virtualization mode"), _("HVM") if vm.is_hvm else _("Paravirtualization (PV)")),
    )
    return fields


def _tools_state(vm: Any) -> str:
    if not vm.is_running:
        return _("Unknown")
    if vm.tools_detected:
        version = vm.tools_version
        return _("Optimized (version {version} installed)").format(version=version) if version else _("Optimized")
    return _("Not optimized (tools not installed)")


def _vm_memory_cpu(vm: Any) -> Section:
    rec = vm.record
    fields = [(_("Number of vCPUs"), format_number(vm.vcpus))]
    if rec.get("VCPUs_max"):
        fields.append((_("Maximum vCPUs"), format_number(int(rec["VCPUs_max"]))))
    dmin, dmax = int(rec.get("memory_dynamic_min") or 0), int(rec.get("memory_dynamic_max") or 0)
    if dmin and dmax and dmin != dmax:
        fields.append((_("Memory"), _("{low} - {high}").format(low=format_bytes(dmin), high=format_bytes(dmax))))
    else:
        fields.append((_("Memory"), format_bytes(vm.memory_static_max or dmax)))
    if vm.is_running and vm.memory_actual:
        fields.append((_("Memory in use"), format_bytes(vm.memory_actual)))
    return (_("Memory and CPUs"), fields)


def _vm_sections(vm: Any) -> list[Section]:
    if vm.is_template:
        general = [*_vm_common(vm), (_("UUID"), vm.uuid)]
        return [(_("General"), general), _vm_memory_cpu(vm), _vm_boot(vm)]
    general = [*_vm_common(vm)]
    general.append((_("Virtualization state"), _tools_state(vm)))
    general.append((_("Power state"), vm.friendly_power_state))
    if vm.is_snapshot:
        parent = vm.snapshot_of
        general.append((_("Snapshot of"), parent.name if parent is not None else _("(None)")))
        when = vm.get("snapshot_time")
        if when:
            general.append(
                (_("Created"), format_datetime(when if isinstance(when, dt.datetime) else parse_datetime(when)))
            )
    if vm.is_running:
        host = vm.resident_on
        general.append((_("Running on"), host.name if host is not None else _("Unknown")))
        metrics = vm.metrics
        if metrics is not None and (uptime := _since(metrics.get("start_time"))):
            general.append((_("Uptime"), uptime))
    affinity = vm.affinity
    general.append((_("Home Server"), affinity.name if affinity is not None else _("(None)")))
    general.append((_("UUID"), vm.uuid))
    return [(_("General"), general), _vm_memory_cpu(vm), _vm_boot(vm), *vm_ha_sections(vm)]


def vm_ha_sections(vm: Any) -> list[Section]:
    """The High Availability section, shown when the VM's pool has HA on."""
    from xencenter_py.model.ha import priority_label, priority_of

    pool = vm.cache.pool
    if pool is None or not pool.ha_enabled or vm.is_snapshot:
        return []
    fields = [
        (_("HA restart priority"), priority_label(priority_of(vm))),
        (_("Start order"), str(vm.get("order") or 0)),
        (_("Start delay"), _("{n} seconds").format(n=vm.get("start_delay") or 0)),
    ]
    return [(_("High Availability"), fields)]


def _vm_boot(vm: Any) -> Section:
    if vm.is_hvm:
        order = (vm.get("HVM_boot_params") or {}).get("order", "cd")
        names = {"c": _("Hard Disk"), "d": _("DVD Drive"), "n": _("Network")}
        text = ", ".join(names.get(ch, ch) for ch in order.lower())
        firmware = (vm.get("HVM_boot_params") or {}).get("firmware", "bios")
        return (
            _("Boot Options"),
            [(_("Boot order"), text), (_("Boot mode"), _("UEFI") if firmware == "uefi" else _("BIOS"))],
        )
    return (_("Boot Options"), [(_("OS boot parameters"), vm.get("PV_args", "") or _("(None)"))])


def _sr_size(sr: Any) -> str:
    """XAPI reports -1 when an SR's size is not known (e.g. not yet scanned)."""
    size, used = sr.physical_size, sr.physical_utilisation
    if size < 0 or used < 0:
        return _("Unknown")
    return _("{used} used of {total} total ({allocated} allocated)").format(
        used=format_bytes(used),
        total=format_bytes(size),
        allocated=format_bytes(max(0, int(sr.get("virtual_allocation") or 0))),
    )


def _sr_sections(sr: Any) -> list[Section]:
    general = [*_common(sr)]
    general.append((_("Type"), storage_types.product_name(sr.type)))
    general.append((_("Capabilities"), ", ".join(storage_types.capability_names(sr)) or _("(None)")))
    general.append((_("Content type"), content_type_name(sr.content_type)))
    general.append((_("Shared"), _yes_no(sr.is_shared)))
    if sr.has_size:
        general.append((_("Size"), _sr_size(sr)))
    general.append((_("Default SR"), _yes_no(sr.is_default)))
    host = sr.home()
    general.append((_("Server"), host.name if host is not None else _("(Shared)") if sr.is_shared else _("(None)")))
    general.append((_("UUID"), sr.uuid))
    status = []
    for pbd in sr.pbds:
        owner = sr.resolve("host", pbd.get("host"))
        status.append(
            (
                owner.name if owner is not None else _("Unknown"),
                _("Connected") if pbd.get("currently_attached") else _("Unplugged"),
            )
        )
    sections: list[Section] = [(_("General"), general)]
    if status:
        sections.append((_("Status"), status))
    return sections


def _network_sections(net: Any) -> list[Section]:
    general = [*_common(net)]
    general.append((_("MTU"), format_number(int(net.get("MTU") or 1500))))
    general.append((_("Bridge"), net.get("bridge", "")))
    general.append((_("UUID"), net.uuid))
    return [(_("General"), general)]


def _vdi_sections(vdi: Any) -> list[Section]:
    general = [*_common(vdi)]
    general.append((_("Size"), format_bytes(vdi.virtual_size)))
    sr = vdi.sr
    general.append((_("Storage repository"), sr.name if sr is not None else _("(None)")))
    vms = []
    for vbd_ref in vdi.get("VBDs") or ():
        vbd = vdi.resolve("VBD", vbd_ref)
        vm = vdi.resolve("VM", vbd.get("VM")) if vbd is not None else None
        if vm is not None:
            vms.append(vm.name)
    general.append((_("Virtual machines"), ", ".join(sorted(vms)) or _("(None)")))
    general.append((_("Read only"), _yes_no(bool(vdi.get("read_only")))))
    general.append((_("UUID"), vdi.uuid))
    return [(_("General"), general)]


_BY_CLASS: dict[str, Callable[[Any], list[Section]]] = {
    "pool": _pool_sections,
    "host": _host_sections,
    "VM": _vm_sections,
    "SR": _sr_sections,
    "network": _network_sections,
    "VDI": _vdi_sections,
}


def supports(obj: Any) -> bool:
    """True for the object kinds the General tab describes."""
    return getattr(obj, "cls", None) in _BY_CLASS


def sections_for(obj: Any) -> list[Section]:
    """The General tab's content for ``obj``."""
    return _BY_CLASS[obj.cls](obj)
