"""Where each object sits in a navigation view, under what label and icon (XenCenter's rules).

The rules follow XenCenter (``xencenter-features.md`` §3):

* **Infrastructure**: root ▸ pools and standalone/disconnected servers ▸ (pool) hosts ▸
  running VMs and local SRs of that host. Halted VMs without a home host, shared SRs and
  templates sit directly under the pool. A standalone server (a pool of one without a
  name) has no pool node: everything of it is listed under the host. Snapshots, networks
  and disks are not shown. Default templates, custom templates and local SRs follow the
  View-menu options; hidden objects (``HideFromXenCenter``) only with View ▸ Hidden Objects
  (then labelled " (hidden)" and grey). VMs and SRs whose home host is not live are hidden.
* **Objects**: root ▸ one group per object type, labelled as XenCenter does (Pools, Servers,
  Disconnected Servers, VMs, Snapshots, Custom Templates, XenServer Templates, Remote Storage
  Repositories, Local Storage Repositories, Virtual Disks, Networks) ▸ objects of every
  connection. Empty groups are not shown. The same options apply.
* **Tags, Folders, Custom Fields, vApps**: see ``org_views``.
* **Order** at every level: type rank (pool < host < real VM < other types by XAPI type
  name, so SRs come before templates), then the type's own order (hosts: connected, then
  coordinator first; VMs: normal < snapshots < custom < default templates), then natural
  name order ("VM 9" < "VM 10"), then the ref.
* **Search**: words separated by spaces; an object matches when any word is contained in
  its name or description (case-insensitive) or prefixes one of its IP addresses. Pools and
  hosts stay when something below them matches.

Icon names (H4 draws one picture per name; this is the whole vocabulary):

=====================  ======================================================================
``home``               Infrastructure root
``objects``            Objects root
``pool``               pool (connected, all well)
``pool-unlicensed``    pool with a host whose licence expired
``pool-mixed``         pool whose hosts run different versions (not fully upgraded)
``host``               live host
``host-connecting``    connection being made or re-made (fake host of the connection)
``host-disconnected``  disconnected connection, or a host that is not live
``host-maintenance``   host disabled / in maintenance mode / evacuating
``host-older``         host with an older version than the coordinator
``host-unlicensed``    host whose licence expired
``host-crashdumps``    host with crash dumps
``vm``                 a VM in general (the Objects view's VMs group)
``vm-running``         running VM
``vm-halted``          halted VM
``vm-suspended``       suspended VM
``vm-paused``          paused VM
``vm-starting``        VM with a lifecycle operation in progress (start, shutdown, migrate...)
``vm-migrating``       VM being migrated to another pool
``template``           default (server-provided) template
``template-custom``    custom (user) template
``snapshot``           disk-only snapshot
``snapshot-memory``    snapshot with memory (taken of a running VM)
``snapshot-scheduled`` snapshot taken by a schedule / protection policy
``sr``                 local SR
``sr-shared``          shared SR
``sr-default``         the pool's default SR
``sr-broken``          SR detached, missing a PBD or with one unplugged
``sr-disabled``        SR without any PBD
``vdi``                virtual disk
``vdi-snapshot``       virtual disk of a snapshot
``network``            network
``tag``                a tag (Tags view)
``folder``             a folder (Folders view)
``custom-field``       a custom field or one of its values (Custom Fields view)
``vapp``               a vApp (``VM_appliance``)
``saved-search``       a saved search
=====================  ======================================================================
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from xencenter_py.i18n import N_, LazyString
from xencenter_py.i18n import gettext as _
from xencenter_py.model import org, org_views
from xencenter_py.model.objects import SR, VM, Host, Network, Pool, XenObject, natural_key

ROOT_KEY = ""

ICONS: tuple[str, ...] = (
    "home", "objects", "pool", "pool-unlicensed", "pool-mixed", "host", "host-connecting",
    "host-disconnected", "host-maintenance", "host-older", "host-unlicensed", "host-crashdumps",
    "vm", "vm-running", "vm-halted", "vm-suspended", "vm-paused", "vm-starting", "vm-migrating",
    "template", "template-custom", "snapshot", "snapshot-memory", "snapshot-scheduled",
    "sr", "sr-shared", "sr-default", "sr-broken", "sr-disabled", "vdi", "vdi-snapshot", "network",
    "tag", "folder", "custom-field", "vapp", "saved-search",
)  # fmt: skip
"""Every icon name the tree uses (see the module docstring)."""

MAX_LABEL = 1000
"""Longer names are cut (with an ellipsis) as XenCenter does."""

TREE_CLASSES = ("pool", "host", "VM", "SR", "VDI", "network")
"""The classes whose objects the tree shows."""

RANK = {"group": 0, "pool": 0, "connection": 0, "host": 1}
"""Containers first (groups, pools, connections, then hosts): parents exist before children."""


class TreeView(Enum):
    INFRASTRUCTURE = "infrastructure"
    OBJECTS = "objects"
    TAGS = "tags"
    FOLDERS = "folders"
    CUSTOM_FIELDS = "custom-fields"
    VAPPS = "vapps"
    SEARCH = "search"

    @property
    def is_organisation_view(self) -> bool:
        """Tags, Folders, Custom Fields, vApps: laid out by ``org_views`` (an object may
        appear several times, so changes recompute the connection)."""
        return self not in (TreeView.INFRASTRUCTURE, TreeView.OBJECTS)


ROOTS: dict[TreeView, tuple[LazyString, str]] = {
    TreeView.INFRASTRUCTURE: (N_("Infrastructure"), "home"),  # shown as the product name
    TreeView.OBJECTS: (N_("Objects by Type"), "objects"),
    TreeView.TAGS: (N_("Tags"), "tag"),
    TreeView.FOLDERS: (N_("Folders"), "folder"),
    TreeView.CUSTOM_FIELDS: (N_("Custom Fields"), "custom-field"),
    TreeView.VAPPS: (N_("vApps"), "vapp"),
    TreeView.SEARCH: (N_("Search Results"), "saved-search"),
}
"""The root node of each view: label and icon."""


@dataclass(frozen=True)
class TreeOptions:
    """XenCenter's View menu (its defaults: server templates off, the rest on, hidden off)."""

    show_default_templates: bool = False
    show_custom_templates: bool = True
    show_local_storage: bool = True
    show_hidden: bool = False


