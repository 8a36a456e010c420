"""The property tabs against a simulated demo pool over real sockets: which tabs each
object gets (XenCenter's order), and every action end to end (the click, the
operation's progress, the change arriving by events, the tab updating), with refusals
by SR capability and by role shown on the disabled buttons."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from tests.conftest import SimProcess
from tests.ui.conftest import connect_via_dialog, message_boxes, wait_dialog
from xencenter_py.model.availability import role_reason
from xencenter_py.ui.dialogs.form import FormDialog
from xencenter_py.ui.navigation import stable_key
from xencenter_py.ui.operations import OpState

GiB = 1024**3
EVENTS_TIMEOUT = 20000  # ms for a change to come back by events (generous: the test machine is shared)


@pytest.fixture
def pool(sim_factory: Any) -> SimProcess:
    return sim_factory("--seed", "demo", "--speed", "200", "--user", "viewer:viewer-pw:read-only")


def select(window: Any, qtbot: Any, label: str) -> Any:
    node = next(n for _d, n in window.navigation_tree.walk() if n.label == label)
    window.navigation.select_keys([stable_key(node)])
    qtbot.waitUntil(lambda: [n.label for n in window.selected_nodes] == [label], timeout=5000)
    return node


def tab_titles(window: Any) -> list[str]:
    return [window.tabs.tabText(i) for i in range(window.tabs.count())]


def show_tab(window: Any, key: str) -> Any:
    page = window.tab_pages[key]
    window.tabs.setCurrentWidget(page)
    return page


def click(qtbot: Any, button: Any) -> None:
    assert button.isEnabled(), button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def fill_form(qtbot: Any, name: str, values: dict[str, Any]) -> FormDialog:
    dialog = wait_dialog(qtbot, FormDialog, name)
    for key, value in values.items():
        dialog.set_value(key, value)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.waitUntil(ok.isEnabled, timeout=3000)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    return dialog


def answer_yes(qtbot: Any) -> None:
    qtbot.waitUntil(lambda: bool(message_boxes()), timeout=5000)
    box = message_boxes()[-1]
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)


def wait_operation(window: Any, qtbot: Any, count: int) -> Any:
    """The ``count``-th operation, once it has finished successfully (with progress seen)."""
    qtbot.waitUntil(lambda: len(window.history.operations) >= count, timeout=EVENTS_TIMEOUT)
    op = window.history.operations[count - 1]
    qtbot.waitUntil(lambda: not op.running, timeout=30000)
    assert op.state is OpState.SUCCEEDED, op.error
    assert op.progress == 1.0
    return op


def test_tab_sets_follow_xencenter(qtbot: Any, window: Any, pool: SimProcess) -> None:
    assert tab_titles(window) == ["Home"]
    connect_via_dialog(qtbot, window, pool.url, pool.password)
    select(window, qtbot, "Demo Pool")
    assert tab_titles(window) == ["General", "Memory", "Storage", "Networking", "HA", "Users", "Search"]
    select(window, qtbot, "xs-demo-01")
    assert tab_titles(window) == [
        "General", "Memory", "Storage", "Networking", "NICs", "Console", "Performance", "Search"
    ]  # fmt: skip
    select(window, qtbot, "SQL Database Server")
    assert tab_titles(window) == [
        "General", "Memory", "Storage", "Networking", "Console", "Performance", "Snapshots", "Search"
    ]  # fmt: skip
    select(window, qtbot, "NFS virtual disk storage")
    assert tab_titles(window) == ["General", "Storage", "Search"]
    general = show_tab(window, "general")
    fields = general.sections[0].values()
    assert fields["Type"] == "NFS"
    assert fields["Capabilities"] == "Thin provisioning, Fast clone, Snapshot"


def test_vm_disk_add_resize_refusal_detach_delete(qtbot: Any, window: Any, pool: SimProcess) -> None:
    conn = connect_via_dialog(qtbot, window, pool.url, pool.password)
    select(window, qtbot, "Windows Server 2019 Staging")
    tab = show_tab(window, "storage")
    panel = tab.vm_disks
    before = len(panel.items)
    click(qtbot, panel.buttons["addDisk"])
    nfs = next(s for s in conn.cache.all("SR") if s.type == "nfs")
    fill_form(qtbot, "newDiskDialog", {"name": "Data disk", "size": 4 * GiB, "sr": nfs.ref})
    wait_operation(window, qtbot, 1)
    qtbot.waitUntil(lambda: len(panel.items) == before + 1, timeout=EVENTS_TIMEOUT)
    row = next(k for k, o in panel.row_objects.items() if o.resolve("VDI", o.get("VDI")).name == "Data disk")
    panel.select(row)
    # NFS has no resize in the deck's table: the button says so.
    assert not panel.buttons["resizeDisk"].isEnabled()
    assert panel.buttons["resizeDisk"].toolTip() == "NFS storage does not support resizing virtual disks"
    click(qtbot, panel.buttons["detachDisk"])
    answer_yes(qtbot)
    wait_operation(window, qtbot, 2)
    qtbot.waitUntil(lambda: len(panel.items) == before, timeout=EVENTS_TIMEOUT)
    vdi = next(v for v in conn.cache.all("VDI") if v.name == "Data disk")
    # The SR's Storage tab lists the detached disk; delete it there.
    select(window, qtbot, "NFS virtual disk storage")
    sr_tab = show_tab(window, "storage")
    sr_panel = sr_tab.sr_disks
    assert vdi.ref in sr_panel.items
    sr_panel.select(vdi.ref)
    click(qtbot, sr_panel.buttons["deleteSrDisk"])
    answer_yes(qtbot)
    wait_operation(window, qtbot, 3)
    qtbot.waitUntil(lambda: vdi.ref not in sr_panel.items, timeout=EVENTS_TIMEOUT)


def test_sr_disk_add_and_resize_on_lvm_and_rescan(qtbot: Any, window: Any, pool: SimProcess) -> None:
    conn = connect_via_dialog(qtbot, window, pool.url, pool.password)
    lvm = next(s for s in conn.cache.all("SR") if s.type == "lvm")
    select(window, qtbot, lvm.name_without_host)
    panel = show_tab(window, "storage").sr_disks
    click(qtbot, panel.buttons["addSrDisk"])
    fill_form(qtbot, "newDiskDialog", {"name": "Scratch", "size": 2 * GiB})
    wait_operation(window, qtbot, 1)
    qtbot.waitUntil(lambda: any(o.name == "Scratch" for o in panel.row_objects.values()), timeout=EVENTS_TIMEOUT)
    vdi = next(o for o in panel.row_objects.values() if o.name == "Scratch")
    panel.select(vdi.ref)
    click(qtbot, panel.buttons["resizeSrDisk"])
    fill_form(qtbot, "resizeDisk", {"size": 5 * GiB})
    wait_operation(window, qtbot, 2)
    qtbot.waitUntil(
        lambda: "5 GB" in panel.items[vdi.ref].text(2) or "5.0 GB" in panel.items[vdi.ref].text(2), timeout=10000
    )
    click(qtbot, panel.buttons["rescanSr"])
    wait_operation(window, qtbot, 3)


def test_dvd_change_and_install_tools(qtbot: Any, window: Any, pool: SimProcess) -> None:
    conn = connect_via_dialog(qtbot, window, pool.url, pool.password)
    select(window, qtbot, "Ubuntu Desktop (no tools)")
    general = show_tab(window, "general")
    banner = general.tools
    assert banner.isVisible() and "speed up disk and network I/O" in banner.text.text()
    click(qtbot, banner.install)
    answer_yes(qtbot)
    wait_operation(window, qtbot, 1)
    vm = window.selection[0]
    tab = show_tab(window, "storage")
    qtbot.waitUntil(lambda: tab.dvd.combo.currentText() == "guest-tools.iso", timeout=EVENTS_TIMEOUT)
    index = tab.dvd.combo.findText("debian-12.5.0-amd64-netinst.iso")
    tab.dvd.combo.setCurrentIndex(index)
    tab.dvd.combo.activated.emit(index)
    wait_operation(window, qtbot, 2)
    qtbot.waitUntil(lambda: tab.dvd.combo.currentText() == "debian-12.5.0-amd64-netinst.iso", timeout=EVENTS_TIMEOUT)
    click(qtbot, tab.dvd.eject)
    wait_operation(window, qtbot, 3)
    qtbot.waitUntil(lambda: tab.dvd.combo.currentIndex() == 0, timeout=EVENTS_TIMEOUT)
    assert conn.cache.get("VM", vm.ref) is not None


def test_vif_add_properties_remove(qtbot: Any, window: Any, pool: SimProcess) -> None:
    connect_via_dialog(qtbot, window, pool.url, pool.password)
    select(window, qtbot, "CentOS 7 Test")
    panel = show_tab(window, "networking").vifs
    before = len(panel.items)
    click(qtbot, panel.buttons["addVif"])
    fill_form(qtbot, "vifDialog", {"mac": "02:11:22:33:44:55", "limit": 2000})
    wait_operation(window, qtbot, 1)
    qtbot.waitUntil(lambda: len(panel.items) == before + 1, timeout=EVENTS_TIMEOUT)
    key = next(k for k, o in panel.row_objects.items() if o.get("MAC") == "02:11:22:33:44:55")
    assert panel.items[key].text(2) == "2,000 kbit/s"
    panel.select(key)
    click(qtbot, panel.buttons["vifProperties"])
    fill_form(qtbot, "vifDialog", {"limit": 0})
    wait_operation(window, qtbot, 2)
    qtbot.waitUntil(lambda: panel.items[key].text(2) == "", timeout=EVENTS_TIMEOUT)
    panel.select(key)
    click(qtbot, panel.buttons["removeVif"])
    answer_yes(qtbot)
    wait_operation(window, qtbot, 3)
    qtbot.waitUntil(lambda: len(panel.items) == before, timeout=EVENTS_TIMEOUT)


def test_networks_vlan_internal_and_bond(qtbot: Any, window: Any, pool: SimProcess) -> None:
    from xencenter_py.model.actions.network import NetworkKind

    connect_via_dialog(qtbot, window, pool.url, pool.password)
    select(window, qtbot, "Demo Pool")
    tab = show_tab(window, "networking")
    panel = tab.networks
    assert tab.management.items  # management interfaces with their IP configuration
    click(qtbot, panel.buttons["addNetwork"])
    fill_form(qtbot, "newNetworkDialog", {"kind": NetworkKind.VLAN, "name": "VLAN 42", "nic": "eth4", "vlan": 42})
    wait_operation(window, qtbot, 1)
    qtbot.waitUntil(lambda: any(o.name == "VLAN 42" for o in panel.row_objects.values()), timeout=EVENTS_TIMEOUT)
    net = next(o for o in panel.row_objects.values() if o.name == "VLAN 42")
    assert panel.items[net.ref].text(3) == "42"
    panel.select(net.ref)
    click(qtbot, panel.buttons["removeNetwork"])
    answer_yes(qtbot)
    wait_operation(window, qtbot, 2)
    qtbot.waitUntil(lambda: net.ref not in panel.items, timeout=EVENTS_TIMEOUT)
    click(qtbot, panel.buttons["addNetwork"])
    fill_form(
        qtbot, "newNetworkDialog", {"kind": NetworkKind.BONDED, "name": "Bond 4+5", "nic": "eth4", "second": "eth5"}
    )
    wait_operation(window, qtbot, 3)
    qtbot.waitUntil(lambda: any(o.name == "Bond 4+5" for o in panel.row_objects.values()), timeout=EVENTS_TIMEOUT)
    bonded = next(o for o in panel.row_objects.values() if o.name == "Bond 4+5")
    assert panel.items[bonded.ref].text(2) == "Bond 1"


def test_nics_create_and_delete_bond(qtbot: Any, window: Any, pool: SimProcess) -> None:
    connect_via_dialog(qtbot, window, pool.url, pool.password)
    select(window, qtbot, "xs-demo-03")
    panel = show_tab(window, "nics").nics
    texts = [row[0] for row in panel.cell_texts()]
    assert "NIC 4" in texts and "NIC 5" in texts and "Bond 2+3" in texts
    click(qtbot, panel.buttons["createBond"])
    fill_form(qtbot, "createBondDialog", {"mode": "lacp"})
    wait_operation(window, qtbot, 1)
    qtbot.waitUntil(lambda: "Bond 4+5" in [row[0] for row in panel.cell_texts()], timeout=EVENTS_TIMEOUT)
    key = next(k for k, row in zip(panel.items, panel.cell_texts(), strict=True) if row[0] == "Bond 4+5")
    panel.select(key)
    click(qtbot, panel.buttons["deleteBond"])
    answer_yes(qtbot)
    wait_operation(window, qtbot, 2)
    qtbot.waitUntil(lambda: "Bond 4+5" not in [row[0] for row in panel.cell_texts()], timeout=EVENTS_TIMEOUT)
    click(qtbot, panel.buttons["rescanNics"])
    wait_operation(window, qtbot, 3)


def test_snapshots_take_revert_new_vm_delete_and_sr_refusal(qtbot: Any, window: Any, pool: SimProcess) -> None:
    connect_via_dialog(qtbot, window, pool.url, pool.password)
    select(window, qtbot, "CentOS 7 Test")
    panel = show_tab(window, "snapshots").snapshots
    # Plain LVM has no snapshot in the deck's table.
    assert not panel.buttons["takeSnapshot"].isEnabled()
    assert panel.buttons["takeSnapshot"].toolTip() == "LVM storage does not support snapshots"
    select(window, qtbot, "Windows Server 2019 Staging")
    panel = show_tab(window, "snapshots").snapshots
    click(qtbot, panel.buttons["takeSnapshot"])
    fill_form(qtbot, "takeSnapshotDialog", {"name": "Before patch"})
    wait_operation(window, qtbot, 1)
    qtbot.waitUntil(lambda: any(o.name == "Before patch" for o in panel.row_objects.values()), timeout=EVENTS_TIMEOUT)
    snap = next(o for o in panel.row_objects.values() if o.name == "Before patch")
    assert panel.items[snap.ref].text(1) == "Disks only"
    panel.select(snap.ref)
    click(qtbot, panel.buttons["revertSnapshot"])
    fill_form(qtbot, "revertDialog", {"first": True, "name": "Safety net"})
    wait_operation(window, qtbot, 2)
    qtbot.waitUntil(lambda: any(o.name == "Safety net" for o in panel.row_objects.values()), timeout=EVENTS_TIMEOUT)
    panel.select(snap.ref)
    click(qtbot, panel.buttons["newVmFromSnapshot"])
    fill_form(qtbot, "fromSnapshotDialog", {"name": "Patched copy"})
    wait_operation(window, qtbot, 3)
    qtbot.waitUntil(
        lambda: any(n.label == "Patched copy" for _d, n in window.navigation_tree.walk()), timeout=EVENTS_TIMEOUT
    )
    panel.select(snap.ref)
    click(qtbot, panel.buttons["deleteSnapshot"])
    answer_yes(qtbot)
    wait_operation(window, qtbot, 4)
    qtbot.waitUntil(lambda: snap.ref not in panel.items, timeout=EVENTS_TIMEOUT)


def test_memory_edit_with_constraints(qtbot: Any, window: Any, pool: SimProcess) -> None:
    connect_via_dialog(qtbot, window, pool.url, pool.password)
    select(window, qtbot, "xs-demo-01")
    tab = show_tab(window, "memory")
    assert tab.bars and "Available" in next(iter(tab.bars.values()))[1].toolTip()
    select(window, qtbot, "CentOS 7 Test")
    tab = show_tab(window, "memory")
    panel = tab.groups
    key = next(iter(panel.items))
    panel.select(key)
    click(qtbot, panel.buttons["editMemory"])
    dialog = wait_dialog(qtbot, FormDialog, "memoryDialog")
    dialog.set_value("mode", "dynamic")
    dialog.set_value("static_max", 4 * GiB)
    dialog.set_value("dynamic_max", 4 * GiB)
    dialog.set_value("dynamic_min", 512 * 1024**2)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and "at least" in dialog.error.text()  # the pool's 1/4 ratio
    dialog.set_value("dynamic_min", 2 * GiB)
    qtbot.waitUntil(ok.isEnabled, timeout=3000)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    wait_operation(window, qtbot, 1)
    qtbot.waitUntil(lambda: any("2 GB - 4 GB" in row[2] for row in panel.cell_texts()), timeout=EVENTS_TIMEOUT)


def test_users_join_add_change_role_remove_leave(qtbot: Any, window: Any, pool: SimProcess) -> None:
    connect_via_dialog(qtbot, window, pool.url, pool.password)
    select(window, qtbot, "Demo Pool")
    tab = show_tab(window, "users")
    panel = tab.subjects
    assert not panel.buttons["addSubject"].isEnabled()
    click(qtbot, panel.buttons["joinDomain"])
    fill_form(qtbot, "joinDomainDialog", {"domain": "xendemo.local", "user": "Administrator", "password": "dc-pw"})
    wait_operation(window, qtbot, 1)
    qtbot.waitUntil(lambda: "xendemo.local" in tab.status.text(), timeout=EVENTS_TIMEOUT)
    click(qtbot, panel.buttons["addSubject"])
    fill_form(qtbot, "roleDialog", {"name": "XENDEMO\\Helpdesk", "role": "vm-operator"})
    wait_operation(window, qtbot, 2)
    qtbot.waitUntil(lambda: any("Helpdesk" in row[0] for row in panel.cell_texts()), timeout=EVENTS_TIMEOUT)
    key = next(k for k, o in panel.row_objects.items() if "Helpdesk" in o.other_config.get("subject-name", ""))
    assert panel.items[key].text(1) == "VM Operator"
    panel.select(key)
    click(qtbot, panel.buttons["changeRole"])
    fill_form(qtbot, "roleDialog", {"role": "vm-admin"})
    wait_operation(window, qtbot, 3)
    qtbot.waitUntil(lambda: panel.items[key].text(1) == "VM Admin", timeout=EVENTS_TIMEOUT)
    panel.select(key)
    click(qtbot, panel.buttons["removeSubject"])
    answer_yes(qtbot)
    wait_operation(window, qtbot, 4)
    qtbot.waitUntil(lambda: key not in panel.items, timeout=EVENTS_TIMEOUT)
    click(qtbot, panel.buttons["leaveDomain"])
    answer_yes(qtbot)
    wait_operation(window, qtbot, 5)
    qtbot.waitUntil(lambda: "not enabled" in tab.status.text(), timeout=EVENTS_TIMEOUT)


def test_read_only_user_sees_every_command_disabled(qtbot: Any, window: Any, pool: SimProcess) -> None:
    connect_via_dialog(qtbot, window, pool.url, "viewer-pw", user="viewer")
    checks = [
        ("Demo Pool", ["users", "networking", "storage"]),
        ("xs-demo-01", ["nics", "networking"]),
        ("Windows Server 2019 Staging", ["storage", "networking", "snapshots", "memory"]),
    ]
    for label, keys in checks:
        select(window, qtbot, label)
        for key in keys:
            tab = show_tab(window, key)
            panels = [w for w in tab.findChildren(type(window.tab_pages["users"].subjects))]
            for panel in panels:
                if panel.items:
                    panel.select(next(iter(panel.items)))
                if panel.owner is None:
                    continue
                for action_key, button in panel.buttons.items():
                    assert not button.isEnabled(), (label, key, action_key)
                    assert button.toolTip() == role_reason(), (label, key, action_key, button.toolTip())
    select(window, qtbot, "Windows Server 2019 Staging")
    dvd = show_tab(window, "storage").dvd
    assert not dvd.combo.isEnabled() and dvd.combo.toolTip() == role_reason()


def test_home_page_add_server_and_language_switch(qtbot: Any, window: Any, pool: SimProcess) -> None:
    from xencenter_py.i18n.qt import switch_language
    from xencenter_py.ui.dialogs.add_server import AddServerDialog

    home = window.tab_pages["home"]
    assert window.tabs.currentWidget() is home and home.add_server.text() == "Add a Server..."
    click(qtbot, home.add_server)
    dialog = wait_dialog(qtbot, AddServerDialog)
    dialog.reject()
    connect_via_dialog(qtbot, window, pool.url, pool.password)
    select(window, qtbot, "xs-demo-01")
    nics = show_tab(window, "nics").nics
    try:
        switch_language("ja")
        # A run-time switch re-labels the open tab: headers, buttons and translated cells.
        qtbot.waitUntil(lambda: window.tabs.tabText(window.tabs.currentIndex()) == "NIC", timeout=5000)
        assert nics.tree.headerItem().text(2) == "接続状態"
        assert nics.buttons["createBond"].text() == "ボンディングの作成(&C)..."
        assert "接続済み" in [row[2] for row in nics.cell_texts()]
        assert home.add_server.text() == "サーバーの追加..."
    finally:
        switch_language("en")
    qtbot.waitUntil(lambda: nics.tree.headerItem().text(2) == "Link Status", timeout=5000)


def test_home_page_opens_the_demo_pool(qtbot: Any, window: Any, run: Any) -> None:
    home = window.tab_pages["home"]
    click(qtbot, home.open_demo)
    try:
        qtbot.waitUntil(
            lambda: len(window.manager.connections) == 2 and all(c.is_connected for c in window.manager.connections),
            timeout=60000,
        )
        qtbot.waitUntil(
            lambda: any(n.label == "Demo Pool" for _d, n in window.navigation_tree.walk()), timeout=EVENTS_TIMEOUT
        )
    finally:
        run(window.manager.disconnect_all())
        run(window.demo_session.shutdown())
    assert not window.demo_session.demo_servers


def test_a_pool_refusal_is_shown_with_its_reason(qtbot: Any, window: Any, pool: SimProcess) -> None:
    connect_via_dialog(qtbot, window, pool.url, pool.password)
    select(window, qtbot, "Demo Pool")
    panel = show_tab(window, "users").subjects
    click(qtbot, panel.buttons["joinDomain"])
    fill_form(qtbot, "joinDomainDialog", {"domain": "xendemo.local", "user": "bob", "password": "x"})
    qtbot.waitUntil(lambda: bool(window.history.operations) and not window.history.operations[0].running, timeout=20000)
    assert window.history.operations[0].state is OpState.FAILED
    qtbot.waitUntil(lambda: bool(message_boxes()), timeout=5000)
    box = message_boxes()[-1]
    assert box.text() == "The domain refused the user name or password."
    box.accept()
    assert panel.buttons["joinDomain"].isEnabled()  # nothing changed: the user can try again


def test_attach_activate_deactivate_properties_and_checkpoint(qtbot: Any, window: Any, pool: SimProcess) -> None:
    from xencenter_py.ui.dialogs.properties import PropertiesDialog

    conn = connect_via_dialog(qtbot, window, pool.url, pool.password)
    nfs = next(s for s in conn.cache.all("SR") if s.type == "nfs")
    select(window, qtbot, nfs.name_without_host)
    sr_panel = show_tab(window, "storage").sr_disks
    click(qtbot, sr_panel.buttons["addSrDisk"])
    fill_form(qtbot, "newDiskDialog", {"name": "Spare disk", "size": GiB})
    wait_operation(window, qtbot, 1)
    qtbot.waitUntil(lambda: any(v.name == "Spare disk" for v in conn.cache.all("VDI")), timeout=EVENTS_TIMEOUT)
    select(window, qtbot, "Dev Server")  # running, with tools, on NFS
    panel = show_tab(window, "storage").vm_disks
    before = len(panel.items)
    click(qtbot, panel.buttons["attachDisk"])
    spare = next(v for v in conn.cache.all("VDI") if v.name == "Spare disk")
    fill_form(qtbot, "attachDisk", {"vdi": spare.ref})
    wait_operation(window, qtbot, 2)
    qtbot.waitUntil(lambda: len(panel.items) == before + 1, timeout=EVENTS_TIMEOUT)
    key = next(k for k, o in panel.row_objects.items() if o.get("VDI") == spare.ref)
    qtbot.waitUntil(lambda: panel.items[key].text(6) == "Yes", timeout=EVENTS_TIMEOUT)  # plugged: the VM runs
    panel.select(key)
    click(qtbot, panel.buttons["deactivateDisk"])
    wait_operation(window, qtbot, 3)
    qtbot.waitUntil(lambda: panel.items[key].text(6) == "No", timeout=EVENTS_TIMEOUT)
    panel.select(key)
    assert not panel.buttons["deactivateDisk"].isEnabled()
    click(qtbot, panel.buttons["activateDisk"])
    wait_operation(window, qtbot, 4)
    qtbot.waitUntil(lambda: panel.items[key].text(6) == "Yes", timeout=EVENTS_TIMEOUT)
    panel.select(key)
    click(qtbot, panel.buttons["diskProperties"])
    dialog = wait_dialog(qtbot, PropertiesDialog)
    assert dialog.obj.ref == spare.ref
    dialog.reject()
    # A snapshot with memory (checkpoint) of the running VM, then a template from it.
    snaps = show_tab(window, "snapshots").snapshots
    click(qtbot, snaps.buttons["takeSnapshot"])
    fill_form(qtbot, "takeSnapshotDialog", {"name": "With memory", "memory": True})
    wait_operation(window, qtbot, 5)
    qtbot.waitUntil(lambda: any(o.name == "With memory" for o in snaps.row_objects.values()), timeout=EVENTS_TIMEOUT)
    snap = next(o for o in snaps.row_objects.values() if o.name == "With memory")
    assert snaps.items[snap.ref].text(1) == "Disks and memory"
    snaps.select(snap.ref)
    click(qtbot, snaps.buttons["newTemplateFromSnapshot"])
    fill_form(qtbot, "fromSnapshotDialog", {"name": "Dev template"})
    wait_operation(window, qtbot, 6)
    qtbot.waitUntil(
        lambda: any(v.name == "Dev template" and v.is_template for v in conn.cache.all("VM")), timeout=EVENTS_TIMEOUT
    )


def test_users_log_out_and_several_vms_memory(qtbot: Any, window: Any, sim_factory: Any, run: Any) -> None:
    sim = sim_factory("--seed", "demo", "--speed", "200", "--user", "ops:ops-pw:vm-admin")
    from xencenter_py.model.connection import Connection

    conn = connect_via_dialog(qtbot, window, sim.url, sim.password)

    ops = Connection(sim.url, "ops", "ops-pw")
    run(ops.connect())
    select(window, qtbot, "Demo Pool")
    panel = show_tab(window, "users").subjects
    key = next(k for k, o in panel.row_objects.items() if o.get("subject_identifier") == "sim-user-ops")
    qtbot.waitUntil(lambda: panel.items[key].text(2) == "Yes", timeout=EVENTS_TIMEOUT)  # logged in
    panel.select(key)
    click(qtbot, panel.buttons["logoutSubject"])
    wait_operation(window, qtbot, 1)
    qtbot.waitUntil(lambda: panel.items[key].text(2) == "No", timeout=EVENTS_TIMEOUT)
    # Memory of two halted VMs with the same settings, changed at once.
    halted = [v for v in conn.cache.all("VM") if v.is_real_vm and v.power_state == "Halted"][:2]
    for vm in halted:
        run(conn.call("VM.set_memory_limits", vm.ref, 256 * 1024**2, GiB, GiB, GiB))
    select(window, qtbot, "Demo Pool")
    groups = show_tab(window, "memory").groups
    qtbot.waitUntil(
        lambda: any({v.ref for v in g.vms} >= {v.ref for v in halted} for g in groups.row_objects.values()),
        timeout=EVENTS_TIMEOUT,
    )
    key = next(k for k, g in groups.row_objects.items() if {v.ref for v in g.vms} >= {v.ref for v in halted})
    groups.select(key)
    click(qtbot, groups.buttons["editMemory"])
    fill_form(qtbot, "memoryDialog", {"mode": "fixed", "fixed": 2 * GiB})
    wait_operation(window, qtbot, 2)
    qtbot.waitUntil(lambda: all(int(v.get("memory_static_max")) == 2 * GiB for v in halted), timeout=EVENTS_TIMEOUT)
    run(ops.disconnect())
