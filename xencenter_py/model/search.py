"""XenCenter's saved searches: the query (object types and filters), grouping, columns and
sorting, read from and written to XenCenter's XML, and applied to the caches.

A search is stored in a pool's ``gui_config["xensearch.Search-<uuid>"]`` as one ``<Search>``
element, and exported to a ``.xensearch`` file as ``<Searches>`` with an XML declaration
and doctype (XenCenter's ``SearchMarshalling``). The filter and grouping elements are kept
as read, so a search written back is the search that was read, even with filters this
console does not evaluate (those count as "no opinion", as XenCenter's indeterminate
results do). Properties evaluated here: label, description, uuid, tags, type,
power_state, os_name, virtualisation_status, ip_address, networks, storage, host, pool,
appliance, in_any_appliance, has_custom_fields, folder, shared, ha_enabled, sr_type,
memory, and custom fields.
"""

from __future__ import annotations

import re
import uuid as _uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from xencenter_py.i18n import N_, LazyString
from xencenter_py.i18n import gettext as _
from xencenter_py.model import org

SEARCH_KEY_PREFIX = "xensearch.Search-"
LEGACY_KEY_PREFIXES = ("XenSearch.Search-",)
XMLNS = "http://www.citrix.com/XenCenter/XenSearch/schema"
MAJOR_VERSION = 2
MINOR_VERSION = 0

OBJECT_TYPES = (
    "Pool", "Server", "DisconnectedServer", "VM", "Snapshot", "UserTemplate", "DefaultTemplate",
    "RemoteSR", "LocalSR", "VDI", "Network", "Folder", "Appliance",
)  # fmt: skip
"""XenCenter's ``ObjectTypes`` in its order (the XML names of a query scope)."""

TYPE_LABELS: dict[str, LazyString] = {
    "Pool": N_("Pools"),
    "Server": N_("Servers"),
    "DisconnectedServer": N_("Disconnected Servers"),
    "VM": N_("VMs"),
    "Snapshot": N_("Snapshots"),
    "UserTemplate": N_("Custom Templates"),
    "DefaultTemplate": N_("XenServer Templates"),
    "RemoteSR": N_("Remote Storage Repositories"),
    "LocalSR": N_("Local Storage Repositories"),
    "VDI": N_("Virtual Disks"),
    "Network": N_("Networks"),
    "Folder": N_("Folders"),
    "Appliance": N_("vApps"),
}

LOCAL_SR_TYPES = frozenset({"local", "ext", "lvm", "udev", "egeneracd", "dummy"})


# -- object facts ---------------------------------------------------------------------------
def object_type(obj: Any) -> str | None:
    """The XenCenter ``ObjectTypes`` name of an object (None: never searched)."""
    cls = obj.cls
    if cls == "VM":
        if obj.get("is_control_domain"):
            return None
        if obj.get("is_a_snapshot"):
            return "Snapshot"
        if obj.get("is_a_template"):
            return "DefaultTemplate" if "default_template" in (obj.get("other_config") or {}) else "UserTemplate"
        return "VM"
    return {
        "pool": "Pool",
        "host": "Server",
        "VDI": "VDI",
        "network": "Network",
        "VM_appliance": "Appliance",
    }.get(cls) or (("LocalSR" if obj.get("type") in LOCAL_SR_TYPES else "RemoteSR") if cls == "SR" else None)


def _os_name(vm: Any) -> str | None:
    gm = vm.resolve("VM_guest_metrics", vm.get("guest_metrics")) if vm.cls == "VM" else None
    name = (gm.get("os_version") or {}).get("name", "") if gm is not None else ""
    return name.split("|")[0].strip() or None


def _virtualisation_status(vm: Any) -> str | None:
    if vm.cls != "VM":
        return None
    gm = vm.resolve("VM_guest_metrics", vm.get("guest_metrics"))
    if gm is None or not gm.get("PV_drivers_version"):
        return "NOT_OPTIMIZED"
    if gm.get("PV_drivers_up_to_date") is False:
        return "PV_DRIVERS_OUT_OF_DATE"
    return "OPTIMIZED"


VIRTUALISATION_LABELS = {
    "NOT_OPTIMIZED": N_("Not optimized"),
    "PV_DRIVERS_OUT_OF_DATE": N_("Out of date"),
    "OPTIMIZED": N_("Optimized"),
}


def _networks(obj: Any) -> list[Any]:
    if obj.cls == "VM":
        return [n for v in obj.resolve_all("VIF", obj.get("VIFs")) if (n := obj.resolve("network", v.get("network")))]
    if obj.cls == "network":
        return [obj]
    return []


