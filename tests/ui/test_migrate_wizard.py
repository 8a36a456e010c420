"""The Migrate VM wizard against simulators over real sockets: inside the pool (with the
prediction before Finish and the measured figures after), storage XenMotion off local
storage, and cross-pool to the standalone server; the pool's verdict per server."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.conftest import SimProcess
from tests.ui.conftest import connect_via_dialog, wait_dialog
from tests.ui.test_main_window import select
from xencenter_py.i18n import gettext as _
from xencenter_py.ui.wizards.migrate import MigrateWizard


@pytest.fixture
def pool(sim_factory: Any) -> SimProcess:
    return sim_factory("--seed", "demo", "--speed", "100")


def open_wizard(qtbot: Any, window: Any, vm_name: str) -> MigrateWizard:
    select(window, qtbot, vm_name)
    action = window.motion_actions["migrate_wizard"]
    assert action.isEnabled(), action.toolTip()
    action.trigger()
    return wait_dialog(qtbot, MigrateWizard)


def destination_rows(qtbot: Any, wizard: MigrateWizard) -> dict[str, tuple[str, bool]]:
    """Server name -> (verdict, selectable) once every verdict is in."""
    tree = wizard.destination.tree
    checking = _("Checking...")
    qtbot.waitUntil(
        lambda: (
            tree.topLevelItemCount()
            and all(tree.topLevelItem(i).text(2) != checking for i in range(tree.topLevelItemCount()))
        ),
        timeout=20000,
    )
    rows = {}
    for i in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(i)
        rows[item.text(0)] = (item.text(2), bool(item.flags() & Qt.ItemFlag.ItemIsEnabled))
    return rows


def choose(wizard: MigrateWizard, host: str) -> None:
    tree = wizard.destination.tree
    item = next(tree.topLevelItem(i) for i in range(tree.topLevelItemCount()) if tree.topLevelItem(i).text(0) == host)
    tree.setCurrentItem(item)
    item.setSelected(True)


def next_page(qtbot: Any, wizard: MigrateWizard, page: Any) -> None:
    # The previous step has ended and its buttons are back (the frame re-enables them after it).
    qtbot.waitUntil(
        lambda: not wizard.busy and (wizard.next_button.isEnabled() or wizard.error.isVisible()), timeout=10000
    )
    assert wizard.next_button.isEnabled(), wizard.error.text()
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.current_page() is page and not wizard.busy, timeout=10000)


def finish(qtbot: Any, wizard: MigrateWizard) -> None:
    qtbot.waitUntil(lambda: not wizard.busy and wizard.finish_button.isEnabled(), timeout=10000)
    wizard.finish_button.click()
    qtbot.waitUntil(lambda: not wizard.busy, timeout=60000)
    assert wizard.outcome is not None, wizard.error.text()
    assert wizard.cancel_button.objectName() == "wizardClose" and not wizard.finish_button.isVisible()


def test_migrate_inside_the_pool_with_prediction_and_measured_figures(
    qtbot: Any, window: Any, pool: SimProcess
) -> None:
    connect_via_dialog(qtbot, window, pool.url, pool.password)
    vm = select(window, qtbot, "XenApp Server 01").obj
    wizard = open_wizard(qtbot, window, "XenApp Server 01")
    assert wizard.windowTitle() == "Migrate VM 'XenApp Server 01'"
    rows = destination_rows(qtbot, wizard)
    assert rows["xs-demo-01"] == ("Current server", False)
    assert rows["xs-demo-03"] == ("OK", True)
    assert not wizard.next_button.isEnabled()
    choose(wizard, "xs-demo-03")
    next_page(qtbot, wizard, wizard.storage)
    combo = next(iter(wizard.storage.combos.values()))
    assert combo.currentText().startswith("NFS")  # the disk stays where it is
    next_page(qtbot, wizard, wizard.transfer)  # same pool: no network mapping
    next_page(qtbot, wizard, wizard.summary_page)
    page = wizard.summary_page
    qtbot.waitUntil(lambda: "ms" in page.prediction_label.text(), timeout=10000)
    text = page.prediction_label.text()
    assert text.startswith("about ") and "pre-copy rounds" in text and "1000 Mbit/s" in text
    assert page.prediction is not None and 150 <= page.prediction.downtime_ms <= 2000
    finish(qtbot, wizard)
    assert (
        "Measured downtime" in page.result.text()
        and f"predicted {page.prediction.downtime_ms} ms" in page.result.text()
    )
    assert window.history.operations[-1].title == "Migrating VM 'XenApp Server 01' to 'xs-demo-03'"
    qtbot.waitUntil(lambda: vm.resident_on is not None and vm.resident_on.name == "xs-demo-03", timeout=10000)
    wizard.cancel_button.click()  # now "Close"
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=5000)


def test_storage_motion_off_local_storage(qtbot: Any, window: Any, pool: SimProcess) -> None:
    connect_via_dialog(qtbot, window, pool.url, pool.password)
    vm = select(window, qtbot, "営業部ファイルサーバー").obj
    wizard = open_wizard(qtbot, window, "営業部ファイルサーバー")
    rows = destination_rows(qtbot, wizard)
    assert rows["xs-demo-03"][1], rows  # possible with storage motion, though not by plain migration
    choose(wizard, "xs-demo-03")
    next_page(qtbot, wizard, wizard.storage)
    assert len(wizard.storage.combos) == 2
    for combo in wizard.storage.combos.values():
        assert "Local EXT storage" not in [combo.itemText(i) for i in range(combo.count())]
        combo.setCurrentIndex(
            combo.findText(next(combo.itemText(i) for i in range(combo.count()) if combo.itemText(i).startswith("NFS")))
        )
    next_page(qtbot, wizard, wizard.transfer)
    next_page(qtbot, wizard, wizard.summary_page)
    finish(qtbot, wizard)
    qtbot.waitUntil(lambda: vm.resident_on is not None and vm.resident_on.name == "xs-demo-03", timeout=10000)
    assert all(
        vm.resolve("VDI", vbd.get("VDI")).sr.name.startswith("NFS") for vbd in vm.vbds if vbd.get("type") == "Disk"
    )


def test_move_to_the_standalone_server(qtbot: Any, window: Any, pool: SimProcess, sim_factory: Any) -> None:
    lab = sim_factory("--seed", "standalone", "--speed", "100")
    connect_via_dialog(qtbot, window, pool.url, pool.password)
    qtbot.waitUntil(lambda: len(window.manager.connections) == 1)
    window.act_add_server.trigger()
    from PySide6.QtWidgets import QDialogButtonBox

    from xencenter_py.ui.dialogs.add_server import AddServerDialog

    dialog = wait_dialog(qtbot, AddServerDialog)
    dialog.address_edit.setCurrentText(lab.url)
    dialog.password_edit.setText(lab.password)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: len([c for c in window.manager.connections if c.is_connected]) == 2, timeout=30000)
    lab_conn = next(
        c for c in window.manager.connections if any(h.name == "xenserver-lab" for h in c.cache.all("host"))
    )

    wizard = open_wizard(qtbot, window, "Web Server 1")
    rows = destination_rows(qtbot, wizard)
    assert rows["xenserver-lab"] == ("OK", True), rows
    choose(wizard, "xenserver-lab")
    next_page(qtbot, wizard, wizard.storage)
    assert all(c.currentText() for c in wizard.storage.combos.values())
    next_page(qtbot, wizard, wizard.networks)
    assert len(wizard.networks.combos) == 2
    next_page(qtbot, wizard, wizard.transfer)
    next_page(qtbot, wizard, wizard.summary_page)
    finish(qtbot, wizard)
    qtbot.waitUntil(
        lambda: any(v.name == "Web Server 1" and v.is_running for v in lab_conn.cache.all("VM")), timeout=15000
    )
    pool_conn = next(c for c in window.manager.connections if c is not lab_conn)
    qtbot.waitUntil(lambda: not any(v.name == "Web Server 1" for v in pool_conn.cache.all("VM")), timeout=15000)


def test_move_a_halted_vm_off_local_storage(qtbot: Any, window: Any, pool: SimProcess) -> None:
    connect_via_dialog(qtbot, window, pool.url, pool.password)
    vm = select(window, qtbot, "CentOS 7 Test").obj
    wizard = open_wizard(qtbot, window, "CentOS 7 Test")
    assert wizard.windowTitle() == "Move VM 'CentOS 7 Test'"
    rows = destination_rows(qtbot, wizard)
    assert rows["xs-demo-02"] == ("OK", True), rows
    choose(wizard, "xs-demo-02")
    next_page(qtbot, wizard, wizard.storage)
    (combo,) = wizard.storage.combos.values()
    combo.setCurrentIndex(combo.findText("NFS virtual disk storage"))
    next_page(qtbot, wizard, wizard.transfer)
    next_page(qtbot, wizard, wizard.summary_page)
    assert not wizard.summary_page.prediction_label.text()  # no memory to copy for a halted VM
    finish(qtbot, wizard)
    assert window.history.operations[-1].title == "Moving VM 'CentOS 7 Test' to 'xs-demo-02'"
    disk = next(vm.resolve("VDI", b.get("VDI")) for b in vm.vbds if b.get("type") == "Disk")
    qtbot.waitUntil(lambda: disk.sr.name == "NFS virtual disk storage", timeout=10000)
    assert vm.power_state == "Halted"
