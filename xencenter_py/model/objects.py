"""Typed, read-only views over cached XAPI records, with the derived facts the UI needs.

A wrapper holds only the cache, class and ref: every read goes to the live record, so a
wrapper kept by the UI never shows stale data (after a delete it keeps the last record it
saw). The rules follow XenCenter's model extensions (``VM.Home()``, ``SR.Home()``,
``Show()``, ``CompareTo``...), re-expressed here; nothing writes to the pool.
"""

from __future__ import annotations

import datetime as _dt
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from xencenter_py.datamodel import NULL_REF, parse_datetime
from xencenter_py.i18n import N_, LazyString
from xencenter_py.i18n import gettext as _

if TYPE_CHECKING:
    from xencenter_py.model.cache import Cache

GUI_TEMP_PREFIX = "__gui__"
"""Names of temporary objects XenCenter creates and never shows."""

HIDE_KEY = "HideFromXenCenter"

LOCAL_SR_TYPES = frozenset({"local", "ext", "lvm", "udev", "egeneracd", "dummy"})
"""SR types XenCenter treats as local storage (``SR.IsLocalSR``); everything else is remote."""

TOOLS_SR_NAME = "XenServer Tools"

LIFECYCLE_EXEMPT_OPS = frozenset({"changing_dynamic_range", "changing_static_range", "changing_memory_limits"})
"""VM operations that do not count as a lifecycle operation for the "busy" icon."""


def is_null(ref: Any) -> bool:
    """Old DB rows store ``""`` for unset refs; treat it like ``OpaqueRef:NULL``."""
    return not ref or ref == NULL_REF


def bool_key(d: dict[str, str] | None, key: str) -> bool:
    """XenCenter's ``BoolKey``: the map holds ``true`` (any case) under ``key``."""
    return bool(d) and str(d.get(key, "")).strip().lower() == "true"


_NATURAL_SPLIT = re.compile(r"(\d+)")


@lru_cache(maxsize=65536)
def natural_key(name: str) -> tuple[Any, ...]:
    """Sort key for XenCenter's natural compare: case-insensitive, digit runs compared as
    numbers (a shorter run is smaller, so "VM 9" < "VM 10"), a shorter string first."""
    parts = _NATURAL_SPLIT.split(name.casefold())
    # Alternates text, digits, text...: texts compare as text, digit runs by (length, digits).
    return tuple((len(p), p) if i % 2 else p for i, p in enumerate(parts))


def _int(v: Any, default: int = 0) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        return default


class XenObject:
    """Base wrapper: ``obj.ref``, ``obj.cls``, ``obj["field"]``, ``obj.name`` and friends."""

    __slots__ = ("_cache", "_last", "cls", "ref")

    def __init__(self, cache: Cache, cls: str, ref: str, record: dict[str, Any]) -> None:
        self._cache = cache
        self.cls = cls
        self.ref = ref
        self._last = record

    # -- raw access ---------------------------------------------------------------
    @property
    def record(self) -> dict[str, Any]:
        """The live record (the last one seen if the object has been deleted)."""
        rec = self._cache.record(self.cls, self.ref)
        if rec is not None:
            self._last = rec
            return rec
        return self._last

    def __getitem__(self, field: str) -> Any:
        return self.record[field]

    def get(self, field: str, default: Any = None) -> Any:
        return self.record.get(field, default)

    @property
    def exists(self) -> bool:
        return self._cache.record(self.cls, self.ref) is not None

    @property
    def cache(self) -> Cache:
        return self._cache

    @property
    def connection(self) -> Any:
        """The ``Connection`` whose cache holds this object (None for a bare cache)."""
        return self._cache.connection

    def resolve(self, cls: str, ref: Any) -> Any:
        """The wrapper for ``ref`` of class ``cls`` in the same cache, or None."""
        if is_null(ref):
            return None
        return self._cache.get(cls, ref)

    def resolve_all(self, cls: str, refs: Any) -> list[Any]:
        out = []
        for r in refs or ():
            o = self._cache.get(cls, r)
            if o is not None:
                out.append(o)
        return out

    # -- common facts -------------------------------------------------------------
    @property
    def uuid(self) -> str:
        return self.record.get("uuid", "")

    @property
    def name(self) -> str:
        """The display name (some classes localise or compose it)."""
        return self.record.get("name_label", "")

    @property
    def description(self) -> str:
        return self.record.get("name_description", "")

    @property
    def other_config(self) -> dict[str, str]:
        return self.record.get("other_config") or {}

    @property
    def tags(self) -> list[str]:
        return list(self.record.get("tags") or ())

    @property
    def allowed_operations(self) -> list[str]:
        return list(self.record.get("allowed_operations") or ())

    @property
    def current_operations(self) -> dict[str, str]:
        """Task ref → operation in progress."""
        return dict(self.record.get("current_operations") or {})

    @property
    def is_hidden(self) -> bool:
        """``other_config["HideFromXenCenter"] = true``: shown only with View ▸ Hidden Objects."""
        return bool_key(self.other_config, HIDE_KEY)

    def show(self, show_hidden: bool) -> bool:
        """Whether the navigation views may list the object at all."""
        if self.name.startswith(GUI_TEMP_PREFIX):
            return False
        return show_hidden or not self.is_hidden

    def ip_addresses(self) -> list[str]:
        """Addresses used by the search box's IP match."""
        return []

    def __eq__(self, other: object) -> bool:
        return isinstance(other, XenObject) and other._cache is self._cache and other.ref == self.ref

    def __hash__(self) -> int:
        return hash((id(self._cache), self.ref))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.ref} {self.name!r}>"


