"""The navigation tree of a view, kept up to date incrementally from the connections' caches.

Where each object goes, its label, icon and order are the rules of ``tree_rules`` (XenCenter's
Infrastructure and Objects views, search, and the icon vocabulary ``ICONS``); this module
lays the tree out by them and keeps it current.

After the first build, each cache batch recomputes only the objects it affects and reports
deltas to listeners (``inserted``, ``removed``, ``moved``, ``changed``; see ``TreeListener``),
so a Qt model maps them 1:1 to begin/end row operations and never resets.

A big pool that has just connected is laid out in slices that yield to the event loop (the
window keeps painting); its batches wait meanwhile, and the finished subtree is attached with
one ``inserted`` per top node, carrying its children. Disconnecting removes the top nodes,
each with its whole subtree, in one delta.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from xencenter_py import PRODUCT_NAME
from xencenter_py.model.cache import CacheChange
from xencenter_py.model.listeners import add_listener
from xencenter_py.model.objects import SR, XenObject
from xencenter_py.model.tree_rules import (
    ICONS,
    MAX_LABEL,
    RANK,
    ROOT_KEY,
    ROOTS,
    TREE_CLASSES,
    Place,
    TreeOptions,
    TreeRules,
    TreeView,
    is_connected,
    vm_icon,
)

log = logging.getLogger(__name__)

FULL_RECOMPUTE_THRESHOLD = 2000
"""Batches larger than this recompute the whole connection instead of tracing dependencies."""

SLICED_BUILD_THRESHOLD = 2000
"""Objects from which a newly connected pool is laid out in slices, off the event loop's way."""

BUILD_SLICE = 300
"""Objects placed between two yields to the event loop while a big pool is laid out."""

BULK_THRESHOLD = 64
"""Changes from which leaves shown or hidden together are applied per parent (``_bulk``)."""

BUILD_ATTEMPTS = 3
"""Layouts started over (pool, host or storage changes meanwhile) before building at once."""

_REMEMBERED_CLASSES = frozenset({"pool", "host", "host_metrics", "SR", "PBD"})
"""Classes whose changes the tree judges against facts it remembered (see ``_remember``)."""


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


_sort_key = operator.attrgetter("sort_key")
"""A node's sort key (a C-level getter: bisecting thousands of siblings calls it often)."""


def _with_matches(p: Place, matches: bool) -> Place:
    """``p`` with another ``matches`` (the constructor: much faster than ``replace``)."""
    return Place(p.parent, p.sort_key, p.label, p.icon, p.kind, p.ref, p.conn, p.grey, matches)


