"""Live migration from the navigation tree against a simulated pool over real sockets:
dragging a VM onto another server (Qt's own drop path, fed with drag events), and the VM
menu's Migrate to Server list."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.conftest import SimProcess
from tests.ui.conftest import connect_via_dialog, message_boxes, wait_dialog
from tests.ui.test_main_window import qt_lines, select
from xencenter_py.ui.operations import OpState
from xencenter_py.ui.tree_model import MIME_TYPE


@pytest.fixture
def pool(sim_factory: Any) -> SimProcess:
    """A demo pool this test may change (VMs move)."""
    return sim_factory("--seed", "demo", "--speed", "50")


def host_node(win: Any, label: str) -> Any:
    return next(n for _d, n in win.navigation_tree.walk() if n.kind == "host" and n.label == label)


def drag_events(win: Any, mime: QMimeData, target: Any) -> tuple[bool, str]:
    """Drag ``mime`` over ``target``'s row and drop it there, as a mouse would (enter, move,
    drop events to the tree's viewport); returns (move accepted, status bar text while over)."""
    tree = win.navigation.tree
    index = win.navigation.model.index_for_key(target.key)
    tree.scrollTo(index)
    pos = tree.visualRect(index).center()
    viewport = tree.viewport()
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    action = Qt.DropAction.MoveAction
    enter = QDragEnterEvent(pos, action, mime, buttons, mods)
    QApplication.sendEvent(viewport, enter)
    move = QDragMoveEvent(pos, action, mime, buttons, mods)
    QApplication.sendEvent(viewport, move)
    hint = win.statusBar().currentMessage()
    if move.isAccepted():
        QApplication.sendEvent(viewport, QDropEvent(pos.toPointF(), action, mime, buttons, mods))
    else:
        QApplication.sendEvent(viewport, QDragMoveEvent(QPoint(-50, -50), action, mime, buttons, mods))
    return move.isAccepted(), hint


def test_drag_a_vm_onto_another_server_migrates_it(qtbot: Any, window: Any, pool: SimProcess) -> None:
    connect_via_dialog(qtbot, window, pool.url, pool.password)
    model = window.navigation.model
    vm = select(window, qtbot, "Web Server 1")
    source = vm.parent
    assert source.kind == "host"
    target = next(n for n in source.parent.children if n.kind == "host" and n is not source)
    halted = next(n for _d, n in window.navigation_tree.walk() if n.kind == "vm" and n.icon == "vm-halted")
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))

    # Only VMs can be dragged; the drag carries the selected nodes.
    vm_index = model.index_for_key(vm.key)
    assert model.flags(vm_index) & Qt.ItemFlag.ItemIsDragEnabled
    assert not model.flags(model.index_for_key(target.key)) & Qt.ItemFlag.ItemIsDragEnabled
    mime = model.mimeData([vm_index])
    assert mime.hasFormat(MIME_TYPE) and model.dragged_nodes(mime) == [vm]

    # Not onto its own server, nor onto the pool; a halted VM cannot live-migrate.
    accepted, hint = drag_events(window, mime, source)
    assert not accepted and hint == "Current server"
    assert not drag_events(window, mime, source.parent)[0]
    halted_mime = model.mimeData([model.index_for_key(halted.key)])
    accepted, hint = drag_events(window, halted_mime, target)
    assert not accepted and hint == "The VM is shut down"
    assert not window.history.operations

    # Onto another server: the status bar says what the drop does, then XenCenter's question.
    accepted, hint = drag_events(window, mime, target)
    assert accepted and hint == f"Migrate to '{target.label}'"
    box = wait_dialog(qtbot, QMessageBox)
    assert box.text() == f"Are you sure you want to migrate 'Web Server 1' to '{target.label}'?"
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Yes)
    box.button(QMessageBox.StandardButton.Yes).click()

    # The migration runs as an operation with progress in Events; the node moves, still selected.
    qtbot.waitUntil(lambda: bool(window.history.operations), timeout=5000)
    op = window.history.operations[-1]
    assert op.title == f"Migrating VM 'Web Server 1' to '{target.label}'"
    assert window.events_page.tree.topLevelItem(0).text(0) == op.title
    qtbot.waitUntil(lambda: not op.running, timeout=30000)
    assert op.state is OpState.SUCCEEDED, op.error
    qtbot.waitUntil(lambda: vm.parent is target, timeout=10000)
    assert vm.obj.resident_on.name == target.label
    assert [n.label for n in window.navigation.selected_nodes()] == ["Web Server 1"]
    assert window.navigation.tree.currentIndex().parent().data() == target.label
    assert resets == []
    assert qt_lines(model) == window.navigation_tree.render_lines()
    assert not message_boxes()


