"""The main window's actions, menus, toolbar and context menu, and their enabled state."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from xencenter_py.i18n import gettext as _
from xencenter_py.model import commands as model_commands
from xencenter_py.model.connection import ConnectionState
from xencenter_py.ui import commands, ha_commands, icons, lifecycle_commands, motion_menu
from xencenter_py.ui.aio import run_dialog, spawn
from xencenter_py.ui.dialogs.about import AboutDialog
from xencenter_py.ui.toolbar import MainToolbar

if TYPE_CHECKING:
    from xencenter_py.ui.main_window import MainWindow

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

VIEW_OPTIONS = ("show_custom_templates", "show_default_templates", "show_local_storage", "show_hidden")


def _power_commands() -> tuple[commands.PowerCommand, ...]:
    return (*commands.VM_COMMANDS, *commands.HOST_COMMANDS, commands.HOST_POWER_ON)


def set_action_state(action: QAction, enabled: bool, tooltip: str, status: str) -> None:
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


def _action(
    window: MainWindow, name: str, icon: str | None = None, shortcut: str | None = None, slot: Any = None
) -> QAction:
    action = QAction(window)
    action.setObjectName(name)
    if icon:
        action.setIcon(icons.icon(icon))
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    if slot is not None:
        action.triggered.connect(slot)
    window.addAction(action)
    return action


def build_actions(w: MainWindow) -> None:
    """Create the window's actions (``w.act_*``, ``w.view_options``, ``w.power_actions``)
    and the server-list submenus of the VM menu (``w.host_menus``)."""

    def a(name: str, icon: str | None = None, shortcut: str | None = None, slot: Any = None) -> QAction:
        return _action(w, name, icon, shortcut, slot)

    w.act_add_server = a("addServer", "addserver", None, w.add_server)
    w.act_exit = a("exit", None, "Ctrl+Q", w.close)
    w.act_refresh = a("refresh", None, "F5", w.refresh)
    w.act_properties = a("properties", None, "F2", w.show_properties)
    w.act_new_vm = a("newVm", "newvm", "Ctrl+N", w.new_vm)
    w.act_options = a("options", None, None, w.show_options)
    w.act_about = a("about", None, None, lambda: spawn(run_dialog(AboutDialog(w)), w))
    w.act_back = a("back", "back", "Alt+Left", w.go_back)
    w.act_forward = a("forward", "forward", "Alt+Right", w.go_forward)
    w.act_connect = a("connect", None, None, w.connect_selected)
    w.act_disconnect = a("disconnect", None, None, w.disconnect_selected)
    w.act_reconnect_as = a("reconnectAs", None, None, w.reconnect_as)
    w.act_connect_all = a("connectAll", None, None, w.connect_all)
    w.act_disconnect_all = a("disconnectAll", None, None, w.disconnect_all)
    w.act_remove_server = a("removeServer", None, None, w.remove_selected)
    lifecycle_commands.build_actions(w)
    w.view_options = {}
    for field in VIEW_OPTIONS:
        act = a(field)
        act.setCheckable(True)
        act.setChecked(getattr(w.options, field))
        act.toggled.connect(w._options_toggled)
        w.view_options[field] = act
    w.act_toolbar = a("toggleToolbar")
    w.act_toolbar.setCheckable(True)
    w.act_toolbar.setChecked(True)
    w.power_actions = {}
    for cmd in _power_commands():
        act = a(f"cmd_{cmd.id}", cmd.icon, cmd.shortcut)
        act.triggered.connect(lambda _c=False, c=cmd: w.run_command(c))
        w.power_actions[cmd.id] = act
    # Server lists of the VM menu: (command, menu object name, check(vms, host)).
    w.host_menus = {}
    for command, name, check in (
        (commands.RESUME_ON, "resumeOnServerMenu", lambda vms, h: model_commands.can_start_on(vms[0], h)),
        (commands.MIGRATE, "migrateToServerMenu", model_commands.can_migrate_to),
        (commands.START_ON, "startOnServerMenu", lambda vms, h: model_commands.can_start_on(vms[0], h)),
    ):
        host_menu = QMenu(w)
        host_menu.setObjectName(name)
        host_menu.aboutToShow.connect(lambda c=command.id: w.fill_host_menu(c))
        w.host_menus[command.id] = (command, host_menu, check)
    w.start_on_menu = w.host_menus["start_on"][1]
    w.resume_on_menu = w.host_menus["resume_on"][1]
    w.migrate_menu = w.host_menus["migrate"][1]
    ha_commands.build(w)


def _fill(menu: QMenu, items: tuple[Any, ...]) -> None:
    for item in items:
        if item is None:
            menu.addSeparator()
        elif isinstance(item, QMenu):
            menu.addMenu(item)
        else:
            menu.addAction(item)


def build_menus(w: MainWindow) -> None:
    """The menu bar (``w.menus`` by name) with its Connect/Disconnect and Start/Shut Down submenus."""
    bar = w.menuBar()
    w.menus = {}

    def menu(name: str, *items: Any) -> QMenu:
        m = bar.addMenu("")
        m.setObjectName(f"{name}Menu")
        m.setToolTipsVisible(True)  # a disabled command says why
        _fill(m, items)
        w.menus[name] = m
        return m

    p = w.power_actions
    life = w.lifecycle_actions
    menu("file", w.act_add_server, life["import_vm"], None, w.act_exit)
    menu("view", *(w.view_options[f] for f in VIEW_OPTIONS), None, w.act_toolbar, None, w.act_refresh)
    ha = w.ha_actions
    menu(
        "pool",
        w.act_add_server,
        w.act_reconnect_as,
        w.act_disconnect,
        None,
        ha["configure"],
        ha["disable"],
        None,
        w.act_properties,
    )
    w.connect_menu = QMenu(w)
    w.connect_menu.setObjectName("connectMenu")
    _fill(
        w.connect_menu,
        (w.act_connect, w.act_disconnect, w.act_reconnect_as, None, w.act_connect_all, w.act_disconnect_all),
    )
    menu(
        "server",
        w.act_add_server,
        None,
        p["host_reboot"],
        p["host_power_on"],
        p["host_shutdown"],
        None,
        w.connect_menu,
        w.act_remove_server,
        None,
        w.act_properties,
    )
    w.lifecycle_menu = QMenu(w)
    w.lifecycle_menu.setToolTipsVisible(True)
    w.lifecycle_menu.setObjectName("lifecycleMenu")
    _fill(w.lifecycle_menu, tuple(None if cid is None else p[cid] for cid in LIFECYCLE_COMMANDS))
    menu(
        "vm",
        w.act_new_vm,
        None,
        w.lifecycle_menu,
        w.resume_on_menu,
        w.migrate_menu,
        w.start_on_menu,
        None,
        life["copy_vm"],
        life["export_vm"],
        life["convert_to_template"],
        life["new_template"],
        life["delete_vm"],
        None,
        w.act_properties,
    )
    menu("storage", w.act_properties)
    menu(
        "templates",
        w.act_new_vm,
        life["quick_create"],
        None,
        life["export_vm"],
        life["copy_vm"],
        life["delete_vm"],
        None,
        life["import_vm"],
        None,
        w.act_properties,
    )
    menu("tools", w.act_options)
    menu("help", w.act_about)
    motion_menu.install(w)


def build_toolbar(w: MainWindow) -> None:
    """The main toolbar (``w.toolbar``), shown or hidden by the View menu's Toolbar entry."""
    w.toolbar = MainToolbar(w)
    w.toolbar.setObjectName("mainToolbar")
    w.toolbar.setMovable(False)
    w.addToolBar(w.toolbar)
    p = w.power_actions
    for item in (
        w.act_back,
        w.act_forward,
        None,
        w.act_add_server,
        None,
        w.act_new_vm,
        None,
        p["shutdown"],
        p["start"],
        p["reboot"],
        p["resume"],
        p["suspend"],
        p["force_shutdown"],
        p["force_reboot"],
    ):
        w.toolbar.addSeparator() if item is None else w.toolbar.addAction(item)
    w.act_toolbar.toggled.connect(w.toolbar.setVisible)


