"""The main window's HA commands: Pool ▸ High Availability (the Configure HA wizard, or
the Edit priorities dialog when HA is on), Disable HA with confirmation, and, in a
simulated pool only, "Simulate server failure" / "Repair server" on a host.

A pool is simulated when it answers ``simulator.get_extensions`` (real XAPI answers
``MESSAGE_METHOD_UNKNOWN``); the answer is asked once per connection, in the background.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from xencenter_py.i18n import gettext as _
from xencenter_py.model.actions import ha
from xencenter_py.model.ha import ha_restricted
from xencenter_py.ui.aio import ask, spawn

if TYPE_CHECKING:
    from xencenter_py.ui.main_window import MainWindow

FAIL_HOST = "simulator.fail_host"
_simulated: weakref.WeakKeyDictionary[Any, set[str] | None] = weakref.WeakKeyDictionary()
"""Connection → the simulator calls it offers (empty: a real pool; None: being asked)."""


def simulator_calls(conn: Any) -> set[str] | None:
    """The ``simulator.*`` calls the pool offers, or None while unknown (asks once)."""
    if conn in _simulated:
        return _simulated[conn]
    _simulated[conn] = None
    spawn(_probe(conn))
    return None


async def _probe(conn: Any) -> None:
    from xencenter_py.xapi.errors import Failure

    try:
        calls = set(await conn.call("simulator.get_extensions"))
    except Failure:
        calls = set()
    except Exception:
        _simulated.pop(conn, None)  # not connected: ask again next time
        return
    _simulated[conn] = calls
    for window in list(_windows):
        if shiboken6.isValid(window):
            window.update_commands()


_windows: weakref.WeakSet[Any] = weakref.WeakSet()


def _pool_of(objects: list[Any]) -> Any:
    if len(objects) != 1 or objects[0].cls not in ("pool", "host"):
        return None
    return objects[0].cache.pool


def can_configure(objects: list[Any]) -> tuple[bool, str]:
    pool = _pool_of(objects)
    if pool is None:
        return False, _("Select a pool")
    if len(pool.hosts) < 2 and not pool.ha_enabled:
        return False, _("HA needs a pool of at least two servers")
    if ha_restricted(pool):
        return False, _("The pool's license does not include high availability")
    return _permitted(pool, "VM.set_ha_restart_priority" if pool.ha_enabled else "pool.enable_ha")


def can_disable(objects: list[Any]) -> tuple[bool, str]:
    pool = _pool_of(objects)
    if pool is None or not pool.ha_enabled:
        return False, _("HA is not enabled")
    return _permitted(pool, "pool.disable_ha")


def _permitted(pool: Any, method: str) -> tuple[bool, str]:
    conn = pool.connection
    if conn is not None and not conn.can_call(method):
        return False, _("Your role does not allow you to configure high availability")
    return True, ""


def _host(objects: list[Any]) -> Any:
    return objects[0] if len(objects) == 1 and objects[0].cls == "host" else None


def can_fail(objects: list[Any]) -> tuple[bool, str]:
    host = _host(objects)
    if host is None or not host.is_live:
        return False, _("The server is not running")
    return True, ""


def can_repair(objects: list[Any]) -> tuple[bool, str]:
    host = _host(objects)
    if host is None or host.is_live:
        return False, _("The server has not failed")
    return True, ""


def build(w: MainWindow) -> None:
    """Create the window's HA actions (``w.ha_actions``)."""
    _windows.add(w)
    w.ha_actions = {}
    for key, slot in (
        ("configure", lambda: configure(w, w.selection)),
        ("disable", lambda: spawn(disable(w, w.selection), w)),
        ("fail_host", lambda: spawn(fail_host(w, w.selection), w)),
        ("repair_host", lambda: spawn(repair_host(w, w.selection), w)),
    ):
        act = QAction(w)
        act.setObjectName(f"ha_{key}")
        act.triggered.connect(slot)
        w.addAction(act)
        w.ha_actions[key] = act


