"""Certificate dialogs: an unknown server certificate, and a changed one (a clear warning)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import gettext as _


def _fingerprint_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("fingerprint")
    font = QFont("monospace")
    font.setStyleHint(QFont.StyleHint.Monospace)
    label.setFont(font)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _group_pairs(fingerprint: str) -> str:
    """Break a long ``AA:BB:...`` fingerprint into two lines so it always fits."""
    parts = fingerprint.split(":")
    if len(parts) < 16:
        return fingerprint
    half = len(parts) // 2
    return ":".join(parts[:half]) + ":\n" + ":".join(parts[half:])


class CertificateDialog(QDialog):
    """Ask whether to trust a server's certificate; ``old_fingerprint`` set means it changed."""

    def __init__(
        self, host: str, fingerprint: str, old_fingerprint: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        changed = old_fingerprint is not None
        self.setObjectName("certificateChangedDialog" if changed else "certificateUnknownDialog")
        self.setWindowTitle(_("Certificate Changed") if changed else _("Unknown Certificate"))
        icon = QLabel()
        pixmap = QStyle.StandardPixmap.SP_MessageBoxWarning if changed else QStyle.StandardPixmap.SP_MessageBoxQuestion
        icon.setPixmap(self.style().standardIcon(pixmap).pixmap(32, 32))
        if changed:
            text = _(
                "WARNING: the certificate presented by {host} is different from the one you accepted before. "
                "Someone may be intercepting the connection, or the server's certificate was replaced. "
                "Connect only if you know why the certificate changed."
            ).format(host=host)
        else:
            text = _(
                "The certificate presented by {host} is not signed by an authority this computer trusts. "
                "Compare the fingerprint below with the one shown on the server's console before trusting it."
            ).format(host=host)
        message = QLabel(text)
        message.setObjectName("certificateMessage")
        message.setWordWrap(True)
        if changed:
            message.setStyleSheet("color: #b3261e; font-weight: bold;")
        rows: list[tuple[str, str]] = (
            [(_("Previous SHA-256 fingerprint:"), old_fingerprint), (_("New SHA-256 fingerprint:"), fingerprint)]
            if changed
            else [(_("SHA-256 fingerprint:"), fingerprint)]
        )
        buttons = QDialogButtonBox()
        trust = buttons.addButton(
            _("Trust the New Certificate") if changed else _("Trust and Connect"),
            QDialogButtonBox.ButtonRole.AcceptRole,
        )
        trust.setObjectName("trustButton")
        cancel = buttons.addButton(_("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setObjectName("cancelButton")
        self.cancel_button = cancel
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(icon)
        layout.addWidget(message)
        for caption, value in rows:
            layout.addWidget(QLabel(caption))
            layout.addWidget(_fingerprint_label(_group_pairs(value)))
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    def showEvent(self, event: QShowEvent) -> None:
        """Cancel is the default (Enter must never trust a certificate by accident)."""
        super().showEvent(event)
        self.cancel_button.setDefault(True)
        self.cancel_button.setFocus()
