"""Every page of the New VM wizard and every lifecycle dialog in Japanese: no English left
(object names aside), labels fit, refusals explained in Japanese, and a language switch
while the wizard is open changes what it shows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from tests.conftest import SimProcess
from tests.ui.conftest import connect_via_dialog, wait_dialog
from tests.ui.test_ja_walk import Walker, object_names
from xencenter_py.i18n.qt import switch_language
from xencenter_py.ui.dialogs.vm_lifecycle import CopyVmDialog, DeleteVmDialog, ImportDialog
from xencenter_py.ui.wizards.new_vm import NewVmWizard

PAGES = (
    "templatePage",
    "namePage",
    "mediaPage",
    "homeServerPage",
    "cpuMemoryPage",
    "storagePage",
    "networkPage",
    "summaryPage",
)


@pytest.fixture
def japanese() -> Iterator[None]:
    switch_language("ja")
    yield
    switch_language("en")


def _select(window: Any, qtbot: Any, conn: Any, obj: Any) -> None:
    window.select_object(conn, obj.ref)
    qtbot.waitUntil(lambda: window.selection == [obj], timeout=20000)
    window.refresh_views()


def test_new_vm_wizard_and_lifecycle_dialogs_in_japanese(
    qtbot: Any, window: Any, demo_sim: SimProcess, japanese: None
) -> None:
    conn = connect_via_dialog(qtbot, window, demo_sim.url, demo_sim.password)
    walker = Walker(object_names(window))
    window.select_connection(conn)
    window.update_commands()
    for key in ("file", "vm", "templates"):
        walker.menu(window.menus[key], key)

    window.act_new_vm.trigger()
    wizard: NewVmWizard = wait_dialog(qtbot, NewVmWizard)
    wizard.template_page.select("Windows Server 2022 (64-bit)")
    for i, name in enumerate(PAGES):
        assert wizard.current_page().objectName() == name
        walker.widget(wizard, f"wizard[{name}]")
        for step in range(wizard.steps.count()):
            walker.text(f"wizard step {step}", wizard.steps.item(step).text())
        if name == "cpuMemoryPage":
            wizard.cpu_page.memory_min.setValue(128)
            wizard.next_button.click()
            qtbot.waitUntil(lambda: wizard.error.isVisible(), timeout=15000)
            assert "メモリ" in wizard.error.text()
            walker.widget(wizard, "wizard[memory refusal]")
            wizard.cpu_page.memory_min.setValue(2048)
        if i + 1 < len(PAGES):
            qtbot.waitUntil(wizard.next_button.isEnabled, timeout=15000)  # the page is complete
            wizard.next_button.click()
            qtbot.waitUntil(
                lambda n=PAGES[i + 1]: (
                    not wizard.busy and (wizard.current_page().objectName() == n or wizard.error.isVisible())
                ),
                timeout=15000,
            )
            assert not wizard.error.isVisible(), (name, wizard.error.text())
    wizard.cancel_button.click()
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=15000)

    # A language switch while the wizard is open re-titles everything at once.
    switch_language("en")
    window.act_new_vm.trigger()
    wizard = wait_dialog(qtbot, NewVmWizard)
    assert wizard.windowTitle() == "New VM" and wizard.heading.text() == "Select a VM template"
    switch_language("ja")
    qtbot.waitUntil(lambda: wizard.windowTitle() == "新規 VM", timeout=15000)
    assert wizard.heading.text() == "VM テンプレートの選択"
    assert wizard.next_button.text() == "次へ(&N) >"
    wizard.cancel_button.click()

    # The lifecycle dialogs on a halted VM with a snapshot, and on a custom template.
    halted = next(v for v in conn.cache.all("VM") if v.is_real_vm and v.power_state == "Halted")
    _select(window, qtbot, conn, halted)
    for cid in ("copy_vm", "new_template", "delete_vm", "export_vm", "convert_to_template"):
        assert window.lifecycle_actions[cid].isEnabled(), cid
    walker.menu(window.menus["vm"], "vm (halted VM)")
    window.lifecycle_actions["copy_vm"].trigger()
    dialog = wait_dialog(qtbot, CopyVmDialog)
    walker.widget(dialog, "copy")
    dialog.reject()
    window.lifecycle_actions["new_template"].trigger()
    dialog = wait_dialog(qtbot, CopyVmDialog)
    walker.widget(dialog, "new template")
    dialog.reject()
    window.lifecycle_actions["delete_vm"].trigger()
    dialog = wait_dialog(qtbot, DeleteVmDialog)
    walker.widget(dialog, "delete")
    dialog.reject()
    window.lifecycle_actions["convert_to_template"].trigger()
    box = wait_dialog(qtbot, QMessageBox)
    walker.widget(box, "convert")
    box.button(QMessageBox.StandardButton.No).click()
    window.lifecycle_actions["export_vm"].trigger()
    files = wait_dialog(qtbot, QFileDialog, "exportFileDialog")
    walker.text("export title", files.windowTitle())
    files.reject()
    window.lifecycle_actions["import_vm"].trigger()
    dialog = wait_dialog(qtbot, ImportDialog)
    walker.widget(dialog, "import")
    dialog.reject()

    running = next(v for v in conn.cache.all("VM") if v.is_real_vm and v.is_running)
    _select(window, qtbot, conn, running)
    reason = window.lifecycle_actions["copy_vm"].toolTip()
    assert not window.lifecycle_actions["copy_vm"].isEnabled() and "シャットダウン" in reason
    walker.text("copy disabled", reason)

    assert not walker.english, "\n".join(walker.english)
    assert not walker.clipped, "\n".join(walker.clipped)