def _storage(obj: Any) -> list[Any]:
    if obj.cls == "VM":
        out = []
        for vbd in obj.resolve_all("VBD", obj.get("VBDs")):
            vdi = obj.resolve("VDI", vbd.get("VDI"))
            sr = obj.resolve("SR", vdi.get("SR")) if vdi is not None else None
            if sr is not None and sr not in out:
                out.append(sr)
        return out
    if obj.cls == "VDI":
        sr = obj.resolve("SR", obj.get("SR"))
        return [sr] if sr is not None else []
    return [obj] if obj.cls == "SR" else []


def _hosts(obj: Any) -> list[Any]:
    if obj.cls == "host":
        return [obj]
    home = obj.home() if hasattr(obj, "home") else None
    return [home] if home is not None else []


def _pool(obj: Any) -> Any:
    pool = obj.cache.pool
    return pool if pool is not None and pool.is_visible else None


def _ips(obj: Any) -> list[str]:
    if obj.cls == "host":
        return [obj.get("address", "")]
    return list(obj.ip_addresses()) if hasattr(obj, "ip_addresses") else []


PROPERTIES: dict[str, Callable[[Any], Any]] = {
    "label": lambda o: o.name,
    "description": lambda o: o.description,
    "uuid": lambda o: o.uuid,
    "tags": lambda o: list(o.get("tags") or ()),
    "type": object_type,
    "power_state": lambda o: o.get("power_state") if object_type(o) == "VM" else None,
    "os_name": _os_name,
    "virtualisation_status": _virtualisation_status,
    "ip_address": _ips,
    "networks": _networks,
    "storage": _storage,
    "host": _hosts,
    "pool": _pool,
    "appliance": lambda o: o.resolve("VM_appliance", o.get("appliance")) if o.cls == "VM" else None,
    "in_any_appliance": lambda o: o.cls == "VM" and o.resolve("VM_appliance", o.get("appliance")) is not None,
    "has_custom_fields": lambda o: bool(org.custom_field_values(o)),
    "folder": lambda o: org.folder_of(o) or None,
    "shared": lambda o: bool(o.get("shared")) if o.cls == "SR" else None,
    "ha_enabled": lambda o: bool(o.get("ha_enabled")) if o.cls == "pool" else None,
    "sr_type": lambda o: o.get("type") if o.cls == "SR" else None,
    "memory": lambda o: o.get("memory_static_max") if o.cls == "VM" else None,
    "vm": lambda o: (o.resolve("VM", o.get("snapshot_of")) if o.get("is_a_snapshot") else o) if o.cls == "VM" else None,
}


def _text(value: Any) -> str:
    return value.name if hasattr(value, "name") and hasattr(value, "ref") else str(value)


# -- filters ---------------------------------------------------------------------------------
Match = bool | None


def _yes(value: str | None) -> bool:
    return value in ("yes", "True")


def _match_string(candidate: str, query: str, kind: str, case_sensitive: bool) -> bool:
    if not query:
        return True
    if not case_sensitive:
        candidate, query = candidate.lower(), query.lower()
    return {
        "contains": query in candidate,
        "startswith": candidate.startswith(query),
        "endswith": candidate.endswith(query),
        "exactmatch": candidate == query,
        "notcontain": query not in candidate,
    }.get(kind, False)


def _uuid_of(value: Any) -> str:
    return value.uuid if hasattr(value, "uuid") else str(value)


