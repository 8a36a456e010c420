"""Navigation tree rules (Infrastructure and Objects views) kept up to date incrementally.

The rules follow XenCenter (``xencenter-features.md`` §3):

* **Infrastructure**: root ▸ pools and standalone/disconnected servers ▸ (pool) hosts ▸
  running VMs and local SRs of that host. Halted VMs without a home host, shared SRs and
  templates sit directly under the pool. A standalone server (a pool of one without a
  name) has no pool node: everything of it is listed under the host. Snapshots, networks
  and disks are not shown. Default templates, custom templates and local SRs follow the
  View-menu options; hidden objects (``HideFromXenCenter``) only with View ▸ Hidden Objects
  (then labelled " (hidden)" and grey). VMs and SRs whose home host is not live are hidden.
* **Objects**: root ▸ one group per object type (Pools, Servers, Disconnected Servers, VMs,
  Snapshots, Custom Templates, Default Templates, Remote SRs, Local SRs, Virtual Disks,
  Networks) ▸ objects of every connection. Empty groups are not shown. The same options
  apply.
* **Order** at every level: type rank (pool < host < real VM < other types by XAPI type
  name, so SRs come before templates), then the type's own order (hosts: connected, then
  coordinator first; VMs: normal < snapshots < custom < default templates), then natural
  name order ("VM 9" < "VM 10"), then the ref.
* **Search**: words separated by spaces; an object matches when any word is contained in
  its name or description (case-insensitive) or prefixes one of its IP addresses. Pools and
  hosts stay when something below them matches.

After the first build, each cache batch recomputes only the objects it affects and reports
deltas to listeners (``inserted``, ``removed``, ``moved``, ``changed``; see ``TreeListener``),
so a Qt model maps them 1:1 to begin/end row operations and never resets.

A big pool that has just connected is laid out in slices that yield to the event loop (the
window keeps painting); its batches wait meanwhile, and the finished subtree is attached with
one ``inserted`` per top node, carrying its children. Disconnecting removes the top nodes,
each with its whole subtree, in one delta.

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
=====================  ======================================================================
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

from xencenter_py.i18n import N_, LazyString
from xencenter_py.i18n import gettext as _
from xencenter_py.model.cache import CacheChange
from xencenter_py.model.listeners import add_listener
from xencenter_py.model.objects import SR, VM, Host, Network, Pool, XenObject, natural_key

log = logging.getLogger(__name__)

ROOT_KEY = ""

ICONS: tuple[str, ...] = (
    "home", "objects", "pool", "pool-unlicensed", "pool-mixed", "host", "host-connecting",
    "host-disconnected", "host-maintenance", "host-older", "host-unlicensed", "host-crashdumps",
    "vm", "vm-running", "vm-halted", "vm-suspended", "vm-paused", "vm-starting", "vm-migrating",
    "template", "template-custom", "snapshot", "snapshot-memory", "snapshot-scheduled",
    "sr", "sr-shared", "sr-default", "sr-broken", "sr-disabled", "vdi", "vdi-snapshot", "network",
)  # fmt: skip
"""Every icon name the tree uses (see the module docstring)."""

MAX_LABEL = 1000
"""Longer names are cut (with an ellipsis) as XenCenter does."""

FULL_RECOMPUTE_THRESHOLD = 2000
"""Batches larger than this recompute the whole connection instead of tracing dependencies."""

SLICED_BUILD_THRESHOLD = 2000
"""Objects from which a newly connected pool is laid out in slices, off the event loop's way."""

BUILD_SLICE = 300
"""Objects placed between two yields to the event loop while a big pool is laid out."""

BUILD_ATTEMPTS = 3
"""Layouts started over (pool, host or storage changes meanwhile) before building at once."""

_TREE_CLASSES = ("pool", "host", "VM", "SR", "VDI", "network")
_REMEMBERED_CLASSES = frozenset({"pool", "host", "host_metrics", "SR", "PBD"})
"""Classes whose changes the tree judges against facts it remembered (see ``_remember``)."""


class TreeView(Enum):
    INFRASTRUCTURE = "infrastructure"
    OBJECTS = "objects"


@dataclass(frozen=True)
class TreeOptions:
    """XenCenter's View menu (its defaults: server templates off, the rest on, hidden off)."""

    show_default_templates: bool = False
    show_custom_templates: bool = True
    show_local_storage: bool = True
    show_hidden: bool = False


