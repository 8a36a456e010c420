"""Maintenance mode with a VM that prevents evacuation, and the New SR wizard for every type
(including a probe that finds nothing and a server name that does not resolve), plus the SR
commands with their confirmations; against a simulated pool over real sockets."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QMessageBox

from tests.conftest import SimProcess
from tests.ui.conftest import connect_via_dialog, message_boxes, wait_dialog
from tests.ui.test_main_window import select
from xencenter_py.model import motion_rules as rules
from xencenter_py.ui.dialogs.maintenance import EnterMaintenanceDialog
from xencenter_py.ui.operations import OpState
from xencenter_py.ui.wizards.new_sr import NewSRWizard


@pytest.fixture
def pool(sim_factory: Any) -> SimProcess:
    return sim_factory("--seed", "demo", "--speed", "100")


def last_op(qtbot: Any, window: Any, count: int) -> Any:
    qtbot.waitUntil(lambda: len(window.history.operations) >= count, timeout=10000)
    op = window.history.operations[count - 1]
    qtbot.waitUntil(lambda: not op.running, timeout=60000)
    assert op.state is OpState.SUCCEEDED, op.error
    return op


def test_maintenance_mode_with_a_vm_that_prevents_evacuation(qtbot: Any, window: Any, pool: SimProcess) -> None:
    connect_via_dialog(qtbot, window, pool.url, pool.password)
    host = select(window, qtbot, "xs-demo-02").obj
    assert not window.motion_actions["exit_maintenance"].isEnabled()
    window.motion_actions["enter_maintenance"].trigger()
    dialog = wait_dialog(qtbot, EnterMaintenanceDialog)
    qtbot.waitUntil(dialog.ok.isEnabled, timeout=10000)
    rows = {
        dialog.tree.topLevelItem(i).text(0): dialog.tree.topLevelItem(i).text(1)
        for i in range(dialog.tree.topLevelItemCount())
    }
    assert rows["XenApp Server 03"] == "Will be migrated to another server"
    assert rows["営業部ファイルサーバー"] == "The VM needs a storage repository that this server cannot see."
    combo = dialog.findChild(QComboBox, "blocker:営業部ファイルサーバー")
    assert [combo.itemText(i) for i in range(combo.count())] == ["Suspend", "Shut down"]
    combo.setCurrentIndex(1)
    no_tools = dialog.findChild(QComboBox, "blocker:Ubuntu Desktop (no tools)")
    assert [no_tools.itemText(i) for i in range(no_tools.count())] == ["Shut down"]  # no suspend without tools
    assert not dialog.coordinator_note.isVisibleTo(dialog)
    dialog.ok.click()
    op = last_op(qtbot, window, 1)
    assert op.title == "Entering maintenance mode on 'xs-demo-02'"
    qtbot.waitUntil(lambda: host.in_maintenance_mode and not host.enabled, timeout=10000)
    assert [v.name for v in host.resident_vms if not v.is_control_domain] == []
    assert window.motion_actions["exit_maintenance"].isEnabled()

    window.motion_actions["exit_maintenance"].trigger()
    box = wait_dialog(qtbot, QMessageBox)
    assert box.text() == "Do you want to bring the VMs that were on 'xs-demo-02' back to it?"
    box.button(QMessageBox.StandardButton.Yes).click()
    last_op(qtbot, window, 2)
    qtbot.waitUntil(lambda: host.enabled and not host.in_maintenance_mode, timeout=10000)
    back = {"XenApp Server 03", "XenApp Server 04", "営業部ファイルサーバー"}  # the shut-down one is started again
    qtbot.waitUntil(lambda: back <= {v.name for v in host.resident_vms if v.is_running}, timeout=20000)


def test_the_coordinator_hands_over(qtbot: Any, window: Any, pool: SimProcess) -> None:
    conn = connect_via_dialog(qtbot, window, pool.url, pool.password)
    select(window, qtbot, "xs-demo-01")
    window.motion_actions["enter_maintenance"].trigger()
    dialog = wait_dialog(qtbot, EnterMaintenanceDialog)
    qtbot.waitUntil(dialog.ok.isEnabled, timeout=10000)
    assert dialog.coordinator_note.isVisibleTo(dialog)
    dialog.ok.click()
    last_op(qtbot, window, 1)
    qtbot.waitUntil(lambda: conn.cache.pool.coordinator.name != "xs-demo-01", timeout=15000)


def open_new_sr(qtbot: Any, window: Any) -> NewSRWizard:
    select(window, qtbot, "xs-demo-01")
    window.motion_actions["new_sr"].trigger()
    return wait_dialog(qtbot, NewSRWizard)


def to_location(qtbot: Any, wizard: NewSRWizard, kind: str, name: str) -> None:
    wizard.types.buttons[kind].click()
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.current_page() is wizard.name_page and wizard.next_button.isEnabled())
    wizard.name_page.name.setText(name)
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.current_page() is wizard.location and not wizard.busy)


def scan(qtbot: Any, wizard: NewSRWizard, location: str) -> None:
    page = wizard.location
    page.location.setText(location)
    page.scan.click()
    qtbot.waitUntil(lambda: page.results.count() > 0 or page.status.text() not in ("", "Scanning..."), timeout=10000)


def results(wizard: NewSRWizard) -> list[str]:
    return [wizard.location.results.item(i).text() for i in range(wizard.location.results.count())]


def finish(qtbot: Any, window: Any, wizard: NewSRWizard, count: int) -> None:
    assert wizard.next_button.isEnabled(), wizard.location.status.text()
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.current_page() is wizard.pages[-1] and wizard.finish_button.isEnabled())
    wizard.finish_button.click()
    last_op(qtbot, window, count)


def test_new_sr_for_every_type(qtbot: Any, window: Any, pool: SimProcess) -> None:
    conn = connect_via_dialog(qtbot, window, pool.url, pool.password)
    sr_names = lambda: {sr.get("name_label") for sr in conn.cache.all("SR")}  # noqa: E731

    # NFS: a bad server name, then a filer whose first export holds no SR (a probe with no results).
    wizard = open_new_sr(qtbot, window)
    assert wizard.types.buttons["iscsi"].isChecked()  # XenCenter's default
    to_location(qtbot, wizard, "nfs", "My NFS")
    scan(qtbot, wizard, "no-such-filer.localhost:/vol")
    assert "could not be resolved" in wizard.location.status.text() and not wizard.next_button.isEnabled()
    scan(qtbot, wizard, "filer.storage.localhost")
    assert wizard.location.choice.currentText() == "/vol/xenserver"
    assert results(wizard) == ["Create a new SR"]
    assert wizard.location.status.text() == "No existing SRs were found at this location."
    finish(qtbot, window, wizard, 1)
    qtbot.waitUntil(lambda: "My NFS" in sr_names(), timeout=10000)

    # iSCSI: portal -> IQN -> LUN; the second LUN holds an SR to reattach.
    wizard = open_new_sr(qtbot, window)
    to_location(qtbot, wizard, "iscsi", "Old iSCSI storage")
    scan(qtbot, wizard, "iscsi.storage.localhost")
    page = wizard.location
    assert page.choice.count() == 2 and "SA0001" in page.choice.currentText()
    page.choice.setCurrentIndex(1)
    page.choice.activated.emit(1)
    qtbot.waitUntil(lambda: len(results(wizard)) == 2, timeout=10000)
    page.results.setCurrentRow(1)
    assert results(wizard)[1].startswith("Reattach existing SR 'Old iSCSI storage'")
    finish(qtbot, window, wizard, 2)
    qtbot.waitUntil(lambda: "Old iSCSI storage" in sr_names(), timeout=10000)

    # Hardware HBA: the LUNs are listed at once.
    wizard = open_new_sr(qtbot, window)
    to_location(qtbot, wizard, "hba", "FC storage")
    qtbot.waitUntil(lambda: wizard.location.results.count() > 0, timeout=10000)
    assert wizard.location.choice.count() == 2
    finish(qtbot, window, wizard, 3)
    qtbot.waitUntil(lambda: "FC storage" in sr_names(), timeout=10000)

    # SMB, and the two ISO libraries.
    for kind, location, name, count in (
        ("smb", r"\\smb.storage.localhost\xenserver", "SMB storage", 4),
        ("nfs_iso", "filer.storage.localhost:/vol/iso", "NFS ISOs", 5),
        ("cifs_iso", "//smb.storage.localhost/iso", "CIFS ISOs", 6),
    ):
        wizard = open_new_sr(qtbot, window)
        to_location(qtbot, wizard, kind, name)
        if kind == "smb":
            scan(qtbot, wizard, location)
            assert results(wizard) == ["Create a new SR"]
        else:
            wizard.location.location.setText(location)
        finish(qtbot, window, wizard, count)
        qtbot.waitUntil(lambda n=name: n in sr_names(), timeout=10000)


def test_sr_commands_confirm_then_act(qtbot: Any, window: Any, pool: SimProcess, run: Any) -> None:
    conn = connect_via_dialog(qtbot, window, pool.url, pool.password)
    config = {"server": "filer.storage.localhost", "serverpath": "/vol/xenserver"}
    coordinator = conn.cache.pool.coordinator.ref
    run(conn.call("SR.create", coordinator, config, 0, "Spare NFS", "", "nfs", "user", True, {}))
    in_use = next(sr for sr in conn.cache.all("SR") if sr.is_iso and sr.is_shared and not sr.is_tools_sr)
    select(window, qtbot, in_use.name)
    assert not window.motion_actions["default_sr"].isEnabled()  # ISO libraries hold no VM disks
    assert window.motion_actions["detach_sr"].toolTip() == "Detach: Virtual disks on it are in use by running VMs"
    qtbot.waitUntil(lambda: any(sr.get("name_label") == "Spare NFS" for sr in conn.cache.all("SR")), timeout=10000)
    spare = next(sr for sr in conn.cache.all("SR") if sr.get("name_label") == "Spare NFS")
    assert rules.can_detach_sr([spare])[0] and rules.can_forget_or_destroy_sr([spare])[0]
    select(window, qtbot, spare.name)
    act = window.motion_actions["detach_sr"]
    assert act.isEnabled(), act.toolTip()
    act.trigger()
    box = wait_dialog(qtbot, QMessageBox)
    assert box.windowTitle() == "Detach Storage Repository" and spare.name in box.text()
    box.button(QMessageBox.StandardButton.No).click()
    qtbot.waitUntil(lambda: not message_boxes())
    assert not window.history.operations
    act.trigger()
    wait_dialog(qtbot, QMessageBox).button(QMessageBox.StandardButton.Yes).click()
    last_op(qtbot, window, 1)
    qtbot.waitUntil(lambda: spare.is_detached, timeout=10000)
    assert rules.can_reattach_sr([spare]) == (True, ""), rules.can_reattach_sr([spare])
    qtbot.waitUntil(lambda: window.motion_actions["reattach_sr"].isEnabled(), timeout=5000)
    window.motion_actions["reattach_sr"].trigger()  # no question: it only plugs the SR in again
    last_op(qtbot, window, 2)
    qtbot.waitUntil(lambda: not spare.is_detached and window.motion_actions["detach_sr"].isEnabled(), timeout=10000)
    assert not window.motion_actions["reattach_sr"].isEnabled()
    window.motion_actions["detach_sr"].trigger()
    wait_dialog(qtbot, QMessageBox).button(QMessageBox.StandardButton.Yes).click()
    last_op(qtbot, window, 3)
    qtbot.waitUntil(lambda: spare.is_detached and window.motion_actions["forget_sr"].isEnabled(), timeout=10000)
    window.motion_actions["forget_sr"].trigger()
    box = wait_dialog(qtbot, QMessageBox)
    assert box.windowTitle() == "Forget Storage Repository"
    box.button(QMessageBox.StandardButton.Yes).click()
    last_op(qtbot, window, 4)
    qtbot.waitUntil(lambda: not spare.exists, timeout=10000)


def test_move_virtual_disks_live_and_halted(qtbot: Any, window: Any, pool: SimProcess) -> None:
    from tests.ui.test_ja_walk import select as select_where
    from xencenter_py.ui.dialogs.move_disk import MoveDiskDialog

    conn = connect_via_dialog(qtbot, window, pool.url, pool.password)
    for count, vm_name in ((1, "CentOS 7 Test"), (2, "Dev Server")):  # halted (copy), then running (live)
        vm = next(v for v in conn.cache.all("VM") if v.name == vm_name)
        vbd = next(b for b in vm.vbds if b.get("type") == "Disk")
        vdi = vm.resolve("VDI", vbd.get("VDI"))
        source = vdi.sr
        select_where(window, qtbot, lambda n, s=source: n.obj is not None and n.obj.ref == s.ref)
        window.motion_actions["move_disk"].trigger()
        dialog = wait_dialog(qtbot, MoveDiskDialog)
        rows = [dialog.disks.item(i) for i in range(dialog.disks.count())]
        item = next(
            r
            for r in rows
            if r.data(Qt.ItemDataRole.UserRole) is not None and r.data(Qt.ItemDataRole.UserRole).ref == vdi.ref
        )
        dialog.disks.setCurrentItem(item)
        dialog.target.setCurrentIndex(dialog.target.findText("iSCSI storage"))
        assert dialog.move.isEnabled()
        dialog.move.click()
        last_op(qtbot, window, count)
        qtbot.waitUntil(
            lambda v=vm: any(
                v.resolve("VDI", b.get("VDI")) is not None and v.resolve("VDI", b.get("VDI")).sr.name == "iSCSI storage"
                for b in v.vbds
                if b.get("type") == "Disk"
            ),
            timeout=15000,
        )
    assert next(v for v in conn.cache.all("VM") if v.name == "Dev Server").is_running
