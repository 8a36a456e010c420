"""The Performance tab against a simulated pool over real sockets: default graphs with
data, zoom switching archives, the graph designer writing XenCenter's gui_config keys,
a VM followed across a migration, CSV export equal to the plotted data."""

from __future__ import annotations

import csv
import io
import math
from typing import Any

import numpy as np
import pytest
from PySide6.QtWidgets import QDialogButtonBox

from tests.conftest import SimProcess
from tests.ui.conftest import connect_via_dialog, wait_dialog
from tests.ui.test_main_window import select
from xencenter_py.model.perf import keeper as keeper_module
from xencenter_py.model.perf.export import iso_time
from xencenter_py.ui.graphs.designer import GraphDesigner
from xencenter_py.ui.tabs.performance import PerformanceTab


@pytest.fixture
def pool(sim_factory: Any) -> SimProcess:
    return sim_factory("--seed", "demo", "--members", "--speed", "50")


@pytest.fixture(autouse=True)
def fast_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keeper_module, "POLL_SECONDS", 0.5)


def open_performance(qtbot: Any, window: Any, label: str) -> PerformanceTab:
    select(window, qtbot, label)
    tab = window.tab_pages["performance"]
    assert window.tabs.indexOf(tab) >= 0
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.keeper is not None and tab.keeper.loaded, timeout=15000)
    return tab


def has_data(tab: PerformanceTab) -> bool:
    return all(
        any(np.isfinite(tab.widgets[i].plotted(n)[1]).any() for n in tab.widgets[i].sources)
        for i in range(len(tab.widgets))
    )


def test_vm_shows_its_four_default_graphs_with_data(qtbot: Any, window: Any, pool: SimProcess) -> None:
    connect_via_dialog(qtbot, window, pool.url, pool.password)
    tab = open_performance(qtbot, window, "SQL Database Server")
    assert [w.title_label.text() for w in tab.widgets] == ["CPU", "Memory", "Network", "Disk"]
    assert tab.widgets[0].sources == ["cpu0", "cpu1", "cpu2", "cpu3"]
    qtbot.waitUntil(lambda: has_data(tab), timeout=10000)
    assert tab.current_step == 5
    cpu = tab.widgets[0]
    assert cpu.value_axis.suffix == "%"
    assert tab.widgets[1].value_axis.suffix in ("GB", "MB")
    text = cpu.show_readout(float(tab.data.times[-2]))
    assert "CPU 0:" in text and "%" in text
    # leaving the tab stops the polling
    keeper = tab.keeper
    window.tabs.setCurrentWidget(window.tab_pages["general"])
    qtbot.waitUntil(lambda: not keeper.running, timeout=5000)
    assert tab.keeper is None


def test_changing_range_switches_archive(qtbot: Any, window: Any, pool: SimProcess) -> None:
    connect_via_dialog(qtbot, window, pool.url, pool.password)
    tab = open_performance(qtbot, window, "xs-demo-02")
    assert [w.title_label.text() for w in tab.widgets] == ["CPU", "Memory", "Network"]
    steps = {}
    for key in ("10m", "1h", "1w", "1y"):
        index = tab.zoom.findData(key)
        tab.zoom.setCurrentIndex(index)
        steps[key] = tab.current_step
        start, end = tab.visible_range
        assert end - start == tab.span
    assert steps == {"10m": 5, "1h": 60, "1w": 3600, "1y": 86400}
    assert len(tab.data.times) >= 300  # a year of days