def retranslate(w: MainWindow) -> None:
    """Menu titles, action texts and tooltips in the current language."""
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
    for key, m in w.menus.items():
        m.setTitle(titles[key])
    texts = {
        w.act_add_server: _("&Add..."),
        w.act_exit: _("E&xit"),
        w.act_refresh: _("&Refresh"),
        w.act_properties: _("P&roperties"),
        w.act_new_vm: _("&New VM..."),
        w.act_options: _("&Options..."),
        w.act_about: _("&About xencenter-py"),
        w.act_back: _("Back"),
        w.act_forward: _("Forward"),
        w.act_connect: _("&Connect"),
        w.act_disconnect: _("&Disconnect"),
        w.act_reconnect_as: _("Reconnect &As..."),
        w.act_connect_all: _("Connect A&ll"),
        w.act_disconnect_all: _("Disconnect All"),
        w.act_remove_server: _("Re&move from xencenter-py"),
        w.act_toolbar: _("&Toolbar"),
        w.view_options["show_custom_templates"]: _("&Custom Templates"),
        w.view_options["show_default_templates"]: _("&XenServer Templates"),
        w.view_options["show_local_storage"]: _("&Local Storage"),
        w.view_options["show_hidden"]: _("&Hidden Objects"),
    }
    for act, text in texts.items():
        set_action_text(act, text)
    lifecycle_commands.retranslate(w)
    w.act_add_server.setToolTip(_("Add a server or pool to xencenter-py"))
    w.connect_menu.setTitle(_("Co&nnect/Disconnect"))
    w.lifecycle_menu.setTitle(_("S&tart/Shut Down"))
    for m in (*w.menus.values(), w.connect_menu, w.lifecycle_menu):
        m.menuAction().setToolTip(without_mnemonic(m.title()))
    for command, host_menu, _check in w.host_menus.values():
        host_menu.setTitle(str(command.text))
    motion_menu.retranslate(w)
    for cmd in _power_commands():
        w.power_actions[cmd.id].setText(str(cmd.text))
    for act in w.toolbar.actions():
        act.setIconText(without_mnemonic(act.text()))
    w.act_add_server.setIconText(_("Add New Server"))
    ha_commands.retranslate(w)
    w.act_new_vm.setIconText(_("New VM"))


