"""The toolbar never hides commands behind "»": a first start opens wide enough for it,
and a narrower window moves labels under the icons, then to tooltips."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton

from tests.ui.conftest import language


def _hidden_behind_extension(window: Any) -> bool:
    ext = window.toolbar.findChild(QToolButton, "qt_toolbar_ext_button")
    return ext is not None and ext.isVisible()


def test_first_start_fits_the_toolbar(qtbot: Any, aloop: Any, english: None) -> None:
    from xencenter_py.ui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    screen = window.screen().availableGeometry().width()
    needed = window.toolbar.width_needed()
    assert window.width() >= min(needed, screen)
    if needed <= screen:
        assert window.toolbar.toolButtonStyle() is Qt.ToolButtonStyle.ToolButtonTextBesideIcon
    qtbot.waitUntil(lambda: not _hidden_behind_extension(window), timeout=3000)


def test_narrow_windows_keep_every_button(qtbot: Any, window: Any) -> None:
    language("ja")
    try:
        for width in (1000, 760, 520):
            window.resize(width, 700)
            qtbot.waitUntil(lambda w=width: window.toolbar.width() <= w, timeout=3000)
            assert window.toolbar.width_needed(Qt.ToolButtonStyle.ToolButtonIconOnly) <= window.toolbar.width()
            qtbot.waitUntil(lambda: not _hidden_behind_extension(window), timeout=3000)
        assert window.toolbar.toolButtonStyle() is not Qt.ToolButtonStyle.ToolButtonTextBesideIcon
    finally:
        language("en")
