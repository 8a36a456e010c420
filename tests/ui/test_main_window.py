"""The main window against a simulated pool over real sockets: connecting through the Add
Server dialog, the tree, power commands with progress, and errors in the user's language."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QMessageBox

from tests.conftest import SimProcess
from tests.ui.conftest import connect_via_dialog, message_boxes, wait_dialog
from xencenter_py.i18n.qt import switch_language
from xencenter_py.ui import config
from xencenter_py.ui.operations import OpState
from xencenter_py.ui.tree_model import ICON_NAME_ROLE


def qt_lines(model: Any, parent: QModelIndex | None = None, depth: int = 0) -> list[str]:
    """The Qt model in the text form of ``NavigationTree.render_lines``."""
    parent = parent or QModelIndex()
    lines = []
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        lines.append(f"{'  ' * depth}{index.data()}\t{index.data(ICON_NAME_ROLE)}")
        lines.extend(qt_lines(model, index, depth + 1))
    return lines


def node_by_label(win: Any, label: str) -> Any:
    return next(n for _d, n in win.navigation_tree.walk() if n.label == label)


def select(win: Any, qtbot: Any, label: str) -> Any:
    from xencenter_py.ui.navigation import stable_key

    node = node_by_label(win, label)
    win.navigation.select_keys([stable_key(node)])
    qtbot.waitUntil(lambda: [n.label for n in win.selected_nodes] == [label], timeout=5000)
    return node


def toolbar_click(win: Any, action: Any) -> None:
    button = win.toolbar.widgetForAction(action)
    assert button is not None and button.isEnabled(), action.toolTip()
    button.click()


def test_connect_through_add_server_dialog(qtbot: Any, window: Any, demo_sim: SimProcess, memory_keyring: Any) -> None:
    conn = connect_via_dialog(qtbot, window, demo_sim.url, demo_sim.password)
    assert conn.friendly_name == "Demo Pool"
    # The saved list has the server, the password went to the keyring and nowhere else.
    saved = config.load_servers()
    assert [s.address for s in saved] == [demo_sim.url]
    assert saved[0].remember_password
    assert list(memory_keyring.passwords.values()) == [demo_sim.password]
    assert demo_sim.password not in (config.config_dir() / "servers.json").read_text()
    # The Qt model shows exactly the model's tree (rules, order, icons).
    qtbot.waitUntil(lambda: qt_lines(window.navigation.model) == window.navigation_tree.render_lines(), timeout=5000)
    lines = qt_lines(window.navigation.model)
    assert lines[0].startswith("xencenter-py\t")
    assert any(line.strip().startswith("Demo Pool\tpool") for line in lines)
    # Selecting the pool shows its General tab with XenCenter's fields.
    select(window, qtbot, "Demo Pool")
    general = window.tab_pages["general"]
    assert window.tabs.currentWidget() is general
    fields = general.sections[0].values()
    assert fields["Name"] == "Demo Pool"
    assert fields["Pool coordinator"]


def test_wrong_password_asks_again(qtbot: Any, window: Any, demo_sim: SimProcess) -> None:
    from PySide6.QtWidgets import QDialogButtonBox

    from xencenter_py.ui.dialogs.add_server import AddServerDialog

    window.act_add_server.trigger()
    dialog = wait_dialog(qtbot, AddServerDialog)
    dialog.address_edit.setCurrentText(demo_sim.url)
    dialog.password_edit.setText("not-the-password")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    retry = wait_dialog(qtbot, AddServerDialog, timeout=20000)
    qtbot.waitUntil(lambda: retry is not dialog or not dialog.isVisible(), timeout=5000)
    retry = wait_dialog(qtbot, AddServerDialog)
    assert retry.error_label.isVisible()
    assert "password" in retry.error_label.text().lower()
    assert not retry.address_edit.isEnabled()
    retry.password_edit.setText(demo_sim.password)
    retry.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: any(c.is_connected for c in window.manager.connections), timeout=30000)


@pytest.fixture
def own_demo(sim_factory: Any) -> SimProcess:
    """A demo pool this test may change (power operations)."""
    return sim_factory("--seed", "demo", "--speed", "20")


def test_force_shutdown_and_start_from_toolbar(qtbot: Any, window: Any, own_demo: SimProcess) -> None:
    connect_via_dialog(qtbot, window, own_demo.url, own_demo.password)
    tree = window.navigation_tree
    node = select(window, qtbot, "Windows 7 Desktop")
    assert node.parent.kind == "host" and node.icon == "vm-running"
    host_label = node.parent.label
    resets: list[int] = []
    window.navigation.model.modelReset.connect(lambda: resets.append(1))
    progress_seen: list[bool] = []
    window.history.added.connect(lambda op: progress_seen.append(window.status_progress.isVisible()))

    # Force Shut Down asks first (as XenCenter does); the VM then moves to the pool level.
    toolbar_click(window, window.power_actions["force_shutdown"])
    box = wait_dialog(qtbot, QMessageBox)
    assert "Windows 7 Desktop" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: node.parent is not None and node.parent.kind == "pool", timeout=20000)
    qtbot.waitUntil(lambda: node.icon == "vm-halted", timeout=10000)
    assert [n.label for n in window.navigation.selected_nodes()] == ["Windows 7 Desktop"]

    # Start (Ctrl+B's command) from the toolbar: progress, new icon, node under a host, still selected.
    qtbot.waitUntil(lambda: window.power_actions["start"].isEnabled(), timeout=10000)
    toolbar_click(window, window.power_actions["start"])
    qtbot.waitUntil(lambda: node.parent is not None and node.parent.kind == "host", timeout=20000)
    qtbot.waitUntil(lambda: node.icon == "vm-running", timeout=10000)
    qtbot.waitUntil(lambda: all(not op.running for op in window.history.operations), timeout=10000)
    assert [op.state for op in window.history.operations] == [OpState.SUCCEEDED, OpState.SUCCEEDED]
    assert progress_seen == [True, True]
    assert window.history.operations[-1].progress == 1.0
    assert [n.label for n in window.navigation.selected_nodes()] == ["Windows 7 Desktop"]
    index = window.navigation.tree.currentIndex()
    assert index.data() == "Windows 7 Desktop" and index.parent().data() == node.parent.label
    assert node.parent.label in {host_label, *(n.label for _d, n in tree.walk() if n.kind == "host")}
    # The Qt model followed by deltas only: no reset, and it still equals the model's tree.
    assert resets == []
    assert qt_lines(window.navigation.model) == tree.render_lines()
    # The Events view lists both operations, finished.
    events = window.events_page.tree
    assert events.topLevelItemCount() == 2
    assert events.topLevelItem(0).text(3) == "Complete"


def test_renamed_vms_take_their_place_and_stay_selected(qtbot: Any, window: Any, own_demo: SimProcess) -> None:
    """Renames re-sort VMs among their siblings (announced as one layout change per
    batch): the Qt rows still equal the tree, the renamed selected VM stays selected."""
    import asyncio

    conn = connect_via_dialog(qtbot, window, own_demo.url, own_demo.password)
    node = select(window, qtbot, "Web Server 1")
    siblings = [n for n in node.parent.children if n.kind == "vm"]
    assert len(siblings) >= 2
    resets: list[int] = []
    layouts: list[int] = []
    model = window.navigation.model
    model.modelReset.connect(lambda: resets.append(1))
    model.layoutChanged.connect(lambda: layouts.append(1))
    names = {n.ref: f"{chr(ord('z') - i)} renamed" for i, n in enumerate(siblings)}
    names[node.ref] = "zz Web Server 1"  # from first to last place
    renames = asyncio.gather(*(conn.call("VM.set_name_label", ref, name) for ref, name in names.items()))
    qtbot.waitUntil(renames.done, timeout=10000)
    renames.result()
    qtbot.waitUntil(lambda: all(n.label == names[n.ref] for n in siblings), timeout=10000)
    assert qt_lines(window.navigation.model) == window.navigation_tree.render_lines()
    current = window.navigation.tree.currentIndex()
    assert current.data() == "zz Web Server 1"
    assert current.row() == model.index_for_key(node.key).row() != 0  # the view's index followed the row
    assert [n.label for n in window.navigation.selected_nodes()] == ["zz Web Server 1"]
    assert layouts and not resets


def test_server_error_in_users_language(qtbot: Any, window: Any, own_demo: SimProcess) -> None:
    connect_via_dialog(qtbot, window, own_demo.url, own_demo.password)
    switch_language("ja")
    try:
        select(window, qtbot, "Big Data Analytics")
        qtbot.waitUntil(lambda: window.power_actions["start"].isEnabled(), timeout=10000)
        window.power_actions["start"].trigger()
        qtbot.waitUntil(lambda: bool(message_boxes()), timeout=20000)
        box = message_boxes()[0]
        text = box.text()
        # The pool's failure is explained in Japanese, not shown as a raw code.
        assert any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in text), text
        assert "HOST_NOT_ENOUGH_FREE_MEMORY" not in text
        assert window.history.operations[-1].state is OpState.FAILED
        box.accept()
    finally:
        switch_language("en")


def test_cancel_a_running_operation_from_events(qtbot: Any, window: Any, sim_factory: Any) -> None:
    """A slow operation shows its progress in Notifications > Events and can be cancelled there."""
    from PySide6.QtWidgets import QPushButton

    slow = sim_factory("--seed", "demo", "--speed", "0.2")
    connect_via_dialog(qtbot, window, slow.url, slow.password)
    node = select(window, qtbot, "Web Server 1")
    qtbot.waitUntil(lambda: window.power_actions["reboot"].isEnabled(), timeout=10000)
    window.power_actions["reboot"].trigger()
    box = wait_dialog(qtbot, QMessageBox)
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: bool(window.history.operations), timeout=10000)
    op = window.history.operations[-1]
    window.tasks_button.click()  # the status bar's "1 in progress" opens Events
    assert window.right.currentWidget() is window.events_page
    item = window.events_page.tree.topLevelItem(0)
    cancel = window.events_page.tree.itemWidget(item, 4)
    assert isinstance(cancel, QPushButton) and cancel.text() == "Cancel"
    cancel.click()
    qtbot.waitUntil(lambda: op.state is OpState.CANCELLED, timeout=20000)
    assert item.text(3) == "Canceled"
    dismiss = window.events_page.tree.itemWidget(item, 4)
    assert dismiss.text() == "Dismiss"
    dismiss.click()
    qtbot.waitUntil(lambda: window.events_page.tree.topLevelItemCount() == 0, timeout=5000)
    assert node.label == "Web Server 1"


def test_reboot_a_server(qtbot: Any, window: Any, sim_factory: Any) -> None:
    """Server > Reboot asks first, then disables the server, shuts its VMs down and reboots it."""
    sim = sim_factory("--seed", "standalone", "--speed", "50")
    conn = connect_via_dialog(qtbot, window, sim.url, sim.password)
    host = next(n for _d, n in window.navigation_tree.walk() if n.kind == "host")
    select(window, qtbot, host.label)
    qtbot.waitUntil(lambda: window.power_actions["host_reboot"].isEnabled(), timeout=10000)
    window.power_actions["host_reboot"].trigger()
    box = wait_dialog(qtbot, QMessageBox)
    assert host.label in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(
        lambda: bool(window.history.operations) and not window.history.operations[-1].running, timeout=30000
    )
    op = window.history.operations[-1]
    assert op.state is OpState.SUCCEEDED, op.error
    assert not message_boxes()
    assert not any(vm.is_running for vm in conn.cache.all("VM") if vm.is_real_vm)


def test_pool_laid_out_in_slices_shows_expanded_and_leaves_in_one_removal(
    qtbot: Any, window: Any, demo_sim: SimProcess, monkeypatch: pytest.MonkeyPatch, run: Any
) -> None:
    """A big pool (here: any pool) is laid out while the window keeps running and attached
    with its subtree in one insert: the Qt rows equal the tree, the pool and its servers
    are expanded as usual; disconnecting removes the pool's rows in one step."""
    from xencenter_py.model import tree as tree_module

    monkeypatch.setattr(tree_module, "SLICED_BUILD_THRESHOLD", 0)
    monkeypatch.setattr(tree_module, "BUILD_SLICE", 3)
    model = window.navigation.model
    inserts: list[int] = []
    removals: list[int] = []
    model.rowsInserted.connect(lambda parent, first, last: inserts.append(last - first + 1))
    model.rowsRemoved.connect(lambda parent, first, last: removals.append(last - first + 1))
    conn = connect_via_dialog(qtbot, window, demo_sim.url, demo_sim.password)

    def pool_node() -> Any:
        return next((n for _d, n in window.navigation_tree.walk() if n.kind == "pool"), None)

    qtbot.waitUntil(lambda: pool_node() is not None, timeout=5000)
    pool = pool_node()
    qtbot.waitUntil(lambda: qt_lines(model) == window.navigation_tree.render_lines(), timeout=5000)
    assert len(window.navigation_tree) > 10 and len(inserts) <= 3  # the connecting node, then the pool
    view = window.navigation.tree
    hosts = [n for n in pool.children if n.kind == "host"]
    assert hosts
    qtbot.waitUntil(lambda: all(view.isExpanded(model.index_for_key(n.key)) for n in [pool, *hosts]), timeout=5000)
    removals.clear()
    run(conn.disconnect())
    assert qt_lines(model) == window.navigation_tree.render_lines()
    assert pool_node() is None
    assert len(removals) <= 2  # the pool with everything below it (and the connecting node's old row)
