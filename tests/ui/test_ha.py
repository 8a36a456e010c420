"""High availability in the console, against a simulated pool over real sockets: the
Configure HA wizard (scan, priorities, failures to tolerate, what-if, finish), the HA tab,
Edit priorities, the Start Options page, a simulated server failure with the protected VMs
coming back on other servers in the tree and the alert, repair, Disable HA, and a free
edition where HA is explained instead of offered."""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QAbstractItemDelegate, QComboBox, QMessageBox

from tests.ui.conftest import connect_via_dialog, message_boxes, wait_dialog
from xencenter_py.model.ha import BEST_EFFORT, DO_NOT_RESTART, PRIORITIES, RESTART, priority_of
from xencenter_py.ui import ha_commands
from xencenter_py.ui.dialogs.ha_priorities import HaPrioritiesDialog
from xencenter_py.ui.dialogs.properties import PropertiesDialog
from xencenter_py.ui.dialogs.vm_start_options import StartOptionsPage
from xencenter_py.ui.navigation import stable_key
from xencenter_py.ui.wizards.configure_ha import ConfigureHaWizard


def select(window: Any, qtbot: Any, predicate: Any) -> Any:
    node = next(n for _d, n in window.navigation_tree.walk() if predicate(n))
    window.navigation.select_keys([stable_key(node)])
    qtbot.waitUntil(lambda: [n.key for n in window.selected_nodes] == [node.key], timeout=5000)
    window.refresh_views()
    return node


def answer_yes(qtbot: Any) -> None:
    box = wait_dialog(qtbot, QMessageBox)
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: not message_boxes(), timeout=5000)


def closed(widget: Any) -> bool:
    return not shiboken6.isValid(widget) or not widget.isVisible()


def set_priority(editor: Any, vm: Any, priority: str) -> None:
    editor.set_priority(vm.ref, priority)


