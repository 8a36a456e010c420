"""The main toolbar, which never hides buttons behind "»".

XenCenter's toolbar shows each command's text beside its icon. When the window is too
narrow for that (a small screen, or the longer Japanese labels) the text moves under the
icons, and at the narrowest only the icons stay (each keeps its text as a tooltip).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QActionEvent, QResizeEvent
from PySide6.QtWidgets import QToolBar, QWidget

STYLES = (
    Qt.ToolButtonStyle.ToolButtonTextBesideIcon,
    Qt.ToolButtonStyle.ToolButtonTextUnderIcon,
    Qt.ToolButtonStyle.ToolButtonIconOnly,
)


class MainToolbar(QToolBar):
    """A toolbar that picks the widest button style that fits its width."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._hints: dict[Qt.ToolButtonStyle, int] = {}
        self.setToolButtonStyle(STYLES[0])

    def width_needed(self, style: Qt.ToolButtonStyle = STYLES[0]) -> int:
        """The width at which every button fits in ``style``."""
        if style not in self._hints:
            current = self.toolButtonStyle()
            self.setToolButtonStyle(style)
            self._hints[style] = self.sizeHint().width()
            self.setToolButtonStyle(current)
        return self._hints[style]

    def fit(self) -> None:
        width = self.width()
        chosen = next((s for s in STYLES if self.width_needed(s) <= width), STYLES[-1])
        if chosen != self.toolButtonStyle():
            self.setToolButtonStyle(chosen)

    def _forget(self) -> None:
        self._hints.clear()
        if self.isVisible():
            self.fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    def actionEvent(self, event: QActionEvent) -> None:
        super().actionEvent(event)
        self._hints.clear()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.LanguageChange, QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._forget()