@dataclass(frozen=True, slots=True)
class Place:
    """Where and how an object should appear; ``matches`` False marks a container that is
    shown only while it has children (type groups, pools/hosts not matching the search)."""

    parent: str
    sort_key: tuple[Any, ...]
    label: str
    icon: str
    kind: str
    ref: str | None
    conn: Any
    grey: bool = False
    matches: bool = True


# -- Objects view groups, in XenCenter's ObjectTypes order ----------------------------------
_GROUPS: tuple[tuple[str, LazyString, str], ...] = (
    ("pools", N_("Pools"), "pool"),
    ("servers", N_("Servers"), "host"),
    ("disconnected", N_("Disconnected Servers"), "host-disconnected"),
    ("vms", N_("VMs"), "vm"),
    ("snapshots", N_("Snapshots"), "snapshot"),
    ("custom-templates", N_("Custom Templates"), "template-custom"),
    ("default-templates", N_("XenServer Templates"), "template"),
    ("remote-srs", N_("Remote Storage Repositories"), "sr"),
    ("local-srs", N_("Local Storage Repositories"), "sr"),
    ("vdis", N_("Virtual Disks"), "vdi"),
    ("networks", N_("Networks"), "network"),
)
_GROUP_INDEX = {g[0]: i for i, g in enumerate(_GROUPS)}

_IPISH = re.compile(r"^[0-9.:a-fA-F]+$")


def _group_key(group: str) -> str:
    return f"group/{group}"


def group_place(key: str) -> Place | None:
    """The Objects view's type group ``key`` (``group/<name>``), or None if there is no such group."""
    group = key.removeprefix("group/")
    idx = _GROUP_INDEX.get(group)
    if idx is None:
        return None
    _gid, label, icon = _GROUPS[idx]
    return Place(ROOT_KEY, (0, idx), str(label), icon, "group", None, None, False, False)


def is_connected(conn: Any) -> bool:
    """Whether the connection's objects are shown (rather than one node for the server)."""
    state = getattr(conn, "state", None)
    connected = state is None or getattr(state, "name", "") == "CONNECTED"
    return connected and conn.cache.populated and conn.cache.pool is not None


