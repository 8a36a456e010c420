"""Tools > Options: the display language (applied at once), connection prompts and the
size of the local performance history."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import gettext as _
from xencenter_py.ui import perf_settings


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
        self.history_size = QSpinBox()
        self.history_size.setObjectName("historySize")
        self.history_size.setRange(perf_settings.MIN_MB, perf_settings.MAX_MB)
        self.history_size.setSingleStep(50)
        self.history_size.setSuffix(" MB")
        self.history_size.setSpecialValueText(_("Off"))
        self.history_size.setValue(perf_settings.history_limit_mb())
        self.history_size.setToolTip(
            _("Disk space for the 5-second performance samples kept on this computer (0 turns it off)")
        )
        self.record_all = QCheckBox(_("Keep the history of every server of connected pools"))
        self.record_all.setObjectName("recordAllHosts")
        self.record_all.setChecked(perf_settings.record_all_hosts())
        self.history_size.valueChanged.connect(lambda mb: self.record_all.setEnabled(mb > 0))
        self.record_all.setEnabled(self.history_size.value() > 0)
        form = QFormLayout()
        label = QLabel(_("&Language:"))
        label.setBuddy(self.language)  # the & marks the access key (Alt+L), not a character to show
        form.addRow(label, self.language)
        history_label = QLabel(_("Local performance &history:"))
        history_label.setBuddy(self.history_size)
        form.addRow(history_label, self.history_size)
        form.addRow("", self.record_all)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("OK"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def accept(self) -> None:
        if self.history_size.value() != perf_settings.history_limit_mb():
            perf_settings.set_history_limit_mb(self.history_size.value())
        if self.record_all.isChecked() != perf_settings.record_all_hosts():
            perf_settings.set_record_all_hosts(self.record_all.isChecked())
        super().accept()

    def chosen_language(self) -> str | None:
        """``None`` means follow the system locale."""
        return self.language.currentData()