def match_filter(node: ET.Element | None, obj: Any) -> Match:
    """XenCenter's three-valued match of a filter element (None: no opinion)."""
    if node is None:
        return None
    tag = node.tag.split("}")[-1]
    a = node.attrib
    if tag == "GroupQuery":
        results = [match_filter(child, obj) for child in node]
        kind = a.get("type", "And")
        if kind == "And":
            return False if False in results else (True if True in results else None)
        if kind == "Or":
            return True if True in results else (False if False in results else None)
        if kind == "Nor":
            return False if True in results else (True if False in results else None)
        return None
    if tag in ("CustomFieldQuery", "CustomFieldDateQuery"):
        definition = next((c for c in node if c.tag.split("}")[-1] == "CustomFieldDefinition"), None)
        if definition is None:
            return None
        d = org.CustomFieldDefinition(definition.get("name", ""), definition.get("type", "String"))
        value = org.custom_field_value(obj, d)
        if tag == "CustomFieldQuery":
            return value is not None and _match_string(str(value), a.get("query") or "", a.get("type", ""), False)
        return value is not None and value.strftime("%Y%m%d") == a.get("query")
    prop = a.get("property", "")
    accessor = PROPERTIES.get(prop)
    if accessor is None:
        return None
    value = accessor(obj)
    if tag == "StringPropertyQuery":
        if value is None:
            return False
        return _match_string(str(value), a.get("query") or "", a.get("type", "contains"), _yes(a.get("casesensitive")))
    if tag in ("EnumPropertyQuery", "ValuePropertyQuery"):
        if value is None:
            return False
        return (str(value) == a.get("query")) == _yes(a.get("equals"))
    if tag == "BooleanQuery":
        return value is not None and bool(value) == _yes(a.get("query"))
    if tag == "NullQuery":
        return (value is None) == _yes(a.get("query"))
    if tag == "ListEmptyQuery":
        return value is not None and (len(value) == 0) == _yes(a.get("empty"))
    if tag == "StringListContainsQuery":
        return value is not None and (a.get("query") in value) == _yes(a.get("contains"))
    if tag in ("XenModelObjectListContainsQuery", "XenModelObjectPropertyQuery"):
        items = value if isinstance(value, list) else ([value] if value is not None else [])
        found = any(_uuid_of(v) == a.get("uuid") for v in items)
        return found == _yes(a.get("contains") or a.get("equals"))
    if tag == "XenModelObjectListContainsNameQuery":
        items = value if isinstance(value, list) else []
        return any(_match_string(_text(v), a.get("query") or "", a.get("type", "contains"), False) for v in items)
    if tag == "IPAddressQuery":
        return value is not None and any(ip == a.get("address") for ip in value)
    if tag == "IntPropertyQuery":
        if value is None:
            return False
        try:
            query = int(a.get("query", "0"))
        except ValueError:
            return None
        return {"exactmatch": value == query, "gt": value > query, "lt": value < query}.get(a.get("type", ""), False)
    if tag in ("RecursiveXMOPropertyQuery", "RecursiveXMOListPropertyQuery"):
        items = value if isinstance(value, list) else ([value] if value is not None else [])
        inner = node[0] if len(node) else None
        if prop == "folder":
            path = value or ""
            query = inner.get("query", "") if inner is not None else ""
            return bool(path) and org.is_within(path, query) if query else bool(path)
        results = [match_filter(inner, item) for item in items]
        return True if True in results else (False if results and None not in results else None)
    return None


# -- searches --------------------------------------------------------------------------------
@dataclass
class Search:
    """One saved search. ``filter`` and ``grouping`` are XenCenter's XML elements as read."""

    name: str
    uuid: str = field(default_factory=lambda: str(_uuid.uuid4()))
    scope: tuple[str, ...] = ("VM",)
    filter: ET.Element | None = None
    grouping: ET.Element | None = None
    columns: list[tuple[str, int]] | None = None
    sorting: list[ET.Element] = field(default_factory=list)
    show_expanded: bool = False
    default: bool = False
    connection: Any = field(default=None, compare=False)
    """The connection whose pool stores the search (None: built in, or not saved)."""

    @property
    def key(self) -> str:
        """The pool ``gui_config`` key holding the search."""
        return SEARCH_KEY_PREFIX + self.uuid

    def wants(self, obj: Any) -> bool:
        kind = object_type(obj)
        return kind is not None and kind in self.scope and match_filter(self.filter, obj) is not False

    def groupings(self) -> list[ET.Element]:
        """The grouping chain, outermost first."""
        out: list[ET.Element] = []
        node = self.grouping
        while node is not None:
            out.append(node)
            node = next((c for c in node if c.tag.split("}")[-1] != "CustomFieldDefinition"), None)
        return out


def _local(tag: str) -> str:
    return tag.split("}")[-1]


def _strip_namespace(node: ET.Element) -> ET.Element:
    for el in node.iter():
        el.tag = _local(el.tag)
    return node


class SearchFormatError(ValueError):
    """A search document that is not XenCenter's format."""


def load_search(node: ET.Element) -> Search:
    node = _strip_namespace(node)
    try:
        major = int(node.get("major_version", "0"))
    except ValueError:
        raise SearchFormatError(_("The search's version is not a number.")) from None
    if major > MAJOR_VERSION:
        raise SearchFormatError(_("The search was saved by a newer version (format {major}).").format(major=major))
    children = list(node)
    if not children:
        raise SearchFormatError(_("The search has no query."))
    query, rest = children[0], children[1:]
    scope: tuple[str, ...] = OBJECT_TYPES[:11]
    flt: ET.Element | None
    if query.tag == "Query":
        scope_node = next((c for c in query if c.tag == "QueryScope"), None)
        if scope_node is not None:
            scope = tuple(c.tag for c in scope_node if c.tag in OBJECT_TYPES)
        flt = next((c for c in query if c.tag != "QueryScope"), None)
    else:
        flt = query  # versions 0 and 1: a bare filter
    grouping = columns = None
    sorting: list[ET.Element] = []
    for child in rest:
        if child.tag == "columns":
            columns = []
            for col in child:
                name = col.get("name", "")
                width = col.get("width", "")
                if name and name != "state" and width.lstrip("-").isdigit():
                    columns.append((name, abs(int(width))))
        elif child.tag == "sorting":
            sorting = list(child)
        else:
            grouping = child
    expanded = node.get("show_expanded", node.get("showsearch"))
    return Search(
        name=node.get("name", ""),
        uuid=node.get("uuid") or str(_uuid.uuid4()),
        scope=scope,
        filter=flt,
        grouping=grouping,
        columns=columns,
        sorting=sorting,
        show_expanded=_yes(expanded),
    )