class Pool(XenObject):
    __slots__ = ()

    @property
    def coordinator(self) -> Host | None:
        return self.resolve("host", self.record.get("master"))

    @property
    def name(self) -> str:
        """Pool name, else the coordinator's name (XenCenter's ``Helpers.GetName(pool)``)."""
        label = self.record.get("name_label", "")
        if label:
            return label
        c = self.coordinator
        return c.name if c is not None else ""

    @property
    def is_visible(self) -> bool:
        """A pool of one with no name is a standalone server: no pool node in the tree."""
        return bool(self.record.get("name_label")) or self._cache.count("host") > 1

    @property
    def default_sr(self) -> SR | None:
        return self.resolve("SR", self.record.get("default_SR"))

    @property
    def ha_enabled(self) -> bool:
        return bool(self.record.get("ha_enabled"))

    @property
    def hosts(self) -> list[Host]:
        return self._cache.all("host")

    @property
    def any_host_unlicensed(self) -> bool:
        return any(h.license_expired for h in self.hosts)

    @property
    def is_mixed_versions(self) -> bool:
        return len({h.platform_version for h in self.hosts}) > 1


class HostMetrics(XenObject):
    __slots__ = ()


class Host(XenObject):
    __slots__ = ()

    @property
    def metrics(self) -> HostMetrics | None:
        return self.resolve("host_metrics", self.record.get("metrics"))

    @property
    def is_live(self) -> bool:
        """``host_metrics.live``: the pool sees the host's heartbeat."""
        m = self.metrics
        return bool(m is not None and m.get("live"))

    @property
    def is_coordinator(self) -> bool:
        pool = self._cache.pool
        return pool is not None and pool.get("master") == self.ref

    @property
    def enabled(self) -> bool:
        return bool(self.record.get("enabled", True))

    @property
    def in_maintenance_mode(self) -> bool:
        return bool_key(self.other_config, "MAINTENANCE_MODE")

    @property
    def is_evacuating(self) -> bool:
        return "evacuate" in self.current_operations.values()

    @property
    def address(self) -> str:
        return self.record.get("address", "")

    @property
    def hostname(self) -> str:
        return self.record.get("hostname", "")

    @property
    def software_version(self) -> dict[str, str]:
        return self.record.get("software_version") or {}

    @property
    def product_version(self) -> str:
        sv = self.software_version
        return sv.get("product_version") or sv.get("platform_version", "")

    @property
    def platform_version(self) -> str:
        return self.software_version.get("platform_version", "")

    @property
    def api_version(self) -> tuple[int, int]:
        return (_int(self.record.get("API_version_major")), _int(self.record.get("API_version_minor")))

    @property
    def is_older_than_coordinator(self) -> bool:
        pool = self._cache.pool
        coord = pool.coordinator if pool is not None else None
        if coord is None or coord.ref == self.ref:
            return False
        return _version_tuple(self.platform_version) < _version_tuple(coord.platform_version)

    # -- memory (bytes) -------------------------------------------------------------
    @property
    def memory_total(self) -> int:
        m = self.metrics
        return _int(m.get("memory_total")) if m is not None else 0

    @property
    def memory_free(self) -> int:
        m = self.metrics
        return _int(m.get("memory_free")) if m is not None else 0

    @property
    def memory_used(self) -> int:
        return max(0, self.memory_total - self.memory_free)

    # -- CPU ------------------------------------------------------------------------
    @property
    def cpu_info(self) -> dict[str, str]:
        return self.record.get("cpu_info") or {}

    @property
    def host_cpus(self) -> list[XenObject]:
        return self.resolve_all("host_cpu", self.record.get("host_CPUs"))

    @property
    def cpu_count(self) -> int:
        n = _int(self.cpu_info.get("cpu_count"))
        return n or len(self.record.get("host_CPUs") or ())

    @property
    def socket_count(self) -> int:
        return _int(self.cpu_info.get("socket_count"))

    @property
    def cpu_model(self) -> str:
        info = self.cpu_info
        if info.get("modelname"):
            return info["modelname"]
        cpus = self.host_cpus
        return cpus[0].get("modelname", "") if cpus else ""

    @property
    def cpu_vendor(self) -> str:
        info = self.cpu_info
        if info.get("vendor"):
            return info["vendor"]
        cpus = self.host_cpus
        return cpus[0].get("vendor", "") if cpus else ""

    @property
    def cpu_flags(self) -> frozenset[str]:
        flags = self.cpu_info.get("flags", "")
        if not flags:
            cpus = self.host_cpus
            flags = cpus[0].get("flags", "") if cpus else ""
        return frozenset(flags.split())

    @property
    def has_hap(self) -> bool:
        """Hardware-assisted paging: Intel EPT or AMD NPT in the CPU flags."""
        return bool(self.cpu_flags & {"ept", "npt"})

    @property
    def hvm_capable(self) -> bool:
        return any(c.startswith("hvm") for c in self.record.get("capabilities") or ())

    # -- licensing ------------------------------------------------------------------
    @property
    def edition(self) -> str:
        return self.record.get("edition", "")

    @property
    def license_expiry(self) -> _dt.datetime | None:
        text = (self.record.get("license_params") or {}).get("expiry", "")
        if not text:
            return None
        try:
            return parse_datetime(text)
        except ValueError:
            return None

    @property
    def license_expired(self) -> bool:
        expiry = self.license_expiry
        return expiry is not None and expiry < _dt.datetime.now(_dt.UTC)

    # -- relations ------------------------------------------------------------------
    @property
    def resident_vms(self) -> list[VM]:
        return [v for v in self.resolve_all("VM", self.record.get("resident_VMs")) if not v.is_control_domain]

    @property
    def control_domain(self) -> VM | None:
        dom0 = self.resolve("VM", self.record.get("control_domain"))
        if dom0 is not None:
            return dom0
        for v in self.resolve_all("VM", self.record.get("resident_VMs")):
            if v.is_control_domain:
                return v
        return None

    @property
    def pbds(self) -> list[XenObject]:
        return self.resolve_all("PBD", self.record.get("PBDs"))

    @property
    def pifs(self) -> list[PIF]:
        return self.resolve_all("PIF", self.record.get("PIFs"))

    @property
    def has_crash_dumps(self) -> bool:
        return bool(self.record.get("crashdumps"))

    def ip_addresses(self) -> list[str]:
        return [self.address] if self.address else []


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(_int(p) for p in re.findall(r"\d+", text))


