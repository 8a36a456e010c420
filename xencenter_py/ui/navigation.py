"""The left pane: search box, the navigation tree, and the Infrastructure / Objects /
Notifications buttons (XenCenter's NavigationPane)."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QDragLeaveEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import gettext as _
from xencenter_py.model.tree import TreeView
from xencenter_py.ui import icons
from xencenter_py.ui.menus import set_action_text
from xencenter_py.ui.tree_model import NODE_ROLE, NavigationModel
from xencenter_py.ui.widgets import Retranslating


class Mode(enum.Enum):
    INFRASTRUCTURE = "infrastructure"
    OBJECTS = "objects"
    TAGS = "tags"
    FOLDERS = "folders"
    CUSTOM_FIELDS = "custom-fields"
    VAPPS = "vapps"
    SAVED_SEARCH = "search"
    NOTIFICATIONS = "notifications"


ORGANIZATION_MODES = (Mode.TAGS, Mode.FOLDERS, Mode.CUSTOM_FIELDS, Mode.VAPPS)
"""The Organization Views button's menu, in XenCenter's order."""

VIEW_OF_MODE = {
    Mode.INFRASTRUCTURE: TreeView.INFRASTRUCTURE,
    Mode.OBJECTS: TreeView.OBJECTS,
    Mode.TAGS: TreeView.TAGS,
    Mode.FOLDERS: TreeView.FOLDERS,
    Mode.CUSTOM_FIELDS: TreeView.CUSTOM_FIELDS,
    Mode.VAPPS: TreeView.VAPPS,
    Mode.SAVED_SEARCH: TreeView.SEARCH,
}
"""The tree view each navigation mode shows."""


class NotificationPage(enum.Enum):
    ALERTS = "alerts"
    EVENTS = "events"


def stable_key(node: Any) -> str:
    """A key for ``node`` that survives restarts (tree keys number connections per run)."""
    if node is None:
        return ""
    conn = node.connection
    if conn is None:
        return node.key
    return f"{getattr(conn, 'address', '')}/{node.ref or ''}"


def _connections_of(keys: set[str]) -> set[str]:
    """The connection parts of stable keys (``address/ref``)."""
    return {k.rsplit("/", 1)[0] for k in keys}


class NavigationTreeView(QTreeView):
    """The tree widget; while something is dragged over it, ``drop_hint`` says what dropping
    here would do, or why it cannot (XenCenter shows this in the status bar)."""

    drop_hint = Signal(str)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        super().dragMoveEvent(event)
        model = self.model()
        if isinstance(model, NavigationModel):
            index = self.indexAt(event.position().toPoint())
            self.drop_hint.emit(model.drop_verdict(event.mimeData(), index)[1] if index.isValid() else "")

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        super().dragLeaveEvent(event)
        self.drop_hint.emit("")

    def dropEvent(self, event: QDropEvent) -> None:
        super().dropEvent(event)
        self.drop_hint.emit("")


class NavigationPane(Retranslating, QWidget):
    """Emits ``selection_changed`` with the selected tree nodes; the window builds tabs."""

    selection_changed = Signal(list)
    mode_changed = Signal(object)
    search_changed = Signal(str)
    notification_page_changed = Signal(object)
    context_menu_requested = Signal(QPoint)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("navigationPane")
        self.mode = Mode.INFRASTRUCTURE
        self.search = QLineEdit()
        self.search.setObjectName("searchBox")
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(lambda: self.search_changed.emit(self.search.text()))
        self.search.textChanged.connect(lambda _t: self._search_timer.start())

        self.model = NavigationModel(self)
        self.tree = NavigationTreeView()
        self.tree.setObjectName("navigationTree")
        self.tree.setDragEnabled(True)
        self.tree.setAcceptDrops(True)
        self.tree.setDropIndicatorShown(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.tree.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.tree.setDragDropOverwriteMode(True)  # a drop is always *on* a node, as in XenCenter
        self.tree.setModel(self.model)
        self.tree.setHeaderHidden(True)
        # Folders and tags are renamed in place with F2 or a click on the selected label.
        self.tree.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self.context_menu_requested)
        # Selection updates are coalesced: thousands of row removals report once.
        self._selection_timer = QTimer(self)
        self._selection_timer.setSingleShot(True)
        self._selection_timer.setInterval(0)
        self._selection_timer.timeout.connect(self._emit_selection)
        self.tree.selectionModel().selectionChanged.connect(self._selection_changed)
        self.model.modelReset.connect(self._selection_changed)
        self.model.rowsRemoved.connect(self._selection_changed)
        self._pending_expansion: dict[str, None] = {}  # node keys, in order
        self._expansion_timer = QTimer(self)
        self._expansion_timer.setSingleShot(True)
        self._expansion_timer.setInterval(0)
        self._expansion_timer.timeout.connect(self._apply_pending_expansion)
        self.model.rowsInserted.connect(self._rows_inserted)
        self.tree.expanded.connect(self._expanded)
        self.tree.collapsed.connect(self._collapsed)

        self.notifications = QListWidget()
        self.notifications.setObjectName("notificationsList")
        self.notifications.currentRowChanged.connect(self._notification_row)
        for page in NotificationPage:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, page)
            item.setIcon(icons.icon("warning" if page is NotificationPage.ALERTS else "info"))
            self.notifications.addItem(item)

        self.stack = QStackedWidget()
        self.stack.addWidget(self.tree)
        self.stack.addWidget(self.notifications)

        self.buttons: dict[Mode, QToolButton] = {}
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.stack, 1)
        self.saved_search: Any = None  # the search shown in Mode.SAVED_SEARCH
        self.searches: Callable[[], list[Any]] = list  # the saved searches to offer
        self.organization_menu = QMenu(self)
        self.organization_menu.setObjectName("organizationViewsMenu")
        self.organization_actions = {}
        for mode in ORGANIZATION_MODES:
            act = self.organization_menu.addAction("")
            act.setObjectName(f"{mode.value}View")
            act.triggered.connect(lambda _c=False, m=mode: self.set_mode(m))
            self.organization_actions[mode] = act
        self.searches_menu = QMenu(self)
        self.searches_menu.setObjectName("savedSearchesMenu")
        self.searches_menu.aboutToShow.connect(self._fill_searches_menu)
        for mode, icon_name in (
            (Mode.INFRASTRUCTURE, "home"),
            (Mode.OBJECTS, "objects"),
            (Mode.TAGS, "tag"),
            (Mode.SAVED_SEARCH, "saved-search"),
            (Mode.NOTIFICATIONS, "warning"),
        ):
            button = QToolButton()
            button.setObjectName(f"{mode.value}Button")
            button.setCheckable(True)
            button.setIcon(icons.icon(icon_name))
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            if mode is Mode.TAGS:  # "Organization Views": a menu of the four views
                button.setObjectName("organizationViewsButton")
                button.setMenu(self.organization_menu)
                button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            elif mode is Mode.SAVED_SEARCH:
                button.setMenu(self.searches_menu)
                button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            else:
                button.clicked.connect(lambda _c=False, m=mode: self.set_mode(m))
            self.group.addButton(button)
            layout.addWidget(button)
            self.buttons[mode] = button
        for mode in ORGANIZATION_MODES[1:]:
            self.buttons[mode] = self.buttons[Mode.TAGS]
        self.buttons[Mode.INFRASTRUCTURE].setChecked(True)
        self.expanded_keys: dict[Mode, set[str]] = {m: set() for m in Mode if m is not Mode.NOTIFICATIONS}
        self._restoring = False
        self._counts = {NotificationPage.ALERTS: 0, NotificationPage.EVENTS: 0}
        self.retranslate()

    def retranslate(self) -> None:
        self.search.setPlaceholderText(_("Search..."))
        self.buttons[Mode.INFRASTRUCTURE].setText(_("Infrastructure"))
        self.buttons[Mode.OBJECTS].setText(_("Objects"))
        self.buttons[Mode.TAGS].setText(_("Organization Views"))
        self.buttons[Mode.SAVED_SEARCH].setText(_("Saved Searches"))
        self.buttons[Mode.NOTIFICATIONS].setText(_("Notifications"))
        texts = {
            Mode.TAGS: _("Objects by &Tag"),
            Mode.FOLDERS: _("Objects by &Folder"),
            Mode.CUSTOM_FIELDS: _("Objects by &Custom Field"),
            Mode.VAPPS: _("&vApps"),
        }
        for mode, act in self.organization_actions.items():
            set_action_text(act, texts[mode])
        self.set_counts(self._counts[NotificationPage.ALERTS], self._counts[NotificationPage.EVENTS])

    def set_counts(self, alerts: int, event_errors: int) -> None:
        """Show ``Alerts (n)`` and ``Events (n)`` (errors) as XenCenter does."""
        self._counts = {NotificationPage.ALERTS: alerts, NotificationPage.EVENTS: event_errors}
        labels = {NotificationPage.ALERTS: _("Alerts"), NotificationPage.EVENTS: _("Events")}
        for row in range(self.notifications.count()):
            item = self.notifications.item(row)
            page = item.data(Qt.ItemDataRole.UserRole)
            count = self._counts[page]
            item.setText(f"{labels[page]} ({count})" if count else labels[page])
            font = item.font()
            font.setBold(page is NotificationPage.EVENTS and count > 0)
            item.setFont(font)

    # -- modes ---------------------------------------------------------------------------
    def _fill_searches_menu(self) -> None:
        """Built-in searches last, then by name (XenCenter's ``Search.CompareTo``)."""
        self.searches_menu.clear()
        for search in sorted(self.searches(), key=lambda s: (s.default, s.name.casefold())):
            act = self.searches_menu.addAction(icons.icon("saved-search"), "")
            set_action_text(act, search.name.replace("&", "&&"))
            act.setObjectName(f"search:{search.uuid}")
            act.triggered.connect(lambda _c=False, s=search: self.show_search(s))

    def show_search(self, search: Any) -> None:
        """Show a saved search's results in the tree (and the Search tab)."""
        self.saved_search = search
        if self.mode is Mode.SAVED_SEARCH:
            self.mode_changed.emit(self.mode)  # another search: rebuild
            return
        self.set_mode(Mode.SAVED_SEARCH)

    def set_mode(self, mode: Mode) -> None:
        self.buttons[mode].setChecked(True)
        if mode is self.mode:
            return
        self.mode = mode
        self.stack.setCurrentWidget(self.notifications if mode is Mode.NOTIFICATIONS else self.tree)
        if mode is Mode.NOTIFICATIONS and self.notifications.currentRow() < 0:
            self.notifications.setCurrentRow(1)
        self.mode_changed.emit(mode)
        if mode is Mode.NOTIFICATIONS:
            self._notification_row(self.notifications.currentRow())
        else:
            self._selection_changed()

    def show_notification_page(self, page: NotificationPage) -> None:
        self.set_mode(Mode.NOTIFICATIONS)
        self.notifications.setCurrentRow(list(NotificationPage).index(page))

    def _notification_row(self, row: int) -> None:
        if row >= 0:
            self.notification_page_changed.emit(list(NotificationPage)[row])

    # -- tree ----------------------------------------------------------------------------
    def set_tree(self, tree: Any) -> None:
        """Show a freshly built tree and restore what was expanded and selected."""
        selected = [stable_key(n) for n in self.selected_nodes()]
        self.model.set_tree(tree)
        self.restore_expansion()
        if selected:
            self.select_keys(selected)
        elif tree is not None:
            self.tree.setCurrentIndex(self.model.index(0, 0))

    def restore_expansion(self) -> None:
        """Expand saved nodes (default: the root, pools and servers); all while searching."""
        keys = self.expanded_keys.get(self.mode, set())
        self._restoring = True
        try:
            if self.search.text():
                self.tree.expandAll()
                return
            known = _connections_of(keys)
            self._walk(QModelIndex(), lambda index, depth: self._restore_one(index, depth, keys, known))
        finally:
            self._restoring = False

    def _rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        """New nodes (a server connecting, a VM appearing) get their saved or default
        expansion; so does their parent, which may have had no children to expand before.
        Applied once Qt has finished inserting (QTreeView ignores expanding a node then).
        Kept by node key, not as persistent indexes: a pool's first load inserts thousands
        of rows, and Qt revisits every persistent index on each insert."""
        for index in (parent, *(self.model.index(row, 0, parent) for row in range(first, last + 1))):
            node = self.model.node(index)
            if node is not None:
                self._pending_expansion[node.key] = None
                # A node inserted with its subtree (a pool laid out at once): its containers too.
                stack = [c for c in node.children if c.children] if index != parent else []
                while stack:
                    child = stack.pop()
                    self._pending_expansion[child.key] = None
                    stack.extend(c for c in child.children if c.children)
        self._expansion_timer.start()

    def _apply_pending_expansion(self) -> None:
        pending, self._pending_expansion = self._pending_expansion, {}
        if self.mode not in self.expanded_keys:
            return
        keys = self.expanded_keys[self.mode]
        known = _connections_of(keys)
        searching = bool(self.search.text())
        self._restoring = True
        try:
            for key in pending:
                index = self.model.index_for_key(key)
                node = self.model.node(index)
                if node is None or not node.children:
                    continue  # gone, or nothing to expand
                if searching:
                    self.tree.expand(index)
                    continue
                depth = 0
                ancestor = node.parent
                while ancestor is not None:
                    depth += 1
                    ancestor = ancestor.parent
                self._restore_one(index, depth, keys, known)
        finally:
            self._restoring = False

    def _restore_one(self, index: QModelIndex, depth: int, keys: set[str], known: set[str]) -> None:
        """Expand a node saved as expanded; nodes of a connection with nothing saved
        (``known``: the connections something was saved for; a new server, or the demo on
        new ports) get the default: root, pools and servers."""
        key = stable_key(index.data(NODE_ROLE))
        if key in keys or (depth < 3 and key.rsplit("/", 1)[0] not in known):
            self.tree.expand(index)

    def _walk(self, parent: QModelIndex, visit: Callable[[QModelIndex, int], None], depth: int = 0) -> None:
        for row in range(self.model.rowCount(parent)):
            index = self.model.index(row, 0, parent)
            visit(index, depth)
            if self.model.rowCount(index) and depth < 6:
                self._walk(index, visit, depth + 1)

    def _expanded(self, index: QModelIndex) -> None:
        if not self._restoring and not self.search.text() and self.mode in self.expanded_keys:
            self.expanded_keys[self.mode].add(stable_key(index.data(NODE_ROLE)))

    def _collapsed(self, index: QModelIndex) -> None:
        if not self._restoring and not self.search.text() and self.mode in self.expanded_keys:
            self.expanded_keys[self.mode].discard(stable_key(index.data(NODE_ROLE)))

    def capture_expansion(self) -> None:
        """Record the current expansion (before saving settings)."""
        if self.mode not in self.expanded_keys or self.search.text():
            return
        keys: set[str] = set()

        def visit(index: QModelIndex, _depth: int) -> None:
            if self.tree.isExpanded(index):
                keys.add(stable_key(index.data(NODE_ROLE)))

        self._walk(QModelIndex(), visit)
        self.expanded_keys[self.mode] = keys

    def select_keys(self, keys: list[str]) -> None:
        wanted = set(keys)
        found: list[QModelIndex] = []
        self._walk(QModelIndex(), lambda i, _d: found.append(i) if stable_key(i.data(NODE_ROLE)) in wanted else None)
        if not found:
            return
        sel = self.tree.selectionModel()
        sel.clearSelection()
        for index in found:
            sel.select(index, sel.SelectionFlag.Select)
        sel.setCurrentIndex(found[0], sel.SelectionFlag.NoUpdate)
        self.tree.scrollTo(found[0])
        # A selection made by the program is reported at once (user clicks are coalesced).
        self._selection_timer.stop()
        self._emit_selection()

    def selected_nodes(self) -> list[Any]:
        nodes = []
        for index in self.tree.selectionModel().selectedIndexes():
            node = self.model.node(index)
            if node is not None:
                nodes.append(node)
        return nodes

    def _selection_changed(self, *_args: Any) -> None:
        self._selection_timer.start()

    def _emit_selection(self) -> None:
        if self.mode is not Mode.NOTIFICATIONS:
            self.selection_changed.emit(self.selected_nodes())
