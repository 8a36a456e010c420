"""Help > About."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from xencenter_py import __version__
from xencenter_py.i18n import gettext as _
from xencenter_py.ui import icons


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(_("About xencenter-py"))
        logo = QLabel()
        logo.setObjectName("aboutLogo")
        logo.setPixmap(icons.app_icon().pixmap(64, 64))
        title = QLabel(f"<b>xencenter-py</b> {__version__}")
        text = QLabel(
            _(
                "A console for XenServer and XCP-ng resource pools, with a built-in pool simulator. "
                "Free software under the GNU General Public License, version 2 or later."
            )
        )
        text.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (logo, title, text, buttons):
            layout.addWidget(widget)
        self.setMinimumWidth(420)