class VMMetrics(XenObject):
    __slots__ = ()


class VMGuestMetrics(XenObject):
    __slots__ = ()


def friendly_power_state(state: str) -> str:
    """Translated text for a ``vm_power_state`` value."""
    return {
        "Halted": _("Halted"),
        "Paused": _("Paused"),
        "Running": _("Running"),
        "Suspended": _("Suspended"),
    }.get(state, _("Unknown"))


class VM(XenObject):
    __slots__ = ()

    # -- what kind of VM ------------------------------------------------------------
    @property
    def is_snapshot(self) -> bool:
        return bool(self.record.get("is_a_snapshot"))

    @property
    def is_template(self) -> bool:
        """A template proper (snapshots also carry ``is_a_template`` in XAPI; not counted)."""
        rec = self.record
        return bool(rec.get("is_a_template")) and not rec.get("is_a_snapshot")

    @property
    def is_control_domain(self) -> bool:
        return bool(self.record.get("is_control_domain"))

    @property
    def is_real_vm(self) -> bool:
        rec = self.record
        return not (rec.get("is_a_template") or rec.get("is_a_snapshot") or rec.get("is_control_domain"))

    @property
    def is_default_template(self) -> bool:
        """A server-provided template (``other_config["default_template"]`` present)."""
        return self.is_template and "default_template" in self.other_config

    @property
    def is_custom_template(self) -> bool:
        return self.is_template and "default_template" not in self.other_config

    @property
    def is_internal_template(self) -> bool:
        return "xensource_internal" in self.other_config

    @property
    def is_snapshot_with_memory(self) -> bool:
        return self.is_snapshot and self.power_state == "Suspended"

    @property
    def is_scheduled_snapshot(self) -> bool:
        rec = self.record
        return self.is_snapshot and (
            bool(rec.get("is_snapshot_from_vmpp")) or not is_null(rec.get("snapshot_schedule"))
        )

    @property
    def name(self) -> str:
        label = self.record.get("name_label", "")
        prefix = "Control domain on host: "
        if label.startswith(prefix):
            return _("Control domain on host: {host}").format(host=label[len(prefix) :])
        return label

    # -- power state ----------------------------------------------------------------
    @property
    def power_state(self) -> str:
        return self.record.get("power_state", "Halted")

    @property
    def friendly_power_state(self) -> str:
        return friendly_power_state(self.power_state)

    @property
    def is_running(self) -> bool:
        return self.power_state == "Running"

    @property
    def lifecycle_operation_in_progress(self) -> bool:
        return any(op not in LIFECYCLE_EXEMPT_OPS for op in self.current_operations.values())

    @property
    def is_migrating_cross_pool(self) -> bool:
        return "migrate_send" in self.current_operations.values()

    # -- placement ------------------------------------------------------------------
    @property
    def resident_on(self) -> Host | None:
        return self.resolve("host", self.record.get("resident_on"))

    @property
    def affinity(self) -> Host | None:
        return self.resolve("host", self.record.get("affinity"))

    @property
    def snapshot_of(self) -> VM | None:
        return self.resolve("VM", self.record.get("snapshot_of"))

    @property
    def snapshots(self) -> list[VM]:
        return self.resolve_all("VM", self.record.get("snapshots"))

    @property
    def vbds(self) -> list[VBD]:
        return self.resolve_all("VBD", self.record.get("VBDs"))

    @property
    def vifs(self) -> list[XenObject]:
        return self.resolve_all("VIF", self.record.get("VIFs"))

    def storage_host(self, ignore_cds: bool = False) -> Host | None:
        """The host owning a non-shared SR one of the VM's disks lives on (it can run only there)."""
        cache = self._cache
        for vbd_ref in self.record.get("VBDs") or ():
            vbd = cache.record("VBD", vbd_ref)
            if vbd is None or (ignore_cds and vbd.get("type") == "CD"):
                continue
            vdi = cache.record("VDI", vbd.get("VDI"))
            if vdi is None:
                continue
            sr = cache.get("SR", vdi.get("SR"))
            if sr is None:
                continue
            host = sr.storage_host()
            if host is not None:
                return host
        return None

    def home(self) -> Host | None:
        """The host the VM is listed under (XenCenter ``VM.Home()``), None = pool level.

        Snapshot → its VM's home; template → none; running or paused → where it is resident;
        otherwise the host its local storage ties it to, or its affinity host if that host is live.

        Deliberately unlike XenCenter, a paused VM stays under the host it is paused on: it is
        still resident there and holds that host's memory, so that is where an administrator
        looks for it (XenCenter moves it to its home server).
        """
        rec = self.record
        if rec.get("is_a_snapshot"):
            parent = self.snapshot_of
            return parent.home() if parent is not None and parent.ref != self.ref else None
        if rec.get("is_a_template"):
            return None
        if rec.get("power_state") in ("Running", "Paused"):
            return self.resident_on
        host = self.storage_host()
        if host is not None:
            return host
        aff = self.affinity
        if aff is not None and aff.is_live:
            return aff
        return None

    def show(self, show_hidden: bool) -> bool:
        """XenCenter's ``VM.Show``: internal templates and ``__gui__`` objects never; hidden
        ones only with View ▸ Hidden Objects; control domains never in the views."""
        if self.is_control_domain or self.is_internal_template:
            return False
        return super().show(show_hidden)

    # -- metrics and guest facts ----------------------------------------------------
    @property
    def metrics(self) -> VMMetrics | None:
        return self.resolve("VM_metrics", self.record.get("metrics"))

    @property
    def guest_metrics(self) -> VMGuestMetrics | None:
        return self.resolve("VM_guest_metrics", self.record.get("guest_metrics"))

    @property
    def memory_static_max(self) -> int:
        return _int(self.record.get("memory_static_max"))

    @property
    def memory_actual(self) -> int:
        m = self.metrics
        return _int(m.get("memory_actual")) if m is not None else 0

    @property
    def vcpus(self) -> int:
        m = self.metrics
        n = _int(m.get("VCPUs_number")) if m is not None and self.is_running else 0
        return n or _int(self.record.get("VCPUs_at_startup"))

    @property
    def os_name(self) -> str:
        """The guest OS as reported by the guest agent (empty when unknown), without the
        boot-volume suffix Windows agents append ("...|C:\\Windows|\\Device\\Harddisk0\\Partition2")."""
        gm = self.guest_metrics
        if gm is None:
            return ""
        os_version = gm.get("os_version") or {}
        name = os_version.get("name") or os_version.get("distro", "")
        return str(name).split("|", 1)[0].strip()

    @property
    def tools_detected(self) -> bool:
        """I/O drivers (PV drivers) seen in the guest."""
        gm = self.guest_metrics
        if gm is None or not self.is_running:
            return False
        return bool(gm.get("PV_drivers_detected") or gm.get("PV_drivers_up_to_date"))

    @property
    def tools_version(self) -> str:
        gm = self.guest_metrics
        ver = (gm.get("PV_drivers_version") or {}) if gm is not None else {}
        if "major" not in ver or "minor" not in ver:
            return ""
        return ".".join(ver[k] for k in ("major", "minor", "micro") if k in ver)

    def ip_addresses(self) -> list[str]:
        gm = self.guest_metrics
        if gm is None:
            return []
        return [v for k, v in (gm.get("networks") or {}).items() if "/ip" in k or k.endswith("ip")]

    @property
    def is_hvm(self) -> bool:
        return bool(self.record.get("HVM_boot_policy"))


