"""The Performance tab and the graph designer in Japanese: every text translated, Japanese
dates and 24-hour times on the time axis, units on the value axis, and a run-time
language switch that changes everything on screen."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import SimProcess
from tests.ui.conftest import connect_via_dialog, wait_dialog
from tests.ui.test_ja_walk import Walker, object_names
from tests.ui.test_main_window import select
from xencenter_py.i18n.qt import switch_language
from xencenter_py.model.perf import keeper as keeper_module
from xencenter_py.ui.graphs.designer import GraphDesigner
from xencenter_py.ui.tabs.performance import PerformanceTab


@pytest.fixture
def japanese() -> Iterator[None]:
    switch_language("ja")
    yield
    switch_language("en")


@pytest.fixture(autouse=True)
def fast_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keeper_module, "POLL_SECONDS", 0.5)


def tick_labels(axis: Any) -> list[str]:
    """The labels the axis draws for its current range."""
    low, high = axis.range
    size = axis.width() if axis.orientation in ("left", "right") else axis.geometry().width()
    labels = []
    for spacing, values in axis.tickValues(low, high, max(size, 400)):
        labels += axis.tickStrings(values, 1.0, spacing)
    return [t for t in labels if t]


def test_performance_tab_in_japanese(qtbot: Any, window: Any, demo_sim: SimProcess, japanese: None) -> None:
    connect_via_dialog(qtbot, window, demo_sim.url, demo_sim.password)
    select(window, qtbot, "SQL Database Server")
    tab = window.tab_pages["performance"]
    assert window.tabs.tabText(window.tabs.indexOf(tab)) == "パフォーマンス"
    window.tabs.setCurrentWidget(tab)
    assert isinstance(tab, PerformanceTab)
    qtbot.waitUntil(lambda: tab.keeper is not None and tab.keeper.loaded, timeout=15000)
    qtbot.waitUntil(lambda: tab.data is not None and len(tab.data.times) > 10, timeout=10000)

    assert [w.title_label.text() for w in tab.widgets] == ["CPU", "メモリ", "ネットワーク", "ディスク"]
    memory = tab.widgets[1]
    assert [memory.legend.item(i).text() for i in range(memory.legend.count())] == ["メモリ合計", "空きメモリ"]
    assert tab.widgets[2].legend.item(0).text().startswith("ネットワーク 0 ")
    assert tab.widgets[3].legend.item(0).text() == "ディスク xvda 読み取り"

    walker = Walker(object_names(window))
    walker.widget(tab, "performance")
    assert not walker.english, "\n".join(walker.english)

    # 10 minutes: 24-hour times; a week: Japanese month/day dates; values with their units
    times = tick_labels(tab.widgets[-1].time_axis)
    # (around midnight the axis marks the new day with its date: 12月7日, 0:05, ...)
    assert any(re.fullmatch(r"\d{1,2}:\d{2}", t) for t in times), times
    assert all(re.fullmatch(r"\d{1,2}:\d{2}|\d{1,2}月\d{1,2}日", t) for t in times), times
    tab.set_range("1w")
    days = tick_labels(tab.widgets[-1].time_axis)
    assert any(re.fullmatch(r"\d{1,2}月\d{1,2}日", t) for t in days), days
    assert all(re.fullmatch(r"\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月", t) for t in days), days
    tab.set_range("1y")
    months = tick_labels(tab.widgets[-1].time_axis)
    assert months and all(re.search(r"\d{4}年\d{1,2}月|\d{1,2}月\d{1,2}日", t) for t in months), months
    assert all(t.endswith("%") for t in tick_labels(tab.widgets[0].value_axis))
    assert any(t.endswith("/秒") for t in tick_labels(tab.widgets[2].value_axis))
    readout = tab.widgets[0].show_readout(float(tab.data.times[-1]))
    assert re.match(r"\d{4}年\d{1,2}月\d{1,2}日 \d{1,2}:\d{2}:\d{2}", readout), readout

    tab.new_button.click()
    dialog = wait_dialog(qtbot, GraphDesigner)
    qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() > 0, timeout=10000)
    assert dialog.windowTitle() == "新規グラフ"
    walker.widget(dialog, "designer")
    assert not walker.english, "\n".join(walker.english)
    dialog.reject()

    # a language switch at run time changes what is on screen
    switch_language("en")
    qtbot.waitUntil(lambda: window.tabs.tabText(window.tabs.indexOf(tab)) == "Performance", timeout=5000)
    assert tab.new_button.text() == "New Graph..."
    assert tab.widgets[1].legend.item(1).text() == "Free Memory"
    switch_language("ja")
    qtbot.waitUntil(lambda: tab.new_button.text() == "新規グラフ...", timeout=5000)
