"""The main window's commands that open a dialog or manage connections rather than call
a server's operation: Add Server, Connect/Disconnect, Properties, Options, New VM."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt

from xencenter_py.i18n import gettext as _
from xencenter_py.i18n.qt import switch_language
from xencenter_py.model import commands as model_commands
from xencenter_py.model.connection import ConnectionState
from xencenter_py.ui import commands, config
from xencenter_py.ui.aio import run_dialog, spawn
from xencenter_py.ui.connections import ConnectionManager, connect_interactive, connect_saved
from xencenter_py.ui.dialogs.add_server import AddServerDialog
from xencenter_py.ui.dialogs.options import OptionsDialog
from xencenter_py.ui.dialogs.properties import PropertiesDialog
from xencenter_py.ui.operations import OperationHistory


class WindowCommands:
    """Mixin of MainWindow: the slots of its actions, for the window's selection."""

    manager: ConnectionManager
    history: OperationHistory
    selection: list[Any]
    selected_nodes: list[Any]
    language_setting: str | None
    save_settings: Callable[[], None]

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