class SR(XenObject):
    __slots__ = ()

    @property
    def type(self) -> str:
        return self.record.get("type", "")

    @property
    def content_type(self) -> str:
        return self.record.get("content_type", "")

    @property
    def is_shared(self) -> bool:
        return bool(self.record.get("shared"))

    @property
    def is_local(self) -> bool:
        """Local storage by type (XenCenter's ``LocalSR`` object type); ISO libraries are remote."""
        return self.type in LOCAL_SR_TYPES

    @property
    def is_iso(self) -> bool:
        return self.content_type == "iso"

    @property
    def has_size(self) -> bool:
        """Whether the SR has a meaningful size: XenCenter shows none for ISO libraries and
        removable devices (``udev``), for which XAPI reports -1."""
        return not self.is_iso and self.type != "udev"

    @property
    def is_tools_sr(self) -> bool:
        return bool(self.record.get("is_tools_sr")) or self.record.get("name_label") == TOOLS_SR_NAME

    @property
    def pbds(self) -> list[XenObject]:
        return self.resolve_all("PBD", self.record.get("PBDs"))

    @property
    def vdis(self) -> list[VDI]:
        return self.resolve_all("VDI", self.record.get("VDIs"))

    def storage_host(self) -> Host | None:
        """The one host of a non-shared SR with exactly one PBD (XenCenter ``SR.Home()``)."""
        rec = self.record
        pbds = rec.get("PBDs") or ()
        if rec.get("shared") or len(pbds) != 1:
            return None
        pbd = self._cache.record("PBD", pbds[0])
        if pbd is None:
            return None
        return self._cache.get("host", pbd.get("host"))

    def home(self) -> Host | None:
        return self.storage_host()

    @property
    def is_default(self) -> bool:
        pool = self._cache.pool
        return pool is not None and pool.get("default_SR") == self.ref

    @property
    def is_detached(self) -> bool:
        return not any(p.get("currently_attached") for p in self.pbds)

    def is_broken(self, check_attached: bool = True) -> bool:
        """Wrong number of PBDs for its sharing mode, or (optionally) one not plugged."""
        pbds = self.pbds
        if not pbds or (check_attached and not all(p.get("currently_attached") for p in pbds)):
            return True
        if self.is_shared:
            return len(pbds) != self._cache.count("host")
        return len(pbds) != 1

    def show(self, show_hidden: bool) -> bool:
        """XenCenter ``SR.Show`` + tree hiding: legacy ``local`` CD SRs, ``tmpfs`` and the tools
        SR never; DR-introduced and hidden SRs only with View ▸ Hidden Objects."""
        if self.name.startswith(GUI_TEMP_PREFIX) or self.type in ("local", "tmpfs") or self.is_tools_sr:
            return False
        if show_hidden:
            return True
        if not is_null(self.record.get("introduced_by")):
            return False
        return not self.is_hidden

    @property
    def name(self) -> str:
        return self._i18n_name(with_host=True)

    @property
    def name_without_host(self) -> str:
        """The tree label: localised standard names without the "on host" part."""
        return self._i18n_name(with_host=False)

    def _i18n_name(self, with_host: bool) -> str:
        label = self.record.get("name_label", "")
        oc = self.other_config
        key = oc.get("i18n-key")
        if not key or oc.get("i18n-original-value-name_label", "") != label:
            return label
        plain, on_host = _SR_I18N.get(key, (None, None))
        host = self.storage_host() if with_host else None
        if host is not None and on_host is not None:
            return str(on_host).format(host=host.name)
        return str(plain) if plain is not None else label

    @property
    def physical_size(self) -> int:
        return _int(self.record.get("physical_size"))

    @property
    def physical_utilisation(self) -> int:
        return _int(self.record.get("physical_utilisation"))