def parse_search(xml: str) -> Search:
    """One search from a pool's ``gui_config`` value."""
    try:
        return load_search(ET.fromstring(xml))
    except ET.ParseError as exc:
        raise SearchFormatError(str(exc)) from None


def parse_search_file(text: str) -> list[Search]:
    """The searches of a ``.xensearch`` file (a ``<Searches>`` document or one ``<Search>``)."""
    text = re.sub(r"<!DOCTYPE[^>]*>", "", text, count=1)
    try:
        root = _strip_namespace(ET.fromstring(text))
    except ET.ParseError as exc:
        raise SearchFormatError(str(exc)) from None
    nodes = [root] if root.tag in ("Search", "search") else [n for n in root if n.tag in ("Search", "search")]
    if not nodes:
        raise SearchFormatError(_("The file contains no saved search."))
    return [load_search(n) for n in nodes]


def search_element(search: Search) -> ET.Element:
    node = ET.Element("Search", {"uuid": search.uuid, "name": search.name})
    node.set("major_version", str(MAJOR_VERSION))
    node.set("minor_version", str(MINOR_VERSION))
    if search.show_expanded:
        node.set("show_expanded", "yes")
    query = ET.SubElement(node, "Query")
    scope = ET.SubElement(query, "QueryScope")
    for kind in OBJECT_TYPES:
        if kind in search.scope:
            ET.SubElement(scope, kind)
    if search.filter is not None:
        query.append(search.filter)
    if search.grouping is not None:
        node.append(search.grouping)
    if search.columns is not None:
        columns = ET.SubElement(node, "columns")
        for name, width in search.columns:
            ET.SubElement(columns, "column", {"name": name, "width": str(width)})
    sorting = ET.SubElement(node, "sorting")
    sorting.extend(search.sorting)
    return node


def search_xml(search: Search) -> str:
    """The value XenCenter stores in ``gui_config`` (``OuterXml``: no declaration)."""
    return ET.tostring(search_element(search), encoding="unicode", short_empty_elements=True)


def search_file_xml(searches: Iterable[Search]) -> str:
    """A ``.xensearch`` export: declaration, doctype, ``<Searches xmlns=...>``, indented."""
    root = ET.Element("Searches", {"xmlns": XMLNS})
    for s in searches:
        root.append(search_element(s))
    ET.indent(root, space="    ")
    body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    doctype = '<!DOCTYPE XenSearch PUBLIC "-//XENSEARCH//DTD XENSEARCH 1//EN" "XenSearch-1.dtd">'
    return f'<?xml version="1.0" encoding="utf-8"?>\n{doctype}\n{body}\n'


def saved_searches(pool: Any) -> list[Search]:
    """The user searches stored in a pool (unreadable ones are skipped, as XenCenter does)."""
    out = []
    for key, value in sorted((pool.get("gui_config") or {}).items()) if pool is not None else ():
        if key.startswith((SEARCH_KEY_PREFIX, *LEGACY_KEY_PREFIXES)):
            try:
                search = parse_search(value)
            except SearchFormatError:
                continue
            search.uuid = key.split("Search-", 1)[1]
            out.append(search)
    return out


# -- the seven built-in searches ---------------------------------------------------------------
def _el(tag: str, children: Iterable[ET.Element] = (), **attrs: str) -> ET.Element:
    node = ET.Element(tag, attrs)
    node.extend(children)
    return node