def retranslate(w: MainWindow) -> None:
    from xencenter_py.ui.menus import set_action_text

    texts = {
        "configure": _("&High Availability..."),
        "disable": _("&Disable HA"),
        "fail_host": _("Simulate server failure (simulation)"),
        "repair_host": _("Repair server (simulation)"),
    }
    for key, text in texts.items():
        set_action_text(w.ha_actions[key], text)


def update(w: MainWindow) -> None:
    from xencenter_py.ui.menus import set_action_state, without_mnemonic

    sel = w.selection
    host = _host(sel)
    if host is not None and host.connection is not None:
        simulator_calls(host.connection)  # ask early, so the context menu knows
    for key, check in (
        ("configure", can_configure),
        ("disable", can_disable),
        ("fail_host", can_fail),
        ("repair_host", can_repair),
    ):
        ok, reason = check(sel)
        act = w.ha_actions[key]
        tip = without_mnemonic(act.text())
        set_action_state(act, ok, f"{tip}: {reason}" if not ok and reason else tip, reason)


def add_host_entries(w: MainWindow, menu: QMenu) -> None:
    """The simulation entries of a host's context menu, only in a simulated pool."""
    host = _host(w.selection)
    if host is None or FAIL_HOST not in (simulator_calls(host.connection) or set()):
        return
    menu.addSeparator()
    menu.addAction(w.ha_actions["fail_host"])
    menu.addAction(w.ha_actions["repair_host"])


def configure(parent: Any, objects: list[Any]) -> None:
    """The wizard when HA is off, the Edit priorities dialog when it is on."""
    pool = _pool_of(objects)
    if pool is None or not can_configure(objects)[0]:
        return
    conn = pool.connection
    history = parent.history
    if pool.ha_enabled:
        from xencenter_py.ui.dialogs.ha_priorities import HaPrioritiesDialog

        dialog: QWidget = HaPrioritiesDialog(conn, history, parent)
    else:
        from xencenter_py.ui.wizards.configure_ha import ConfigureHaWizard

        dialog = ConfigureHaWizard(conn, history, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()  # type: ignore[attr-defined]


async def disable(parent: Any, objects: list[Any]) -> None:
    pool = _pool_of(objects)
    if pool is None or not pool.ha_enabled:
        return
    question = _(
        "Disable high availability on '{pool}'? Protected VMs will no longer be restarted if a server fails."
    ).format(pool=pool.name)
    if not await ask(parent, _("Disable HA"), question, warning=True):
        return
    conn = pool.connection

    async def work(progress: Any) -> None:
        await ha.disable(conn, lambda fraction, _text: progress(fraction))

    parent.history.start(_("Disabling HA on '{pool}'").format(pool=pool.name), conn.friendly_name, work)


async def fail_host(parent: Any, objects: list[Any]) -> None:
    host = _host(objects)
    if host is None:
        return
    question = _(
        "Simulate the failure of '{server}'? The simulated server stops answering at once; the pool notices "
        "after its timeout and, with HA on, restarts protected VMs elsewhere. This is a simulation: use "
        "Repair server to bring it back."
    ).format(server=host.name)
    if not await ask(parent, _("Simulate server failure"), question, warning=True):
        return
    conn = host.connection

    async def work(progress: Any) -> None:
        await conn.call(FAIL_HOST, host.ref)

    parent.history.start(_("Simulating the failure of '{server}'").format(server=host.name), conn.friendly_name, work)


async def repair_host(parent: Any, objects: list[Any]) -> None:
    host = _host(objects)
    if host is None:
        return
    conn = host.connection

    async def work(progress: Any) -> None:
        await conn.call("simulator.repair_host", host.ref)

    parent.history.start(_("Repairing '{server}' (simulation)").format(server=host.name), conn.friendly_name, work)
