"""Walk every page of the Configure HA wizard, the HA tab (off, on, unlicensed), the Edit
priorities dialog, the Start Options page, the HA and simulation commands and the HA
alerts in Japanese: no English left, labels fit, and XenCenter's terms (高可用性, ハートビート
SR, 保護する VM, 可能なら再起動, 再起動しない, アジャイル) where XenCenter uses them."""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemDelegate, QMessageBox

from tests.ui.conftest import connect_via_dialog, message_boxes, wait_dialog
from tests.ui.test_ja_walk import Walker, japanese, object_names, select  # noqa: F401  (fixture)
from xencenter_py.model.ha import BEST_EFFORT, RESTART
from xencenter_py.ui import ha_commands
from xencenter_py.ui.dialogs.ha_priorities import HaPrioritiesDialog
from xencenter_py.ui.dialogs.properties import PropertiesDialog
from xencenter_py.ui.dialogs.vm_start_options import StartOptionsPage
from xencenter_py.ui.navigation import Mode, NotificationPage
from xencenter_py.ui.wizards.configure_ha import ConfigureHaWizard

# Edition names are product names: the deck writes them in Latin letters in Japanese too.
EDITION_NAMES = {"essentials", "enterprise", "platinum", "edition"}


def walk_box(qtbot: Any, walker: Walker, label: str) -> None:
    box = wait_dialog(qtbot, QMessageBox)
    walker.widget(box, label)
    box.button(QMessageBox.StandardButton.No).click()
    qtbot.waitUntil(lambda: not message_boxes(), timeout=5000)


def table_texts(table: Any, column: int) -> list[str]:
    return [table.item(r, column).text() for r in range(table.rowCount()) if table.item(r, column) is not None]