_KIND_CLASS = {
    "pool": "pool",
    "host": "host",
    "vm": "VM",
    "template": "VM",
    "snapshot": "VM",
    "sr": "SR",
    "vdi": "VDI",
    "network": "network",
    "vapp": "VM_appliance",
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
        saved_search: Any = None,
    ) -> None:
        self._rules = TreeRules(view, options or TreeOptions(), search, saved_search)
        self._search = search
        self._listeners: list[TreeListener] = []
        self._connections: dict[str, Any] = {}
        self._unsubscribe: dict[str, list[Callable[[], None]]] = {}
        self._next_cid = 0
        self._desired: dict[str, Place] = {}
        self._conn_keys: dict[str, set[str]] = {}
        self._memo: dict[str, dict[str, Any]] = {}
        self._builds: dict[str, asyncio.Task[None]] = {}
        self._waiting: dict[str, list[CacheChange]] = {}
        label, icon = ROOTS[view]
        if saved_search is not None:
            label = saved_search.name
        elif view is TreeView.INFRASTRUCTURE:
            label = PRODUCT_NAME
        self.root = Node(ROOT_KEY, str(label), icon, "root")
        self._nodes: dict[str, Node] = {ROOT_KEY: self.root}
        self._hidden: dict[str, Node] = {}  # leaves a search hid, kept to be shown again cheaply
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
    def view(self) -> TreeView:
        return self._rules.view

    @property
    def options(self) -> TreeOptions:
        return self._rules.options

    @property
    def search(self) -> str:
        return self._search

    def set_search(self, text: str) -> None:
        """Filter by a search string (deltas only, no reset). Every object keeps its place;
        a keystroke only recomputes which places match, from the texts kept at placement."""
        if text == self._search:
            return
        self._search = text
        self._rules.set_search(text)
        if self._builds:
            self._recompute_all()
            return
        cids = {id(conn): cid for cid, conn in self._connections.items()}
        changes: dict[str, Place | None] = {}
        for key, place in self._desired.items():
            if place.kind == "folder" and place.ref is None:
                if place.matches == bool(text.split()):  # an empty folder shows only without a search
                    changes[key] = _with_matches(place, not text.split())
                continue
            if place.ref is None or place.conn is None:
                continue
            cid = cids.get(id(place.conn))
            cls = _KIND_CLASS.get(place.kind)
            if cid is None or cls is None:
                continue
            matches = self._rules.cached_matches(cid, place.conn, cls, place.ref)
            if matches is not None and matches != place.matches:
                changes[key] = _with_matches(place, matches)
        self._apply(changes)
        for cid, conn in list(self._connections.items()):
            if not is_connected(conn):
                self._recompute_connection(cid)  # a server not connected: one node, by name

    def set_options(self, options: TreeOptions) -> None:
        """Apply new View-menu options (deltas only, no reset)."""
        if options == self.options:
            return
        self._rules.options = options
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
                self._rules.texts = {k: v for k, v in self._rules.texts.items() if k[0] != cid}

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
    def _recompute_all(self) -> None:
        for cid in list(self._connections):
            self._recompute_connection(cid)

    def _recompute_connection(self, cid: str) -> None:
        conn = self._connections.get(cid)
        if conn is None:
            return
        self._cancel_build(cid)
        new = self._rules.place_connection(cid, conn)
        changes: dict[str, Place | None] = dict.fromkeys(self._conn_keys[cid] - new.keys())
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
        if self.view.is_organisation_view or not is_connected(conn) or len(batch) > FULL_RECOMPUTE_THRESHOLD:
            self._recompute_connection(cid)
            return
        dirty = self._dirty(cid, conn, batch)
        if dirty is None:
            self._recompute_connection(cid)
            return
        changes: dict[str, Place | None] = {}
        keys = self._conn_keys[cid]
        for cls, ref in dirty:
            key = f"{cid}/{ref}"
            place = self._rules.place_object(cid, conn, cls, ref)
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
        if self.view.is_organisation_view or not is_connected(conn) or self._conn_keys[cid] - {f"{cid}/"}:
            return False
        return sum(conn.cache.count(cls) for cls in TREE_CLASSES) > SLICED_BUILD_THRESHOLD

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
            places: dict[str, Place] = {}
            done = 0
            for cls in TREE_CLASSES:
                for ref in conn.cache.refs(cls):
                    if done % BUILD_SLICE == BUILD_SLICE - 1:
                        await asyncio.sleep(0)
                        if self._builds.get(cid) is not me:
                            return
                    done += 1
                    # An object deleted since the listing is simply not placed.
                    p = self._rules.place_object(cid, conn, cls, ref)
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
        if not is_connected(conn):
            self._recompute_connection(cid)
            return
        self._attach(cid, places)
        if waiting:
            self._on_batch(cid, waiting)

    def _attach(self, cid: str, places: dict[str, Place]) -> None:
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
        for key in sorted(nodes, key=lambda k: -RANK.get(places[k].kind, 2)):
            node = nodes[key]
            if not places[key].matches and not node.children:
                if node.parent is None:
                    tops.remove(node)
                else:
                    node.parent.children.remove(node)
        tops.sort(key=lambda n: RANK.get(n.kind, 2))
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
            elif ch.cls == "VM_guest_metrics" and self._rules.search_words:
                dirty.update(("VM", v.ref) for v in cache.all("VM") if v.get("guest_metrics") == ch.ref)
        dirty.discard(("VM", None))
        dirty.discard(("SR", None))
        dirty.discard(("network", None))
        return dirty

    # -- applying desired placements as deltas --------------------------------------------------
    def _apply(self, changes: dict[str, Place | None]) -> None:
        for key, place in changes.items():
            if place is None:
                self._hidden.pop(key, None)
            if place is None and key.startswith("group/"):
                # A group placed for itself (an empty folder) stays while it has children.
                changes[key] = place = self._rules.group_place(key)
            if place is None:
                self._desired.pop(key, None)
            else:
                self._desired[key] = place
        if len(changes) > BULK_THRESHOLD:
            changes = self._bulk(changes)
        present = [k for k, p in changes.items() if p is not None]
        absent = [k for k, p in changes.items() if p is None]
        present.sort(key=lambda k: RANK.get(self._desired[k].kind, 2))
        for key in present:
            self._sync(key)
        # Containers first: removing a pool takes its hosts and VMs along in one delta.
        absent.sort(key=lambda k: RANK.get(self._nodes[k].kind, 2) if k in self._nodes else 3)
        for key in absent:
            self._sync(key)
        for listener in list(self._listeners):
            finished = getattr(listener, "batch_finished", None)
            if finished is not None:
                finished()

    def _bulk(self, changes: dict[str, Place | None]) -> dict[str, Place | None]:
        """Many leaves appearing or disappearing at once (a search keystroke on a big pool):
        each parent's children list is rebuilt once instead of once per node; the deltas are
        the same (removals from the last row up, insertions from the first row down, so every
        row is right when it is announced). Returns the changes left for ``_sync``."""
        rest: dict[str, Place | None] = {}
        inserts: dict[str, list[Node]] = {}
        removals: dict[str, list[Node]] = {}
        for key, place in changes.items():
            node = self._nodes.get(key)
            shown = place is not None and place.matches
            if node is None and shown and place is not None and place.kind not in RANK:
                parent = self._ensure(place.parent)
                if parent is not None:
                    leaf = self._hidden.pop(key, None)
                    looks = (place.label, place.icon, place.kind, place.sort_key, place.grey)
                    if leaf is None or (leaf.label, leaf.icon, leaf.kind, leaf.sort_key, leaf.grey) != looks:
                        leaf = Node(
                            key, place.label, place.icon, place.kind, place.ref, place.conn, sort_key=place.sort_key
                        )
                        leaf.grey = place.grey
                    inserts.setdefault(parent.key, []).append(leaf)
                    continue
            if node is not None and not shown and not node.children and node.parent is not None:
                removals.setdefault(node.parent.key, []).append(node)
                continue
            rest[key] = place
        listeners = list(self._listeners)
        for parent_key, nodes in removals.items():
            parent = self._nodes[parent_key]
            gone = {id(n) for n in nodes}
            rows = [i for i, child in enumerate(parent.children) if id(child) in gone]
            for row in reversed(rows):
                node = parent.children.pop(row)
                node.parent = None
                self._nodes.pop(node.key, None)
                self._hidden[node.key] = node  # most likely shown again by a later keystroke
                for listener in listeners:
                    listener.removed(parent_key, row, node.key)
            self._prune(parent)
        for parent_key, nodes in inserts.items():
            parent = self._nodes.get(parent_key)
            if parent is None:  # pruned just above: let _sync bring it back
                rest.update({n.key: self._desired.get(n.key) for n in nodes})
                continue
            new = {id(n) for n in nodes}
            for n in nodes:
                n.parent = parent
                self._nodes[n.key] = n
            parent.children = sorted([*parent.children, *nodes], key=_sort_key)
            for row, child in enumerate(parent.children):
                if id(child) in new:
                    for listener in listeners:
                        listener.inserted(parent_key, row, child)
        return rest

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
            place = self._rules.group_place(key)
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


__all__ = [
    "ICONS",
    "MAX_LABEL",
    "ROOT_KEY",
    "NavigationTree",
    "Node",
    "TreeListener",
    "TreeOptions",
    "TreeView",
    "vm_icon",
]
