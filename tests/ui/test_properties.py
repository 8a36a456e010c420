"""The Properties dialog against a simulated pool over real sockets: F2 opens it, changes go
to the pool and come back through events, bad input is refused inline and a refusal from
the pool is shown in the user's language without losing what was typed."""

from __future__ import annotations

from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from tests.conftest import SimProcess
from tests.ui.conftest import connect_via_dialog, language, message_boxes, wait_dialog
from xencenter_py.ui.dialogs.properties import CpuMemoryPage, GeneralPage, HomeServerPage, PropertiesDialog
from xencenter_py.ui.navigation import stable_key

HALTED = "CentOS 7 Test"


@pytest.fixture
def pool(sim_factory: Any) -> SimProcess:
    """A demo pool of its own (these tests change it), with a vm-admin user."""
    users = ("--user", "ops:ops-pw:vm-admin", "--user", "viewer:viewer-pw:read-only")
    return sim_factory("--seed", "demo", "--speed", "50", *users)


def select(window: Any, qtbot: Any, label: str) -> Any:
    node = next(n for _d, n in window.navigation_tree.walk() if n.label == label)
    window.navigation.select_keys([stable_key(node)])
    qtbot.waitUntil(lambda: [n.label for n in window.selected_nodes] == [label], timeout=5000)
    return node


def open_with_f2(window: Any, qtbot: Any, label: str) -> PropertiesDialog:
    select(window, qtbot, label)
    qtbot.waitUntil(window.act_properties.isEnabled, timeout=5000)
    window.activateWindow()  # shortcuts reach the active window only
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    qtbot.keyClick(window.navigation.tree, Qt.Key.Key_F2)
    return wait_dialog(qtbot, PropertiesDialog)


def closed(dialog: PropertiesDialog) -> bool:
    return not shiboken6.isValid(dialog) or not dialog.isVisible()


def ok_button(dialog: PropertiesDialog) -> Any:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_rename_and_tag_update_tree_and_general_tab(qtbot: Any, window: Any, pool: SimProcess) -> None:
    conn = connect_via_dialog(qtbot, window, pool.url, pool.password)
    dialog = open_with_f2(window, qtbot, HALTED)
    assert [dialog.page_list.item(i).text() for i in range(dialog.page_list.count())] == [
        "General",
        "Custom Fields",
        "CPU and Memory",
        "Boot Options",
        "Start Options",
        "Alerts",
        "Home Server",
    ]  # a PV VM: no Advanced Options (shadow memory is for HVM guests)
    general = dialog.page(GeneralPage)
    assert general.name_edit.text() == HALTED
    general.name_edit.setText("  CentOS Renamed  ")
    general.new_tag.setText("web")
    qtbot.mouseClick(general.add_tag, Qt.MouseButton.LeftButton)
    vm = window.selection[0]
    # Only what changed is sent: the trimmed name and the new tag.
    assert dialog.calls() == [("VM.set_name_label", (vm.ref, "CentOS Renamed")), ("VM.add_tags", (vm.ref, "web"))]
    qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: closed(dialog), timeout=10000)
    # The tree and the General tab follow the pool's events.
    qtbot.waitUntil(lambda: any(n.label == "CentOS Renamed" for _d, n in window.navigation_tree.walk()), timeout=10000)
    qtbot.waitUntil(lambda: window.title_label.text() == "CentOS Renamed", timeout=5000)
    qtbot.waitUntil(lambda: window.tab_pages["general"].sections[0].values()["Name"] == "CentOS Renamed", timeout=5000)
    fields = window.tab_pages["general"].sections[0].values()
    assert "web" in fields["Tags"]
    assert conn.cache.get("VM", vm.ref).tags == ["web"]
    assert window.history.operations[-1].error == ""


def test_invalid_values_are_refused_inline(qtbot: Any, window: Any, pool: SimProcess) -> None:
    conn = connect_via_dialog(qtbot, window, pool.url, pool.password)
    dialog = open_with_f2(window, qtbot, HALTED)
    vm = window.selection[0]
    before = dict(conn.cache.record("VM", vm.ref))
    general = dialog.page(GeneralPage)
    general.name_edit.setText("   ")
    assert not ok_button(dialog).isEnabled()
    assert general.name_error.isVisibleTo(dialog) and general.name_error.text() == "The name cannot be empty."
    general.name_edit.setText(HALTED)
    assert ok_button(dialog).isEnabled() and not general.name_error.isVisibleTo(dialog)

    cpu = dialog.page(CpuMemoryPage)
    dialog.page_list.setCurrentRow(dialog.pages.index(cpu))
    cpu.spins["memory_dynamic_max"].setValue(cpu.spins["memory_static_max"].value() + 512)
    assert not ok_button(dialog).isEnabled()
    assert "static maximum" in cpu.error.text() and cpu.error.isVisibleTo(dialog)
    cpu.spins["memory_dynamic_max"].setValue(cpu.spins["memory_static_max"].value())
    cpu.spins["VCPUs_at_startup"].setValue(cpu.spins["VCPUs_max"].value() + 1)
    assert not ok_button(dialog).isEnabled() and "maximum number of vCPUs" in cpu.error.text()
    cpu.spins["VCPUs_max"].setValue(99)  # more than the largest server's 16 CPUs
    assert "between 1 and 16" in cpu.error.text()
    dialog.accept()  # Enter with invalid input: refused, nothing sent
    assert dialog.isVisible() and not window.history.operations
    dialog.reject()
    qtbot.waitUntil(lambda: closed(dialog))
    assert conn.cache.record("VM", vm.ref) == before

    # A running VM: CPU and memory are shown but cannot be changed, and say why.
    dialog = open_with_f2(window, qtbot, "Dev Server")
    cpu = dialog.page(CpuMemoryPage)
    assert not any(s.isEnabled() for s in cpu.spins.values())
    assert "Shut down the VM" in cpu.note.text()
    assert dialog.calls() == []
    dialog.reject()