@dataclass(eq=False, slots=True)
class Node:
    """One row of the tree. ``kind`` is root, group, connection (a server not connected),
    pool, host, vm, template, snapshot, sr, vdi or network; ``ref`` and ``connection`` say
    which object it shows (``ref`` is None for root, groups and connection nodes)."""

    key: str
    label: str
    icon: str
    kind: str
    ref: str | None = None
    connection: Any = None
    children: list[Node] = field(default_factory=list)
    parent: Node | None = None
    sort_key: tuple[Any, ...] = ()
    grey: bool = False

    @property
    def row(self) -> int:
        """Index under the parent (0 for the root)."""
        if self.parent is None:
            return 0
        return bisect.bisect_left(self.parent.children, self.sort_key, key=_sort_key)

    @property
    def obj(self) -> XenObject | None:
        """The cached object the node shows, if any."""
        if self.ref is None or self.connection is None:
            return None
        cls = _KIND_CLASS.get(self.kind)
        return self.connection.cache.get(cls, self.ref) if cls else None


def _sort_key(node: Node) -> tuple[Any, ...]:
    return node.sort_key


_KIND_CLASS = {
    "pool": "pool",
    "host": "host",
    "vm": "VM",
    "template": "VM",
    "snapshot": "VM",
    "sr": "SR",
    "vdi": "VDI",
    "network": "network",
}


class TreeListener(Protocol):
    """Deltas, in the order they happen. Rows are positions at the moment of the call:
    ``inserted``: the node now sits at ``row`` under ``parent_key``; ``removed``: it sat at
    ``row``; ``moved``: it sat at ``old_row`` under ``old_parent`` and now sits at ``new_row``
    under ``new_parent`` (for a move within one parent to a later place, Qt's
    ``beginMoveRows`` destination is ``new_row + 1``); ``changed``: label/icon/grey changed."""

    def inserted(self, parent_key: str, row: int, node: Node) -> None:
        """``node`` may come with children (a pool laid out at once): they are part of it."""

    def removed(self, parent_key: str, row: int, key: str) -> None: ...

    def moved(self, old_parent: str, old_row: int, new_parent: str, new_row: int, key: str) -> None: ...

    def changed(self, key: str) -> None: ...

    # Optional: ``batch_finished()``, called after the deltas of one update (a cache batch,
    # an options or search change), lets a listener announce them together.


@dataclass(frozen=True, slots=True)
class _Place:
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
    ("default-templates", N_("Default Templates"), "template"),
    ("remote-srs", N_("Remote SRs"), "sr-shared"),
    ("local-srs", N_("Local SRs"), "sr"),
    ("vdis", N_("Virtual Disks"), "vdi"),
    ("networks", N_("Networks"), "network"),
)
_GROUP_INDEX = {g[0]: i for i, g in enumerate(_GROUPS)}

_IPISH = re.compile(r"^[0-9.:a-fA-F]+$")


def _group_key(group: str) -> str:
    return f"group/{group}"