def test_designer_graph_is_stored_with_xencenter_keys_and_survives_reconnect(
    qtbot: Any, window: Any, pool: SimProcess, run: Any
) -> None:
    conn = connect_via_dialog(qtbot, window, pool.url, pool.password)
    tab = open_performance(qtbot, window, "Web Server 2")
    vm = tab.obj
    tab.new_button.click()
    dialog = wait_dialog(qtbot, GraphDesigner)
    qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() > 0, timeout=10000)
    dialog.name_edit.setText("Load")
    names = {
        dialog.tree.topLevelItem(r).data(0, 256): dialog.tree.topLevelItem(r)
        for r in range(dialog.tree.topLevelItemCount())
    }
    from PySide6.QtCore import Qt

    names["cpu1"].setCheckState(0, Qt.CheckState.Checked)
    names["memory_internal_free"].setCheckState(0, Qt.CheckState.Checked)
    dialog.set_colour("cpu1", 0xFF0000)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    key = f"XenCenter.GraphLayout.4.vm.{vm.uuid}"
    qtbot.waitUntil(lambda: key in (conn.cache.pool.get("gui_config") or {}), timeout=10000)
    config = conn.cache.pool.get("gui_config")
    assert config[key] == "cpu1,memory_internal_free"
    assert config[f"XenCenter.GraphName.4.vm.{vm.uuid}"] == "Load"
    assert config[f"XenCenter.DataSource.vm.{vm.uuid}.cpu1"] == str(0xFFFF0000 - (1 << 32))
    # the default graphs were written out too, as XenCenter does once a layout is edited
    assert config[f"XenCenter.GraphLayout.0.vm.{vm.uuid}"] == "cpu0,cpu1"
    qtbot.waitUntil(lambda: len(tab.widgets) == 5, timeout=5000)
    assert tab.widgets[4].title_label.text() == "Load"

    run(window.manager.disconnect_all())
    conn = connect_via_dialog(qtbot, window, pool.url, pool.password)
    tab = open_performance(qtbot, window, "Web Server 2")
    assert [w.title_label.text() for w in tab.widgets][-1] == "Load"
    assert tab.widgets[-1].colours["cpu1"] == 0xFF0000

    tab.restore_button.click()
    qtbot.waitUntil(lambda: len(tab.widgets) == 4, timeout=10000)
    assert not any(k.startswith("XenCenter.GraphLayout.") for k in conn.cache.pool.get("gui_config"))
    assert f"XenCenter.DataSource.vm.{vm.uuid}.cpu1" in conn.cache.pool.get("gui_config")  # colours stay


def test_migrating_the_vm_keeps_its_graph_going(qtbot: Any, window: Any, pool: SimProcess, run: Any) -> None:
    conn = connect_via_dialog(qtbot, window, pool.url, pool.password)
    tab = open_performance(qtbot, window, "Web Server 1")
    vm = tab.obj
    target = next(h for h in conn.cache.all("host") if h.name == "xs-demo-03")
    qtbot.waitUntil(lambda: has_data(tab), timeout=10000)
    run(conn.session.call("VM.pool_migrate", vm.ref, target.ref, {"live": "true"}))
    qtbot.waitUntil(lambda: vm.resident_on is not None and vm.resident_on.ref == target.ref, timeout=15000)
    moved = tab.keeper.archive.rings[5].last
    qtbot.waitUntil(lambda: tab.keeper.archive.rings[5].last > moved + 5, timeout=20000)
    assert target.address in tab.keeper.requests[-1]
    assert not math.isnan(tab.widgets[0].plotted("cpu0")[1][-1])
    assert tab.events_list.count() >= 1 and "xs-demo-03" in tab.events_list.item(0).text()


