"""Tab framework: a tab page knows which selections it applies to and shows them."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from xencenter_py.ui.widgets import Retranslating


class TabPage(Retranslating, QWidget):
    """Base of every tab; subclasses set ``key`` and implement the hooks below."""

    key = ""
    watched_classes: frozenset[str] = frozenset()
    """Classes whose changes this tab shows although they are not the selected object
    (a VM's disks, a host's NICs...): a change to one of them redraws the tab."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.objects: list[Any] = []

    def title(self) -> str:
        """The tab's caption in the active language."""
        raise NotImplementedError

    @classmethod
    def applies_to(cls, objects: list[Any]) -> bool:
        """Whether this tab is shown for the selection."""
        raise NotImplementedError

    def set_objects(self, objects: list[Any]) -> None:
        """Show ``objects`` (the tab is only asked when ``applies_to`` said yes)."""
        self.objects = list(objects)
        self.refresh()

    def cares_about(self, batch: list[Any]) -> bool:
        """Whether a cache batch changes what this tab shows beyond the selected objects."""
        return any(change.cls in self.watched_classes for change in batch)

    def refresh(self) -> None:
        """Redraw from the cache (called when the shown objects change)."""
        raise NotImplementedError

    def retranslate(self) -> None:
        self.refresh()