def test_drop_refused_by_the_user_does_nothing(qtbot: Any, window: Any, demo_sim: SimProcess) -> None:
    connect_via_dialog(qtbot, window, demo_sim.url, demo_sim.password)
    model = window.navigation.model
    vm = select(window, qtbot, "Web Server 2")
    target = next(n for n in vm.parent.parent.children if n.kind == "host" and n is not vm.parent)
    assert drag_events(window, model.mimeData([model.index_for_key(vm.key)]), target)[0]
    box = wait_dialog(qtbot, QMessageBox)
    box.button(QMessageBox.StandardButton.No).click()
    qtbot.waitUntil(lambda: not message_boxes(), timeout=5000)
    assert not window.history.operations


def test_migrate_to_server_menu(qtbot: Any, window: Any, pool: SimProcess) -> None:
    connect_via_dialog(qtbot, window, pool.url, pool.password)
    menu = window.migrate_menu
    assert menu.menuAction() in window.menus["vm"].actions()
    # Without VM Tools an HVM guest cannot live-migrate: the submenu says so.
    select(window, qtbot, "Windows 7 Desktop")
    assert not menu.isEnabled()
    assert menu.menuAction().toolTip() == "Migrate to Server: VM Tools are not installed in this VM"
    vm = select(window, qtbot, "XenApp Server 01")
    source = vm.parent
    assert menu.isEnabled()
    menu.aboutToShow.emit()
    entries = {a.objectName().split(":", 1)[1]: a for a in menu.actions()}
    hosts = sorted(n.label for _d, n in window.navigation_tree.walk() if n.kind == "host")
    assert sorted(entries) == hosts
    current = entries[source.label]
    assert not current.isEnabled() and current.text() == f"{source.label} (Current server)"
    others = [name for name in hosts if name != source.label]
    # The pool's boot checks run in the background and may only disable further entries.
    qtbot.waitUntil(lambda: all(entries[n].isEnabled() or "(" in entries[n].text() for n in others), timeout=5000)
    target = next(n for n in others if entries[n].isEnabled())
    entries[target].trigger()
    box = wait_dialog(qtbot, QMessageBox)
    assert box.text() == f"Are you sure you want to migrate 'XenApp Server 01' to '{target}'?"
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: vm.parent is host_node(window, target), timeout=30000)
    op = window.history.operations[-1]
    qtbot.waitUntil(lambda: not op.running, timeout=10000)
    assert op.state is OpState.SUCCEEDED

    # A halted VM: the submenu is disabled, with the reason as its tooltip.
    select(window, qtbot, "CentOS 7 Test")
    assert not menu.isEnabled()
    assert "The VM is shut down" in menu.menuAction().toolTip()


def test_server_menus_ask_the_pool(qtbot: Any, window: Any, demo_sim: SimProcess) -> None:
    """Entries the console's own rules allow are checked with the pool (its boot checks): a VM
    too big for every server gets every entry disabled, with the pool's reason."""
    connect_via_dialog(qtbot, window, demo_sim.url, demo_sim.password)
    select(window, qtbot, "Big Data Analytics")
    menu = window.start_on_menu
    assert menu.isEnabled()
    menu.aboutToShow.emit()
    entries = menu.actions()
    assert len(entries) == 3 and entries[0].isEnabled()
    qtbot.waitUntil(lambda: not any(a.isEnabled() for a in entries), timeout=10000)
    assert all("does not have enough free memory" in a.text() for a in entries), [a.text() for a in entries]
