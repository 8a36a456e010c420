"""A small dialog asking for one name (new folder, renamed tag...), checked as it is typed."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from xencenter_py.i18n import gettext as _
from xencenter_py.ui.dialogs.property_page import error_label, show_error
from xencenter_py.ui.widgets import Retranslating


class NameDialog(Retranslating, QDialog):
    """``check(name)`` returns why a name is refused ("" when it is fine)."""

    def __init__(
        self,
        title: Callable[[], str],
        prompt: Callable[[], str],
        check: Callable[[str], str],
        initial: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("nameDialog")
        self._title, self._prompt, self._check = title, prompt, check
        self.label = QLabel()
        self.edit = QLineEdit(initial)
        self.edit.setObjectName("name")
        self.label.setBuddy(self.edit)
        self.error = error_label("nameError")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.edit)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.edit.textChanged.connect(self._validate)
        self.edit.selectAll()
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self._title())
        self.label.setText(self._prompt())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("OK"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self._validate()

    def name(self) -> str:
        return self.edit.text().strip()

    def _validate(self) -> str:
        problem = self._check(self.name()) if self.name() else ""
        show_error(self.error, problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.name()) and not problem)
        return problem

    def accept(self) -> None:
        if self.name() and not self._validate():
            super().accept()