def default_searches() -> list[Search]:
    """XenCenter's built-in searches (``Search.InitDefaultSearches``), with its uuids."""

    def grouping(*chain: tuple[str, str]) -> ET.Element:
        inner = None
        for tag, prop in reversed(chain):
            inner = _el(tag, [inner] if inner is not None else [], property=prop)
        assert inner is not None
        return inner

    return [
        Search(
            str(_("VMs by Operating System")),
            "dead-beef-1234-vmsbyos",
            ("VM",),
            grouping=grouping(("PropertyGrouping", "os_name")),
            default=True,
        ),
        Search(
            str(_("VMs without XenServer VM Tools")),
            "dead-beef-1234-vmswotools",
            ("VM",),
            filter=_el(
                "GroupQuery",
                [
                    _el("EnumPropertyQuery", property="power_state", equals="yes", query="Running"),
                    _el("EnumPropertyQuery", property="virtualisation_status", equals="no", query="OPTIMIZED"),
                ],
                type="And",
            ),
            grouping=grouping(("PropertyGrouping", "virtualisation_status")),
            default=True,
        ),
        Search(
            str(_("VMs by Power State")),
            "dead-beef-1234-vmsbyps",
            ("VM",),
            grouping=grouping(("PropertyGrouping", "power_state")),
            default=True,
        ),
        Search(
            str(_("VMs by Network")),
            "dead-beef-1234-vmsbynet",
            ("VM",),
            grouping=grouping(("XenModelObjectPropertyGrouping", "networks")),
            default=True,
        ),
        Search(
            str(_("VMs by vApp")),
            "dead-beef-1234-vmsbyappliance",
            ("VM",),
            filter=_el("BooleanQuery", property="in_any_appliance", query="yes"),
            grouping=grouping(("XenModelObjectPropertyGrouping", "appliance")),
            default=True,
        ),
        Search(
            str(_("Resources by Tag")),
            "dead-beef-1234-objbytags",
            OBJECT_TYPES[:11],
            filter=_el("ListEmptyQuery", property="tags", empty="no"),
            grouping=grouping(("PropertyGrouping", "tags")),
            default=True,
        ),
        Search(
            str(_("VMs and Snapshots")),
            "dead-beef-1234-snapshotsbyvm",
            ("VM", "Snapshot"),
            grouping=grouping(
                ("XenModelObjectPropertyGrouping", "pool"),
                ("XenModelObjectPropertyGrouping", "host"),
                ("XenModelObjectPropertyGrouping", "vm"),
            ),
            default=True,
        ),
    ]


# -- grouping ------------------------------------------------------------------------------------
POWER_STATE_LABELS = {
    "Running": N_("Running"),
    "Halted": N_("Halted"),
    "Suspended": N_("Suspended"),
    "Paused": N_("Paused"),
}


@dataclass(frozen=True)
class GroupValue:
    """One group of a grouping level: its identity, label and icon."""

    key: str
    label: str
    icon: str


def group_values(node: ET.Element, obj: Any) -> list[GroupValue]:
    """The groups ``obj`` belongs to at one grouping level (empty: ungrouped)."""
    tag, prop = node.tag, node.get("property", "")
    if tag == "FolderGrouping":
        path = org.folder_of(obj)
        return [GroupValue("folder:" + path, org.folder_parts(path)[-1], "folder")] if path else []
    if tag == "CustomFieldGrouping":
        definition = next((c for c in node if c.tag == "CustomFieldDefinition"), None)
        if definition is None:
            return []
        d = org.CustomFieldDefinition(definition.get("name", ""), definition.get("type", "String"))
        value = org.custom_field_value(obj, d)
        text = org.value_text(d, value)
        return [GroupValue(f"cf:{d.name}:{text}", text, "custom-field")] if value is not None else []
    accessor = PROPERTIES.get(prop)
    if accessor is None:
        return []
    value = accessor(obj)
    if value is None or value == "" or value is False:
        return []
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if hasattr(item, "ref") and hasattr(item, "cls"):
            icon = {"pool": "pool", "host": "host", "network": "network", "SR": "sr", "VM_appliance": "vapp"}.get(
                item.cls, "vm"
            )
            out.append(GroupValue(f"{item.cls}:{item.ref}", item.name, icon))
        elif prop == "power_state":
            icon = {"Running": "vm-running", "Suspended": "vm-suspended", "Paused": "vm-paused"}.get(item, "vm-halted")
            out.append(GroupValue(f"ps:{item}", str(POWER_STATE_LABELS.get(item, item)), icon))
        elif prop == "virtualisation_status":
            out.append(GroupValue(f"vs:{item}", str(VIRTUALISATION_LABELS.get(item, item)), "vm"))
        elif prop == "type":
            out.append(GroupValue(f"type:{item}", str(TYPE_LABELS.get(item, item)), "objects"))
        elif prop == "tags":
            out.append(GroupValue(f"tag:{item}", str(item), "tag"))
        else:
            out.append(GroupValue(f"{prop}:{item}", str(item), "saved-search"))
    return out
