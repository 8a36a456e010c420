"""The product has an icon of its own: About shows it, drawn from the packaged SVG."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel

from xencenter_py.ui.dialogs.about import AboutDialog
from xencenter_py.ui.icons import app_icon


def test_about_shows_the_application_icon(qtbot: Any, english: None) -> None:
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    logo = dialog.findChild(QLabel, "aboutLogo")
    image = logo.pixmap().toImage()
    assert not image.isNull() and image.width() == 64
    opaque = sum(1 for x in range(0, 64, 4) for y in range(0, 64, 4) if image.pixelColor(x, y).alpha() > 200)
    assert opaque > 100  # a drawn tile, not a blank square
    assert len(app_icon().availableSizes()) >= 5