class NavigationTree:
    """The tree of one navigation view over several connections, kept current from their
    caches. ``connections`` are ``Connection`` objects (``cache``, ``state``,
    ``friendly_name``, ``on_state``)."""

    def __init__(
        self,
        connections: Iterable[Any] = (),
        view: TreeView = TreeView.INFRASTRUCTURE,
        options: TreeOptions | None = None,
        search: str = "",
    ) -> None:
        self.view = view
        self.options = options or TreeOptions()
        self._search_words: list[str] = []
        self._search = ""
        self._set_search_words(search)
        self._listeners: list[TreeListener] = []
        self._connections: dict[str, Any] = {}
        self._unsubscribe: dict[str, list[Callable[[], None]]] = {}
        self._next_cid = 0
        self._desired: dict[str, _Place] = {}
        self._conn_keys: dict[str, set[str]] = {}
        self._memo: dict[str, dict[str, Any]] = {}
        self._builds: dict[str, asyncio.Task[None]] = {}
        self._waiting: dict[str, list[CacheChange]] = {}
        if view is TreeView.INFRASTRUCTURE:
            self.root = Node(ROOT_KEY, _("XenCenter"), "home", "root")
        else:
            self.root = Node(ROOT_KEY, _("Objects by Type"), "objects", "root")
        self._nodes: dict[str, Node] = {ROOT_KEY: self.root}
        for conn in connections:
            self.add_connection(conn)

    # -- public API ------------------------------------------------------------------------
    def node(self, key: str) -> Node | None:
        return self._nodes.get(key)

    def __len__(self) -> int:
        return len(self._nodes)

    def key_for(self, connection: Any, ref: str) -> str | None:
        """The key of the node showing ``ref`` of ``connection`` (whether shown or not)."""
        for cid, conn in self._connections.items():
            if conn is connection:
                return f"{cid}/{ref}"
        return None

    def add_listener(self, listener: TreeListener) -> Callable[[], None]:
        """Receive deltas from now on; returns a function that stops them."""
        return add_listener(self._listeners, listener)

    @property
    def search(self) -> str:
        return self._search

    def set_search(self, text: str) -> None:
        """Filter by a search string (deltas only, no reset)."""
        if text == self._search:
            return
        self._set_search_words(text)
        self._recompute_all()

    def set_options(self, options: TreeOptions) -> None:
        """Apply new View-menu options (deltas only, no reset)."""
        if options == self.options:
            return
        self.options = options
        self._recompute_all()

    def add_connection(self, conn: Any) -> None:
        cid = str(self._next_cid)
        self._next_cid += 1
        self._connections[cid] = conn
        self._conn_keys[cid] = set()
        self._memo[cid] = {}
        subs = [conn.cache.subscribe(lambda batch, cid=cid: self._on_batch(cid, batch))]
        on_state = getattr(conn, "on_state", None)
        if on_state is not None:
            unsub = on_state(lambda *_args, cid=cid: self._state_changed(cid))
            if callable(unsub):
                subs.append(unsub)
        self._unsubscribe[cid] = subs
        self._recompute_connection(cid)

    def remove_connection(self, conn: Any) -> None:
        for cid, c in list(self._connections.items()):
            if c is conn:
                for unsub in self._unsubscribe.pop(cid, []):
                    unsub()
                self._cancel_build(cid)
                self._apply(dict.fromkeys(self._conn_keys.pop(cid, set())))
                del self._connections[cid]
                self._memo.pop(cid, None)

    def close(self) -> None:
        """Stop following the connections."""
        for cid in list(self._builds):
            self._cancel_build(cid)
        for subs in self._unsubscribe.values():
            for unsub in subs:
                unsub()
        self._unsubscribe.clear()

    def walk(self, node: Node | None = None, depth: int = 0) -> Iterable[tuple[int, Node]]:
        node = node or self.root
        yield depth, node
        for child in node.children:
            yield from self.walk(child, depth + 1)

    def render_lines(self) -> list[str]:
        """The text form: two spaces per level, the label, a tab, the icon name."""
        return [f"{'  ' * depth}{node.label}\t{node.icon}" for depth, node in self.walk()]

    # -- recomputation -----------------------------------------------------------------------
    def _set_search_words(self, text: str) -> None:
        self._search = text
        self._search_words = [w.casefold() for w in text.split()]

    def _recompute_all(self) -> None:
        for cid in list(self._connections):
            self._recompute_connection(cid)

    def _recompute_connection(self, cid: str) -> None:
        conn = self._connections.get(cid)
        if conn is None:
            return
        self._cancel_build(cid)
        new = self._place_connection(cid, conn)
        changes: dict[str, _Place | None] = dict.fromkeys(self._conn_keys[cid] - new.keys())
        changes.update(new)
        self._conn_keys[cid] = set(new)
        self._remember(cid, conn)
        self._apply(changes)

    def _on_batch(self, cid: str, batch: list[CacheChange]) -> None:
        conn = self._connections.get(cid)
        if conn is None:
            return
        if cid in self._builds:
            self._waiting[cid].extend(batch)  # applied once the subtree is attached
            return
        if not self._is_connected(conn) or len(batch) > FULL_RECOMPUTE_THRESHOLD:
            self._recompute_connection(cid)
            return
        dirty = self._dirty(cid, conn, batch)
        if dirty is None:
            self._recompute_connection(cid)
            return
        changes: dict[str, _Place | None] = {}
        keys = self._conn_keys[cid]
        for cls, ref in dirty:
            key = f"{cid}/{ref}"
            place = self._place_object(cid, conn, cls, ref)
            if place is None:
                if key in keys:
                    keys.discard(key)
                    changes[key] = None
            else:
                keys.add(key)
                changes[key] = place
        self._apply(changes)

    def _state_changed(self, cid: str) -> None:
        conn = self._connections.get(cid)
        if conn is None:
            return
        if not self._needs_sliced_build(cid, conn):
            self._recompute_connection(cid)
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop to yield to: build at once
            self._recompute_connection(cid)
            return
        # The connection's own node ("connecting") stays until the subtree is attached.
        self._cancel_build(cid)
        self._waiting[cid] = []
        self._builds[cid] = loop.create_task(self._sliced_build(cid, conn), name=f"tree build {cid}")

    def _needs_sliced_build(self, cid: str, conn: Any) -> bool:
        """A big pool that has just connected and shows nothing of its objects yet."""
        if not self._is_connected(conn) or self._conn_keys[cid] - {f"{cid}/"}:
            return False
        return sum(conn.cache.count(cls) for cls in _TREE_CLASSES) > SLICED_BUILD_THRESHOLD

    def _cancel_build(self, cid: str) -> None:
        task = self._builds.pop(cid, None)
        self._waiting.pop(cid, None)
        if task is not None:
            task.cancel()

    async def _sliced_build(self, cid: str, conn: Any) -> None:
        """Place every object a slice at a time, then attach the result in one step and
        apply the batches that came meanwhile: they mark what they made stale, as always.
        Changes judged against what the tree last saw (host liveness, pool, SR sharing) may
        have been seen half-way by the placements: those start the layout over."""
        me = asyncio.current_task()
        for _attempt in range(BUILD_ATTEMPTS):
            self._remember(cid, conn)
            self._waiting[cid] = []
            places: dict[str, _Place] = {}
            done = 0
            for cls in _TREE_CLASSES:
                for ref in conn.cache.refs(cls):
                    if done % BUILD_SLICE == BUILD_SLICE - 1:
                        await asyncio.sleep(0)
                        if self._builds.get(cid) is not me:
                            return
                    done += 1
                    # An object deleted since the listing is simply not placed.
                    p = self._place_object(cid, conn, cls, ref)
                    if p is not None:
                        places[f"{cid}/{ref}"] = p
            if self._builds.get(cid) is not me:
                return
            if not any(ch.cls in _REMEMBERED_CLASSES for ch in self._waiting[cid]):
                break
        else:
            self._recompute_connection(cid)  # such changes keep coming: build at once
            return
        del self._builds[cid]
        waiting = self._waiting.pop(cid)
        if not self._is_connected(conn):
            self._recompute_connection(cid)
            return
        self._attach(cid, places)
        if waiting:
            self._on_batch(cid, waiting)

    def _attach(self, cid: str, places: dict[str, _Place]) -> None:
        """Show a connection's freshly laid-out objects: the subtree is built detached and
        each top node (a pool, a standalone host, or, in the Objects view, an object under
        its group) is inserted with its children in one delta."""
        absent = dict.fromkeys(self._conn_keys[cid] - places.keys())
        self._conn_keys[cid] = set(places)
        self._desired.update(places)
        nodes = {}
        for key, p in places.items():
            node = Node(key, p.label, p.icon, p.kind, p.ref, p.conn, sort_key=p.sort_key)
            node.grey = p.grey
            nodes[key] = node
        tops: list[Node] = []
        for key, node in nodes.items():
            parent = nodes.get(places[key].parent)
            if parent is None:
                tops.append(node)
            else:
                node.parent = parent
                parent.children.append(node)
        # Containers not matching the search stay only with children (hosts before pools).
        for key in sorted(nodes, key=lambda k: -_RANK.get(places[k].kind, 2)):
            node = nodes[key]
            if not places[key].matches and not node.children:
                if node.parent is None:
                    tops.remove(node)
                else:
                    node.parent.children.remove(node)
        tops.sort(key=lambda n: _RANK.get(n.kind, 2))
        for top in tops:
            parent = self._ensure(places[top.key].parent)
            if parent is None:
                log.debug("no parent %r for %r", places[top.key].parent, top.key)
                continue
            stack = [top]
            while stack:
                n = stack.pop()
                n.children.sort(key=_sort_key)
                self._nodes[n.key] = n
                stack.extend(n.children)
            self._insert(parent, top)
        self._apply(absent)

    def _remember(self, cid: str, conn: Any) -> None:
        """Facts whose change forces a whole-connection recompute (rare events)."""
        memo = self._memo[cid]
        cache = conn.cache
        memo["pool"] = self._pool_signature(conn)
        memo["live"] = {h.ref: h.is_live for h in cache.all("host")}
        memo["sr"] = {sr.ref: self._sr_signature(sr) for sr in cache.all("SR")}

    @staticmethod
    def _pool_signature(conn: Any) -> tuple[Any, ...]:
        pool = conn.cache.pool
        if pool is None:
            return ()
        rec = pool.record
        return (pool.is_visible, rec.get("master"), rec.get("default_SR"), rec.get("name_label"))

    @staticmethod
    def _sr_signature(sr: SR) -> tuple[Any, ...]:
        rec = sr.record
        return (bool(rec.get("shared")), tuple(rec.get("PBDs") or ()))

    def _dirty(self, cid: str, conn: Any, batch: list[CacheChange]) -> set[tuple[str, str]] | None:
        """Objects whose placement may have changed; None = recompute the connection."""
        cache = conn.cache
        memo = self._memo[cid]
        dirty: set[tuple[str, str]] = set()

        def vms_of_vdi(rec: dict[str, Any] | None) -> None:
            for vbd_ref in (rec or {}).get("VBDs") or ():
                vbd = cache.record("VBD", vbd_ref)
                if vbd is not None:
                    dirty.add(("VM", vbd.get("VM")))

        def sr_changed(sr_ref: str, op: str) -> None:
            dirty.add(("SR", sr_ref))
            sr = cache.get("SR", sr_ref)
            sig = self._sr_signature(sr) if sr is not None else None
            if op != "mod" or memo["sr"].get(sr_ref) != sig:
                memo["sr"][sr_ref] = sig
                for vdi_ref in (sr.get("VDIs") if sr is not None else None) or ():
                    vms_of_vdi(cache.record("VDI", vdi_ref))

        for ch in batch:
            rec = cache.record(ch.cls, ch.ref) or ch.old or {}
            if ch.cls == "VM":
                dirty.add(("VM", ch.ref))
                # A snapshot is hidden when its VM's home host is not live.
                dirty.update(("VM", s) for s in rec.get("snapshots") or ())
            elif ch.cls == "VBD":
                dirty.add(("VM", rec.get("VM")))
            elif ch.cls == "VDI":
                dirty.add(("VDI", ch.ref))
                vms_of_vdi(rec)
                if ch.old:
                    vms_of_vdi(ch.old)
            elif ch.cls == "SR":
                sr_changed(ch.ref, ch.op)
            elif ch.cls == "PBD":
                sr_changed(rec.get("SR"), "pbd")
            elif ch.cls == "host":
                if ch.op != "mod":
                    return None
                dirty.add(("host", ch.ref))
                if cache.pool is not None:  # the pool icon sums up its hosts (licence, versions)
                    dirty.add(("pool", cache.pool.ref))
                h = cache.get("host", ch.ref)
                if h is not None and memo["live"].get(ch.ref) != h.is_live:
                    return None
            elif ch.cls == "host_metrics":
                for h in cache.all("host"):
                    if h.get("metrics") == ch.ref:
                        if memo["live"].get(h.ref) != h.is_live:
                            return None
                        dirty.add(("host", h.ref))
            elif ch.cls == "pool":
                if self._pool_signature(conn) != memo.get("pool"):
                    return None
                dirty.add(("pool", ch.ref))
            elif ch.cls == "network":
                dirty.add(("network", ch.ref))
            elif ch.cls == "PIF":
                dirty.add(("network", rec.get("network")))
            elif ch.cls == "VM_guest_metrics" and self._search_words:
                dirty.update(("VM", v.ref) for v in cache.all("VM") if v.get("guest_metrics") == ch.ref)
        dirty.discard(("VM", None))
        dirty.discard(("SR", None))
        dirty.discard(("network", None))
        return dirty

    # -- rules ----------------------------------------------------------------------------------
    @staticmethod
    def _is_connected(conn: Any) -> bool:
        state = getattr(conn, "state", None)
        connected = state is None or getattr(state, "name", "") == "CONNECTED"
        return connected and conn.cache.populated and conn.cache.pool is not None

    def _place_connection(self, cid: str, conn: Any) -> dict[str, _Place]:
        out: dict[str, _Place] = {}
        if not self._is_connected(conn):
            p = self._disconnected_place(cid, conn)
            if p is not None:
                out[f"{cid}/"] = p
            return out
        cache = conn.cache
        for cls in _TREE_CLASSES:
            for ref in cache.refs(cls):
                p = self._place_object(cid, conn, cls, ref)
                if p is not None:
                    out[f"{cid}/{ref}"] = p
        return out

    def _disconnected_place(self, cid: str, conn: Any) -> _Place | None:
        name = getattr(conn, "friendly_name", "") or ""
        if not self._text_matches(name, "", ()):
            return None
        state = getattr(getattr(conn, "state", None), "name", "")
        icon = "host-connecting" if state in ("CONNECTING", "RECONNECTING") else "host-disconnected"
        parent = ROOT_KEY if self.view is TreeView.INFRASTRUCTURE else _group_key("disconnected")
        sort = (1, "30", 1, 1, natural_key(name), "", cid)
        return _Place(parent, sort, name, icon, "connection", None, conn)

    def _place_object(self, cid: str, conn: Any, cls: str, ref: str) -> _Place | None:
        obj = conn.cache.get(cls, ref)
        if obj is None:
            return None
        if self.view is TreeView.INFRASTRUCTURE:
            return self._place_infrastructure(cid, conn, obj)
        return self._place_objects_view(cid, conn, obj)

    def _text_matches(self, name: str, description: str, ips: Iterable[str]) -> bool:
        words = self._search_words
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

    def _obj_matches(self, obj: XenObject) -> bool:
        if not self._search_words:
            return True
        return self._text_matches(obj.name, obj.description, obj.ip_addresses())

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
    def _home_hidden(home: Host | None) -> bool:
        return home is not None and not home.is_live

    def _place_infrastructure(self, cid: str, conn: Any, obj: XenObject) -> _Place | None:
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
            if self._home_hidden(home):
                return None
            return self._node_place(cid, conn, obj, under(home))
        if isinstance(obj, SR):
            if self._sr_in_scope(obj) is None:
                return None
            home = obj.home()
            if self._home_hidden(home):
                return None
            return self._node_place(cid, conn, obj, under(home))
        return None

    def _place_objects_view(self, cid: str, conn: Any, obj: XenObject) -> _Place | None:
        group: str | None = None
        if isinstance(obj, Pool):
            group = "pools" if obj.is_visible else None
        elif isinstance(obj, Host):
            group = "servers"
        elif isinstance(obj, VM):
            group = self._vm_in_scope(obj)
            if group is not None and self._home_hidden(obj.home()):
                group = None
        elif isinstance(obj, SR):
            group = self._sr_in_scope(obj)
            if group is not None and self._home_hidden(obj.home()):
                group = None
        elif obj.cls == "VDI":
            group = "vdis" if obj.show(self.options.show_hidden) else None
        elif isinstance(obj, Network):
            group = "networks" if obj.show(self.options.show_hidden) else None
        if group is None:
            return None
        return self._node_place(cid, conn, obj, _group_key(group))

    def _node_place(self, cid: str, conn: Any, obj: XenObject, parent: str, group: bool = False) -> _Place | None:
        """Label, icon, kind and sort key of an object placed under ``parent``; leaves that
        do not match the search are dropped, groups (pools, hosts) become containers."""
        matches = self._obj_matches(obj)
        if not matches and not group:
            return None
        label, grey = obj.name, False
        if isinstance(obj, SR):
            label = obj.name_without_host
        if len(label) > MAX_LABEL:
            label = label[:MAX_LABEL] + "…"
        if obj.is_hidden and obj.cls in ("VM", "SR", "network", "VDI"):
            label, grey = _("{name} (hidden)").format(name=label), True
        kind, icon, type_key = self._describe(obj)
        sort = (1, *type_key, natural_key(label), obj.ref, cid)
        return _Place(parent, sort, label, icon, kind, obj.ref, conn, grey, matches)

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

    # -- applying desired placements as deltas --------------------------------------------------
    def _group_place(self, key: str) -> _Place | None:
        group = key.removeprefix("group/")
        idx = _GROUP_INDEX.get(group)
        if idx is None:
            return None
        _gid, label, icon = _GROUPS[idx]
        return _Place(ROOT_KEY, (0, idx), str(label), icon, "group", None, None, False, False)

    def _apply(self, changes: dict[str, _Place | None]) -> None:
        for key, place in changes.items():
            if place is None:
                self._desired.pop(key, None)
            else:
                self._desired[key] = place
        present = [k for k, p in changes.items() if p is not None]
        absent = [k for k, p in changes.items() if p is None]
        present.sort(key=lambda k: _RANK.get(self._desired[k].kind, 2))
        for key in present:
            self._sync(key)
        # Containers first: removing a pool takes its hosts and VMs along in one delta.
        absent.sort(key=lambda k: _RANK.get(self._nodes[k].kind, 2) if k in self._nodes else 3)
        for key in absent:
            self._sync(key)
        for listener in list(self._listeners):
            finished = getattr(listener, "batch_finished", None)
            if finished is not None:
                finished()

    def _sync(self, key: str) -> None:
        place = self._desired.get(key)
        node = self._nodes.get(key)
        if place is None or not (place.matches or (node is not None and node.children)):
            if node is not None:
                self._remove(node)
            return
        parent = self._ensure(place.parent)
        if parent is None:
            log.debug("no parent %r for %r", place.parent, key)
            if node is not None:
                self._remove(node)
            return
        if node is None:
            node = Node(key, place.label, place.icon, place.kind, place.ref, place.conn, sort_key=place.sort_key)
            node.grey = place.grey
            self._insert(parent, node)
            return
        if node.parent is not parent or node.sort_key != place.sort_key:
            old_parent = node.parent
            assert old_parent is not None
            old_row = node.row
            del old_parent.children[old_row]
            node.sort_key = place.sort_key
            new_row = bisect.bisect_left(parent.children, node.sort_key, key=_sort_key)
            parent.children.insert(new_row, node)
            node.parent = parent
            if old_parent is not parent or old_row != new_row:
                for listener in list(self._listeners):
                    listener.moved(old_parent.key, old_row, parent.key, new_row, key)
            self._prune(old_parent)
        if (node.label, node.icon, node.grey, node.kind) != (place.label, place.icon, place.grey, place.kind):
            node.label, node.icon, node.grey, node.kind = place.label, place.icon, place.grey, place.kind
            for listener in list(self._listeners):
                listener.changed(key)

    def _ensure(self, key: str) -> Node | None:
        """The materialised node for ``key``, creating it (and its ancestors) if needed."""
        node = self._nodes.get(key)
        if node is not None:
            return node
        place = self._desired.get(key)
        if place is None and key.startswith("group/"):
            place = self._group_place(key)
            if place is not None:
                self._desired[key] = place
        if place is None:
            return None
        parent = self._ensure(place.parent)
        if parent is None:
            return None
        node = Node(key, place.label, place.icon, place.kind, place.ref, place.conn, sort_key=place.sort_key)
        node.grey = place.grey
        self._insert(parent, node)
        return node

    def _insert(self, parent: Node, node: Node) -> None:
        row = bisect.bisect_left(parent.children, node.sort_key, key=_sort_key)
        parent.children.insert(row, node)
        node.parent = parent
        self._nodes[node.key] = node
        for listener in list(self._listeners):
            listener.inserted(parent.key, row, node)

    def _remove(self, node: Node) -> None:
        parent = node.parent
        if parent is None:
            return
        row = node.row
        del parent.children[row]
        node.parent = None
        stack = [node]
        while stack:
            n = stack.pop()
            self._nodes.pop(n.key, None)
            stack.extend(n.children)
        for listener in list(self._listeners):
            listener.removed(parent.key, row, node.key)
        self._prune(parent)

    def _prune(self, node: Node) -> None:
        """Drop containers that only existed for children they no longer have."""
        if node is self.root or node.children:
            return
        place = self._desired.get(node.key)
        if place is None or not place.matches:
            if place is not None and place.kind == "group":
                self._desired.pop(node.key, None)
            self._remove(node)


_RANK = {"group": 0, "pool": 0, "connection": 0, "host": 1}


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
    "NavigationTree",
    "Node",
    "TreeListener",
    "TreeOptions",
    "TreeView",
    "vm_icon",
]