def test_csv_export_matches_the_plotted_data(qtbot: Any, window: Any, pool: SimProcess, tmp_path: Any) -> None:
    connect_via_dialog(qtbot, window, pool.url, pool.password)
    tab = open_performance(qtbot, window, "SQL Database Server")
    qtbot.waitUntil(lambda: has_data(tab), timeout=10000)
    tab.set_range("1h")
    path = tmp_path / "perf.csv"
    tab.export_csv_to(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    header, body = rows[0], rows[1:]
    assert header[0] == "time" and "cpu0" in header and "vbd_xvda_read" in header
    x, y = tab.widgets[0].plotted("cpu0")
    start, end = tab.visible_range
    shown = [(t, v) for t, v in zip(x, y, strict=True) if start <= t <= end]
    column = header.index("cpu0")
    assert len(body) == len(shown)
    for row, (t, v) in zip(body, shown, strict=True):
        assert row[0] == iso_time(t)
        assert (row[column] == "" and math.isnan(v)) or float(row[column]) == pytest.approx(v)
    png = tmp_path / "perf.png"
    assert tab.export_png_to(png) and png.stat().st_size > 1000


def test_full_resolution_hours_from_the_local_history(
    qtbot: Any, window: Any, pool: SimProcess, tmp_path: Any, run: Any
) -> None:
    from xencenter_py.model.perf import history

    store = history.enable(path=tmp_path / "history.sqlite")
    try:
        conn = connect_via_dialog(qtbot, window, pool.url, pool.password)
        vm = next(v for v in conn.cache.all("VM") if v.name == "Web Server 4")
        now = int(conn.session.server_now()) // 5 * 5
        times = list(range(now - 3 * 3600, now - 600, 5))  # three hours this console watched earlier
        store.append("vm", vm.uuid, times, {f"cpu{i}": [0.5] * len(times) for i in range(4)})
        store.flush()
        tab = open_performance(qtbot, window, "Web Server 4")
        tab.set_range("6h")
        qtbot.waitUntil(lambda: tab.current_step == 5, timeout=10000)
        x, y = tab.widgets[0].plotted("cpu0")
        local = (x >= times[0]) & (x <= times[-1])
        assert np.count_nonzero(local) >= len(times) - 1  # every 5-second sample, not hourly rows
        assert np.nanmax(np.abs(y[local] - 50.0)) < 1e-9
        assert x[0] < times[0] - 3600  # older hours come from the server's hourly archive
        # what this console receives now goes to the store too
        loaded = tab.keeper.archive.rings[5].last
        qtbot.waitUntil(lambda: tab.keeper.archive.rings[5].last > loaded, timeout=15000)
        store.flush()
        fresh = run(store.window("vm", vm.uuid, ["cpu0"], loaded + 1, loaded + 3600))
        assert len(fresh.times) >= 1 and np.isfinite(fresh.series["cpu0"]).all()
    finally:
        history.disable()


def test_designer_enables_a_disabled_data_source_and_plots_it(qtbot: Any, window: Any, pool: SimProcess) -> None:
    from PySide6.QtCore import Qt

    conn = connect_via_dialog(qtbot, window, pool.url, pool.password)
    tab = open_performance(qtbot, window, "Dev Server")
    vm = tab.obj
    tab.new_button.click()
    dialog = wait_dialog(qtbot, GraphDesigner)
    qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() > 0, timeout=10000)

    def items() -> dict[str, Any]:
        tree = dialog.tree
        return {tree.topLevelItem(r).data(0, 256): tree.topLevelItem(r) for r in range(tree.topLevelItemCount())}

    assert "vbd_xvda_read_latency" not in items()  # disabled sources are hidden at first
    dialog.show_disabled.setChecked(True)
    latency = items()["vbd_xvda_read_latency"]
    assert latency.text(3) == "No" and latency.text(2) == "μs"
    dialog.tree.setCurrentItem(latency)
    assert dialog.enable_button.isEnabled()
    dialog.enable_button.click()
    qtbot.waitUntil(lambda: items()["vbd_xvda_read_latency"].text(3) == "Yes", timeout=10000)
    dialog.name_edit.setText("Latency")
    items()["vbd_xvda_read_latency"].setCheckState(0, Qt.CheckState.Checked)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    key = f"XenCenter.GraphLayout.4.vm.{vm.uuid}"
    qtbot.waitUntil(
        lambda: (conn.cache.pool.get("gui_config") or {}).get(key) == "vbd_xvda_read_latency", timeout=10000
    )
    qtbot.waitUntil(lambda: len(tab.widgets) == 5, timeout=5000)
    qtbot.waitUntil(lambda: np.isfinite(tab.widgets[4].plotted("vbd_xvda_read_latency")[1]).any(), timeout=15000)


