"""Every Properties page against a simulated pool over real sockets: edit, OK, see the change
arrive through the pool's events in XenCenter's keys and formats, reopen and see it shown."""

from __future__ import annotations

from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from tests.conftest import SimProcess
from tests.ui.conftest import connect_via_dialog
from xencenter_py.model import org
from xencenter_py.ui.dialogs.pages import common, infrastructure, vm
from xencenter_py.ui.dialogs.properties import CpuMemoryPage, GeneralPage, PropertiesDialog


@pytest.fixture
def pool(sim_factory: Any) -> SimProcess:
    return sim_factory("--seed", "demo", "--speed", "50")


def by_name(conn: Any, cls: str, name: str) -> Any:
    return next(o for o in conn.cache.all(cls) if o.name == name)


def open_dialog(window: Any, obj: Any) -> PropertiesDialog:
    dialog = PropertiesDialog(obj, window.history, window)
    dialog.show()
    return dialog


def titles(dialog: PropertiesDialog) -> list[str]:
    return [dialog.page_list.item(i).text() for i in range(dialog.page_list.count())]


def press_ok(qtbot: Any, dialog: PropertiesDialog) -> None:
    """OK, then wait for the operation to finish; it must have succeeded."""
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled(), [p.problem() for p in dialog.pages]
    history = dialog.history
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: history.operations and not history.operations[-1].running, timeout=15000)
    assert history.operations[-1].error == ""
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog) or not dialog.isVisible(), timeout=5000)


def test_vm_pages_round_trip(qtbot: Any, window: Any, pool: SimProcess) -> None:
    conn = connect_via_dialog(qtbot, window, pool.url, pool.password)
    staging = by_name(conn, "VM", "Windows Server 2019 Staging")  # halted, HVM
    dialog = open_dialog(window, staging)
    assert titles(dialog) == [
        "General",
        "Custom Fields",
        "CPU and Memory",
        "Boot Options",
        "Start Options",
        "Alerts",
        "Home Server",
        "Advanced Options",
    ]
    general = dialog.page(GeneralPage)
    general.folder.setCurrentText("/Production//Web/")
    fields = dialog.page(common.CustomFieldsPage)
    fields.new_name.setText("Owner")
    qtbot.mouseClick(fields.add_button, Qt.MouseButton.LeftButton)
    fields.new_name.setText("Expires")
    fields.new_type.setCurrentIndex(1)
    qtbot.mouseClick(fields.add_button, Qt.MouseButton.LeftButton)
    fields.rows["Owner"].text.setText("山田")
    fields.rows["Expires"].has_date.setChecked(True)
    cpu = dialog.page(CpuMemoryPage)
    cpu.spins["VCPUs_max"].setValue(4)
    cpu.spins["VCPUs_at_startup"].setValue(4)
    cpu.scheduling.set_value("coresPerSocket", 3)
    cpu.scheduling.changed()
    assert "cores per socket must divide" in cpu.error.text()
    cpu.scheduling.set_value("coresPerSocket", 2)
    cpu.scheduling.inputs["vcpuPriority"].widget.setCurrentIndex(8)  # Highest
    cpu.scheduling.set_value("vcpuCap", 150)
    boot = dialog.page(vm.BootOptionsPage)
    assert boot.current_order() == "dc"
    network_row = boot.order.count() - 1
    boot.order.item(network_row).setCheckState(Qt.CheckState.Checked)
    boot.order.setCurrentRow(network_row)
    qtbot.mouseClick(boot.up, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(boot.up, Qt.MouseButton.LeftButton)  # network first
    assert boot.current_order() == "ndc" and not boot.up.isEnabled()
    alerts = dialog.page(common.AlertsPage)
    cpu_alert = alerts.rows[0]
    cpu_alert.enabled.setChecked(True)
    cpu_alert.level.setValue(85)
    cpu_alert.period.setValue(2)
    advanced = dialog.page(vm.AdvancedOptionsPage)
    assert advanced.general.isChecked() and "EPT" in advanced.explanation.text()
    advanced.manual.setChecked(True)
    advanced.multiplier.setText("0.5")
    assert "at least 1.0" in advanced.error.text()
    advanced.xenapp.setChecked(True)
    assert advanced.multiplier.text() == "4.0"
    methods = [m for m, _a in dialog.calls()]
    assert "VM.set_HVM_shadow_multiplier" in methods and "pool.add_to_gui_config" in methods
    press_ok(qtbot, dialog)

    def arrived() -> bool:
        rec = conn.cache.record("VM", staging.ref)
        return rec["HVM_shadow_multiplier"] == 4.0 and "perfmon" in rec["other_config"]

    qtbot.waitUntil(arrived, timeout=15000)
    rec = conn.cache.record("VM", staging.ref)
    assert rec["other_config"]["folder"] == "/Production/Web"
    assert rec["other_config"]["XenCenter.CustomFields.Owner"] == "山田"
    assert org.parse_date_value(rec["other_config"]["XenCenter.CustomFields.Expires"]) is not None
    assert rec["VCPUs_params"]["weight"] == "65535" and rec["VCPUs_params"]["cap"] == "150"
    assert rec["platform"]["cores-per-socket"] == "2" and rec["VCPUs_max"] == 4
    assert rec["HVM_boot_params"]["order"] == "ndc"
    perfmon = org.parse_perfmon(rec["other_config"]["perfmon"])
    assert perfmon["cpu_usage"] == org.PerfmonDefinition("cpu_usage", 0.85, 120, 3600)
    gui = conn.cache.pool["gui_config"][org.CUSTOM_FIELDS_KEY]
    assert gui == (
        '<CustomFieldDefinitions><CustomFieldDefinition name="Owner" type="String" defaultValue="" />'
        '<CustomFieldDefinition name="Expires" type="Date" defaultValue="" /></CustomFieldDefinitions>'
    )

    # Reopened, the dialog shows what the pool now holds and sends nothing.
    dialog = open_dialog(window, conn.cache.get("VM", staging.ref))
    assert dialog.page(GeneralPage).folder.currentText() == "/Production/Web"
    assert dialog.page(common.CustomFieldsPage).rows["Owner"].text.text() == "山田"
    assert dialog.page(vm.AdvancedOptionsPage).xenapp.isChecked()
    assert dialog.page(common.AlertsPage).rows[0].level.value() == 85
    assert dialog.page(CpuMemoryPage).scheduling.value("vcpuPriority") == 65535
    assert dialog.calls() == []
    # Deleting a field removes its definition and every object's value of it.
    qtbot.mouseClick(dialog.page(common.CustomFieldsPage).rows["Expires"].delete, Qt.MouseButton.LeftButton)
    press_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: [d.name for d in org.custom_field_definitions(conn.cache.pool)] == ["Owner"], timeout=10000)
    qtbot.waitUntil(
        lambda: "XenCenter.CustomFields.Expires" not in conn.cache.record("VM", staging.ref)["other_config"],
        timeout=10000,
    )


