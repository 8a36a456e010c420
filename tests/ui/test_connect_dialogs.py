"""Certificate dialogs against a TLS simulator, saved servers, and reconnecting at start-up."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QPushButton

from tests.conftest import SimProcess
from tests.ui.conftest import wait_dialog
from xencenter_py.ui import config
from xencenter_py.ui.dialogs.add_server import AddServerDialog
from xencenter_py.ui.dialogs.certificate import CertificateDialog
from xencenter_py.xapi.trust import host_key, normalize


@pytest.fixture
def tls_sim(sim_factory: Any, qtbot: Any) -> tuple[SimProcess, str]:
    sim = sim_factory("--tls", "--seed", "standalone", "--speed", "50")

    def fingerprint() -> str | None:
        return next((line.split()[-1] for line in sim.output if line.startswith("fingerprint sha256")), None)

    qtbot.waitUntil(lambda: fingerprint() is not None, timeout=10000)
    return sim, fingerprint() or ""


def start_add_server(qtbot: Any, window: Any, url: str, password: str) -> None:
    window.act_add_server.trigger()
    dialog = wait_dialog(qtbot, AddServerDialog)
    dialog.address_edit.setCurrentText(url)
    dialog.password_edit.setText(password)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def shown_fingerprints(dialog: CertificateDialog) -> list[str]:
    return [normalize(label.text()) for label in dialog.findChildren(QLabel, "fingerprint")]


def test_unknown_certificate_is_shown_and_trusted(qtbot: Any, window: Any, tls_sim: tuple[SimProcess, str]) -> None:
    sim, fingerprint = tls_sim
    start_add_server(qtbot, window, sim.url, sim.password)
    dialog = wait_dialog(qtbot, CertificateDialog, "certificateUnknownDialog", timeout=20000)
    assert shown_fingerprints(dialog) == [normalize(fingerprint)]
    dialog.findChild(QPushButton, "trustButton").click()
    qtbot.waitUntil(lambda: any(c.is_connected for c in window.manager.connections), timeout=30000)
    parts = urlsplit(sim.url)
    assert normalize(window.manager.trust.fingerprint(host_key(parts.hostname, parts.port)) or "") == normalize(
        fingerprint
    )


def test_changed_certificate_is_a_warning(qtbot: Any, window: Any, tls_sim: tuple[SimProcess, str]) -> None:
    sim, fingerprint = tls_sim
    parts = urlsplit(sim.url)
    old = ":".join(["AB"] * 32)
    window.manager.trust.remember(host_key(parts.hostname, parts.port), old)
    start_add_server(qtbot, window, sim.url, sim.password)
    dialog = wait_dialog(qtbot, CertificateDialog, "certificateChangedDialog", timeout=20000)
    assert shown_fingerprints(dialog) == [normalize(old), normalize(fingerprint)]
    message = dialog.findChild(QLabel, "certificateMessage").text()
    assert message.startswith("WARNING")
    cancel = dialog.findChild(QPushButton, "cancelButton")
    assert cancel.isDefault()  # the safe choice is the default
    cancel.click()
    qtbot.waitUntil(lambda: not window.manager.connections, timeout=10000)
    assert normalize(window.manager.trust.fingerprint(host_key(parts.hostname, parts.port)) or "") == normalize(old)


def test_saved_server_reconnects_at_start(qtbot: Any, run: Any, english: None, demo_sim: SimProcess) -> None:
    """A remembered server reconnects when the console starts; one without a password is
    listed as a disconnected server."""
    from xencenter_py.ui.app import Session, wait_all_connected
    from xencenter_py.ui.main_window import MainWindow

    remembered = config.SavedServer(demo_sim.url, "root", True, "Demo Pool")
    assert config.store_password(remembered, demo_sim.password)
    config.save_servers([remembered, config.SavedServer("http://127.0.0.1:9", "root", False, "Old lab")])
    win = MainWindow()
    try:
        win.show()
        session = Session(win)
        run(session.reconnect_saved())
        qtbot.waitUntil(lambda: win.manager.connections[0].is_connected, timeout=30000)
        labels = [n.label for _d, n in win.navigation_tree.walk()]
        assert "Demo Pool" in labels and "Old lab" in labels
        old = next(n for _d, n in win.navigation_tree.walk() if n.label == "Old lab")
        assert old.icon == "host-disconnected"
        with pytest.raises(asyncio.TimeoutError):
            run(asyncio.wait_for(wait_all_connected(win.manager), 0.2))
    finally:
        run(win.manager.disconnect_all())
        win.close()
        win.deleteLater()


def test_settings_remembered(qtbot: Any, window: Any, english: None) -> None:
    from xencenter_py.ui.main_window import MainWindow
    from xencenter_py.ui.navigation import Mode

    window.splitter.setSizes([333, 700])
    window.view_options["show_default_templates"].setChecked(True)
    window.navigation.set_mode(Mode.OBJECTS)
    window.close()
    again = MainWindow()
    try:
        assert again.splitter.sizes()[0] == 333
        assert again.options.show_default_templates
        assert again.navigation.mode is Mode.OBJECTS
        assert again.navigation_tree.root.label == "Objects by Type"
    finally:
        again.close()
        again.deleteLater()