def update_commands(w: MainWindow, conns: list[Any]) -> None:
    """Enable each command for the window's selection (``conns``: its selected
    connections), with the reason as tooltip when disabled."""
    sel = w.selection
    for cmd in _power_commands():
        ok, reason = commands.availability(cmd, sel)
        tip = without_mnemonic(str(cmd.text))
        set_action_state(w.power_actions[cmd.id], ok, f"{tip}: {reason}" if not ok and reason else tip, reason)
    # Ctrl+Y is Suspend or Resume, whichever applies (XenCenter gives both the key).
    resume_ok = w.power_actions["resume"].isEnabled()
    if w._ctrl_y_on_resume != resume_ok:
        w._ctrl_y_on_resume = resume_ok
        w.power_actions["resume"].setShortcut(QKeySequence("Ctrl+Y") if resume_ok else QKeySequence())
        w.power_actions["suspend"].setShortcut(QKeySequence() if resume_ok else QKeySequence("Ctrl+Y"))
    for command, host_menu, _check in w.host_menus.values():
        ok, reason = commands.availability(command, sel)
        tip = without_mnemonic(str(command.text))
        if host_menu.isEnabled() != ok:
            host_menu.setEnabled(ok)  # the menu widget; its entry in the parent menu follows
        set_action_state(host_menu.menuAction(), ok, f"{tip}: {reason}" if reason else tip, reason)
    w.act_connect.setEnabled(any(c.state in (ConnectionState.DISCONNECTED, ConnectionState.FAILED) for c in conns))
    w.act_disconnect.setEnabled(any(c.state is not ConnectionState.DISCONNECTED for c in conns))
    w.act_reconnect_as.setEnabled(bool(conns))
    w.act_remove_server.setEnabled(bool(conns))
    w.act_connect_all.setEnabled(any(c.state is not ConnectionState.CONNECTED for c in w.manager.connections))
    w.act_disconnect_all.setEnabled(any(c.state is ConnectionState.CONNECTED for c in w.manager.connections))
    ha_commands.update(w)
    motion_menu.update(w)
    lifecycle_commands.update(w)
    ok, reason = model_commands.can_run("properties", sel)
    tip = without_mnemonic(w.act_properties.text())
    set_action_state(w.act_properties, ok, f"{tip}: {reason}" if not ok and reason else tip, reason)


