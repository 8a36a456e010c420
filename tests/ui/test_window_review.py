"""Keyboard and settings behaviour of the main window against a simulated pool: F5 reloads
from the server, Ctrl+Y suspends or resumes, "remember" unchecked stores no password, a
language switch reaches the tree, and the layout comes back after a restart."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from tests.conftest import SimProcess
from tests.ui.conftest import connect_via_dialog, wait_dialog
from tests.ui.test_main_window import qt_lines, select
from xencenter_py.i18n.qt import switch_language
from xencenter_py.ui import config
from xencenter_py.ui.operations import OpState


def press(qtbot: Any, window: Any, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """A key press on the focused tree, as a user types it (shortcuts need an active window)."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    window.navigation.tree.setFocus()
    qtbot.keyClick(window.navigation.tree, key, modifier)


def test_f5_reloads_from_the_server(qtbot: Any, window: Any, demo_sim: SimProcess) -> None:
    conn = connect_via_dialog(qtbot, window, demo_sim.url, demo_sim.password)
    cache = conn.cache
    vm = next(v for v in cache.all("VM") if v.name == "Web Server 1")
    # The console loses track of a VM (as after a missed event): the tree no longer shows it.
    tables = {cls: {ref: cache.record(cls, ref) for ref in cache.refs(cls)} for cls in cache.classes()}
    del tables["VM"][vm.ref]
    cache.replace(tables)
    qtbot.waitUntil(lambda: not any(n.label == "Web Server 1" for _d, n in window.navigation_tree.walk()), timeout=5000)
    press(qtbot, window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: any(n.label == "Web Server 1" for _d, n in window.navigation_tree.walk()), timeout=10000)
    assert cache.get("VM", vm.ref) is not None
    assert qt_lines(window.navigation.model) == window.navigation_tree.render_lines()
    # The event stream goes on after the reload.
    assert conn.is_connected


@pytest.fixture
def own_pool(sim_factory: Any) -> SimProcess:
    return sim_factory("--seed", "demo", "--speed", "50")


def test_ctrl_y_suspends_and_resumes(qtbot: Any, window: Any, own_pool: SimProcess) -> None:
    connect_via_dialog(qtbot, window, own_pool.url, own_pool.password)
    node = select(window, qtbot, "Exchange Server 2010")
    assert node.icon == "vm-suspended"
    qtbot.waitUntil(lambda: window.power_actions["resume"].isEnabled(), timeout=5000)
    press(qtbot, window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)  # resume: no question
    qtbot.waitUntil(lambda: node.icon == "vm-running", timeout=20000)
    assert window.history.operations[-1].title == "Resuming VM 'Exchange Server 2010'"
    qtbot.waitUntil(lambda: window.power_actions["suspend"].isEnabled(), timeout=10000)
    press(qtbot, window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)  # suspend: asks first
    box = wait_dialog(qtbot, QMessageBox)
    assert "suspend" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: node.icon == "vm-suspended", timeout=20000)
    qtbot.waitUntil(lambda: not window.history.running(), timeout=10000)
    assert [op.state for op in window.history.operations] == [OpState.SUCCEEDED, OpState.SUCCEEDED]


