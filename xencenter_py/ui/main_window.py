"""The main window: menus, toolbar, navigation pane, tabs, notifications and status bar."""

from __future__ import annotations

import re
from typing import Any

import shiboken6
from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import current_language
from xencenter_py.i18n import gettext as _
from xencenter_py.i18n.qt import switch_language
from xencenter_py.model import commands as model_commands
from xencenter_py.model.connection import ConnectionState
from xencenter_py.model.tree import NavigationTree, TreeOptions, TreeView
from xencenter_py.ui import commands, config, gc_policy, icons
from xencenter_py.ui.aio import run_dialog, spawn
from xencenter_py.ui.connections import ConnectionManager, connect_interactive, connect_saved
from xencenter_py.ui.dialogs.about import AboutDialog
from xencenter_py.ui.dialogs.add_server import AddServerDialog
from xencenter_py.ui.dialogs.options import OptionsDialog
from xencenter_py.ui.dialogs.properties import PropertiesDialog
from xencenter_py.ui.events_view import AlertsPage, EventsPage
from xencenter_py.ui.navigation import Mode, NavigationPane, NotificationPage, stable_key
from xencenter_py.ui.operations import OperationHistory, OpState
from xencenter_py.ui.tabs.base import TabPage
from xencenter_py.ui.tabs.general import GeneralTab
from xencenter_py.ui.tabs.search import SearchTab
from xencenter_py.ui.widgets import Retranslating

TAB_TYPES: tuple[type[TabPage], ...] = (GeneralTab, SearchTab)

# The VM menu's Start/Shut Down entries (None: a separator); the tree's context menu
# offers the enabled ones.
LIFECYCLE_COMMANDS = (
    "start",
    "shutdown",
    "reboot",
    "suspend",
    "resume",
    "pause",
    "unpause",
    None,
    "force_shutdown",
    "force_reboot",
)


def _set_action_state(action: QAction, enabled: bool, tooltip: str, status: str) -> None:
    """Update an action only where something changed (this runs on every selection change)."""
    if action.isEnabled() != enabled:
        action.setEnabled(enabled)
    if action.toolTip() != tooltip:
        action.setToolTip(tooltip)
    status = "" if enabled else status
    if action.statusTip() != status:
        action.setStatusTip(status)


def without_mnemonic(text: str) -> str:
    """Menu text as a toolbar label: no ``&`` marker, no Japanese-style ``(&X)``, no ``...``."""
    return re.sub(r"\(&\w\)", "", text).replace("&", "").removesuffix("...")


def set_action_text(action: QAction, text: str) -> None:
    """Menu text with an explicit tooltip without the accelerator: Qt's own tooltip keeps the
    Japanese ``(X)`` of ``終了(&X)``. Disabled-reason tooltips are set later and win."""
    action.setText(text)
    action.setToolTip(without_mnemonic(text))