_SR_I18N: dict[str, tuple[LazyString, LazyString | None]] = {
    "local-storage": (N_("Local storage"), N_("Local storage on {host}")),
    "local-hotplug-disk": (N_("Removable storage"), N_("Removable storage on {host}")),
    "local-hotplug-cd": (N_("DVD drives"), N_("DVD drives on {host}")),
    "xenserver-tools": (N_("XenServer Tools"), None),
}
"""Standard SR names XAPI marks with ``other_config["i18n-key"]`` (XenCenter re-localises them)."""


class PBD(XenObject):
    __slots__ = ()


class VDI(XenObject):
    __slots__ = ()

    @property
    def name(self) -> str:
        return self.record.get("name_label", "") or _("(No Name)")

    @property
    def sr(self) -> SR | None:
        return self.resolve("SR", self.record.get("SR"))

    @property
    def is_snapshot(self) -> bool:
        return bool(self.record.get("is_a_snapshot"))

    def show(self, show_hidden: bool) -> bool:
        """Unmanaged (base copy), HA statefile and redo-log VDIs are internal."""
        rec = self.record
        if not rec.get("managed", True) or rec.get("type") in ("ha_statefile", "redo_log"):
            return False
        return super().show(show_hidden)

    @property
    def virtual_size(self) -> int:
        return _int(self.record.get("virtual_size"))