def test_password_not_remembered_is_stored_nowhere(
    qtbot: Any, window: Any, demo_sim: SimProcess, memory_keyring: Any, config_dir: Any
) -> None:
    from xencenter_py.ui.dialogs.add_server import AddServerDialog

    # First remembered, then "remember" unchecked on Reconnect As: the keyring forgets it too.
    connect_via_dialog(qtbot, window, demo_sim.url, demo_sim.password)
    assert list(memory_keyring.passwords.values()) == [demo_sim.password]
    select(window, qtbot, "Demo Pool")
    window.act_reconnect_as.trigger()
    dialog = wait_dialog(qtbot, AddServerDialog)
    dialog.password_edit.setText(demo_sim.password)
    dialog.remember.setChecked(False)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: any(c.is_connected and c is not None for c in window.manager.connections), timeout=30000)
    qtbot.waitUntil(lambda: not config.load_servers()[0].remember_password, timeout=10000)
    window.close()
    assert memory_keyring.passwords == {}
    files = [p for p in config_dir.rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert demo_sim.password.encode() not in path.read_bytes(), path


def test_language_switch_reaches_the_tree(qtbot: Any, window: Any, demo_sim: SimProcess) -> None:
    from xencenter_py.ui.navigation import Mode

    connect_via_dialog(qtbot, window, demo_sim.url, demo_sim.password)
    window.navigation.set_mode(Mode.OBJECTS)
    node = select(window, qtbot, "Web Server 1")
    model = window.navigation.model
    try:
        switch_language("ja")
        qtbot.waitUntil(lambda: model.index(0, 0).data() == "オブジェクトの種類", timeout=5000)
        groups = [model.index(r, 0, model.index(0, 0)).data() for r in range(model.rowCount(model.index(0, 0)))]
        assert "VM" in groups and "ネットワーク" in groups, groups
        assert [n.label for n in window.selected_nodes] == [node.label]  # the selection survives
        assert window.tabs.tabText(0) == "全般"
    finally:
        switch_language("en")
    qtbot.waitUntil(lambda: model.index(0, 0).data() == "Objects by Type", timeout=5000)


def test_expanded_nodes_and_size_come_back(qtbot: Any, window: Any, demo_sim: SimProcess) -> None:
    from xencenter_py.ui.main_window import MainWindow

    connect_via_dialog(qtbot, window, demo_sim.url, demo_sim.password)
    tree = window.navigation.tree

    def host_index(win: Any, label: str) -> Any:
        node = next(n for _d, n in win.navigation_tree.walk() if n.kind == "host" and n.label == label)
        return win.navigation.model.index_for_key(node.key)

    qtbot.waitUntil(lambda: tree.isExpanded(host_index(window, "xs-demo-02")), timeout=5000)
    tree.collapse(host_index(window, "xs-demo-02"))
    window.resize(700, 520)
    window.close()
    again = MainWindow()
    try:
        again.show()
        assert (again.width(), again.height()) == (700, 520)
        connect_via_dialog(qtbot, again, demo_sim.url, demo_sim.password)
        qtbot.waitUntil(lambda: again.navigation.tree.isExpanded(host_index(again, "xs-demo-01")), timeout=5000)
        assert not again.navigation.tree.isExpanded(host_index(again, "xs-demo-02"))
    finally:
        again.close()
        again.deleteLater()


def test_alerts_have_titles(qtbot: Any, window: Any, demo_sim: SimProcess) -> None:
    """Alerts are titled by what they mean (the pool's raw text is the tooltip)."""
    from xencenter_py.ui.navigation import NotificationPage

    connect_via_dialog(qtbot, window, demo_sim.url, demo_sim.password)
    window.alerts_button.click()
    assert window.right.currentWidget() is window.alerts_page
    tree = window.alerts_page.tree
    items = {tree.topLevelItem(r).text(0): tree.topLevelItem(r) for r in range(tree.topLevelItemCount())}
    assert "CPU usage on 'SQL Database Server' has been 97%" in items
    assert "VM 'Windows Server 2019 Staging' has shut down" in items
    assert "The license of 'xs-demo-01' expires soon" in items
    assert "cpu_usage" in items["CPU usage on 'SQL Database Server' has been 97%"].toolTip(0)
    assert window.navigation.notifications.currentRow() == list(NotificationPage).index(NotificationPage.ALERTS)


def test_server_shut_down_asks_and_power_on_says_why_not(qtbot: Any, window: Any, demo_sim: SimProcess) -> None:
    connect_via_dialog(qtbot, window, demo_sim.url, demo_sim.password)
    select(window, qtbot, "xs-demo-02")
    power_on = window.power_actions["host_power_on"]
    assert power_on in window.menus["server"].actions()
    assert not power_on.isEnabled() and power_on.toolTip() == "Power On: The server is already running"
    assert window.menus["server"].toolTipsVisible()
    shut_down = window.power_actions["host_shutdown"]
    qtbot.waitUntil(shut_down.isEnabled, timeout=5000)
    shut_down.trigger()
    box = wait_dialog(qtbot, QMessageBox)
    assert box.windowTitle() == "Shut Down Server" and "'xs-demo-02'" in box.text()
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)  # the safe answer
    box.button(QMessageBox.StandardButton.No).click()
    qtbot.waitUntil(lambda: not window.history.operations and not box.isVisible(), timeout=5000)