def test_running_vm_gets_live_shadow_multiplier(qtbot: Any, window: Any, pool: SimProcess) -> None:
    conn = connect_via_dialog(qtbot, window, pool.url, pool.password)
    desktop = by_name(conn, "VM", "Windows 7 Desktop")
    assert desktop.power_state == "Running"
    dialog = open_dialog(window, desktop)
    advanced = dialog.page(vm.AdvancedOptionsPage)
    advanced.manual.setChecked(True)
    advanced.multiplier.setText("2.5")
    assert dialog.calls() == [("VM.set_shadow_multiplier_live", (desktop.ref, 2.5))]
    press_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: conn.cache.record("VM", desktop.ref)["HVM_shadow_multiplier"] == 2.5, timeout=15000)
    paused = by_name(conn, "VM", "Build Agent (paused)")
    if paused.is_hvm:
        dialog = open_dialog(window, paused)
        page = dialog.page(vm.AdvancedOptionsPage)
        assert not page.general.isEnabled() and page.note.isVisibleTo(dialog)
        dialog.reject()


def test_host_pool_sr_network_vdi_pages(qtbot: Any, window: Any, pool: SimProcess, run: Any) -> None:
    conn = connect_via_dialog(qtbot, window, pool.url, pool.password)
    host = by_name(conn, "host", "xs-demo-02")
    dialog = open_dialog(window, host)
    log = dialog.page(infrastructure.LogDestinationPage)
    log.form.set_value("remoteLog", True)
    log.form.changed()
    assert "syslog" in log.error.text()
    log.form.inputs["syslogServer"].widget.setText("syslog.example.test")
    power = dialog.page(infrastructure.PowerOnPage)
    power.form.inputs["powerOnMode"].widget.setCurrentIndex(2)  # iLO
    power.form.inputs["powerOnIp"].widget.setText("127.0.0.9")
    power.form.inputs["powerOnUser"].widget.setText("admin")
    power.form.inputs["powerOnPassword"].widget.setText("ilo-secret")
    multipath = dialog.page(infrastructure.MultipathingPage)
    assert not multipath.form.inputs["multipathing"].widget.isEnabled()  # not in maintenance mode
    alerts = dialog.page(common.AlertsPage)
    memory = next(r for r in alerts.rows if r.alert.variable == "memory_free_kib")
    memory.enabled.setChecked(True)
    memory.level.setValue(512)
    press_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: conn.cache.record("host", host.ref)["power_on_mode"] == "iLO", timeout=15000)
    rec = conn.cache.record("host", host.ref)
    assert rec["logging"]["syslog_destination"] == "syslog.example.test"
    config = rec["power_on_config"]
    assert config["power_on_ip"] == "127.0.0.9" and config["power_on_user"] == "admin"
    assert config["power_on_password_secret"] and "ilo-secret" not in str(rec)
    assert org.parse_perfmon(rec["other_config"]["perfmon"])["memory_free_kib"].level == 512 * 1024

    # In maintenance mode, multipathing can be changed.
    run(conn.call("host.disable", host.ref))
    qtbot.waitUntil(lambda: not conn.cache.record("host", host.ref)["enabled"], timeout=10000)
    dialog = open_dialog(window, conn.cache.get("host", host.ref))
    multipath = dialog.page(infrastructure.MultipathingPage).form.inputs["multipathing"].widget
    assert multipath.isEnabled()
    multipath.setChecked(not multipath.isChecked())
    wanted = multipath.isChecked()
    press_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: conn.cache.record("host", host.ref)["multipathing"] is wanted, timeout=10000)

    demo_pool = conn.cache.pool
    dialog = open_dialog(window, demo_pool)
    mail = dialog.page(infrastructure.PoolAlertsPage)
    mail.form.set_value("sendMail", True)
    mail.form.inputs["mailAddress"].widget.setText("ops")
    assert "e-mail address" in mail.error.text()
    mail.form.inputs["mailAddress"].widget.setText("ops@example.test")
    mail.form.inputs["smtpServer"].widget.setText("mail.example.test")
    dialog.page(infrastructure.LiveMigrationPage).form.inputs["migrationCompression"].widget.setChecked(True)
    press_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: conn.cache.pool["migration_compression"] is True, timeout=15000)
    assert conn.cache.pool["other_config"]["ssmtp-mailhub"] == "mail.example.test:25"
    assert conn.cache.pool["other_config"]["mail-destination"] == "ops@example.test"

    sr = next(s for s in conn.cache.all("SR") if s.get("type") == "nfs")
    dialog = open_dialog(window, sr)
    assert titles(dialog) == ["General", "Custom Fields", "Alerts", "Read Caching"]
    dialog.page(infrastructure.ReadCachingPage).form.inputs["readCaching"].widget.setChecked(False)
    dialog.page(common.AlertsPage).rows[0].enabled.setChecked(True)
    press_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: conn.cache.record("SR", sr.ref)["other_config"].get("o_direct") == "true", timeout=15000)
    assert "sr_io_throughput_total_per_host" in conn.cache.record("SR", sr.ref)["other_config"]["perfmon"]

    network = next(n for n in conn.cache.all("network") if n.get("PIFs"))
    dialog = open_dialog(window, network)
    assert titles(dialog) == ["General", "Custom Fields", "Network Settings"]
    settings = dialog.page(infrastructure.NetworkSettingsPage)
    settings.form.inputs["mtu"].widget.setValue(9000)
    settings.form.inputs["automatic"].widget.setChecked(False)
    press_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: conn.cache.record("network", network.ref)["MTU"] == 9000, timeout=15000)
    assert conn.cache.record("network", network.ref)["other_config"]["automatic"] == "false"

    # A detached disk on storage that can resize it (the deck's table: plain LVM can, NFS cannot).
    vdi = next(
        v
        for v in conn.cache.all("VDI")
        if "resize" in (v.get("allowed_operations") or ()) and v.get("VBDs") and v.get("type") != "CD"
    )
    dialog = open_dialog(window, vdi)
    assert titles(dialog) == ["General", "Size and Location", "Custom Fields"]
    size = dialog.page(infrastructure.SizeLocationPage)
    original = size.form.value("vdiSize")
    size.form.inputs["vdiSize"].widget.setValue(original / 2)
    assert "only grow" in size.error.text()
    size.form.inputs["vdiSize"].widget.setValue(original + 1)
    press_ok(qtbot, dialog)
    qtbot.waitUntil(
        lambda: conn.cache.record("VDI", vdi.ref)["virtual_size"] >= round((original + 1) * 1024) * 1024**2,
        timeout=15000,
    )
