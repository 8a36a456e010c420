"""The main window: menus, toolbar, navigation pane, tabs, notifications and status bar."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from xencenter_py import PRODUCT_NAME
from xencenter_py.i18n import current_language
from xencenter_py.i18n import gettext as _
from xencenter_py.model import commands as model_commands
from xencenter_py.model.connection import ConnectionState
from xencenter_py.model.tree import NavigationTree, TreeOptions, TreeView
from xencenter_py.ui import commands, config, gc_policy, icons, menus, motion_menu
from xencenter_py.ui.aio import spawn
from xencenter_py.ui.connections import ConnectionManager, follow_lost_connection
from xencenter_py.ui.events_view import AlertsPage, EventsPage
from xencenter_py.ui.lifecycle_commands import LifecycleCommands
from xencenter_py.ui.navigation import VIEW_OF_MODE, Mode, NavigationPane, NotificationPage, stable_key
from xencenter_py.ui.operations import Operation, OperationHistory
from xencenter_py.ui.organize import RESULT_MODES, Organizer, results_under
from xencenter_py.ui.status_bar import StatusArea
from xencenter_py.ui.tabs.base import TabPage
from xencenter_py.ui.tabs.console import ConsoleTab
from xencenter_py.ui.tabs.general import GeneralTab
from xencenter_py.ui.tabs.ha import HaTab
from xencenter_py.ui.tabs.home import HomeTab
from xencenter_py.ui.tabs.memory import MemoryTab
from xencenter_py.ui.tabs.networking import NetworkingTab
from xencenter_py.ui.tabs.nics import NicsTab
from xencenter_py.ui.tabs.performance import PerformanceTab
from xencenter_py.ui.tabs.search import SearchTab
from xencenter_py.ui.tabs.snapshots import SnapshotsTab
from xencenter_py.ui.tabs.storage import StorageTab
from xencenter_py.ui.tabs.users import UsersTab
from xencenter_py.ui.toolbar import MainToolbar
from xencenter_py.ui.widgets import Retranslating
from xencenter_py.ui.window_commands import WindowCommands

# XenCenter's tab order; each object shows the tabs that apply to it (pool: General, Memory,
# Storage, Networking, HA, Users, Search; server: ... NICs, Console, Performance, Users ...;
# VM: ... Console, Performance, Snapshots, Search).
TAB_TYPES: tuple[type[TabPage], ...] = (
    HomeTab,
    GeneralTab,
    MemoryTab,
    StorageTab,
    NetworkingTab,
    NicsTab,
    ConsoleTab,
    PerformanceTab,
    HaTab,
    SnapshotsTab,
    UsersTab,
    SearchTab,
)


DEPENDENT = frozenset({"PBD", "VBD"})
"""Classes whose changes alter what the selection can do (an SR's attachment, a disk's use)."""


class MainWindow(Retranslating, LifecycleCommands, WindowCommands, QMainWindow):
    """XenCenter's main window, driven by a ConnectionManager and an OperationHistory: the
    composition of its actions and menus (``menus``), navigation pane, tabs, notification
    pages and status bar (``status_bar``)."""

    tree_rebuilt = Signal()
    closing = Signal()

    def __init__(self, manager: ConnectionManager | None = None, history: OperationHistory | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowIcon(icons.icon("home"))
        self.manager = manager or ConnectionManager(self)
        self.history = history or OperationHistory(self)
        self._lost: dict[Any, Operation] = {}  # a lost connection's entry in Events, per connection
        self.options = TreeOptions()
        self.language_setting: str | None = None
        self.navigation_tree: NavigationTree | None = None
        self._tree_connections: list[Any] = []
        self.selection: list[Any] = []  # selected model objects
        self.group_results: list[Any] = []  # objects below a selected tag, folder or search node
        self.selected_nodes: list[Any] = []
        self._back: list[list[str]] = []
        self._forward: list[list[str]] = []
        self._navigating = False
        self._ctrl_y_on_resume: bool | None = None
        self._tree_language = ""

        menus.build_actions(self)
        menus.build_menus(self)
        menus.build_toolbar(self)
        self._build_body()
        self._build_status_bar()
        self.organizer = Organizer(self)

        self.manager.connections_changed.connect(self._connections_changed)
        self.manager.state_changed.connect(self._connection_state_changed)
        self.manager.reveal_requested.connect(self.select_connection)
        self.history.added.connect(self._operations_changed)
        self.history.changed.connect(self._operations_changed)
        self.history.removed.connect(self._operations_changed)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(150)
        self._refresh_timer.timeout.connect(self._refresh_selection_views)
        self._cache_unsubscribers: list[Any] = []

        self.restore_settings()
        self.rebuild_tree()
        self.retranslate()

    # -- construction ----------------------------------------------------------------------
    # Set by menus.build_actions/build_menus/build_toolbar:
    act_add_server: QAction
    act_exit: QAction
    act_refresh: QAction
    act_properties: QAction
    act_new_vm: QAction
    lifecycle_actions: dict[str, QAction]
    act_options: QAction
    act_about: QAction
    act_back: QAction
    act_forward: QAction
    act_connect: QAction
    act_disconnect: QAction
    act_reconnect_as: QAction
    act_connect_all: QAction
    act_disconnect_all: QAction
    act_remove_server: QAction
    act_toolbar: QAction
    view_options: dict[str, QAction]
    power_actions: dict[str, QAction]
    host_menus: dict[str, tuple[commands.PowerCommand, QMenu, Any]]
    motion_actions: dict[str, QAction]  # set by motion_menu.install
    add_to_pool_menu: QMenu
    start_on_menu: QMenu
    resume_on_menu: QMenu
    migrate_menu: QMenu
    menus: dict[str, QMenu]
    connect_menu: QMenu
    lifecycle_menu: QMenu
    toolbar: MainToolbar

    def _build_body(self) -> None:
        self.navigation = NavigationPane()
        self.navigation.selection_changed.connect(self._selection_changed)
        self.navigation.mode_changed.connect(self._mode_changed)
        self.navigation.search_changed.connect(self._search_changed)
        self.navigation.notification_page_changed.connect(self._notification_page)
        self.navigation.context_menu_requested.connect(self._context_menu)
        self.navigation.model.drop_handler = self
        self.navigation.tree.drop_hint.connect(self._show_drop_hint)

        self.title_icon = QLabel()
        self.title_label = QLabel()
        self.title_label.setObjectName("titleLabel")
        self.title_label.setStyleSheet("font-size: 13pt; font-weight: bold; padding: 4px;")
        title_bar = QWidget()
        title_bar.setObjectName("titleBar")
        title_bar.setStyleSheet("#titleBar { background: #2b3a4a; } QLabel { color: white; }")
        tl = QHBoxLayout(title_bar)
        tl.setContentsMargins(6, 2, 6, 2)
        tl.addWidget(self.title_icon)
        tl.addWidget(self.title_label, 1)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("tabs")
        self.tab_pages: dict[str, TabPage] = {t.key: t() for t in TAB_TYPES}
        self.tabs.currentChanged.connect(self._tab_changed)
        self.last_tab = "general"
        self.alerts_page = AlertsPage()
        self.events_page = EventsPage(self.history)
        self.events_page.counts_changed.connect(self._update_counts)
        self.alerts_page.counts_changed.connect(self._update_counts)

        self.right = QStackedWidget()
        self.right.setObjectName("rightPane")
        tabs_host = QWidget()
        vl = QVBoxLayout(tabs_host)
        vl.setContentsMargins(0, 0, 0, 0)
        vl.setSpacing(0)
        vl.addWidget(title_bar)
        vl.addWidget(self.tabs)
        self.right.addWidget(tabs_host)
        self.right.addWidget(self.alerts_page)
        self.right.addWidget(self.events_page)
        self.tabs_host = tabs_host

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.navigation)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([280, 820])
        self.setCentralWidget(self.splitter)

    def _build_status_bar(self) -> None:
        self.status = StatusArea(self.statusBar(), lambda page: self.navigation.show_notification_page(page))
        self.status_label = self.status.label
        self.status_progress = self.status.progress
        self.tasks_button = self.status.tasks_button
        self.errors_button = self.status.errors_button
        self.alerts_button = self.status.alerts_button

    # -- texts ---------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(PRODUCT_NAME)
        menus.retranslate(self)
        for page in self.tab_pages.values():
            index = self.tabs.indexOf(page)
            if index >= 0:
                self.tabs.setTabText(index, page.title())
        self.update_commands()
        self._update_counts()
        self._update_title()
        self._operations_changed()
        if self.navigation_tree is not None and self._tree_language != current_language():
            self.rebuild_tree()  # the tree's fixed labels (root, groups, "(hidden)") follow too

    # -- connections and tree ------------------------------------------------------------------
    def rebuild_tree(self) -> None:
        """Build the navigation tree for the current view (also F5)."""
        if self.navigation_tree is not None:
            self.navigation_tree.close()
        view = VIEW_OF_MODE.get(self.navigation.mode, TreeView.INFRASTRUCTURE)
        saved = self.navigation.saved_search if view is TreeView.SEARCH else None
        self._tree_connections = list(self.manager.connections)
        self._tree_language = current_language()
        self.navigation_tree = NavigationTree(
            self._tree_connections, view, self.options, self.navigation.search.text(), saved
        )
        self.navigation.set_tree(self.navigation_tree)
        self._watch_caches()
        self.tree_rebuilt.emit()

    def refresh(self) -> None:
        """F5: rebuild the tree now and reload every connected pool from its server (the
        tree then follows the differences, as for any change)."""
        self.rebuild_tree()
        for conn in self.manager.connections:
            if conn.is_connected:
                spawn(conn.refresh(), self)

    def _connections_changed(self) -> None:
        tree = self.navigation_tree
        if tree is None:
            return
        for conn in [c for c in self._tree_connections if c not in self.manager.connections]:
            tree.remove_connection(conn)
            self._tree_connections.remove(conn)
        for conn in [c for c in self.manager.connections if c not in self._tree_connections]:
            tree.add_connection(conn)
            self._tree_connections.append(conn)
            self.navigation.restore_expansion()
        self._watch_caches()
        self.alerts_page.set_connections(self.manager.connections)
        self.update_commands()

    def _watch_caches(self) -> None:
        for unsubscribe in self._cache_unsubscribers:
            unsubscribe()
        self._cache_unsubscribers = [c.cache.subscribe(self._cache_changed) for c in self.manager.connections]

    def _cache_changed(self, batch: list[Any]) -> None:
        gc_policy.settle()
        if any(ch.cls == "message" for ch in batch):
            self.alerts_page.refresh()
        # At most one refresh per interval, even while batches keep coming (restarting the
        # timer on each batch would hold the tabs back for the whole stream).
        if self._refresh_timer.isActive():
            return
        refs = {o.ref for o in self.selection}
        current = self.tabs.currentWidget()
        if (
            not refs
            or any(ch.ref in refs or ch.cls.endswith("metrics") or ch.cls in DEPENDENT for ch in batch)
            or (isinstance(current, TabPage) and current.cares_about(batch))
        ):
            self._refresh_timer.start()

    def _connection_state_changed(self, conn: Any) -> None:
        lost = self._lost.get(conn)
        if conn.state is ConnectionState.RECONNECTING and (lost is None or not lost.running):
            self._lost[conn] = follow_lost_connection(self.history, conn)
        self.update_commands()
        if conn.state is ConnectionState.CONNECTED:
            gc_policy.settle(force=True)
            self.navigation.restore_expansion()
            self.alerts_page.refresh()
        self._refresh_timer.start()

    def _options_toggled(self) -> None:
        self.options = TreeOptions(**{f: a.isChecked() for f, a in self.view_options.items()})
        if self.navigation_tree is not None:
            self.navigation_tree.set_options(self.options)

    def _search_changed(self, text: str) -> None:
        if self.navigation_tree is not None:
            self.navigation_tree.set_search(text)
            self.navigation.restore_expansion()

    def _mode_changed(self, mode: Mode) -> None:
        if mode is Mode.NOTIFICATIONS:
            return
        self.rebuild_tree()

    def _notification_page(self, page: NotificationPage) -> None:
        self.right.setCurrentWidget(self.alerts_page if page is NotificationPage.ALERTS else self.events_page)

    # -- selection and tabs ---------------------------------------------------------------------
    def _selection_changed(self, nodes: list[Any]) -> None:
        if self.navigation.mode is Mode.NOTIFICATIONS:
            return
        self.right.setCurrentWidget(self.tabs_host)
        keys = [stable_key(n) for n in nodes]
        previous = [stable_key(n) for n in self.selected_nodes]
        if not self._navigating and previous and keys != previous:
            self._back.append(previous)
            self._forward.clear()
        self.selected_nodes = list(nodes)
        self.selection = [o for o in (n.obj for n in nodes) if o is not None]
        # A search, tag or folder node: the Search tab lists what is below it (commands do not apply).
        self.group_results = results_under(nodes) if not self.selection and self.navigation.mode in RESULT_MODES else []
        self._update_tabs()
        self.update_commands()
        self._update_title()

    def _update_tabs(self) -> None:
        wanted = [page for page in self.tab_pages.values() if page.applies_to(self.selection)]
        if len(self.selection) > 1 or self.group_results:
            wanted = [self.tab_pages["search"]]
        current_key = self.last_tab
        self.tabs.blockSignals(True)
        for index in reversed(range(self.tabs.count())):
            if self.tabs.widget(index) not in wanted:
                self.tabs.removeTab(index)
        for position, page in enumerate(wanted):
            if self.tabs.indexOf(page) < 0:
                self.tabs.insertTab(position, page, page.title())
        self.tabs.blockSignals(False)
        for page in wanted:
            page.set_objects(self.selection or self.group_results)
        if current_key in self.tab_pages and self.tabs.indexOf(self.tab_pages[current_key]) >= 0:
            self.tabs.setCurrentWidget(self.tab_pages[current_key])

    def _tab_changed(self, index: int) -> None:
        page = self.tabs.widget(index)
        if isinstance(page, TabPage):
            self.last_tab = page.key

    def select_first(self, kind: str) -> bool:
        """Select the first tree node of ``kind`` (pool, host, vm...); False when none."""
        tree = self.navigation_tree
        node = next((n for _d, n in tree.walk() if n.kind == kind), None) if tree is not None else None
        if node is None:
            return False
        self.navigation.select_keys([stable_key(node)])
        return True

    def select_connection(self, conn: Any) -> None:
        """Select the top node of ``conn`` (its pool, or its server when standalone)."""
        tree = self.navigation_tree
        nodes = [(d, n) for d, n in tree.walk() if n.connection is conn] if tree is not None else []
        if nodes:
            node = min(nodes, key=lambda dn: (dn[1].kind != "pool", dn[0]))[1]
            self.navigation.select_keys([stable_key(node)])

    def refresh_views(self) -> None:
        """Redraw the tabs and commands now (normally done shortly after cache changes)."""
        self._refresh_timer.stop()
        self._refresh_selection_views()

    def _refresh_selection_views(self) -> None:
        self.selection = [o for o in self.selection if o.exists]
        self.group_results = [o for o in self.group_results if o.exists]
        for index in range(self.tabs.count()):
            page = self.tabs.widget(index)
            if isinstance(page, TabPage):
                page.set_objects(self.selection or self.group_results)
        self.update_commands()
        self._update_title()

    def _update_title(self) -> None:
        nodes = self.selected_nodes
        if len(nodes) == 1:
            self.title_label.setText(str(nodes[0].label))
            self.title_icon.setPixmap(icons.pixmap(nodes[0].icon, 24))
        elif nodes:
            self.title_label.setText(_("{n} items selected").format(n=len(nodes)))
            self.title_icon.setPixmap(icons.pixmap("objects", 24))
        else:
            self.title_label.setText(_("xencenter-py"))
            self.title_icon.setPixmap(icons.pixmap("home", 24))

    def go_back(self) -> None:
        if self._back:
            self._forward.append([stable_key(n) for n in self.selected_nodes])
            self._navigate(self._back.pop())

    def go_forward(self) -> None:
        if self._forward:
            self._back.append([stable_key(n) for n in self.selected_nodes])
            self._navigate(self._forward.pop())

    def _navigate(self, keys: list[str]) -> None:
        self._navigating = True
        try:
            self.navigation.select_keys(keys)
        finally:
            self._navigating = False
        self.update_commands()

    # -- command state ---------------------------------------------------------------------------
    def update_commands(self) -> None:
        """Enable each command for the selection, with the reason as tooltip when disabled."""
        menus.update_commands(self, self._selected_connections())
        self.act_back.setEnabled(bool(self._back))
        self.act_forward.setEnabled(bool(self._forward))

    def fill_host_menu(self, command_id: str) -> None:
        """Fill a Resume on / Migrate to / Start on Server menu for the selected VMs."""
        menus.fill_host_menu(self, command_id)

    # -- drag and drop (the tree's DropHandler) -------------------------------------------------------
    def can_drop(self, nodes: list[Any], target: Any) -> tuple[bool, str]:
        """A VM dropped on a server (or on anything under it) migrates there; a standalone
        server dropped on a pool joins it; objects dropped on a tag or a folder are tagged or
        filed (``organize``)."""
        verdict = self.organizer.drop_verdict(nodes, target)
        if verdict is not None:
            return verdict
        if nodes and all(n.kind == "host" for n in nodes):
            return motion_menu.can_drop_servers(nodes, target)
        host_node = target
        while host_node is not None and host_node.kind != "host":
            host_node = host_node.parent
        host = host_node.obj if host_node is not None else None
        vms = [n.obj for n in nodes if n.kind == "vm" and n.obj is not None]
        if host is None or not vms or len(vms) != len(nodes):
            return False, ""
        ok, reason = model_commands.can_migrate_to(vms, host)
        if not ok:
            return False, reason
        return True, _("Migrate to '{host}'").format(host=host.name)

    def _show_drop_hint(self, text: str) -> None:
        if text:
            self.statusBar().showMessage(text)
        else:
            self.statusBar().clearMessage()

    def drop(self, nodes: list[Any], target: Any) -> None:
        if self.organizer.drop(nodes, target):
            return
        if all(n.kind == "host" for n in nodes):
            motion_menu.drop_servers(self, nodes, target)
            return
        host_node = target
        while host_node.kind != "host":
            host_node = host_node.parent
        self.run_command(commands.MIGRATE, host_node.obj, objects=[n.obj for n in nodes])

    def _context_menu(self, pos: Any) -> None:
        menu = menus.context_menu(self)
        self.organizer.extend_context_menu(menu, self.selected_nodes)
        menu.popup(self.navigation.tree.viewport().mapToGlobal(pos))
        self.context_menu = menu

    # -- status bar and notifications ---------------------------------------------------------------
    def _operations_changed(self, *_args: Any) -> None:
        self.status.show_operations(self.history)
        self._update_counts()

    def _update_counts(self) -> None:
        errors = self.events_page.error_count()
        alerts = self.alerts_page.count()
        self.status.show_counts(len(self.history.running()), errors, alerts)
        self.navigation.set_counts(alerts, errors)

    # -- settings -------------------------------------------------------------------------------------
    def restore_settings(self) -> None:
        s = config.ui_settings()
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:  # first start: wide enough for the toolbar with its labels, within the screen
            screen = self.screen().availableGeometry().width() if self.screen() is not None else 1100
            self.resize(min(max(1100, self.toolbar.width_needed() + 24), max(screen, 640)), 720)
        sizes = s.value("window/splitter")
        if isinstance(sizes, list) and len(sizes) == 2:
            self.splitter.setSizes([int(x) for x in sizes])
        for field, act in self.view_options.items():
            value = s.value(f"view/{field}")
            if value is not None:
                act.blockSignals(True)
                act.setChecked(str(value).lower() == "true")
                act.blockSignals(False)
        self.options = TreeOptions(**{f: a.isChecked() for f, a in self.view_options.items()})
        self.act_toolbar.setChecked(str(s.value("view/toolbar", "true")).lower() == "true")
        for mode in (Mode.INFRASTRUCTURE, Mode.OBJECTS):
            keys = s.value(f"tree/expanded_{mode.value}")
            if isinstance(keys, list):
                self.navigation.expanded_keys[mode] = set(keys)
            elif isinstance(keys, str) and keys:
                self.navigation.expanded_keys[mode] = {keys}
        mode = s.value("tree/mode", Mode.INFRASTRUCTURE.value)
        if mode in (Mode.INFRASTRUCTURE.value, Mode.OBJECTS.value):
            self.navigation.mode = Mode(mode)
            self.navigation.buttons[self.navigation.mode].setChecked(True)
        language = s.value("language")
        self.language_setting = language if language in ("en", "ja") else None

    def save_settings(self) -> None:
        s = config.ui_settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/splitter", self.splitter.sizes())
        for field, act in self.view_options.items():
            s.setValue(f"view/{field}", act.isChecked())
        s.setValue("view/toolbar", self.act_toolbar.isChecked())
        self.navigation.capture_expansion()
        for mode, keys in self.navigation.expanded_keys.items():
            s.setValue(f"tree/expanded_{mode.value}", sorted(keys))
        if self.navigation.mode is not Mode.NOTIFICATIONS:
            s.setValue("tree/mode", self.navigation.mode.value)
        s.setValue("language", self.language_setting or "")
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        self.closing.emit()
        if self.navigation_tree is not None:
            self.navigation_tree.close()
        for unsubscribe in self._cache_unsubscribers:
            unsubscribe()
        self._cache_unsubscribers = []
        super().closeEvent(event)