def edit_priority(qtbot: Any, editor: Any, vms: list[Any], priority: str) -> Any:
    """Select the VMs' rows and choose ``priority`` in the cell's list, as a user does;
    returns the list the delegate opened."""
    view = editor.table
    view.clearSelection()
    for vm in vms:
        view.selectionModel().select(
            editor.model.index(editor.rows[vm.ref], 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )
    index = editor.model.index(editor.rows[vms[0].ref], 1)
    view.edit(index)
    combo = view.indexWidget(index)
    assert isinstance(combo, QComboBox)
    combo.setCurrentIndex(PRIORITIES.index(priority))
    view.commitData(combo)
    view.closeEditor(combo, QAbstractItemDelegate.EndEditHint.NoHint)
    return combo


def host_of_node(window: Any, vm: Any) -> str:
    """The name of the server the tree shows the VM under."""
    node = next(n for _d, n in window.navigation_tree.walk() if n.kind == "vm" and n.obj == vm)
    while node is not None and node.kind != "host":
        node = node.parent
    return node.obj.name if node is not None else ""


def test_configure_fail_over_repair_and_disable(qtbot: Any, window: Any, sim_factory: Any) -> None:
    sim = sim_factory("--seed", "demo", "--speed", "400")
    conn = connect_via_dialog(qtbot, window, sim.url, sim.password)
    vms = {vm.name: vm for vm in conn.cache.all("VM") if vm.is_real_vm}
    hosts = {h.name: h for h in conn.cache.all("host")}
    select(window, qtbot, lambda n: n.kind == "pool")
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    # XenCenter's order for a pool: General, Memory, Storage, Networking, HA, Users, Search
    assert titles[titles.index("Networking") + 1] == "HA"
    window.tabs.setCurrentWidget(window.tab_pages["ha"])
    tab = window.tab_pages["ha"]
    assert tab.state.text() == "HA is not currently configured for this pool"
    assert not tab.disable.isVisible() and tab.configure.isEnabled()

    # -- the wizard ------------------------------------------------------------------------
    tab.configure.click()
    wizard = wait_dialog(qtbot, ConfigureHaWizard)
    assert [wizard.steps.item(i).text() for i in range(wizard.steps.count())] == [
        "Prerequisites",
        "Heartbeat SR",
        "HA Plan",
        "Finish",
    ]
    wizard.next_button.click()  # leaving the introduction scans the shared SRs
    qtbot.waitUntil(lambda: wizard.current_page() is wizard.sr_page, timeout=15000)
    table = wizard.sr_page.table
    rows = {table.item(r, 0).text(): table.item(r, 0) for r in range(table.rowCount())}
    assert rows["NFS virtual disk storage"].flags() & Qt.ItemFlag.ItemIsEnabled
    iso = rows["ISO library"]
    assert not iso.flags() & Qt.ItemFlag.ItemIsEnabled and iso.toolTip()
    wizard.sr_page.select(next(sr.ref for sr in conn.cache.all("SR") if sr.name == "NFS virtual disk storage"))
    assert wizard.next_button.isEnabled()
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.current_page() is wizard.plan_page, timeout=5000)
    editor = wizard.plan_page.editor
    qtbot.waitUntil(lambda: None not in editor.agility.values() and not editor.calculating, timeout=20000)
    ubuntu, web1, web2 = vms["Ubuntu Desktop (no tools)"], vms["Web Server 1"], vms["Web Server 2"]
    # first use: agile VMs default to Restart, the others to Restart if possible
    assert editor.priority(web1.ref) == RESTART
    assert editor.priority(ubuntu.ref) == BEST_EFFORT
    ubuntu_row = editor.rows[ubuntu.ref]
    assert editor.text(ubuntu_row, 4) == "No" and "not shared" in editor.tooltip(ubuntu_row, 4)
    # A VM that is not agile cannot be set to Restart: the entry is disabled, with the reason.
    combo = edit_priority(qtbot, editor, [ubuntu], RESTART)
    restart_item = combo.model().item(PRIORITIES.index(RESTART))
    assert not restart_item.isEnabled() and "not shared" in restart_item.toolTip()
    assert editor.priority(ubuntu.ref) == BEST_EFFORT
    # Build the situation the test needs: two protected VMs on xs-demo-01, the rest best effort.
    protected = [vms["Web Server 1"], vms["XenApp Server 01"]]
    for vm in editor.vms:
        set_priority(editor, vm, BEST_EFFORT)
    edit_priority(qtbot, editor, protected, RESTART)  # one choice, every selected row
    assert [editor.priority(vm.ref) for vm in protected] == [RESTART, RESTART]
    assert editor.text(editor.rows[web1.ref], 1) == "Restart"
    set_priority(editor, vms["Windows 7 Desktop"], DO_NOT_RESTART)
    editor.set_order(web1.ref, 1)
    editor.set_delay(web1.ref, 20)
    qtbot.waitUntil(lambda: not editor.calculating and editor.maximum is not None, timeout=20000)
    assert editor.maximum >= 1 and editor.failures_to_tolerate() == editor.maximum
    assert editor.status.text().startswith("HA is guaranteed.")
    editor.ntol.setValue(editor.maximum + 1)
    assert "overcommitted" in editor.status.text() and not wizard.next_button.isEnabled()
    editor.ntol.setValue(1)
    assert wizard.next_button.isEnabled()
    # what if xs-demo-01 failed now, with this (not yet applied) plan?
    panel = wizard.plan_page.what_if
    panel.set_chosen([hosts["xs-demo-01"].ref])
    panel.calculate.click()
    qtbot.waitUntil(lambda: panel.result is not None, timeout=10000)
    outcomes = {panel.table.item(r, 0).text(): panel.table.item(r, 2).text() for r in range(panel.table.rowCount())}
    assert outcomes["Web Server 1"].startswith("Restarts on xs-demo-0")
    assert outcomes["Windows 7 Desktop"] == "Not restarted (Do not restart)"
    assert panel.verdict.text().startswith("The HA plan holds")
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.current_page() is wizard.summary_page, timeout=5000)
    summary = wizard.summary_page.form
    lines = {}
    for row in range(summary.rowCount()):
        label = summary.itemAt(row, summary.ItemRole.LabelRole)
        field = summary.itemAt(row, summary.ItemRole.FieldRole)
        if label is not None and field is not None:
            lines[label.widget().text()] = field.widget().text()
    assert lines["Heartbeat SR:"] == "NFS virtual disk storage"
    assert lines["Protected VMs:"] == "2" and lines["Server failures to tolerate:"] == "1"
    wizard.finish_button.click()
    qtbot.waitUntil(lambda: closed(wizard), timeout=5000)
    qtbot.waitUntil(lambda: conn.cache.pool.ha_enabled, timeout=20000)
    operation = window.history.operations[-1]
    assert operation.title == "Enabling HA on 'Demo pool'" or operation.title.startswith("Enabling HA on")
    qtbot.waitUntil(lambda: not operation.running, timeout=10000)
    assert operation.state.name == "SUCCEEDED"
    assert priority_of(web1) == RESTART and web1.get("order") == 1 and web1.get("start_delay") == 20
    assert priority_of(vms["Windows 7 Desktop"]) == DO_NOT_RESTART
    window.refresh_views()
    assert tab.state.text() == "HA is turned on for this pool"
    assert tab.configured.text() == "1" and tab.disable.isVisible()
    assert tab.srs.item(0, 0).text() == "NFS virtual disk storage"

    # -- edit priorities while HA is on ------------------------------------------------------------
    tab.configure.click()
    dialog = wait_dialog(qtbot, HaPrioritiesDialog)
    qtbot.waitUntil(lambda: dialog.editor.is_valid(), timeout=20000)
    assert dialog.editor.failures_to_tolerate() == 1
    set_priority(dialog.editor, web2, RESTART)
    qtbot.waitUntil(lambda: dialog.editor.is_valid(), timeout=20000)
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: closed(dialog), timeout=20000)
    qtbot.waitUntil(lambda: priority_of(web2) == RESTART, timeout=5000)

    # -- the VM's Start Options page and General tab ------------------------------------------------
    properties = PropertiesDialog(web1, window.history, window)
    properties.show()
    page = properties.page(StartOptionsPage)
    assert page.priority.isEnabled() and page.priority.currentData() == RESTART and page.delay.value() == 20
    page.order.setValue(4)
    assert properties.calls() == [("VM.set_order", (web1.ref, 4))]
    properties.buttons.button(properties.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: closed(properties), timeout=10000)
    qtbot.waitUntil(lambda: web1.get("order") == 4, timeout=5000)
    select(window, qtbot, lambda n: n.kind == "vm" and n.obj == web1)
    window.tabs.setCurrentWidget(window.tab_pages["general"])
    sections = {s.header.text(): s.values() for s in window.tab_pages["general"].sections}
    assert sections["High Availability"]["HA restart priority"] == "Restart"

    # -- a simulated server failure -------------------------------------------------------------------
    select(window, qtbot, lambda n: n.kind == "host" and n.obj.name == "xs-demo-01")
    qtbot.waitUntil(lambda: ha_commands.simulator_calls(conn) is not None, timeout=5000)
    window._context_menu(window.navigation.tree.rect().center())
    entries = {a.text(): a for a in window.context_menu.actions()}
    window.context_menu.close()
    assert "Repair server (simulation)" in entries and not entries["Repair server (simulation)"].isEnabled()
    entries["Simulate server failure (simulation)"].trigger()
    answer_yes(qtbot)
    failed = hosts["xs-demo-01"]
    qtbot.waitUntil(lambda: not failed.is_live, timeout=20000)
    for name in ("Web Server 1", "XenApp Server 01"):
        vm = vms[name]
        qtbot.waitUntil(lambda v=vm: v.is_running and v.resident_on not in (None, failed), timeout=20000)
        qtbot.waitUntil(lambda v=vm: host_of_node(window, v) not in ("", "xs-demo-01"), timeout=5000)
    assert vms["Windows 7 Desktop"].power_state == "Halted"
    alerts = window.alerts_page.tree
    qtbot.waitUntil(
        lambda: any(
            alerts.topLevelItem(r).text(0) == "Server 'xs-demo-01' has failed"
            for r in range(alerts.topLevelItemCount())
        ),
        timeout=10000,
    )
    select(window, qtbot, lambda n: n.kind == "pool")
    window.tabs.setCurrentWidget(tab)
    assert "Servers not responding: xs-demo-01" in tab.warning.text()
    hosts_state = {tab.hosts.item(r, 0).text(): tab.hosts.item(r, 1).text() for r in range(tab.hosts.rowCount())}
    assert hosts_state["xs-demo-01"] == "Not responding" and hosts_state["xs-demo-02"] == "Heartbeating"

    # -- repair, then disable ------------------------------------------------------------------------------
    select(window, qtbot, lambda n: n.kind == "host" and n.obj.name == "xs-demo-01")
    assert window.ha_actions["repair_host"].isEnabled()
    window.ha_actions["repair_host"].trigger()
    qtbot.waitUntil(lambda: failed.is_live, timeout=10000)
    select(window, qtbot, lambda n: n.kind == "pool")
    window.tabs.setCurrentWidget(tab)
    tab.disable.click()
    answer_yes(qtbot)
    qtbot.waitUntil(lambda: not conn.cache.pool.ha_enabled, timeout=20000)
    window.refresh_views()
    assert tab.state.text() == "HA is not currently configured for this pool"