class VBD(XenObject):
    __slots__ = ()


class Network(XenObject):
    __slots__ = ()

    @property
    def pifs(self) -> list[PIF]:
        return self.resolve_all("PIF", self.record.get("PIFs"))

    @property
    def is_guest_installer(self) -> bool:
        """The host-internal management network (HIMN)."""
        oc = self.other_config
        return bool_key(oc, "is_guest_installer_network") or bool_key(oc, "is_host_internal_management_network")

    @property
    def is_bond_member(self) -> bool:
        pifs = self.pifs
        return bool(pifs) and all(not is_null(p.get("bond_slave_of")) for p in pifs)

    def show(self, show_hidden: bool) -> bool:
        if self.name.startswith(GUI_TEMP_PREFIX):
            return False
        if show_hidden:
            return True
        if self.is_guest_installer or self.is_bond_member or self.is_hidden:
            return False
        return not any(p.is_hidden for p in self.pifs)


class PIF(XenObject):
    __slots__ = ()

    @property
    def name(self) -> str:
        return self.record.get("device", "")


class VIF(XenObject):
    __slots__ = ()


class Task(XenObject):
    __slots__ = ()

    @property
    def progress(self) -> float:
        try:
            return float(self.record.get("progress", 0.0))
        except (TypeError, ValueError):
            return 0.0

    @property
    def status(self) -> str:
        return self.record.get("status", "")


class Message(XenObject):
    __slots__ = ()

    @property
    def name(self) -> str:
        return self.record.get("name", "")

    @property
    def priority(self) -> int:
        return _int(self.record.get("priority"))


WRAPPERS: dict[str, type[XenObject]] = {
    "pool": Pool,
    "host": Host,
    "host_metrics": HostMetrics,
    "VM": VM,
    "VM_metrics": VMMetrics,
    "VM_guest_metrics": VMGuestMetrics,
    "SR": SR,
    "PBD": PBD,
    "VDI": VDI,
    "VBD": VBD,
    "network": Network,
    "PIF": PIF,
    "VIF": VIF,
    "task": Task,
    "message": Message,
}
"""Canonical XAPI class name → wrapper type (others get the plain ``XenObject``)."""


def wrapper_for(cls: str) -> type[XenObject]:
    return WRAPPERS.get(cls, XenObject)
