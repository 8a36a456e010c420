"""The New VM wizard and the lifecycle commands, clicked through on the real main window
against simulators: create from a default template through every page (with refusals for
too little memory and a bad disk size), start, copy, convert to template, a VM from that
template, export and import into another pool, delete with and without disks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QMessageBox

from tests.ui.conftest import connect_via_dialog, wait_dialog
from xencenter_py.model.templates import vm_disks
from xencenter_py.ui.dialogs.vm_lifecycle import CopyVmDialog, DeleteVmDialog, ImportDialog
from xencenter_py.ui.operations import OpState
from xencenter_py.ui.wizards.new_vm import NewVmWizard

GiB = 1024**3


def vm_named(conn: Any, name: str) -> Any:
    return next((v for v in conn.cache.all("VM") if v.name == name), None)


def click_next(qtbot: Any, wizard: NewVmWizard, page_name: str) -> None:
    qtbot.waitUntil(wizard.next_button.isEnabled, timeout=15000)
    wizard.next_button.click()
    qtbot.waitUntil(lambda: not wizard.busy and wizard.current_page().objectName() == page_name, timeout=15000)


def last_op_done(qtbot: Any, window: Any, before: int, timeout: int = 60000) -> Any:
    """The operation started after ``before`` operations, once it has finished well."""
    qtbot.waitUntil(lambda: len(window.history.operations) > before, timeout=timeout)
    op = window.history.operations[before]
    qtbot.waitUntil(lambda: not op.running, timeout=timeout)
    assert op.state is OpState.SUCCEEDED, op.error
    return op


def ok(dialog: Any) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_new_vm_and_its_whole_life(qtbot: Any, window: Any, sim_factory: Any, tmp_path: Path, run: Any) -> None:
    sim = sim_factory("--seed", "demo", "--speed", "400")
    conn = connect_via_dialog(qtbot, window, sim.url, sim.password)
    window.select_connection(conn)
    window.update_commands()
    assert window.act_new_vm.shortcut() == QKeySequence("Ctrl+N") and window.act_new_vm.isEnabled()
    window.act_new_vm.trigger()
    wizard: NewVmWizard = wait_dialog(qtbot, NewVmWizard)

    # Template: searchable, with the description.
    page = wizard.template_page
    page.search.setText("bookworm")
    visible = [page.list.item(i).text() for i in range(page.list.count()) if not page.list.item(i).isHidden()]
    assert visible == ["Debian Bookworm 12"]
    page.list.setCurrentRow(next(i for i in range(page.list.count()) if not page.list.item(i).isHidden()))
    assert "Debian Bookworm 12" in page.description.text()
    click_next(qtbot, wizard, "namePage")
    wizard.name_page.name_edit.setText("web-07")
    wizard.name_page.description_edit.setPlainText("made in the wizard")
    click_next(qtbot, wizard, "mediaPage")

    media = wizard.media_page
    assert media.iso_radio.isChecked() and media.network_radio.isVisible()
    media.iso_combo.setCurrentIndex(media.iso_combo.findText("debian-12.5.0-amd64-netinst.iso"))
    click_next(qtbot, wizard, "homeServerPage")

    home = wizard.home_page
    assert home.none_radio.isChecked()
    home.host_radio.setChecked(True)
    enabled = [i for i in range(home.hosts.count()) if home.hosts.item(i).flags() & Qt.ItemFlag.ItemIsEnabled]
    assert enabled
    home.hosts.setCurrentRow(enabled[0])
    host_name = home.hosts.item(enabled[0]).text()
    vm_home = conn.cache.get("host", home.affinity())
    click_next(qtbot, wizard, "cpuMemoryPage")

    cpu = wizard.cpu_page
    assert cpu.vcpus.maximum() == 32  # the template's recommendation
    cpu.vcpus.setValue(2)
    cpu.vcpus_startup.setValue(2)
    cpu.memory_min.setValue(256)  # below the template's minimum
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.error.isVisible(), timeout=15000)
    assert "at least" in wizard.error.text() and wizard.current_page() is cpu
    cpu.memory_min.setValue(2048)
    cpu.memory_max.setValue(4096)
    click_next(qtbot, wizard, "storagePage")

    storage = wizard.storage_page
    assert len(storage.rows) == 1 and storage.rows[0][3].value() == 10.0
    size, sr_combo = storage.rows[0][3], storage.rows[0][4]
    offered = [conn.cache.get("SR", sr_combo.itemData(i)) for i in range(sr_combo.count())]
    assert all(sr.storage_host() in (None, vm_home) for sr in offered)  # reachable from the home server
    assert any(sr.storage_host() == vm_home for sr in offered)  # its own local storage is offered
    sr_combo.setCurrentIndex(next(i for i in range(sr_combo.count()) if "NFS virtual disk" in sr_combo.itemText(i)))
    size.setValue(0)
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.error.isVisible(), timeout=15000)
    assert "larger than 0" in wizard.error.text() and wizard.current_page() is storage
    size.setValue(12)
    click_next(qtbot, wizard, "networkPage")

    net = wizard.network_page
    assert net.combos
    click_next(qtbot, wizard, "summaryPage")
    summary = wizard.finish_page
    texts = [summary.form.itemAt(i).widget().text() for i in range(summary.form.count()) if summary.form.itemAt(i)]
    assert "web-07" in texts and host_name in texts
    assert summary.start_check.isChecked()
    ops = len(window.history.operations)
    wizard.finish_button.click()
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=15000)
    last_op_done(qtbot, window, ops)
    qtbot.waitUntil(lambda: vm_named(conn, "web-07") is not None and vm_named(conn, "web-07").is_running, timeout=20000)
    vm = vm_named(conn, "web-07")
    assert vm.description == "made in the wizard" and vm.affinity.name == host_name
    assert [(d.virtual_size, d.sr.name) for d in vm_disks(vm)] == [(12 * GiB, "NFS virtual disk storage")]
    qtbot.waitUntil(lambda: window.selection == [vm], timeout=20000)  # the new VM is selected

    # Copy it (shut down first), as a full copy onto iSCSI.
    run(conn.run_task("VM.hard_shutdown", vm.ref))
    qtbot.waitUntil(lambda: vm.power_state == "Halted", timeout=15000)
    window.update_commands()
    assert window.lifecycle_actions["copy_vm"].isEnabled()
    ops = len(window.history.operations)
    window.lifecycle_actions["copy_vm"].trigger()
    dialog = wait_dialog(qtbot, CopyVmDialog)
    assert dialog.fast_radio.isEnabled() and dialog.fast_radio.isChecked()
    dialog.name_edit.setText("web-08")
    dialog.full_radio.setChecked(True)
    dialog.sr_combo.setCurrentIndex(
        next(i for i in range(dialog.sr_combo.count()) if "iSCSI" in dialog.sr_combo.itemText(i))
    )
    ok(dialog)
    last_op_done(qtbot, window, ops)
    qtbot.waitUntil(
        lambda: vm_named(conn, "web-08") is not None and bool(vm_disks(vm_named(conn, "web-08"))), timeout=20000
    )
    copy = vm_named(conn, "web-08")
    assert [d.sr.name for d in vm_disks(copy)] == ["iSCSI storage"]

    # Convert the copy to a template (with its warning), then a VM from that template.
    qtbot.waitUntil(lambda: window.selection == [copy], timeout=20000)
    window.update_commands()
    ops = len(window.history.operations)
    window.lifecycle_actions["convert_to_template"].trigger()
    box = wait_dialog(qtbot, QMessageBox)
    assert box.icon() == QMessageBox.Icon.Warning and "cannot be undone" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: copy.is_template, timeout=20000)
    window.select_object(conn, copy.ref)
    qtbot.waitUntil(lambda: window.selection == [copy], timeout=20000)
    window.update_commands()
    window.act_new_vm.trigger()
    wizard = wait_dialog(qtbot, NewVmWizard)
    assert wizard.template_page.selected() == copy
    click_next(qtbot, wizard, "namePage")
    wizard.name_page.name_edit.setText("from-template")
    for name in ("mediaPage", "homeServerPage", "cpuMemoryPage", "storagePage", "networkPage", "summaryPage"):
        click_next(qtbot, wizard, name)
    wizard.finish_page.start_check.setChecked(False)
    ops = len(window.history.operations)
    wizard.finish_button.click()
    last_op_done(qtbot, window, ops)
    qtbot.waitUntil(lambda: vm_named(conn, "from-template") is not None, timeout=20000)
    made = vm_named(conn, "from-template")
    qtbot.waitUntil(lambda: not made.is_template and bool(vm_disks(made)) and bool(made.vifs), timeout=20000)
    assert made.power_state == "Halted"

    # Quick Create from the custom template: its own settings, no wizard.
    window.select_object(conn, copy.ref)
    qtbot.waitUntil(lambda: window.selection == [copy], timeout=20000)
    window.update_commands()
    assert window.lifecycle_actions["quick_create"].isEnabled()
    ops = len(window.history.operations)
    window.lifecycle_actions["quick_create"].trigger()
    last_op_done(qtbot, window, ops)
    quick = lambda: [v for v in conn.cache.all("VM") if v.name == "web-08" and v.is_real_vm]  # noqa: E731
    qtbot.waitUntil(lambda: len(quick()) == 1 and bool(vm_disks(quick()[0])), timeout=20000)
    assert quick()[0].memory_static_max == copy.memory_static_max

    # Export it, then import the file into another pool.
    window.select_object(conn, made.ref)
    qtbot.waitUntil(lambda: window.selection == [made], timeout=20000)
    window.update_commands()
    ops = len(window.history.operations)
    window.lifecycle_actions["export_vm"].trigger()
    files = wait_dialog(qtbot, QFileDialog, "exportFileDialog")
    path = tmp_path / "from-template.xva"
    files.selectFile(str(path))
    files.accept()
    last_op_done(qtbot, window, ops)
    assert path.exists() and path.stat().st_size > 0

    other = sim_factory("--seed", "standalone", "--speed", "400")
    connect_via_dialog(qtbot, window, other.url, other.password)
    qtbot.waitUntil(lambda: sum(c.is_connected for c in window.manager.connections) == 2, timeout=30000)
    second = next(c for c in window.manager.connections if c is not conn)
    window.update_commands()
    ops = len(window.history.operations)
    window.lifecycle_actions["import_vm"].trigger()
    importer = wait_dialog(qtbot, ImportDialog)
    importer.path_edit.setText(str(path))
    importer.pool_combo.setCurrentIndex(importer.conns.index(second))
    target_host = second.cache.all("host")[0]
    importer.home_combo.setCurrentIndex(importer.home_combo.findData(target_host.ref))
    ok(importer)
    last_op_done(qtbot, window, ops)
    qtbot.waitUntil(lambda: vm_named(second, "from-template") is not None, timeout=20000)
    imported = vm_named(second, "from-template")
    qtbot.waitUntil(lambda: imported.affinity == target_host and bool(vm_disks(imported)), timeout=20000)

    # Delete web-07 with its disks, from-template without.
    web07_disks = {d.ref for d in vm_disks(vm)}
    kept = {d.ref for d in vm_disks(made)}
    for target, keep_disks in ((vm, False), (made, True)):
        window.select_object(conn, target.ref)
        qtbot.waitUntil(lambda t=target: window.selection == [t], timeout=20000)
        window.update_commands()
        ops = len(window.history.operations)
        window.lifecycle_actions["delete_vm"].trigger()
        deleter = wait_dialog(qtbot, DeleteVmDialog)
        assert deleter.disk_list.count() == len(vm_disks(target))
        if keep_disks:
            deleter.clear_all.click()
        ok(deleter)
        last_op_done(qtbot, window, ops)
        qtbot.waitUntil(lambda t=target: not t.exists, timeout=20000)
    refs = lambda: {v.ref for v in conn.cache.all("VDI")}  # noqa: E731
    qtbot.waitUntil(lambda: not (web07_disks & refs()), timeout=20000)
    assert kept <= refs()


def test_a_server_dvd_ties_the_vm_to_that_server(qtbot: Any, window: Any, demo_sim: Any) -> None:
    conn = connect_via_dialog(qtbot, window, demo_sim.url, demo_sim.password)
    window.select_connection(conn)
    window.update_commands()
    window.act_new_vm.trigger()
    wizard: NewVmWizard = wait_dialog(qtbot, NewVmWizard)
    wizard.template_page.select("Windows 10 (64-bit)")
    click_next(qtbot, wizard, "namePage")
    click_next(qtbot, wizard, "mediaPage")
    media = wizard.media_page
    assert media.dvd_combo.count() >= 2  # one drive per server
    media.dvd_radio.setChecked(True)
    media.dvd_combo.setCurrentIndex(1)
    dvd = conn.cache.get("VDI", media.dvd_combo.currentData())
    click_next(qtbot, wizard, "homeServerPage")
    home = wizard.home_page
    assert home.host_radio.isChecked() and not home.none_radio.isEnabled()
    enabled = [
        home.hosts.item(i).data(Qt.ItemDataRole.UserRole)
        for i in range(home.hosts.count())
        if home.hosts.item(i).flags() & Qt.ItemFlag.ItemIsEnabled
    ]
    assert enabled == [dvd.sr.storage_host().ref] and home.affinity() == enabled[0]
    others = [
        home.hosts.item(i).text() for i in range(home.hosts.count()) if home.hosts.item(i).data(256) not in enabled
    ]
    assert others and all("another server" in text or "maintenance" in text or "reachable" in text for text in others)
    wizard.cancel_button.click()
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=15000)