def test_wizard_scan_can_be_cancelled(qtbot: Any, window: Any, sim_factory: Any) -> None:
    sim = sim_factory("--seed", "demo", "--speed", "0.05")  # every statefile check takes a while
    conn = connect_via_dialog(qtbot, window, sim.url, sim.password)
    select(window, qtbot, lambda n: n.kind == "pool")
    window.ha_actions["configure"].trigger()
    wizard = wait_dialog(qtbot, ConfigureHaWizard)
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.busy, timeout=5000)
    wizard.cancel_button.click()
    qtbot.waitUntil(lambda: wizard.error.text() == "Canceled.", timeout=10000)
    assert wizard.current_page() is wizard.intro and not wizard.busy
    assert wizard.isVisible() and not conn.cache.pool.ha_enabled
    wizard.cancel_button.click()
    assert closed(wizard)


def test_free_edition_explains_instead_of_offering_ha(qtbot: Any, window: Any, sim_factory: Any) -> None:
    sim = sim_factory("--seed", "demo", "--speed", "400", "--edition", "free")
    conn = connect_via_dialog(qtbot, window, sim.url, sim.password)
    select(window, qtbot, lambda n: n.kind == "pool")
    window.tabs.setCurrentWidget(window.tab_pages["ha"])
    tab = window.tab_pages["ha"]
    assert tab.state.text() == "High availability is not available for this pool"
    assert "does not include high availability" in tab.explanation.text()
    assert not tab.configure.isVisible() and not tab.disable.isVisible()
    configure = window.ha_actions["configure"]
    assert not configure.isEnabled() and "license" in configure.toolTip()
    vm = next(v for v in conn.cache.all("VM") if v.is_real_vm and v.is_running)
    properties = PropertiesDialog(vm, window.history, window)
    page = properties.page(StartOptionsPage)
    assert not page.priority.isEnabled() and "license" in page.state.text()
    properties.close()


