"""Small shared widget helpers."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QWidget


class Retranslating:
    """Mixin: calls ``self.retranslate()`` whenever the application language changes."""

    def retranslate(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)  # type: ignore[misc]


def set_bold(widget: QWidget, bold: bool = True) -> None:
    font = widget.font()
    font.setBold(bold)
    widget.setFont(font)