class TreeRules:
    """The placement rules of one view under the View-menu options and a search string."""

    def __init__(self, view: TreeView, options: TreeOptions, search: str = "", saved_search: Any = None) -> None:
        self.view = view
        self.options = options
        self.saved_search = saved_search
        self.search_groups: dict[str, Place] = {}  # a saved search's groups, by key
        self.texts: dict[tuple[str, str], str] = {}  # (cid, ref): what the search box looks in
        self._ips: dict[tuple[int, str], tuple[Any, list[str]]] = {}  # VM addresses by metrics record
        self.search_words: list[str] = []
        self.set_search(search)

    def set_search(self, text: str) -> None:
        self.search_words = [w.casefold() for w in text.split()]

    def group_place(self, key: str) -> Place | None:
        """The group node for ``key``: a type group, or a tag, folder or custom field."""
        if self.view.is_organisation_view:
            return org_views.group_place(key, ROOT_KEY, self.search_groups)
        return group_place(key)

    def place_in_objects_view(self, cid: str, conn: Any, cls: str, ref: str) -> Place | None:
        """The object's place in the Objects view (the organisation views reuse it)."""
        obj = conn.cache.get(cls, ref)
        return self._place_objects_view(cid, conn, obj) if obj is not None else None

    def place_connection(self, cid: str, conn: Any) -> dict[str, Place]:
        out: dict[str, Place] = {}
        if self.view.is_organisation_view:
            return org_views.place_connection(self, cid, conn) if is_connected(conn) else out
        if not is_connected(conn):
            p = self._disconnected_place(cid, conn)
            if p is not None:
                out[f"{cid}/"] = p
            return out
        cache = conn.cache
        for cls in TREE_CLASSES:
            for ref in cache.refs(cls):
                p = self.place_object(cid, conn, cls, ref)
                if p is not None:
                    out[f"{cid}/{ref}"] = p
        return out

    def _disconnected_place(self, cid: str, conn: Any) -> Place | None:
        name = getattr(conn, "friendly_name", "") or ""
        if not self.text_matches(name, "", ()):
            return None
        state = getattr(getattr(conn, "state", None), "name", "")
        icon = "host-connecting" if state in ("CONNECTING", "RECONNECTING") else "host-disconnected"
        parent = ROOT_KEY if self.view is TreeView.INFRASTRUCTURE else _group_key("disconnected")
        sort = (1, "30", 1, 1, natural_key(name), "", cid)
        return Place(parent, sort, name, icon, "connection", None, conn)

    def place_object(self, cid: str, conn: Any, cls: str, ref: str) -> Place | None:
        obj = conn.cache.get(cls, ref)
        if obj is None:
            return None
        if self.view is TreeView.INFRASTRUCTURE:
            return self._place_infrastructure(cid, conn, obj)
        return self._place_objects_view(cid, conn, obj)

    def text_matches(self, name: str, description: str, ips: Iterable[str]) -> bool:
        words = self.search_words
        if not words:
            return True
        name_cf = name.casefold()
        desc_cf = description.casefold()
        ip_list: list[str] | None = None
        for w in words:
            if w in name_cf or w in desc_cf:
                return True
            if _IPISH.match(w):
                if ip_list is None:
                    ip_list = list(ips)
                if any(ip.startswith(w) for ip in ip_list):
                    return True
        return False

    @staticmethod
    def search_text(obj: XenObject) -> str:
        """What the search box looks in, casefolded and joined by NUL (no word holds one, so
        no match spans two texts): name, description, tags and custom field values, all of
        which XenCenter's search box finds."""
        texts = [obj.name, obj.description, *(obj.get("tags") or ())]
        other = obj.get("other_config") or {}
        if any(k.startswith(org.CUSTOM_FIELD_PREFIX) for k in other):
            for definition in org.custom_field_definitions(obj.cache.pool):
                value = other.get(definition.key)
                if value:
                    texts.append(value)
        return "\0".join(texts).casefold()

    def text_matches_obj(self, text: str, obj: Any, conn: Any = None, cls: str = "", ref: str = "") -> bool:
        """Whether the search matches ``text`` (from ``search_text``) or, for words that look
        like addresses, an IP address of the object (``obj``, or looked up by ``cls``/``ref``)."""
        words = self.search_words
        if not words:
            return True
        for w in words:
            if w in text:
                return True
        ipish = [w for w in words if _IPISH.match(w)]
        if not ipish:
            return False
        ips = self._ip_addresses(obj, conn, cls, ref)
        return any(ip.startswith(w) for w in ipish for ip in ips)

    def _ip_addresses(self, obj: Any, conn: Any, cls: str, ref: str) -> list[str]:
        """An object's addresses; a VM's are kept with the guest-metrics record they came
        from and read again only when that record is replaced (records change by replacement)."""
        cache = obj.cache if obj is not None else conn.cache
        if obj is not None:
            cls, ref = obj.cls, obj.ref
        if cls != "VM":
            found = obj if obj is not None else cache.get(cls, ref)
            return found.ip_addresses() if found is not None else []
        metrics = cache.record("VM_guest_metrics", (cache.record("VM", ref) or {}).get("guest_metrics"))
        kept = self._ips.get((id(cache), ref))
        if kept is not None and kept[0] is metrics:
            return kept[1]
        found = obj if obj is not None else cache.get(cls, ref)
        ips = found.ip_addresses() if found is not None else []
        self._ips[(id(cache), ref)] = (metrics, ips)
        return ips

    def _obj_matches(self, obj: XenObject, cid: str | None = None) -> bool:
        text = self.search_text(obj)
        if cid is not None:
            self.texts[(cid, obj.ref)] = text
        return self.text_matches_obj(text, obj)

    def cached_matches(self, cid: str, conn: Any, cls: str, ref: str) -> bool | None:
        """Whether an object placed before matches the current search (None: gone), from the
        text kept when it was placed: a keystroke re-reads nothing."""
        text = self.texts.get((cid, ref))
        if text is None:
            obj = conn.cache.get(cls, ref)
            if obj is None:
                return None
            text = self.texts[(cid, ref)] = self.search_text(obj)
            return self.text_matches_obj(text, obj)
        return self.text_matches_obj(text, None, conn, cls, ref)

    def _vm_in_scope(self, vm: VM) -> str | None:
        """The VM's object type under the current options, or None when out of scope."""
        if vm.is_control_domain or not vm.show(self.options.show_hidden):
            return None
        if vm.is_snapshot:
            return "snapshots"
        if vm.is_template:
            if vm.is_default_template:
                return "default-templates" if self.options.show_default_templates else None
            return "custom-templates" if self.options.show_custom_templates else None
        return "vms"

    def _sr_in_scope(self, sr: SR) -> str | None:
        if not sr.show(self.options.show_hidden):
            return None
        if sr.is_local:
            return "local-srs" if self.options.show_local_storage else None
        return "remote-srs"

    @staticmethod
    def _home_offline(home: Host | None) -> bool:
        """Deliberately unlike XenCenter (which hides VMs and SRs whose home server is not
        live), they stay under the offline server, greyed, so an administrator can still
        find a halted VM whose server is down."""
        return home is not None and not home.is_live

    def _place_infrastructure(self, cid: str, conn: Any, obj: XenObject) -> Place | None:
        cache = conn.cache
        pool = cache.pool
        pool_visible = pool is not None and pool.is_visible
        base = f"{cid}/{pool.ref}" if pool_visible and pool is not None else ROOT_KEY

        def under(home: Host | None) -> str:
            if home is not None and home.exists:
                return f"{cid}/{home.ref}"
            if not pool_visible:
                hosts = cache.refs("host")
                if hosts:
                    return f"{cid}/{hosts[0]}"
            return base

        if isinstance(obj, Pool):
            if not pool_visible:
                return None
            return self._node_place(cid, conn, obj, ROOT_KEY, group=True)
        if isinstance(obj, Host):
            return self._node_place(cid, conn, obj, base, group=True)
        if isinstance(obj, VM):
            kind = self._vm_in_scope(obj)
            if kind is None or kind == "snapshots":
                return None
            home = obj.home()
            return self._node_place(cid, conn, obj, under(home), offline=self._home_offline(home))
        if isinstance(obj, SR):
            if self._sr_in_scope(obj) is None:
                return None
            home = obj.home()
            return self._node_place(cid, conn, obj, under(home), offline=self._home_offline(home))
        return None

    def _place_objects_view(self, cid: str, conn: Any, obj: XenObject) -> Place | None:
        group: str | None = None
        offline = False
        if isinstance(obj, Pool):
            group = "pools" if obj.is_visible else None
        elif isinstance(obj, Host):
            group = "servers"
        elif isinstance(obj, VM):
            group = self._vm_in_scope(obj)
            offline = self._home_offline(obj.home())
        elif isinstance(obj, SR):
            group = self._sr_in_scope(obj)
            offline = self._home_offline(obj.home())
        elif obj.cls == "VDI":
            group = "vdis" if obj.show(self.options.show_hidden) else None
        elif isinstance(obj, Network):
            group = "networks" if obj.show(self.options.show_hidden) else None
        if group is None:
            return None
        return self._node_place(cid, conn, obj, _group_key(group), offline=offline)

    def _node_place(
        self, cid: str, conn: Any, obj: XenObject, parent: str, group: bool = False, offline: bool = False
    ) -> Place | None:
        """Label, icon, kind and sort key of an object placed under ``parent``. An object
        not matching the search is still placed (``matches`` False): it is not shown, but a
        keystroke only flips ``matches``; groups (pools, hosts) stay while they have children.
        ``offline`` greys an object whose server is down."""
        matches = self._obj_matches(obj, cid)
        label, grey = obj.name, offline
        if isinstance(obj, SR):
            label = obj.name_without_host
        if len(label) > MAX_LABEL:
            label = label[:MAX_LABEL] + "…"
        if obj.is_hidden and obj.cls in ("VM", "SR", "network", "VDI"):
            label, grey = _("{name} (hidden)").format(name=label), True
        kind, icon, type_key = self._describe(obj)
        sort = (1, *type_key, natural_key(label), obj.ref, cid)
        return Place(parent, sort, label, icon, kind, obj.ref, conn, grey, matches)

    def _describe(self, obj: XenObject) -> tuple[str, str, tuple[Any, ...]]:
        """(kind, icon, type part of the sort key) for an object."""
        if isinstance(obj, VM):
            return _vm_description(obj)
        if isinstance(obj, Host):
            return "host", _host_icon(obj), ("30", 0, 0 if obj.is_coordinator else 1)
        if isinstance(obj, Pool):
            return "pool", _pool_icon(obj), ("20", 0, 0)
        if isinstance(obj, SR):
            return "sr", _sr_icon(obj), ("XenAPI.SR", 0, 0)
        if obj.cls == "VDI":
            return "vdi", "vdi-snapshot" if obj.get("is_a_snapshot") else "vdi", ("XenAPI.VDI", 0, 0)
        return "network", "network", ("XenAPI.Network", 0, 0)


