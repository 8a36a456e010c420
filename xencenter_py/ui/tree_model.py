"""The navigation tree as a Qt item model, kept in step with the model's NavigationTree.

The model mirrors the tree's shape in small ``_Item`` records (key, node, parent,
children) and applies the tree's deltas one by one between the matching
``begin*``/``end*`` calls, so views keep their selection and expansion: a VM that starts
*moves* under its host (``beginMoveRows``) and stays selected. Moves among siblings (a
renamed VM taking its new place in the sorted list) come by the hundred in one batch;
Qt's ``beginMoveRows`` visits every persistent index (each expanded node) for every one
of them, so they are announced together as one layout change instead. ``modelReset``
happens only when a whole new tree is attached (view switch, search, options).

Drag and drop carries node keys; whether a drop is possible and what it does is decided
by a ``DropHandler`` (the main window, through the model's command rules), never here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from PySide6.QtCore import QAbstractItemModel, QMimeData, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from xencenter_py.ui import icons

KEY_ROLE = Qt.ItemDataRole.UserRole + 1
NODE_ROLE = Qt.ItemDataRole.UserRole + 2
KIND_ROLE = Qt.ItemDataRole.UserRole + 3
ICON_NAME_ROLE = Qt.ItemDataRole.UserRole + 4

Index = QModelIndex | QPersistentModelIndex
MIME_TYPE = "application/x-xencenter-py-nodes"
DRAGGABLE_KINDS = frozenset({"vm"})
ORGANISABLE_KINDS = frozenset({"vm", "host", "pool", "sr", "vdi", "network", "template", "snapshot", "folder"})
"""What can be dragged onto a tag or into a folder in the organisation views."""
RENAMABLE_KINDS = frozenset({"folder", "tag"})
"""Nodes renamed by editing their label in place (XenCenter's folders and tags)."""

# Item flags, combined once: QTreeView asks for them for every row on every relayout, and
# combining Python enum flags per call made a relayout of a 5,000-VM tree take ~50 ms.
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_DROP_FLAGS = _FLAGS | Qt.ItemFlag.ItemIsDropEnabled  # the drop handler decides what each drop does
_DRAG_FLAGS = _DROP_FLAGS | Qt.ItemFlag.ItemIsDragEnabled


class DropHandler(Protocol):
    """Decides drops onto the tree (e.g. a VM onto a server: migrate)."""

    def can_drop(self, nodes: list[Any], target: Any) -> tuple[bool, str]:
        """(allowed, text for the status bar: what the drop does, or why it cannot)."""
        ...

    def drop(self, nodes: list[Any], target: Any) -> None: ...


class _Item:
    __slots__ = ("__weakref__", "children", "key", "node", "parent", "rows")

    def __init__(self, node: Any, parent: _Item | None) -> None:
        self.key = node.key
        self.node = node
        self.parent = parent
        self.children: list[_Item] = []
        self.rows: dict[Any, int] | None = None  # child key -> row, rebuilt lazily

    def row_of(self, child: _Item) -> int:
        if self.rows is None:
            self.rows = {c.key: i for i, c in enumerate(self.children)}
        return self.rows[child.key]

    def dirty(self) -> None:
        self.rows = None


class NavigationModel(QAbstractItemModel):
    """Qt adapter over a ``NavigationTree``; the invisible root is the tree's root node's parent."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.tree: Any = None
        self._root: _Item | None = None  # holds the tree root as its only child
        self._items: dict[Any, _Item] = {}
        self._unsubscribe: Any = None
        self.drop_handler: DropHandler | None = None
        self.rename_handler: Any = None  # rename_handler(node, new_name) for RENAMABLE_KINDS
        # A layout change in progress (sibling moves): persistent indexes before it, their
        # items, and the rows whose data changed meanwhile (announced after it).
        self._layout_before: list[QModelIndex] | None = None
        self._layout_items: list[_Item] = []
        self._changed_later: dict[Any, None] = {}

    # -- attaching a tree -------------------------------------------------------------
    def set_tree(self, tree: Any) -> None:
        """Show ``tree`` (a full reset) and follow its deltas from now on."""
        self.batch_finished()
        self.beginResetModel()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.tree = tree
        self._items = {}
        self._root = None
        if tree is not None:
            holder = _Holder()
            self._root = _Item(holder, None)
            self._root.children.append(self._mirror(tree.root, self._root))
            self._unsubscribe = tree.add_listener(self)
        self.endResetModel()

    def _mirror(self, node: Any, parent: _Item) -> _Item:
        item = _Item(node, parent)
        self._items[item.key] = item
        item.children = [self._mirror(child, item) for child in node.children]
        return item

    def _forget(self, item: _Item) -> None:
        self._items.pop(item.key, None)
        for child in item.children:
            self._forget(child)

    # -- deltas from the NavigationTree ------------------------------------------------
    def inserted(self, parent_key: Any, row: int, node: Any) -> None:
        self.batch_finished()
        parent = self._items[parent_key]
        self.beginInsertRows(self._index_of(parent), row, row)
        # A node may come with its children (a pool laid out at once): one insert for all.
        item = self._mirror(node, parent)
        parent.children.insert(row, item)
        parent.dirty()
        self.endInsertRows()

    def removed(self, parent_key: Any, row: int, key: Any) -> None:
        self.batch_finished()
        parent = self._items[parent_key]
        self.beginRemoveRows(self._index_of(parent), row, row)
        item = parent.children.pop(row)
        parent.dirty()
        self._forget(item)
        self.endRemoveRows()

    def moved(self, old_parent: Any, old_row: int, new_parent: Any, new_row: int, key: Any) -> None:
        """``new_row`` is the row in the new parent after the move (list.insert semantics)."""
        src, dst = self._items[old_parent], self._items[new_parent]
        if src is dst:
            if old_row != new_row:
                self._reorder(src, old_row, new_row)
            return
        self.batch_finished()
        # Qt wants the destination row as it is *before* the item leaves its old place.
        qt_row = new_row + 1 if src is dst and new_row > old_row else new_row
        if not self.beginMoveRows(self._index_of(src), old_row, old_row, self._index_of(dst), qt_row):
            # Qt refuses no-op moves; fall back to remove + insert of the same node.
            item = src.children[old_row]
            self.removed(old_parent, old_row, key)
            self.inserted(new_parent, new_row, item.node)
            return
        item = src.children.pop(old_row)
        src.dirty()
        dst.children.insert(new_row, item)
        dst.dirty()
        item.parent = dst
        self.endMoveRows()

    def changed(self, key: Any) -> None:
        if self._layout_before is not None:
            self._changed_later[key] = None
            return
        item = self._items.get(key)
        if item is None:
            return
        index = self._index_of(item)
        self.dataChanged.emit(index, index)

    def _reorder(self, parent: _Item, old_row: int, new_row: int) -> None:
        """Move a child to another row of the same parent, within one layout change."""
        if self._layout_before is None:
            self.layoutAboutToBeChanged.emit()
            # After the emit: the views' own persistent indexes (selection) are among them.
            self._layout_before = self.persistentIndexList()
            self._layout_items = [i.internalPointer() for i in self._layout_before]
        parent.children.insert(new_row, parent.children.pop(old_row))
        parent.dirty()

    def batch_finished(self) -> None:
        """End the layout change in progress (if any): persistent indexes follow their
        items to their new rows; rows whose label changed meanwhile are announced."""
        before = self._layout_before
        if before is None:
            return
        self._layout_before = None
        after = [self._index_of(item) for item in self._layout_items]
        self._layout_items = []
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()
        changed, self._changed_later = self._changed_later, {}
        for key in changed:
            self.changed(key)

    # -- lookups -----------------------------------------------------------------------
    def _index_of(self, item: _Item) -> QModelIndex:
        if item.parent is None:
            return QModelIndex()
        return self.createIndex(item.parent.row_of(item), 0, item)

    def index_for_key(self, key: Any) -> QModelIndex:
        item = self._items.get(key)
        return self._index_of(item) if item is not None else QModelIndex()

    def _item(self, index: Index) -> _Item | None:
        if not index.isValid():
            return self._root
        return index.internalPointer()

    def node(self, index: Index) -> Any:
        item = self._item(index)
        return None if item is None or item is self._root else item.node

    def keys(self) -> list[Any]:
        return list(self._items)

    # -- QAbstractItemModel --------------------------------------------------------------
    # index/rowCount/hasChildren/flags run once per row on every relayout of the view:
    # kept to the fewest Python calls.
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        item = parent.internalPointer() if parent.isValid() else self._root
        if item is None or column or not 0 <= row < len(item.children):
            return QModelIndex()
        return self.createIndex(row, 0, item.children[row])

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        item: _Item = index.internalPointer()
        parent = item.parent
        if parent is None or parent is self._root:
            return QModelIndex()
        return self._index_of(parent)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0 if parent.column() else len(parent.internalPointer().children)
        return len(self._root.children) if self._root is not None else 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 1

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid():
            return not parent.column() and bool(parent.internalPointer().children)
        return self._root is not None and bool(self._root.children)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node = index.internalPointer().node
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return str(node.label)
        if role == Qt.ItemDataRole.DecorationRole:
            return icons.icon(node.icon)
        if role == Qt.ItemDataRole.ToolTipRole:
            return str(node.label)
        if role == Qt.ItemDataRole.ForegroundRole and node.grey:
            return QBrush(QColor("#808080"))
        if role == KEY_ROLE:
            return node.key
        if role == NODE_ROLE:
            return node
        if role == KIND_ROLE:
            return node.kind
        if role == ICON_NAME_ROLE:
            return node.icon
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if self.drop_handler is None:
            return _FLAGS
        node = index.internalPointer().node
        kind = node.kind
        organising = self.tree is not None and self.tree.view.is_organisation_view
        draggable = kind in (ORGANISABLE_KINDS if organising else DRAGGABLE_KINDS) or (
            not organising and kind == "host" and node.parent is not None and node.parent.kind != "pool"
        )  # VMs; standalone servers onto a pool (join it); objects onto tags and folders
        flags = _DRAG_FLAGS if draggable else _DROP_FLAGS
        if kind in RENAMABLE_KINDS and self.rename_handler is not None:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """A folder or tag label edited in place asks for a rename; the tree itself changes
        only when the pool does."""
        node = self.node(index)
        if role != Qt.ItemDataRole.EditRole or node is None or self.rename_handler is None:
            return False
        name = str(value).strip()
        if not name or name == node.label:
            return False
        self.rename_handler(node, name)
        return True

    # -- drag and drop -------------------------------------------------------------------
    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        """The dragged nodes, by key (only within this window's tree)."""
        keys = [self.node(i).key for i in indexes if i.isValid() and self.node(i) is not None]
        data = QMimeData()
        data.setData(MIME_TYPE, "\n".join(dict.fromkeys(keys)).encode())
        return data

    def dragged_nodes(self, data: QMimeData) -> list[Any]:
        """The nodes a drag carries (those still in the tree)."""
        if self.tree is None or not data.hasFormat(MIME_TYPE):
            return []
        keys = bytes(data.data(MIME_TYPE).data()).decode().split("\n")
        nodes = [self.tree.node(k) for k in keys if k]
        return [n for n in nodes if n is not None]

    def drop_verdict(self, data: QMimeData, parent: Index) -> tuple[bool, str]:
        """(allowed, status text) for dropping ``data`` on (or among the children of) ``parent``."""
        target = self.node(parent)
        nodes = self.dragged_nodes(data)
        if self.drop_handler is None or target is None or not nodes:
            return False, ""
        return self.drop_handler.can_drop(nodes, target)

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index) -> bool:
        return self.drop_verdict(data, parent)[0]

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index) -> bool:
        """Hand the drop to the handler; the tree itself changes only when the pool does."""
        if action == Qt.DropAction.IgnoreAction or not self.drop_verdict(data, parent)[0]:
            return False
        assert self.drop_handler is not None
        self.drop_handler.drop(self.dragged_nodes(data), self.node(parent))
        return True


class _Holder:
    """Stand-in node for the invisible root above the tree's own root."""

    key = "\x00invisible-root"
    label = ""
    icon = ""
    kind = ""
    grey = False
    children: tuple[()] = ()
