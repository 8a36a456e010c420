"""The Search tab's live CPU, memory, disk and network columns: filled from each host's
``/rrd_updates`` while shown, sortable by value, with sparklines."""

from __future__ import annotations

import math
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from tests.conftest import SimProcess
from tests.ui.conftest import connect_via_dialog
from xencenter_py.model.perf import live
from xencenter_py.ui.navigation import stable_key
from xencenter_py.ui.tabs.search_perf import SPARK_ROLE, VALUE_ROLE


@pytest.fixture(autouse=True)
def fast_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "POLL_SECONDS", 0.5)


def test_search_columns_find_the_busiest_vm(qtbot: Any, window: Any, demo_sim: SimProcess) -> None:
    connect_via_dialog(qtbot, window, demo_sim.url, demo_sim.password)
    nodes = [n for _d, n in window.navigation_tree.walk() if n.kind == "vm" and n.obj.is_running]
    window.navigation.select_keys([stable_key(n) for n in nodes])
    qtbot.waitUntil(lambda: len(window.selected_nodes) == len(nodes), timeout=5000)
    tab = window.tab_pages["search"]
    assert window.tabs.currentWidget() is tab
    table = tab.table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    cpu = headers.index("CPU Usage")
    assert headers[cpu : cpu + 4] == ["CPU Usage", "Used Memory", "Disks", "Network"]

    def filled() -> bool:
        return all(
            table.item(r, cpu).data(VALUE_ROLE) is not None and math.isfinite(table.item(r, cpu).data(VALUE_ROLE))
            for r in range(table.rowCount())
        )

    qtbot.waitUntil(filled, timeout=15000)
    assert table.rowCount() == len(nodes)
    assert all(table.item(r, cpu).text().endswith("%") for r in range(table.rowCount()))
    assert all(table.item(r, cpu + 1).text().endswith(("GB", "MB")) for r in range(table.rowCount()))
    qtbot.waitUntil(lambda: len(table.item(0, cpu).data(SPARK_ROLE) or []) >= 2, timeout=15000)

    header = table.horizontalHeader()
    spot = QPoint(header.sectionViewportPosition(cpu) + 10, header.height() // 2)
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=spot)
    if header.sortIndicatorOrder() != Qt.SortOrder.DescendingOrder:
        QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=spot)
    assert header.sortIndicatorSection() == cpu
    values = [table.item(r, cpu).data(VALUE_ROLE) for r in range(table.rowCount())]
    assert values == sorted(values, reverse=True)
    busiest = table.item(0, 0).text()
    assert busiest  # the VM that hogs its host is one click away

    # leaving the tab stops the polling
    feeds = list(tab.perf.feeds.values())
    assert feeds
    window.navigation.select_keys([stable_key(nodes[0])])
    window.tabs.setCurrentWidget(window.tab_pages["general"])
    qtbot.waitUntil(lambda: not tab.perf.feeds, timeout=5000)