def test_pool_refusal_is_translated_and_input_kept(qtbot: Any, window: Any, pool: SimProcess) -> None:
    language("ja")
    conn = connect_via_dialog(qtbot, window, pool.url, "ops-pw", user="ops")  # vm-admin: no memory changes
    dialog = open_with_f2(window, qtbot, HALTED)
    vm = window.selection[0]
    general, cpu = dialog.page(GeneralPage), dialog.page(CpuMemoryPage)
    general.name_edit.setText("CentOS 2")
    for field in ("memory_static_max", "memory_dynamic_max"):
        cpu.spins[field].setValue(1536)
    qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(message_boxes()), timeout=10000)
    box = message_boxes()[0]
    assert "この操作を実行する権限がありません" in box.text()
    box.close()
    # The dialog is still open with the user's input; the rename went through and came back.
    assert dialog.isVisible() and ok_button(dialog).isEnabled()
    assert general.name_edit.text() == "CentOS 2"
    assert cpu.spins["memory_static_max"].value() == 1536 and cpu.spins["memory_dynamic_max"].value() == 1536
    qtbot.waitUntil(lambda: conn.cache.get("VM", vm.ref).name == "CentOS 2", timeout=10000)
    qtbot.waitUntil(lambda: [c[0] for c in dialog.calls()] == ["VM.set_memory_limits"], timeout=5000)
    assert conn.cache.get("VM", vm.ref)["memory_static_max"] == 1024 * 1024 * 1024
    dialog.reject()


def test_home_server_and_vcpus_applied_in_order(qtbot: Any, window: Any, pool: SimProcess) -> None:
    conn = connect_via_dialog(qtbot, window, pool.url, pool.password)
    dialog = open_with_f2(window, qtbot, "Big Data Analytics")
    vm = window.selection[0]
    cpu, home = dialog.page(CpuMemoryPage), dialog.page(HomeServerPage)
    cpu.spins["VCPUs_at_startup"].setValue(4)
    cpu.spins["VCPUs_max"].setValue(4)  # shrinking: start-up count first, as the pool requires
    home.specific.setChecked(True)
    home.hosts.setCurrentIndex(home.hosts.findText("xs-demo-02"))
    host = next(h for h in conn.cache.all("host") if h.name == "xs-demo-02")
    assert [c[0] for c in dialog.calls()] == ["VM.set_VCPUs_at_startup", "VM.set_VCPUs_max", "VM.set_affinity"]
    qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: closed(dialog), timeout=10000)
    qtbot.waitUntil(lambda: conn.cache.get("VM", vm.ref)["VCPUs_max"] == 4, timeout=10000)
    qtbot.waitUntil(lambda: conn.cache.get("VM", vm.ref)["affinity"] == host.ref, timeout=10000)
    assert conn.cache.get("VM", vm.ref)["VCPUs_at_startup"] == 4


def test_properties_of_other_objects_and_availability(qtbot: Any, window: Any, demo_sim: SimProcess) -> None:
    connect_via_dialog(qtbot, window, demo_sim.url, demo_sim.password)
    expected = {
        "Demo Pool": ["General", "Custom Fields", "Alerts", "Live Migration"],
        "xs-demo-01": ["General", "Custom Fields", "Alerts", "Multipathing", "Log Destination", "Power On"],
    }
    for label, titles in expected.items():
        dialog = open_with_f2(window, qtbot, label)
        assert [dialog.page_list.item(i).text() for i in range(dialog.page_list.count())] == titles
        assert dialog.page(GeneralPage).name_edit.text() == label
        dialog.reject()
        qtbot.waitUntil(lambda d=dialog: closed(d))
    vms = [n for _d, n in window.navigation_tree.walk() if n.kind == "vm"][:2]
    window.navigation.select_keys([stable_key(n) for n in vms])
    qtbot.waitUntil(lambda: len(window.selected_nodes) == 2, timeout=5000)
    assert not window.act_properties.isEnabled()
    assert "single" in window.act_properties.toolTip()


def test_read_only_role_cannot_open_properties(qtbot: Any, window: Any, pool: SimProcess) -> None:
    connect_via_dialog(qtbot, window, pool.url, "viewer-pw", user="viewer")
    select(window, qtbot, HALTED)
    window.refresh_views()
    assert not window.act_properties.isEnabled()
    assert "role does not allow" in window.act_properties.toolTip()
    window.show_properties()  # F2 on a disabled command opens nothing
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, PropertiesDialog) and w.isVisible()]
