"""Pools in the console against simulators over loopback: New Pool with XenCenter's join
checks and their reasons, Remove Server from Pool with its warning, and Add to Pool by
dragging a standalone server onto a pool."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from tests.ui.conftest import connect_via_dialog, message_boxes, wait_dialog
from tests.ui.test_main_window import select
from tests.ui.test_migrate import drag_events
from xencenter_py.ui.dialogs.add_server import AddServerDialog
from xencenter_py.ui.dialogs.new_pool import NewPoolDialog
from xencenter_py.ui.operations import OpState


def add(qtbot: Any, window: Any, sim: Any, count: int) -> Any:
    window.act_add_server.trigger()
    dialog = wait_dialog(qtbot, AddServerDialog)
    dialog.address_edit.setCurrentText(sim.url)
    dialog.password_edit.setText(sim.password)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: len([c for c in window.manager.connections if c.is_connected]) == count, timeout=30000)
    return window.manager.connections[-1]


def shut_down_guests(qtbot: Any, run: Any, conn: Any) -> None:
    for vm in conn.cache.all("VM"):
        if vm.is_real_vm and vm.is_running:
            run(conn.run_task("VM.hard_shutdown", vm.ref))
    qtbot.waitUntil(lambda: not any(vm.is_real_vm and vm.is_running for vm in conn.cache.all("VM")), timeout=10000)


def finished(qtbot: Any, window: Any, count: int) -> Any:
    qtbot.waitUntil(lambda: len(window.history.operations) >= count, timeout=10000)
    op = window.history.operations[count - 1]
    qtbot.waitUntil(lambda: not op.running, timeout=60000)
    assert op.state is OpState.SUCCEEDED, op.error
    return op


def test_new_pool_then_remove_a_server(qtbot: Any, window: Any, sim_factory: Any, run: Any) -> None:
    first = connect_via_dialog(qtbot, window, sim_factory("--seed", "empty", "--speed", "200").url, "s3cret-pw")
    lab = add(qtbot, window, sim_factory("--seed", "standalone", "--speed", "200"), 2)

    def open_dialog() -> NewPoolDialog:
        window.motion_actions["new_pool"].trigger()
        dialog = wait_dialog(qtbot, NewPoolDialog)
        dialog.coordinator.setCurrentIndex(dialog.coordinator.findText(first.friendly_name))
        return dialog

    dialog = open_dialog()
    assert dialog.name.text() == "New Pool" and dialog.create.isEnabled()
    item = dialog.members.item(0)
    assert item.text() == "xenserver-lab (The server has running or suspended VMs)"
    assert not item.flags() & Qt.ItemFlag.ItemIsEnabled
    dialog.reject()

    shut_down_guests(qtbot, run, lab)
    dialog = open_dialog()
    item = dialog.members.item(0)
    assert item.text() == "xenserver-lab" and item.flags() & Qt.ItemFlag.ItemIsEnabled
    item.setCheckState(Qt.CheckState.Checked)
    assert "will be changed to match the pool (premium)" in dialog.warnings.text()
    dialog.name.setText("")
    assert not dialog.create.isEnabled()
    dialog.name.setText("Lab Pool")
    dialog.create.click()
    op = finished(qtbot, window, 1)
    assert op.title == "Creating pool 'Lab Pool'"
    qtbot.waitUntil(lambda: len(first.cache.all("host")) == 2 and first.friendly_name == "Lab Pool", timeout=15000)
    assert lab not in window.manager.connections

    member = select(window, qtbot, "xenserver-lab").obj
    action = window.motion_actions["remove_from_pool"]
    assert action.isEnabled(), action.toolTip()
    action.trigger()
    box = wait_dialog(qtbot, QMessageBox)
    assert "permanently delete the VMs on its local storage" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    finished(qtbot, window, 2)
    qtbot.waitUntil(lambda: not member.exists, timeout=15000)
    assert [h.name for h in first.cache.all("host")] == ["xenserver-01"]


def test_drag_a_standalone_server_onto_a_pool(qtbot: Any, window: Any, sim_factory: Any, run: Any) -> None:
    pool = connect_via_dialog(qtbot, window, sim_factory("--seed", "demo", "--speed", "200").url, "s3cret-pw")
    lab = add(qtbot, window, sim_factory("--seed", "standalone", "--speed", "200"), 2)
    model = window.navigation.model
    server = next(n for _d, n in window.navigation_tree.walk() if n.kind == "host" and n.label == "xenserver-lab")
    pool_node = next(n for _d, n in window.navigation_tree.walk() if n.kind == "pool")
    index = model.index_for_key(server.key)
    assert model.flags(index) & Qt.ItemFlag.ItemIsDragEnabled
    accepted, hint = drag_events(window, model.mimeData([index]), pool_node)
    assert not accepted and hint == "The server has running or suspended VMs"

    shut_down_guests(qtbot, run, lab)
    accepted, hint = drag_events(window, model.mimeData([model.index_for_key(server.key)]), pool_node)
    assert accepted and hint == "Add 'xenserver-lab' to pool 'Demo Pool'"
    box = wait_dialog(qtbot, QMessageBox)
    assert "Are you sure you want to add 'xenserver-lab' to the pool 'Demo Pool'?" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    finished(qtbot, window, 1)
    qtbot.waitUntil(lambda: any(h.name == "xenserver-lab" for h in pool.cache.all("host")), timeout=15000)
    qtbot.waitUntil(lambda: lab not in window.manager.connections, timeout=10000)
    assert not message_boxes()