def _vm_description(vm: VM) -> tuple[str, str, tuple[Any, ...]]:
    if vm.is_snapshot:
        icon = "snapshot-scheduled" if vm.is_scheduled_snapshot else "snapshot"
        if icon == "snapshot" and vm.is_snapshot_with_memory:
            icon = "snapshot-memory"
        return "snapshot", icon, ("XenAPI.VM", 3, 0)
    if vm.is_template:
        if vm.is_default_template:
            return "template", "template", ("XenAPI.VM", 5, 0)
        return "template", "template-custom", ("XenAPI.VM", 4, 0)
    return "vm", vm_icon(vm), ("40", 2, 0)


def vm_icon(vm: VM) -> str:
    """Icon of a real VM by state (XenCenter ``Images.GetIconFor(VM)``)."""
    if vm.is_migrating_cross_pool:
        return "vm-migrating"
    if vm.lifecycle_operation_in_progress:
        return "vm-starting"
    return {
        "Running": "vm-running",
        "Suspended": "vm-suspended",
        "Paused": "vm-paused",
    }.get(vm.power_state, "vm-halted")


def _host_icon(host: Host) -> str:
    if not host.is_live:
        return "host-disconnected"
    if host.license_expired:
        return "host-unlicensed"
    if host.has_crash_dumps:
        return "host-crashdumps"
    if host.is_evacuating or not host.enabled:
        return "host-maintenance"
    if host.is_older_than_coordinator:
        return "host-older"
    return "host"


def _pool_icon(pool: Pool) -> str:
    if pool.any_host_unlicensed:
        return "pool-unlicensed"
    if pool.is_mixed_versions:
        return "pool-mixed"
    return "pool"


def _sr_icon(sr: SR) -> str:
    if not sr.get("PBDs") or sr.is_hidden:
        return "sr-disabled"
    if sr.is_detached or sr.is_broken():
        return "sr-broken"
    if sr.is_default:
        return "sr-default"
    return "sr-shared" if sr.is_shared else "sr"


__all__ = [
    "ICONS",
    "Place",
    "TreeOptions",
    "TreeRules",
    "TreeView",
    "group_place",
    "is_connected",
    "vm_icon",
]
