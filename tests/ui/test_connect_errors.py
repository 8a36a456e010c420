"""A server that cannot be reached brings the Add Server dialog back with the reason in the
user's language and everything that was typed, ready for a corrected retry; demo servers
are never saved."""

from __future__ import annotations

import socket
from typing import Any

from PySide6.QtWidgets import QApplication, QDialogButtonBox

from tests.conftest import SimProcess
from tests.ui.conftest import language, wait_dialog
from xencenter_py.ui import config
from xencenter_py.ui.connections import connect_interactive
from xencenter_py.ui.dialogs.add_server import AddServerDialog


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _visible_add_server(other: Any = None) -> AddServerDialog | None:
    for w in QApplication.topLevelWidgets():
        if isinstance(w, AddServerDialog) and w.isVisible() and w is not other:
            return w
    return None


def test_unreachable_server_keeps_the_dialog_for_a_retry(qtbot: Any, window: Any, demo_sim: SimProcess) -> None:
    language("ja")
    try:
        port = _closed_port()
        window.act_add_server.trigger()
        first = wait_dialog(qtbot, AddServerDialog)
        first.address_edit.setCurrentText(f"127.0.0.1:{port}")
        first.user_edit.setText("root")
        first.password_edit.setText(demo_sim.password)
        first.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

        qtbot.waitUntil(lambda: _visible_add_server(first) is not None, timeout=20000)
        again = _visible_add_server(first)
        assert again is not None
        assert again.error_label.isVisible() and "接続を拒否" in again.error_label.text()
        assert "Errno" not in again.error_label.text()
        assert again.address() == f"127.0.0.1:{port}" and again.password() == demo_sim.password
        assert again.address_edit.isEnabled()  # the address can be corrected

        again.address_edit.setCurrentText(demo_sim.url)
        again.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        qtbot.waitUntil(lambda: any(c.is_connected for c in window.manager.connections), timeout=30000)
        assert [s.address for s in config.load_servers()] == [demo_sim.url]
    finally:
        language("en")


def test_demo_servers_are_never_saved(qtbot: Any, window: Any, run: Any, demo_sim: SimProcess) -> None:
    window.manager.transient.add(demo_sim.url)  # as the demo marks its simulators
    conn = run(connect_interactive(window, window.manager, demo_sim.url, "root", demo_sim.password, True))
    assert conn is not None and conn.is_connected
    assert window.manager.saved == [] and config.load_servers() == []
