"""Menu commands for XenMotion, maintenance mode and storage: Migrate VM (wizard), Enter /
Exit Maintenance Mode, New SR (wizard), and Detach, Forget, Destroy, Repair and Set as
Default on an SR, each with XenCenter's confirmation. Availability and the reason a
command is unavailable come from :mod:`xencenter_py.model.motion_rules`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from xencenter_py.i18n import N_, LazyString
from xencenter_py.i18n import gettext as _
from xencenter_py.model import motion_rules as rules
from xencenter_py.model.actions import maintenance
from xencenter_py.model.actions import pool as pool_actions
from xencenter_py.model.actions import sr as sr_actions
from xencenter_py.ui.aio import ask, run_dialog, show_error, spawn
from xencenter_py.ui.operations import OpState

if TYPE_CHECKING:
    from xencenter_py.ui.main_window import MainWindow


@dataclass(frozen=True)
class MotionCommand:
    id: str
    menu: str  # the window menu it belongs to
    text: LazyString
    check: Callable[[list[Any]], tuple[bool, str]]
    run: Callable[[MainWindow], Awaitable[None]]


def _operation(w: MainWindow, title: str, conn: Any, work: Callable[[Any], Awaitable[Any]]) -> Any:
    op = w.history.start(title, conn.friendly_name, work)

    def report() -> None:
        if op.state is OpState.FAILED:
            op.changed.disconnect(report)
            show_error(w, title, op.error)

    op.changed.connect(report)
    return op


async def _migrate(w: MainWindow) -> None:
    from xencenter_py.ui.wizards.migrate import MigrateWizard

    wizard = MigrateWizard(w.selection[0], list(w.manager.connections), w.history, w)
    wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    wizard.open()


async def _enter_maintenance(w: MainWindow) -> None:
    from xencenter_py.ui.dialogs.maintenance import EnterMaintenanceDialog

    host = w.selection[0]
    dialog = EnterMaintenanceDialog(host, w)
    spawn(dialog.load(), w)
    accepted = await run_dialog(dialog) == dialog.DialogCode.Accepted
    choices = dialog.choices()
    dialog.deleteLater()
    if not accepted:
        return
    conn = host.connection
    title = _("Entering maintenance mode on '{name}'").format(name=host.name)
    _operation(w, title, conn, lambda progress: maintenance.enter(conn, host, choices, lambda f, _t="": progress(f)))


async def _exit_maintenance(w: MainWindow) -> None:
    host = w.selection[0]
    moved = maintenance.evacuated(host)
    restore = False
    if any(moved.values()):
        restore = await ask(
            w,
            _("Exit Maintenance Mode"),
            _("Do you want to bring the VMs that were on '{name}' back to it?").format(name=host.name),
        )
    conn = host.connection
    title = _("Exiting maintenance mode on '{name}'").format(name=host.name)
    _operation(
        w, title, conn, lambda progress: maintenance.exit_mode(conn, host, restore, lambda f, _t="": progress(f))
    )


async def _new_sr(w: MainWindow) -> None:
    from xencenter_py.ui.wizards.new_sr import NewSRWizard

    wizard = NewSRWizard(w.selection[0].connection, w.history, w)
    wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    wizard.open()


async def _move_disk(w: MainWindow) -> None:
    from xencenter_py.model.actions import migrate
    from xencenter_py.ui.dialogs.move_disk import MoveDiskDialog

    dialog = MoveDiskDialog(w.selection[0], w)
    accepted = await run_dialog(dialog) == dialog.DialogCode.Accepted
    vdi, target = dialog.chosen()
    dialog.deleteLater()
    if not accepted or vdi is None or not target:
        return
    conn = vdi.connection
    title = _("Moving virtual disk '{name}'").format(name=vdi.name)
    _operation(w, title, conn, lambda progress: migrate.move_disk(conn, vdi, target, lambda f, _t="": progress(f)))


async def _new_pool(w: MainWindow) -> None:
    from xencenter_py.ui.dialogs.new_pool import NewPoolDialog

    dialog = NewPoolDialog(list(w.manager.connections), w)
    accepted = await run_dialog(dialog) == dialog.DialogCode.Accepted
    coordinator, members, name = dialog.chosen_coordinator(), dialog.chosen_members(), dialog.name.text()
    description = dialog.description.text()
    dialog.deleteLater()
    if not accepted or coordinator is None:
        return

    async def work(progress: Any) -> None:
        await pool_actions.new_pool(coordinator, members, name, description, lambda f, _t="": progress(f))
        for member in members:  # now reached through the pool's connection, as in XenCenter
            await w.manager.remove(member)

    _operation(w, _("Creating pool '{name}'").format(name=name.strip()), coordinator, work)


async def add_to_pool(w: MainWindow, server: Any, pool: Any) -> None:
    """Confirm (with the licence warning when there is one), then join ``server`` to ``pool``."""
    text = _("Are you sure you want to add '{server}' to the pool '{pool}'?").format(
        server=server.friendly_name, pool=pool.friendly_name
    )
    warning = pool_actions.licence_warning(server, pool)
    if not await ask(w, _("Add Server to Pool"), f"{text}\n\n{warning}" if warning else text):
        return

    async def work(progress: Any) -> None:
        await pool_actions.add_server(server, pool, lambda f, _t="": progress(f))
        await w.manager.remove(server)

    title = _("Adding '{server}' to pool '{pool}'").format(server=server.friendly_name, pool=pool.friendly_name)
    _operation(w, title, pool, work)


async def _remove_from_pool(w: MainWindow) -> None:
    host = w.selection[0]
    text = _(
        "Removing '{name}' from the pool will permanently delete the VMs on its local storage, and the server "
        "will restart as a standalone server. Are you sure you want to remove it?"
    ).format(name=host.name)
    if not await ask(w, _("Remove Server from Pool"), text, warning=True):
        return
    conn = host.connection
    title = _("Removing '{name}' from the pool").format(name=host.name)
    _operation(w, title, conn, lambda progress: pool_actions.remove_server(conn, host, lambda f, _t="": progress(f)))


def _sr_command(
    confirm: tuple[LazyString, LazyString] | None, title: LazyString, action: Callable[..., Awaitable[None]]
) -> Callable[[MainWindow], Awaitable[None]]:
    """Confirm (dialog title, question) where XenCenter asks, then run ``action`` as an operation."""

    async def run(w: MainWindow) -> None:
        sr = w.selection[0]
        if confirm is not None and not await ask(
            w, str(confirm[0]), str(confirm[1]).format(name=sr.name), warning=True
        ):
            return
        conn = sr.connection
        _operation(w, str(title).format(name=sr.name), conn, lambda progress: action(conn, sr))

    return run


COMMANDS: tuple[MotionCommand, ...] = (
    MotionCommand("migrate_wizard", "vm", N_("Mi&grate VM..."), rules.can_migrate_wizard, _migrate),
    MotionCommand(
        "enter_maintenance",
        "server",
        N_("Enter &Maintenance Mode..."),
        rules.can_enter_maintenance,
        _enter_maintenance,
    ),
    MotionCommand(
        "exit_maintenance", "server", N_("E&xit Maintenance Mode"), rules.can_exit_maintenance, _exit_maintenance
    ),
    MotionCommand("new_sr", "storage", N_("&New SR..."), rules.can_new_sr, _new_sr),
    MotionCommand("move_disk", "storage", N_("&Move Virtual Disk..."), rules.can_move_disk, _move_disk),
    MotionCommand("new_pool", "pool", N_("&New Pool..."), rules.can_new_pool, _new_pool),
    MotionCommand(
        "remove_from_pool", "server", N_("Remove Server from &Pool..."), rules.can_remove_from_pool, _remove_from_pool
    ),
    MotionCommand(
        "reattach_sr",
        "storage",
        N_("Re&attach"),
        rules.can_reattach_sr,
        _sr_command(None, N_("Reattaching SR '{name}'"), sr_actions.repair),
    ),
    MotionCommand(
        "repair_sr",
        "storage",
        N_("Re&pair..."),
        rules.can_repair_sr,
        _sr_command(None, N_("Repairing SR '{name}'"), sr_actions.repair),
    ),
    MotionCommand(
        "default_sr",
        "storage",
        N_("Set as Defa&ult"),
        rules.can_set_default_sr,
        _sr_command(None, N_("Setting '{name}' as the default SR"), sr_actions.set_default),
    ),
    MotionCommand(
        "detach_sr",
        "storage",
        N_("&Detach..."),
        rules.can_detach_sr,
        _sr_command(
            (
                N_("Detach Storage Repository"),
                N_(
                    "Are you sure you want to detach '{name}'? The storage repository will become unavailable "
                    "to the VMs on this pool until it is reattached."
                ),
            ),
            N_("Detaching SR '{name}'"),
            sr_actions.detach,
        ),
    ),
    MotionCommand(
        "forget_sr",
        "storage",
        N_("&Forget"),
        rules.can_forget_or_destroy_sr,
        _sr_command(
            (
                N_("Forget Storage Repository"),
                N_(
                    "Are you sure you want to forget '{name}'? The storage repository will be removed from the pool, "
                    "and you will need to reattach it before its virtual disks can be used again. "
                    "The data on the storage is not deleted."
                ),
            ),
            N_("Forgetting SR '{name}'"),
            sr_actions.forget,
        ),
    ),
    MotionCommand(
        "destroy_sr",
        "storage",
        N_("D&estroy..."),
        rules.can_forget_or_destroy_sr,
        _sr_command(
            (
                N_("Destroy Storage Repository"),
                N_(
                    "Are you sure you want to destroy '{name}'? All the data on it, including every virtual disk, "
                    "will be permanently deleted."
                ),
            ),
            N_("Destroying SR '{name}'"),
            sr_actions.destroy,
        ),
    ),
)


def install(w: MainWindow) -> None:
    """Create the actions (``w.motion_actions``) and add them to their menus."""
    w.motion_actions = {}
    for command in COMMANDS:
        act = QAction(w)
        act.setObjectName(f"cmd_{command.id}")
        act.triggered.connect(lambda _c=False, cmd=command: spawn(cmd.run(w), w))
        w.addAction(act)
        menu = w.menus[command.menu]
        first = menu.actions()[-1] if menu.actions() else None
        menu.insertAction(first, act) if command.menu in ("storage", "vm") and first else menu.addAction(act)
        w.motion_actions[command.id] = act

    w.add_to_pool_menu = QMenu(w)
    w.add_to_pool_menu.setObjectName("addToPoolMenu")
    w.add_to_pool_menu.setToolTipsVisible(True)
    w.add_to_pool_menu.aboutToShow.connect(lambda: fill_add_to_pool(w))
    server_menu = w.menus["server"]
    server_menu.insertMenu(w.motion_actions["remove_from_pool"], w.add_to_pool_menu)


def fill_add_to_pool(w: MainWindow) -> None:
    """The pools the selected standalone server could join, each with XenCenter's verdict."""
    menu = w.add_to_pool_menu
    menu.clear()
    if not rules.can_add_to_pool(w.selection)[0]:
        return
    server = w.selection[0].connection
    for pool in w.manager.connections:
        if pool is server or not pool.is_connected or pool.cache.pool is None:
            continue
        problem = pool_actions.join_problem(server, pool)
        act = menu.addAction(pool.friendly_name if not problem else f"{pool.friendly_name} ({problem})")
        act.setObjectName(f"addToPool:{pool.friendly_name}")
        act.setEnabled(not problem)
        act.triggered.connect(lambda _c=False, p=pool: spawn(add_to_pool(w, server, p), w))
    menu.addSeparator()
    menu.addAction(w.motion_actions["new_pool"])