def test_read_only_user_cannot_configure_ha(qtbot: Any, window: Any, sim_factory: Any) -> None:
    sim = sim_factory("--seed", "demo", "--speed", "400", "--user", "ro:ro-pw:read-only")
    connect_via_dialog(qtbot, window, sim.url, "ro-pw", user="ro")
    select(window, qtbot, lambda n: n.kind == "pool")
    configure = window.ha_actions["configure"]
    assert not configure.isEnabled() and "role" in configure.toolTip()
    window.tabs.setCurrentWidget(window.tab_pages["ha"])
    assert not window.tab_pages["ha"].configure.isEnabled()


def test_simulation_entries_need_a_simulated_pool(qtbot: Any, aloop: Any, english: None) -> None:
    from xencenter_py.xapi.errors import Failure

    class RealServer:
        """What a real XAPI answers to the simulator's probe."""

        async def call(self, method: str, *args: Any) -> Any:
            raise Failure("MESSAGE_METHOD_UNKNOWN", [method])

    conn = RealServer()
    assert ha_commands.simulator_calls(conn) is None  # asked in the background
    qtbot.waitUntil(lambda: ha_commands.simulator_calls(conn) is not None, timeout=5000)
    assert ha_commands.simulator_calls(conn) == set()


def test_intro_warns_about_broken_shared_srs_and_the_scan_says_why(
    qtbot: Any, window: Any, sim_factory: Any, run: Any
) -> None:
    sim = sim_factory("--seed", "demo", "--speed", "400")
    conn = connect_via_dialog(qtbot, window, sim.url, sim.password)
    from xencenter_py.xapi.errors import Failure

    async def unplug_one() -> Any:
        """Detach one shared SR from one server (one whose disks no VM there uses)."""
        for sr in conn.cache.all("SR"):
            if not sr.is_shared or sr.is_iso or sr.name == "NFS virtual disk storage":
                continue
            for pbd in sr.pbds:
                try:
                    await conn.call("PBD.unplug", pbd.ref)
                except Failure:
                    continue
                return sr
        raise AssertionError("no PBD could be unplugged")

    sr = run(unplug_one())
    qtbot.waitUntil(lambda: sr.is_broken(), timeout=5000)
    select(window, qtbot, lambda n: n.kind == "pool")
    window.ha_actions["configure"].trigger()
    wizard = wait_dialog(qtbot, ConfigureHaWizard)
    assert wizard.intro.warning.isVisible() and sr.name in wizard.intro.warning.text()
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.current_page() is wizard.sr_page, timeout=15000)
    table = wizard.sr_page.table
    rows = {table.item(r, 0).text(): table.item(r, 2).text() for r in range(table.rowCount())}
    assert rows[sr.name] == "Detached"
    assert rows["NFS virtual disk storage"] == ""
    wizard.cancel_button.click()