def test_ha_in_japanese(qtbot: Any, window: Any, sim_factory: Any, japanese: None) -> None:  # noqa: F811
    sim = sim_factory("--seed", "demo", "--speed", "400")
    conn = connect_via_dialog(qtbot, window, sim.url, sim.password)
    walker = Walker(object_names(window))
    select(window, qtbot, lambda n: n.kind == "pool")
    tab = window.tab_pages["ha"]
    window.tabs.setCurrentWidget(tab)
    assert window.tabs.tabText(window.tabs.indexOf(tab)) == "高可用性"
    walker.widget(tab, "ha tab (off)")
    walker.menu(window.menus["pool"], "pool menu")
    assert "高可用性(&H)..." in [a.text() for a in window.menus["pool"].actions()]

    # -- the wizard, every page ---------------------------------------------------------------
    tab.configure.click()
    wizard = wait_dialog(qtbot, ConfigureHaWizard)
    steps = [wizard.steps.item(i).text() for i in range(wizard.steps.count())]
    assert steps == ["前提条件", "ハートビート SR", "高可用性プラン", "完了"]
    assert wizard.heading.text() == "高可用性構成の前提条件"
    walker.widget(wizard, "wizard intro")
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.current_page() is wizard.sr_page, timeout=15000)
    assert wizard.heading.text() == "ハートビート SR を選択します"
    walker.widget(wizard, "wizard heartbeat SR")
    for reason in table_texts(wizard.sr_page.table, 2):
        walker.text("heartbeat SR comment", reason)
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.current_page() is wizard.plan_page, timeout=5000)
    editor = wizard.plan_page.editor
    qtbot.waitUntil(lambda: None not in editor.agility.values() and not editor.calculating, timeout=20000)
    headers = [editor.model.headerData(i, Qt.Orientation.Horizontal) for i in range(editor.model.columnCount())]
    assert "アジャイル" in headers
    editor.table.edit(editor.model.index(0, 1))
    combo = editor.table.indexWidget(editor.model.index(0, 1))
    assert [combo.itemText(i) for i in range(combo.count())] == ["再起動", "可能なら再起動", "再起動しない"]
    editor.table.closeEditor(combo, QAbstractItemDelegate.EndEditHint.RevertModelCache)
    for row in range(len(editor.vms)):
        for column in range(5):
            if column:  # the first column is the VM's name
                walker.text("plan cell", editor.text(row, column))
            walker.text("plan tooltip", editor.tooltip(row, column))
    for vm in editor.vms:  # a plan the demo pool can hold for one failure
        editor.set_priority(vm.ref, RESTART if vm.name == "Web Server 1" else BEST_EFFORT)
    qtbot.waitUntil(lambda: not editor.calculating and editor.maximum is not None, timeout=20000)
    walker.widget(wizard, "wizard plan")
    editor.ntol.setValue(editor.ntol.maximum())
    assert "オーバーコミット" in editor.status.text()
    walker.text("overcommitted", editor.status.text())
    editor.ntol.setValue(1)
    panel = wizard.plan_page.what_if
    panel.set_chosen([h.ref for h in conn.cache.all("host") if h.name == "xs-demo-01"])
    panel.calculate.click()
    qtbot.waitUntil(lambda: panel.result is not None, timeout=10000)
    for text in table_texts(panel.table, 1) + table_texts(panel.table, 2):
        walker.text("what-if outcome", text)
    walker.widget(wizard, "wizard plan with what-if")
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.current_page() is wizard.summary_page, timeout=5000)
    walker.widget(wizard, "wizard summary")
    labels = [
        wizard.summary_page.form.itemAt(r, wizard.summary_page.form.ItemRole.LabelRole)
        for r in range(wizard.summary_page.form.rowCount())
    ]
    assert "保護する VM:" in [item.widget().text() for item in labels if item is not None]
    wizard.finish_button.click()
    qtbot.waitUntil(lambda: not shiboken6.isValid(wizard) or not wizard.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: conn.cache.pool.ha_enabled, timeout=20000)
    window.navigation.show_notification_page(NotificationPage.EVENTS)
    walker.widget(window, "events after enabling")
    window.navigation.set_mode(Mode.INFRASTRUCTURE)

    # -- HA on: tab, Edit priorities, Disable confirmation, the VM's pages -----------------------
    select(window, qtbot, lambda n: n.kind == "pool")
    window.tabs.setCurrentWidget(tab)
    window.refresh_views()
    assert tab.state.text() == "このプールでは高可用性が有効です"
    walker.widget(tab, "ha tab (on)")
    tab.configure.click()
    dialog = wait_dialog(qtbot, HaPrioritiesDialog)
    qtbot.waitUntil(lambda: dialog.editor.is_valid(), timeout=20000)
    walker.widget(dialog, "edit priorities")
    dialog.buttons.button(dialog.buttons.StandardButton.Cancel).click()
    tab.disable.click()
    walk_box(qtbot, walker, "disable confirmation")
    vm = next(v for v in conn.cache.all("VM") if v.name == "Web Server 1")
    properties = PropertiesDialog(vm, window.history, window)
    properties.show()
    qtbot.waitExposed(properties)
    properties.page_list.setCurrentRow(properties.pages.index(properties.page(StartOptionsPage)))
    assert properties.page_list.currentItem().text() == "高可用性オプション"
    walker.widget(properties, "start options")
    properties.close()
    select(window, qtbot, lambda n: n.kind == "vm" and n.obj == vm)
    window.tabs.setCurrentWidget(window.tab_pages["general"])
    assert "高可用性" in [s.header.text() for s in window.tab_pages["general"].sections]
    walker.widget(window.tab_pages["general"], "vm general with HA")

    # -- simulation commands and the HA alerts ------------------------------------------------------
    select(window, qtbot, lambda n: n.kind == "host" and n.obj.name == "xs-demo-02")
    qtbot.waitUntil(lambda: ha_commands.simulator_calls(conn) is not None, timeout=5000)
    window._context_menu(window.navigation.tree.rect().center())
    walker.menu(window.context_menu, "host context")
    assert "サーバー障害をシミュレート (シミュレーション)" in [a.text() for a in window.context_menu.actions()]
    window.context_menu.close()
    window.ha_actions["fail_host"].trigger()
    walk_box(qtbot, walker, "fail confirmation")
    host = next(h for h in conn.cache.all("host") if h.name == "xs-demo-02")
    window.ha_actions["fail_host"].trigger()
    box = wait_dialog(qtbot, QMessageBox)
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: not host.is_live, timeout=20000)
    alerts = window.alerts_page.tree
    qtbot.waitUntil(
        lambda: any("xs-demo-02" in alerts.topLevelItem(r).text(0) for r in range(alerts.topLevelItemCount())),
        timeout=10000,
    )
    titles = [alerts.topLevelItem(r).text(0) for r in range(alerts.topLevelItemCount())]
    assert "サーバー 'xs-demo-02' で障害が発生しました" in titles, titles
    for title in titles:
        walker.text("alert", title)
    select(window, qtbot, lambda n: n.kind == "pool")
    window.tabs.setCurrentWidget(tab)
    walker.widget(tab, "ha tab (server down)")

    assert walker.seen > 100
    assert not walker.english, "English left in the Japanese UI:\n" + "\n".join(walker.english)
    assert not walker.clipped, "Texts that do not fit:\n" + "\n".join(walker.clipped)