def can_drop_servers(nodes: list[Any], target: Any) -> tuple[bool, str]:
    """A standalone server dropped on a pool (or anything in it) joins that pool."""
    pool_node = target
    while pool_node is not None and pool_node.kind != "pool":
        pool_node = pool_node.parent
    servers = [n.obj for n in nodes]
    if pool_node is None or len(servers) != 1 or not rules.can_add_to_pool(servers)[0]:
        return False, ""
    server, pool = servers[0].connection, pool_node.connection
    problem = pool_actions.join_problem(server, pool)
    if problem:
        return False, problem
    return True, _("Add '{server}' to pool '{pool}'").format(server=server.friendly_name, pool=pool.friendly_name)


def drop_servers(w: MainWindow, nodes: list[Any], target: Any) -> None:
    pool_node = target
    while pool_node.kind != "pool":
        pool_node = pool_node.parent
    spawn(add_to_pool(w, nodes[0].obj.connection, pool_node.connection), w)


def retranslate(w: MainWindow) -> None:
    for command in COMMANDS:
        w.motion_actions[command.id].setText(str(command.text))
    w.add_to_pool_menu.setTitle(_("Add to P&ool"))


def update(w: MainWindow) -> None:
    from xencenter_py.ui.menus import set_action_state, without_mnemonic

    ok, reason = rules.can_add_to_pool(w.selection)
    w.add_to_pool_menu.setEnabled(ok)
    tip = without_mnemonic(w.add_to_pool_menu.title())
    set_action_state(w.add_to_pool_menu.menuAction(), ok, f"{tip}: {reason}" if not ok and reason else tip, reason)
    for command in COMMANDS:
        ok, reason = command.check(w.selection)
        tip = without_mnemonic(str(command.text))
        set_action_state(w.motion_actions[command.id], ok, f"{tip}: {reason}" if not ok and reason else tip, reason)


def context_actions(w: MainWindow, kinds: set[str]) -> list[QAction]:
    """The enabled commands for the tree's context menu of the selected kinds."""
    menus = {"vm": "vm", "host": "server", "sr": "storage", "pool": "storage"}
    wanted = {menus[k] for k in kinds if k in menus}
    return [w.motion_actions[c.id] for c in COMMANDS if c.menu in wanted and w.motion_actions[c.id].isEnabled()]
