"""Add Server dialog: address, user name, password and "remember" (also used to ask again)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import gettext as _
from xencenter_py.ui.config import keyring_available
from xencenter_py.ui.widgets import Retranslating


class AddServerDialog(Retranslating, QDialog):
    """Collects what is needed to connect; the caller does the connecting.

    With ``address`` given and ``retry`` set, the address is fixed and the dialog asks for
    the credentials again (wrong password, or "Reconnect As"). After a failure to reach the
    server it comes back with everything the user typed and the reason (``error``).
    """

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        address: str = "",
        user: str = "root",
        password: str = "",
        history: list[str] | None = None,
        retry: bool = False,
        error: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("addServerDialog")
        self._retry = retry
        self.address_edit = QComboBox()
        self.address_edit.setObjectName("address")
        self.address_edit.setEditable(True)
        self.address_edit.addItems(history or [])
        self.address_edit.setCurrentText(address)
        self.address_edit.setEnabled(not retry)
        self.address_edit.setMinimumWidth(280)
        self.user_edit = QLineEdit(user)
        self.user_edit.setObjectName("user")
        self.password_edit = QLineEdit(password)
        self.password_edit.setObjectName("password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember = QCheckBox()
        self.remember.setObjectName("remember")
        self.remember.setChecked(keyring_available())
        self.error_label = QLabel(error)
        self.error_label.setObjectName("errorLabel")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b3261e;")
        self.error_label.setVisible(bool(error))
        self.intro = QLabel()
        self.intro.setWordWrap(True)

        self.form = QFormLayout()
        self.address_label = QLabel()
        self.user_label = QLabel()
        self.password_label = QLabel()
        self.form.addRow(self.address_label, self.address_edit)
        self.form.addRow(self.user_label, self.user_edit)
        self.form.addRow(self.password_label, self.password_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addWidget(self.remember)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.address_edit.editTextChanged.connect(self._update_ok)
        self.user_edit.textChanged.connect(self._update_ok)
        self.retranslate()
        self._update_ok()
        (self.password_edit if retry else self.address_edit).setFocus()

    def retranslate(self) -> None:
        self.setWindowTitle(_("Connect to Server") if self._retry else _("Add New Server"))
        self.intro.setText(
            _("Enter the user name and password again.")
            if self._retry
            else _("Enter the address of the server or pool coordinator and your login credentials.")
        )
        self.address_label.setText(_("&Server:"))
        self.address_label.setBuddy(self.address_edit)
        self.user_label.setText(_("&User name:"))
        self.user_label.setBuddy(self.user_edit)
        self.password_label.setText(_("&Password:"))
        self.password_label.setBuddy(self.password_edit)
        self.remember.setText(_("&Remember the password"))
        if not keyring_available():
            self.remember.setToolTip(
                _("No password store (keyring) is available on this computer: the password cannot be remembered.")
            )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(_("Connect") if self._retry else _("&Add"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))

    def _update_ok(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(self.address().strip()) and bool(self.user().strip()))

    def address(self) -> str:
        return self.address_edit.currentText().strip()

    def user(self) -> str:
        return self.user_edit.text().strip()

    def password(self) -> str:
        return self.password_edit.text()

    def remember_password(self) -> bool:
        return self.remember.isChecked()
