"""Tools > Options: the display language (applied at once) and connection prompts."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from xencenter_py.i18n import gettext as _


class OptionsDialog(QDialog):
    """Choose the language: the system's, English or Japanese."""

    def __init__(self, language: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("optionsDialog")
        self.setWindowTitle(_("Options"))
        self.language = QComboBox()
        self.language.setObjectName("language")
        # Language names are shown in their own language so anyone can find theirs.
        self.language.addItem(_("Use the system language"), None)
        self.language.addItem("English", "en")
        self.language.addItem("日本語", "ja")
        self.language.setCurrentIndex(max(0, self.language.findData(language)))
        form = QFormLayout()
        label = QLabel(_("&Language:"))
        label.setBuddy(self.language)  # the & marks the access key (Alt+L), not a character to show
        form.addRow(label, self.language)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("OK"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def chosen_language(self) -> str | None:
        """``None`` means follow the system locale."""
        return self.language.currentData()