def test_wheel_zooms_drag_pans_and_the_navigator_moves_the_graphs(qtbot: Any, window: Any, pool: SimProcess) -> None:
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    connect_via_dialog(qtbot, window, pool.url, pool.password)
    tab = open_performance(qtbot, window, "xs-demo-01")
    tab.set_range("1w")
    cpu = tab.widgets[0]
    viewport = cpu.plot.viewport()
    qtbot.waitUntil(lambda: viewport.isVisible() and viewport.width() > 100, timeout=5000)
    start, end = tab.visible_range
    center = QPointF(viewport.width() / 2, viewport.height() / 2)
    wheel = QWheelEvent(
        center,
        viewport.mapToGlobal(center),
        QPoint(0, 0),
        QPoint(0, 240),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(viewport, wheel)
    qtbot.waitUntil(lambda: tab.visible_range[1] - tab.visible_range[0] < (end - start) * 0.9, timeout=5000)
    assert not tab.following
    # every graph follows (they share the time scale)
    assert tab.widgets[-1].view.viewRange()[0] == pytest.approx(cpu.view.viewRange()[0])

    zoomed = tab.visible_range
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=QPoint(viewport.width() // 2, viewport.height() // 2))
    for dx in range(10, 110, 10):
        qtbot.mouseMove(viewport, QPoint(viewport.width() // 2 + dx, viewport.height() // 2))
    qtbot.mouseRelease(
        viewport, Qt.MouseButton.LeftButton, pos=QPoint(viewport.width() // 2 + 100, viewport.height() // 2)
    )
    qtbot.waitUntil(lambda: tab.visible_range[0] < zoomed[0], timeout=5000)  # dragged right: earlier times

    # the navigator's region moves the graphs
    lo = end - 3 * 86400
    tab.navigator.region.setRegion((lo, lo + 86400))
    qtbot.waitUntil(lambda: abs(tab.visible_range[0] - lo) < 1, timeout=5000)
    assert cpu.view.viewRange()[0][0] == pytest.approx(lo, abs=1)
    tab.set_range("10m")
    assert tab.following and tab.current_step == 5


def test_a_legend_colour_is_stored_and_default_graphs_stay_default(qtbot: Any, window: Any, pool: SimProcess) -> None:
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QColorDialog

    conn = connect_via_dialog(qtbot, window, pool.url, pool.password)
    tab = open_performance(qtbot, window, "xs-demo-01")
    host = tab.obj
    legend = tab.widgets[1].legend
    item = legend.item(1)
    legend.itemDoubleClicked.emit(item)  # what a double-click on the entry sends
    dialog = wait_dialog(qtbot, QColorDialog, "seriesColourDialog")
    dialog.setCurrentColor(QColor(0x12, 0x34, 0x56))
    dialog.accept()
    key = f"XenCenter.DataSource.host.{host.uuid}.memory_free_kib"
    qtbot.waitUntil(lambda: key in (conn.cache.pool.get("gui_config") or {}), timeout=10000)
    assert int(conn.cache.pool.get("gui_config")[key]) & 0xFFFFFFFF == 0xFF123456
    qtbot.waitUntil(lambda: tab.widgets[1].colours.get("memory_free_kib") == 0x123456, timeout=5000)
    assert tab.showing_defaults
    assert not any(k.startswith("XenCenter.GraphLayout.") for k in conn.cache.pool.get("gui_config"))


def test_every_server_recorded_when_the_option_says_so(
    qtbot: Any, window: Any, pool: SimProcess, tmp_path: Any, run: Any
) -> None:
    from xencenter_py.model.perf import history
    from xencenter_py.ui import perf_settings
    from xencenter_py.ui.perf_recording import HostRecording

    store = history.enable(path=tmp_path / "history.sqlite")
    recording = HostRecording(window.manager)
    try:
        perf_settings.set_record_all_hosts(True)
        conn = connect_via_dialog(qtbot, window, pool.url, pool.password)
        recorder = next(iter(recording.recorders.values()))
        hosts = conn.cache.all("host")
        assert len(recorder.held) == len(hosts) == 3
        keepers = list(recorder.held.values())
        for keeper in keepers:
            keeper.poll_seconds = 0.5
        qtbot.waitUntil(lambda: all(k.loaded for k in keepers), timeout=15000)
        marks = {k.uuid: k.archive.rings[5].last for k in keepers}
        qtbot.waitUntil(lambda: all(k.archive.rings[5].last > marks[k.uuid] for k in keepers), timeout=20000)
        store.flush()
        for host in hosts:
            rows = run(store.window("host", host.uuid, ["cpu0"], marks[host.uuid] + 1, marks[host.uuid] + 3600))
            assert len(rows.times) >= 1, host.name
        perf_settings.set_record_all_hosts(False)
        assert not recording.recorders
        qtbot.waitUntil(lambda: not any(k.running for k in keepers), timeout=5000)
    finally:
        perf_settings.set_record_all_hosts(False)
        history.disable()
