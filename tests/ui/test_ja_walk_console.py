"""The Console tab in Japanese: its buttons, messages, the undocked window, after a run-time
language switch; no English left (key names aside) and every label fits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.ui.conftest import connect_via_dialog
from tests.ui.test_console_tab import open_console
from tests.ui.test_ja_walk import Walker, object_names
from xencenter_py.i18n.qt import switch_language

KEY_NAMES = {"ctrl", "alt", "del", "insert", "enter"}
"""Key caps keep their Latin names in XenCenter's Japanese UI."""


@pytest.fixture
def japanese() -> Iterator[None]:
    yield
    switch_language("en")


def test_console_tab_in_japanese(qtbot: Any, window: Any, sim_factory: Any, japanese: None) -> None:
    sim = sim_factory("--seed", "standalone", "--speed", "50")
    connect_via_dialog(qtbot, window, sim.url, sim.password)
    tab = open_console(window, qtbot, "Lab Windows Server")
    qtbot.waitUntil(lambda: tab.view.current is not None and tab.view.current.connected, timeout=20000)
    switch_language("ja")  # at run time: everything on screen follows
    walker = Walker(object_names(window) | KEY_NAMES)
    qtbot.waitUntil(lambda: window.tabs.tabText(window.tabs.indexOf(tab)) == "コンソール", timeout=5000)
    view = tab.view
    assert view.ctrl_alt_del_button.text() == "Ctrl+Alt+Del を送信"
    assert view.scale_check.text() == "スケール"
    assert view.undock_button.text() == "ドッキング解除"
    assert view.fullscreen_button.text() == "全画面表示"
    assert view.rdp_button.text() == "リモート デスクトップに切り替え"
    buttons = (view.ctrl_alt_del_button, view.rdp_button, view.scale_check, view.undock_button)
    qtbot.waitUntil(lambda: all(b.width() >= b.sizeHint().width() for b in buttons), timeout=5000)  # laid out
    walker.widget(tab, "console tab")

    # Undocked: its window and the tab's placeholder.
    view.undock_button.click()
    qtbot.waitUntil(lambda: tab.undock_window is not None and tab.undock_window.isVisible(), timeout=5000)
    assert tab.undock_window.windowTitle() == "コンソール: Lab Windows Server"
    assert view.undock_button.text() == "再ドッキング"
    qtbot.waitUntil(lambda: all(b.width() >= b.sizeHint().width() for b in buttons), timeout=5000)
    walker.widget(tab.undock_window, "undocked console")
    walker.widget(tab, "console tab (undocked)")
    tab.redock_button.click()
    qtbot.waitUntil(lambda: not tab.undock_window.isVisible(), timeout=5000)
    assert view.undock_button.text() == "ドッキング解除"

    # Why there is no console, in Japanese.
    tab = open_console(window, qtbot, "検証用 VM")
    qtbot.waitUntil(lambda: "シャットダウン" in tab.view.message.text(), timeout=5000)
    walker.widget(tab, "console tab (halted VM)")
    assert not walker.english, "\n".join(walker.english)
    assert not walker.clipped, "\n".join(walker.clipped)
    assert walker.seen >= 8