class MainWindow(Retranslating, QMainWindow):
    """XenCenter's main window, driven by a ConnectionManager and an OperationHistory."""

    tree_rebuilt = Signal()
    closing = Signal()

    def __init__(self, manager: ConnectionManager | None = None, history: OperationHistory | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowIcon(icons.icon("home"))
        self.manager = manager or ConnectionManager(self)
        self.history = history or OperationHistory(self)
        self.options = TreeOptions()
        self.language_setting: str | None = None
        self.navigation_tree: NavigationTree | None = None
        self._tree_connections: list[Any] = []
        self.selection: list[Any] = []  # selected model objects
        self.selected_nodes: list[Any] = []
        self._back: list[list[str]] = []
        self._forward: list[list[str]] = []
        self._navigating = False
        self._ctrl_y_on_resume: bool | None = None
        self._tree_language = ""

        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_body()
        self._build_status_bar()

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
    def _action(self, name: str, icon: str | None = None, shortcut: str | None = None, slot: Any = None) -> QAction:
        action = QAction(self)
        action.setObjectName(name)
        if icon:
            action.setIcon(icons.icon(icon))
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        if slot is not None:
            action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        a = self._action
        self.act_add_server = a("addServer", "addserver", None, self.add_server)
        self.act_exit = a("exit", None, "Ctrl+Q", self.close)
        self.act_refresh = a("refresh", None, "F5", self.refresh)
        self.act_properties = a("properties", None, "F2", self.show_properties)
        self.act_new_vm = a("newVm", "newvm", "Ctrl+N", self.new_vm)
        self.act_options = a("options", None, None, self.show_options)
        self.act_about = a("about", None, None, lambda: spawn(run_dialog(AboutDialog(self)), self))
        self.act_back = a("back", "back", "Alt+Left", self.go_back)
        self.act_forward = a("forward", "forward", "Alt+Right", self.go_forward)
        self.act_connect = a("connect", None, None, self.connect_selected)
        self.act_disconnect = a("disconnect", None, None, self.disconnect_selected)
        self.act_reconnect_as = a("reconnectAs", None, None, self.reconnect_as)
        self.act_connect_all = a("connectAll", None, None, self.connect_all)
        self.act_disconnect_all = a("disconnectAll", None, None, self.disconnect_all)
        self.act_remove_server = a("removeServer", None, None, self.remove_selected)
        self.view_options: dict[str, QAction] = {}
        for field in ("show_custom_templates", "show_default_templates", "show_local_storage", "show_hidden"):
            act = a(field)
            act.setCheckable(True)
            act.setChecked(getattr(self.options, field))
            act.toggled.connect(self._options_toggled)
            self.view_options[field] = act
        self.act_toolbar = a("toggleToolbar")
        self.act_toolbar.setCheckable(True)
        self.act_toolbar.setChecked(True)
        self.power_actions: dict[str, QAction] = {}
        for cmd in (*commands.VM_COMMANDS, *commands.HOST_COMMANDS, commands.HOST_POWER_ON):
            act = a(f"cmd_{cmd.id}", cmd.icon, cmd.shortcut)
            act.triggered.connect(lambda _c=False, c=cmd: self.run_command(c))
            self.power_actions[cmd.id] = act
        # Server lists of the VM menu: (command, menu object name, check(vms, host)).
        self.host_menus: dict[str, tuple[commands.PowerCommand, QMenu, Any]] = {}
        for command, name, check in (
            (commands.RESUME_ON, "resumeOnServerMenu", lambda vms, h: model_commands.can_start_on(vms[0], h)),
            (commands.MIGRATE, "migrateToServerMenu", model_commands.can_migrate_to),
            (commands.START_ON, "startOnServerMenu", lambda vms, h: model_commands.can_start_on(vms[0], h)),
        ):
            host_menu = QMenu(self)
            host_menu.setObjectName(name)
            host_menu.aboutToShow.connect(lambda c=command.id: self.fill_host_menu(c))
            self.host_menus[command.id] = (command, host_menu, check)
        self.start_on_menu = self.host_menus["start_on"][1]
        self.resume_on_menu = self.host_menus["resume_on"][1]
        self.migrate_menu = self.host_menus["migrate"][1]

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.menus: dict[str, QMenu] = {}

        def menu(name: str, *items: Any) -> QMenu:
            m = bar.addMenu("")
            m.setObjectName(f"{name}Menu")
            m.setToolTipsVisible(True)  # a disabled command says why
            for item in items:
                if item is None:
                    m.addSeparator()
                elif isinstance(item, QMenu):
                    m.addMenu(item)
                else:
                    m.addAction(item)
            self.menus[name] = m
            return m

        p = self.power_actions
        menu("file", self.act_add_server, None, self.act_exit)
        menu(
            "view",
            self.view_options["show_custom_templates"],
            self.view_options["show_default_templates"],
            self.view_options["show_local_storage"],
            self.view_options["show_hidden"],
            None,
            self.act_toolbar,
            None,
            self.act_refresh,
        )
        menu("pool", self.act_add_server, self.act_reconnect_as, self.act_disconnect, None, self.act_properties)
        self.connect_menu = QMenu(self)
        self.connect_menu.setObjectName("connectMenu")
        for act in (
            self.act_connect,
            self.act_disconnect,
            self.act_reconnect_as,
            None,
            self.act_connect_all,
            self.act_disconnect_all,
        ):
            self.connect_menu.addSeparator() if act is None else self.connect_menu.addAction(act)
        menu(
            "server",
            self.act_add_server,
            None,
            p["host_reboot"],
            p["host_power_on"],
            p["host_shutdown"],
            None,
            self.connect_menu,
            self.act_remove_server,
            None,
            self.act_properties,
        )
        self.lifecycle_menu = QMenu(self)
        self.lifecycle_menu.setToolTipsVisible(True)
        self.lifecycle_menu.setObjectName("lifecycleMenu")
        for cid in LIFECYCLE_COMMANDS:
            self.lifecycle_menu.addSeparator() if cid is None else self.lifecycle_menu.addAction(p[cid])
        menu(
            "vm",
            self.act_new_vm,
            None,
            self.lifecycle_menu,
            self.resume_on_menu,
            self.migrate_menu,
            self.start_on_menu,
            None,
            self.act_properties,
        )
        menu("storage", self.act_properties)
        menu("templates", self.act_new_vm, None, self.act_properties)
        menu("tools", self.act_options)
        menu("help", self.act_about)

    def _build_toolbar(self) -> None:
        self.toolbar = QToolBar(self)
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toolbar.setMovable(False)
        self.addToolBar(self.toolbar)
        p = self.power_actions
        for item in (
            self.act_back,
            self.act_forward,
            None,
            self.act_add_server,
            None,
            self.act_new_vm,
            None,
            p["shutdown"],
            p["start"],
            p["reboot"],
            p["resume"],
            p["suspend"],
            p["force_shutdown"],
            p["force_reboot"],
        ):
            self.toolbar.addSeparator() if item is None else self.toolbar.addAction(item)
        self.act_toolbar.toggled.connect(self.toolbar.setVisible)

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
        bar = self.statusBar()
        self.status_label = QLabel()
        self.status_label.setObjectName("statusLabel")
        self.status_progress = QProgressBar()
        self.status_progress.setObjectName("statusProgress")
        self.status_progress.setRange(0, 100)
        self.status_progress.setMaximumWidth(160)
        self.status_progress.setMaximumHeight(16)
        self.status_progress.hide()
        bar.addWidget(self.status_progress)
        bar.addWidget(self.status_label, 1)
        self.tasks_button = self._status_button("tasksButton", "busy", NotificationPage.EVENTS)
        self.errors_button = self._status_button("errorsButton", "error", NotificationPage.EVENTS)
        self.alerts_button = self._status_button("alertsButton", "warning", NotificationPage.ALERTS)

    def _status_button(self, name: str, icon: str, page: NotificationPage) -> QToolButton:
        """A status-bar count (tasks, errors, alerts) that opens its notification page;
        hidden until there is something to count."""
        button = QToolButton()
        button.setObjectName(name)
        button.setAutoRaise(True)
        button.setIcon(icons.icon(icon))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.clicked.connect(lambda: self.navigation.show_notification_page(page))
        self.statusBar().addPermanentWidget(button)
        button.hide()
        return button

    # -- texts ---------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(_("xencenter-py"))
        titles = {
            "file": _("&File"),
            "view": _("&View"),
            "pool": _("&Pool"),
            "server": _("&Server"),
            "vm": _("V&M"),
            "storage": _("S&torage"),
            "templates": _("T&emplates"),
            "tools": _("T&ools"),
            "help": _("&Help"),
        }
        for key, m in self.menus.items():
            m.setTitle(titles[key])
        texts = {
            self.act_add_server: _("&Add..."),
            self.act_exit: _("E&xit"),
            self.act_refresh: _("&Refresh"),
            self.act_properties: _("P&roperties"),
            self.act_new_vm: _("&New VM..."),
            self.act_options: _("&Options..."),
            self.act_about: _("&About xencenter-py"),
            self.act_back: _("Back"),
            self.act_forward: _("Forward"),
            self.act_connect: _("&Connect"),
            self.act_disconnect: _("&Disconnect"),
            self.act_reconnect_as: _("Reconnect &As..."),
            self.act_connect_all: _("Connect A&ll"),
            self.act_disconnect_all: _("Disconnect All"),
            self.act_remove_server: _("Re&move from xencenter-py"),
            self.act_toolbar: _("&Toolbar"),
            self.view_options["show_custom_templates"]: _("&Custom Templates"),
            self.view_options["show_default_templates"]: _("&XenServer Templates"),
            self.view_options["show_local_storage"]: _("&Local Storage"),
            self.view_options["show_hidden"]: _("&Hidden Objects"),
        }
        for act, text in texts.items():
            set_action_text(act, text)
        self.act_add_server.setToolTip(_("Add a server or pool to xencenter-py"))
        self.connect_menu.setTitle(_("Co&nnect/Disconnect"))
        self.lifecycle_menu.setTitle(_("S&tart/Shut Down"))
        for m in (*self.menus.values(), self.connect_menu, self.lifecycle_menu):
            m.menuAction().setToolTip(without_mnemonic(m.title()))
        for command, host_menu, _check in self.host_menus.values():
            host_menu.setTitle(str(command.text))
        for cmd in (*commands.VM_COMMANDS, *commands.HOST_COMMANDS, commands.HOST_POWER_ON):
            self.power_actions[cmd.id].setText(str(cmd.text))
        for act in self.toolbar.actions():
            act.setIconText(without_mnemonic(act.text()))
        self.act_add_server.setIconText(_("Add New Server"))
        self.act_new_vm.setIconText(_("New VM"))
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
        view = TreeView.OBJECTS if self.navigation.mode is Mode.OBJECTS else TreeView.INFRASTRUCTURE
        self._tree_connections = list(self.manager.connections)
        self._tree_language = current_language()
        self.navigation_tree = NavigationTree(self._tree_connections, view, self.options, self.navigation.search.text())
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
        if not refs or any(ch.ref in refs or ch.cls.endswith("metrics") for ch in batch):
            self._refresh_timer.start()

    def _connection_state_changed(self, conn: Any) -> None:
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
        self._update_tabs()
        self.update_commands()
        self._update_title()

    def _update_tabs(self) -> None:
        wanted = [page for page in self.tab_pages.values() if page.applies_to(self.selection)]
        if len(self.selection) > 1:
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
            page.set_objects(self.selection)
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
        for index in range(self.tabs.count()):
            page = self.tabs.widget(index)
            if isinstance(page, TabPage):
                page.set_objects(self.selection)
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
        sel = self.selection
        for cmd in (*commands.VM_COMMANDS, *commands.HOST_COMMANDS, commands.HOST_POWER_ON):
            ok, reason = commands.availability(cmd, sel)
            tip = without_mnemonic(str(cmd.text))
            _set_action_state(self.power_actions[cmd.id], ok, f"{tip}: {reason}" if not ok and reason else tip, reason)
        # Ctrl+Y is Suspend or Resume, whichever applies (XenCenter gives both the key).
        resume_ok = self.power_actions["resume"].isEnabled()
        if self._ctrl_y_on_resume != resume_ok:
            self._ctrl_y_on_resume = resume_ok
            self.power_actions["resume"].setShortcut(QKeySequence("Ctrl+Y") if resume_ok else QKeySequence())
            self.power_actions["suspend"].setShortcut(QKeySequence() if resume_ok else QKeySequence("Ctrl+Y"))
        for command, host_menu, _check in self.host_menus.values():
            ok, reason = commands.availability(command, sel)
            tip = without_mnemonic(str(command.text))
            if host_menu.isEnabled() != ok:
                host_menu.setEnabled(ok)  # the menu widget; its entry in the parent menu follows
            _set_action_state(host_menu.menuAction(), ok, f"{tip}: {reason}" if reason else tip, reason)
        conns = self._selected_connections()
        self.act_connect.setEnabled(
            any(c.state in (ConnectionState.DISCONNECTED, ConnectionState.FAILED) for c in conns)
        )
        self.act_disconnect.setEnabled(any(c.state is not ConnectionState.DISCONNECTED for c in conns))
        self.act_reconnect_as.setEnabled(bool(conns))
        self.act_remove_server.setEnabled(bool(conns))
        self.act_connect_all.setEnabled(any(c.state is not ConnectionState.CONNECTED for c in self.manager.connections))
        self.act_disconnect_all.setEnabled(any(c.state is ConnectionState.CONNECTED for c in self.manager.connections))
        ok, reason = model_commands.can_run("properties", sel)
        tip = without_mnemonic(self.act_properties.text())
        _set_action_state(self.act_properties, ok, f"{tip}: {reason}" if not ok and reason else tip, reason)
        self.act_back.setEnabled(bool(self._back))
        self.act_forward.setEnabled(bool(self._forward))

    def _selected_connections(self) -> list[Any]:
        out: list[Any] = []
        for node in self.selected_nodes:
            conn = node.connection
            if conn is not None and conn not in out and node.kind in ("pool", "host", "connection"):
                out.append(conn)
        return out

    def run_command(self, command: commands.PowerCommand, *extra: Any, objects: list[Any] | None = None) -> None:
        """Run ``command`` on ``objects`` (default: the selection), after its confirmation."""
        targets = list(self.selection) if objects is None else objects
        spawn(commands.run(self, self.history, command, targets, *extra), self)

    def fill_host_menu(self, command_id: str) -> None:
        """List the VMs' servers in a Resume on / Migrate to / Start on Server menu: each
        entry enabled when the command can run there, else with the reason; the pool's own
        check (``assert_can_boot_here``) then refines the enabled entries in the background."""
        command, menu, check = self.host_menus[command_id]
        menu.clear()
        vms = commands.targets(command, self.selection)
        if not vms:
            return
        entries: list[tuple[QAction, Any]] = []
        for host in sorted(vms[0].cache.all("host"), key=lambda h: h.name.lower()):
            ok, reason = check(vms, host)
            act = menu.addAction(icons.icon("host"), host.name if ok else f"{host.name} ({reason})")
            act.setObjectName(f"{command_id}:{host.name}")
            act.setEnabled(ok)
            act.triggered.connect(lambda _c=False, h=host, v=vms: self.run_command(command, h, objects=v))
            if ok:
                entries.append((act, host))
        if entries:
            spawn(self._refine_host_menu(vms, entries))

    async def _refine_host_menu(self, vms: list[Any], entries: list[tuple[QAction, Any]]) -> None:
        for act, host in entries:
            reason = await commands.server_check(vms, host)
            if reason and shiboken6.isValid(act):
                act.setEnabled(False)
                act.setText(f"{host.name} ({reason})")

    # -- drag and drop (the tree's DropHandler) -------------------------------------------------------
    def can_drop(self, nodes: list[Any], target: Any) -> tuple[bool, str]:
        """A VM dropped on a server (or on anything under it) migrates there."""
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
        host_node = target
        while host_node.kind != "host":
            host_node = host_node.parent
        self.run_command(commands.MIGRATE, host_node.obj, objects=[n.obj for n in nodes])

    def _context_menu(self, pos: Any) -> None:
        menu = QMenu(self)
        menu.setObjectName("treeContextMenu")
        menu.setToolTipsVisible(True)
        nodes = self.selected_nodes
        kinds = {n.kind for n in nodes}
        if not nodes or kinds == {"root"}:
            menu.addAction(self.act_add_server)
            menu.addAction(self.act_connect_all)
            menu.addAction(self.act_disconnect_all)
        elif kinds <= {"vm"}:
            for cid in LIFECYCLE_COMMANDS:
                if cid is not None and self.power_actions[cid].isEnabled():
                    menu.addAction(self.power_actions[cid])
            for host_menu in (self.resume_on_menu, self.migrate_menu, self.start_on_menu):
                if host_menu.isEnabled():
                    menu.addMenu(host_menu)
            menu.addSeparator()
            menu.addAction(self.act_properties)
        elif kinds <= {"host", "pool", "connection"}:
            for act in (self.act_connect, self.act_disconnect, self.act_reconnect_as, self.act_remove_server):
                if act.isEnabled():
                    menu.addAction(act)
            if kinds == {"host"}:
                menu.addSeparator()
                for cid in ("host_reboot", "host_power_on", "host_shutdown"):
                    menu.addAction(self.power_actions[cid])
            menu.addSeparator()
            menu.addAction(self.act_properties)
        else:
            menu.addAction(self.act_properties)
        menu.popup(self.navigation.tree.viewport().mapToGlobal(pos))
        self.context_menu = menu

    # -- commands without a server call -----------------------------------------------------------
    def add_server(self) -> None:
        spawn(self._add_server(), self, _("Add New Server"))

    async def _add_server(self) -> None:
        dialog = AddServerDialog(self, history=[s.address for s in self.manager.saved])
        accepted = await run_dialog(dialog) == dialog.DialogCode.Accepted
        address, user, password, remember = (
            dialog.address(),
            dialog.user(),
            dialog.password(),
            dialog.remember_password(),
        )
        dialog.deleteLater()
        if accepted:
            await connect_interactive(self, self.manager, address, user, password, remember)

    def connect_selected(self) -> None:
        for conn in self._selected_connections():
            if conn.state in (ConnectionState.DISCONNECTED, ConnectionState.FAILED):
                entry = self.manager.saved_entry(conn.address) or config.SavedServer(conn.address, conn.user)
                spawn(connect_saved(self, self.manager, entry), self)

    def disconnect_selected(self) -> None:
        for conn in self._selected_connections():
            spawn(conn.disconnect(), self)

    def reconnect_as(self) -> None:
        conns = self._selected_connections()
        if conns:
            spawn(self._reconnect_as(conns[0]), self)

    async def _reconnect_as(self, conn: Any) -> None:
        dialog = AddServerDialog(self, address=conn.address, user=conn.user, retry=True)
        accepted = await run_dialog(dialog) == dialog.DialogCode.Accepted
        user, password, remember = dialog.user(), dialog.password(), dialog.remember_password()
        dialog.deleteLater()
        if accepted:
            await conn.disconnect()
            await connect_interactive(self, self.manager, conn.address, user, password, remember, replacing=conn)

    def connect_all(self) -> None:
        for entry in self.manager.saved:
            conn = self.manager.find(entry.address)
            if conn is None or conn.state in (ConnectionState.DISCONNECTED, ConnectionState.FAILED):
                spawn(connect_saved(self, self.manager, entry), self)

    def disconnect_all(self) -> None:
        spawn(self.manager.disconnect_all(), self)

    def remove_selected(self) -> None:
        for conn in self._selected_connections():
            spawn(self.manager.remove(conn), self)

    def show_properties(self) -> None:
        """F2: the Properties dialog of the single selected object."""
        if not model_commands.can_run("properties", self.selection)[0]:
            return
        dialog = PropertiesDialog(self.selection[0], self.history, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def new_vm(self) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Information,
            _("New VM"),
            _("The New VM wizard is not available in this version yet."),
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setObjectName("newVmPlaceholder")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def show_options(self) -> None:
        spawn(self._show_options(), self)

    async def _show_options(self) -> None:
        dialog = OptionsDialog(self.language_setting, self)
        accepted = await run_dialog(dialog) == dialog.DialogCode.Accepted
        language = dialog.chosen_language()
        dialog.deleteLater()
        if accepted:
            self.language_setting = language
            switch_language(language)
            self.save_settings()

    # -- status bar and notifications ---------------------------------------------------------------
    def _operations_changed(self, *_args: Any) -> None:
        running = self.history.running()
        latest = self.history.operations[-1] if self.history.operations else None
        if running:
            op = running[-1]
            self.status_progress.show()
            self.status_progress.setValue(round((op.progress or 0.0) * 100))
            self.status_label.setText(op.title)
        else:
            self.status_progress.hide()
            if latest is not None and latest.error:
                self.status_label.setText(f"{latest.title}: {latest.error.splitlines()[0]}")
            elif latest is not None and latest.state is not OpState.CANCELLED:  # as XenCenter: not shown
                self.status_label.setText(f"{latest.title}: {latest.state.label}")
            else:
                self.status_label.setText(_("Ready"))
        self._update_counts()

    def _update_counts(self) -> None:
        running = len(self.history.running())
        errors = self.events_page.error_count()
        alerts = self.alerts_page.count()
        for button, text, n in (
            (self.tasks_button, _("{n} in progress"), running),
            (self.errors_button, _("{n} errors"), errors),
            (self.alerts_button, _("{n} alerts"), alerts),
        ):
            button.setText(text.format(n=n))
            button.setVisible(n > 0)
        self.navigation.set_counts(alerts, errors)

    # -- settings -------------------------------------------------------------------------------------
    def restore_settings(self) -> None:
        s = config.ui_settings()
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1100, 720)
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