def test_unlicensed_pool_in_japanese(qtbot: Any, window: Any, sim_factory: Any, japanese: None) -> None:  # noqa: F811
    sim = sim_factory("--seed", "demo", "--speed", "400", "--edition", "free")
    conn = connect_via_dialog(qtbot, window, sim.url, sim.password)
    walker = Walker(object_names(window) | EDITION_NAMES)
    select(window, qtbot, lambda n: n.kind == "pool")
    tab = window.tab_pages["ha"]
    window.tabs.setCurrentWidget(tab)
    assert "ライセンス" in tab.explanation.text() and not tab.configure.isVisible()
    walker.widget(tab, "ha tab (free edition)")
    walker.text("configure tooltip", window.ha_actions["configure"].toolTip())
    vm = next(v for v in conn.cache.all("VM") if v.is_real_vm and v.is_running)
    properties = PropertiesDialog(vm, window.history, window)
    properties.show()
    qtbot.waitExposed(properties)
    properties.page_list.setCurrentRow(properties.pages.index(properties.page(StartOptionsPage)))
    walker.widget(properties, "start options (free edition)")
    properties.close()
    assert walker.seen > 10
    assert not walker.english, "English left in the Japanese UI:\n" + "\n".join(walker.english)
    assert not walker.clipped, "Texts that do not fit:\n" + "\n".join(walker.clipped)


def test_language_switch_retranslates_the_open_wizard(qtbot: Any, window: Any, sim_factory: Any) -> None:
    from xencenter_py.i18n.qt import switch_language

    sim = sim_factory("--seed", "demo", "--speed", "400")
    connect_via_dialog(qtbot, window, sim.url, sim.password)
    select(window, qtbot, lambda n: n.kind == "pool")
    window.ha_actions["configure"].trigger()
    wizard = wait_dialog(qtbot, ConfigureHaWizard)
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.current_page() is wizard.sr_page, timeout=15000)
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.current_page() is wizard.plan_page, timeout=5000)
    editor = wizard.plan_page.editor
    qtbot.waitUntil(lambda: editor.is_valid(), timeout=20000)
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.current_page() is wizard.summary_page, timeout=5000)
    try:
        switch_language("ja")
        qtbot.waitUntil(lambda: wizard.steps.item(1).text() == "ハートビート SR", timeout=5000)
        form = wizard.summary_page.form
        labels = [form.itemAt(r, form.ItemRole.LabelRole) for r in range(form.rowCount())]
        assert "保護する VM:" in [item.widget().text() for item in labels if item is not None]
        wizard.back_button.click()
        assert editor.model.headerData(4, Qt.Orientation.Horizontal) == "アジャイル"
        assert wizard.plan_page.what_if.title() == "サーバーに障害が発生したら?"
        assert window.tabs.tabText(window.tabs.indexOf(window.tab_pages["ha"])) == "高可用性"
    finally:
        switch_language("en")
    qtbot.waitUntil(lambda: editor.model.headerData(4, Qt.Orientation.Horizontal) == "Agile", timeout=5000)
    wizard.cancel_button.click()