def fill_host_menu(w: MainWindow, command_id: str) -> None:
    """List the VMs' servers in a Resume on / Migrate to / Start on Server menu: each
    entry enabled when the command can run there, else with the reason; the pool's own
    check (``assert_can_boot_here``) then refines the enabled entries in the background."""
    command, menu, check = w.host_menus[command_id]
    menu.clear()
    vms = commands.targets(command, w.selection)
    if not vms:
        return
    entries: list[tuple[QAction, Any]] = []
    for host in sorted(vms[0].cache.all("host"), key=lambda h: h.name.lower()):
        ok, reason = check(vms, host)
        act = menu.addAction(icons.icon("host"), host.name if ok else f"{host.name} ({reason})")
        act.setObjectName(f"{command_id}:{host.name}")
        act.setEnabled(ok)
        act.triggered.connect(lambda _c=False, h=host, v=vms: w.run_command(command, h, objects=v))
        if ok:
            entries.append((act, host))
    if entries:
        spawn(_refine_host_menu(vms, entries))


async def _refine_host_menu(vms: list[Any], entries: list[tuple[QAction, Any]]) -> None:
    for act, host in entries:
        reason = await commands.server_check(vms, host)
        if reason and shiboken6.isValid(act):
            act.setEnabled(False)
            act.setText(f"{host.name} ({reason})")


def context_menu(w: MainWindow) -> QMenu:
    """The navigation tree's context menu for the selected nodes: their enabled commands."""
    menu = QMenu(w)
    menu.setObjectName("treeContextMenu")
    menu.setToolTipsVisible(True)
    nodes = w.selected_nodes
    kinds = {n.kind for n in nodes}
    if not nodes or kinds == {"root"}:
        menu.addAction(w.act_add_server)
        menu.addAction(w.act_connect_all)
        menu.addAction(w.act_disconnect_all)
    elif kinds <= {"vm"}:
        for cid in LIFECYCLE_COMMANDS:
            if cid is not None and w.power_actions[cid].isEnabled():
                menu.addAction(w.power_actions[cid])
        for host_menu in (w.resume_on_menu, w.migrate_menu, w.start_on_menu):
            if host_menu.isEnabled():
                menu.addMenu(host_menu)
        menu.addActions(motion_menu.context_actions(w, kinds))
        menu.addSeparator()
        lifecycle_commands.add_context_entries(
            w, menu, ("copy_vm", "export_vm", "convert_to_template", "new_template", "delete_vm")
        )
        menu.addSeparator()
        menu.addAction(w.act_properties)
    elif kinds <= {"template", "snapshot"}:
        if kinds == {"template"}:
            menu.addAction(w.act_new_vm)
        lifecycle_commands.add_context_entries(
            w, menu, ("quick_create", "new_template", "copy_vm", "export_vm", "delete_vm")
        )
        menu.addSeparator()
        menu.addAction(w.act_properties)
    elif kinds <= {"host", "pool", "connection"}:
        for act in (w.act_connect, w.act_disconnect, w.act_reconnect_as, w.act_remove_server):
            if act.isEnabled():
                menu.addAction(act)
        if kinds == {"host"}:
            menu.addSeparator()
            for cid in ("host_reboot", "host_power_on", "host_shutdown"):
                menu.addAction(w.power_actions[cid])
            ha_commands.add_host_entries(w, menu)
        elif kinds == {"pool"}:
            menu.addSeparator()
            menu.addAction(w.ha_actions["configure"])
        menu.addActions(motion_menu.context_actions(w, kinds))
        menu.addSeparator()
        menu.addAction(w.act_properties)
    else:
        menu.addActions(motion_menu.context_actions(w, kinds))
        menu.addAction(w.act_properties)
    return menu
