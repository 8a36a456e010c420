"""The wizard frame every wizard shares, laid out as XenCenter's: the steps listed on the
left (the current one bold), the page on the right, Back / Next / Finish / Cancel below.

A wizard is mostly declaration: a list of :class:`WizardPage` and a :meth:`Wizard.finish`
coroutine that hands the collected input to a plain-Python action (``model/actions``).
Leaving a page may ask the pool (:meth:`WizardPage.leave` is a coroutine); while it runs
the buttons are disabled and Cancel stops it. A refusal is shown on the page in the
user's language and the wizard stays open with everything the user entered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import gettext as _
from xencenter_py.ui.aio import error_text
from xencenter_py.ui.widgets import Retranslating, set_bold

ERROR_STYLE = "color: #b3261e;"


class WizardPage(Retranslating, QWidget):
    """One step. Subclasses build their widgets and override the hooks they need."""

    completeChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.wizard: Wizard | None = None

    def title(self) -> str:
        """The step's name in the left-hand list."""
        raise NotImplementedError

    def heading(self) -> str:
        """The sentence above the page (defaults to the title)."""
        return self.title()

    def applies(self) -> bool:
        """Whether this step is part of the wizard for the input so far (skipped when not)."""
        return True

    def enter(self) -> None:
        """Called each time the page becomes current (after earlier pages may have changed)."""

    def is_complete(self) -> bool:
        """Whether Next / Finish may be pressed; emit ``completeChanged`` when it changes."""
        return True

    async def leave(self) -> None:
        """Checks that need the pool before moving on; raise to stay on the page."""

    def summary(self) -> list[tuple[str, str]]:
        """(label, value) lines this page adds to the finish page's summary."""
        return []

    def retranslate(self) -> None:
        """Re-set every text (called on a run-time language switch)."""


class SummaryPage(WizardPage):
    """The last page: every earlier page's summary lines, read-only."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("summaryPage")
        self.form = QFormLayout(self)

    def title(self) -> str:
        return _("Finish")

    def heading(self) -> str:
        return _("Review your choices, then click Finish.")

    def enter(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        assert self.wizard is not None
        for page in self.wizard.active_pages():
            if page is self:
                continue
            for label, value in page.summary():
                text = QLabel(value)
                text.setWordWrap(True)
                text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                self.form.addRow(label, text)

    def retranslate(self) -> None:
        if self.wizard is not None and self.wizard.current_page() is self:
            self.enter()


class Wizard(Retranslating, QDialog):
    """The frame: steps on the left, pages on the right, navigation below."""

    finished_ok = Signal(object)  # finish()'s result

    def __init__(self, pages: Sequence[WizardPage], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.pages = list(pages)
        self.steps = QListWidget()
        self.steps.setObjectName("wizardSteps")
        self.steps.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.steps.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.steps.setFixedWidth(190)
        self.heading = QLabel()
        self.heading.setObjectName("wizardHeading")
        self.heading.setWordWrap(True)
        set_bold(self.heading)
        self.stack = QStackedWidget()
        for page in self.pages:
            page.wizard = self
            page.completeChanged.connect(self._update_buttons)
            self.stack.addWidget(page)
        self.error = QLabel()
        self.error.setObjectName("wizardError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        self.back_button = QPushButton()
        self.back_button.setObjectName("wizardBack")
        self.next_button = QPushButton()
        self.next_button.setObjectName("wizardNext")
        self.finish_button = QPushButton()
        self.finish_button.setObjectName("wizardFinish")
        self.cancel_button = QPushButton()
        self.cancel_button.setObjectName("wizardCancel")
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(lambda: self._go(self.forward()))
        self.finish_button.clicked.connect(lambda: self._go(self.accept_finish()))
        self.cancel_button.clicked.connect(self._cancel)

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.back_button, self.next_button, self.finish_button, self.cancel_button):
            buttons.addWidget(b)
        right = QVBoxLayout()
        right.addWidget(self.heading)
        right.addWidget(self.stack, 1)
        right.addWidget(self.error)
        body = QHBoxLayout()
        body.addWidget(self.steps)
        body.addLayout(right, 1)
        outer = QVBoxLayout(self)
        outer.addLayout(body, 1)
        outer.addWidget(line)
        outer.addLayout(buttons)
        self.resize(780, 540)
        self._busy: asyncio.Task[Any] | None = None
        self._index = 0
        self.retranslate_frame()
        self._show(0)

    # -- subclass hooks ---------------------------------------------------------------------
    def window_title(self) -> str:
        raise NotImplementedError

    async def finish(self) -> Any:
        """Hand the input to the action (usually started as an operation); raise to stay open."""
        raise NotImplementedError

    # -- navigation -------------------------------------------------------------------------
    def active_pages(self) -> list[WizardPage]:
        return [p for p in self.pages if p.applies()]

    def current_page(self) -> WizardPage:
        return self.pages[self._index]

    def _neighbour(self, step: int) -> int | None:
        i = self._index + step
        while 0 <= i < len(self.pages):
            if self.pages[i].applies():
                return i
            i += step
        return None

    def _show(self, index: int) -> None:
        self._index = index
        page = self.pages[index]
        self.set_error("")
        page.enter()
        self.stack.setCurrentWidget(page)
        self._refresh_frame()

    def _refresh_frame(self) -> None:
        page = self.current_page()
        self.heading.setText(page.heading())
        self.steps.clear()
        for p in self.active_pages():
            item = QListWidgetItem(p.title())
            font = item.font()
            font.setBold(p is page)
            item.setFont(font)
            self.steps.addItem(item)
        self._update_buttons()

    def _update_buttons(self) -> None:
        busy = self.busy
        last = self._neighbour(+1) is None
        complete = self.current_page().is_complete()
        self.back_button.setEnabled(not busy and self._neighbour(-1) is not None)
        self.next_button.setEnabled(not busy and not last and complete)
        self.finish_button.setEnabled(not busy and last and complete)
        self.finish_button.setDefault(last)
        self.next_button.setDefault(not last)

    @property
    def busy(self) -> bool:
        return self._busy is not None and not self._busy.done()

    def set_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def back(self) -> None:
        previous = self._neighbour(-1)
        if previous is not None and not self.busy:
            self._show(previous)

    async def forward(self) -> bool:
        """Leave the current page (asking the pool if it needs to) and show the next one."""
        target = self._neighbour(+1)
        if target is None or not self.current_page().is_complete():
            return False
        await self.current_page().leave()
        self._show(target)
        return True

    async def accept_finish(self) -> Any:
        await self.current_page().leave()
        result = await self.finish()
        self.finished_ok.emit(result)
        self.accept()
        return result

    def _go(self, coro: Any) -> asyncio.Task[Any]:
        """Run a navigation step; its failure is shown on the page and nothing is lost."""
        self.set_error("")
        task = asyncio.ensure_future(coro)
        self._busy = task

        def done(t: asyncio.Task[Any]) -> None:
            if not shiboken6.isValid(self):  # closed (and deleted) as the step ended
                return
            if t.cancelled():
                self.set_error(_("Canceled."))
            elif t.exception() is not None:
                self.set_error(error_text(t.exception()))
            self._update_buttons()

        task.add_done_callback(done)
        self._update_buttons()
        return task

    def _cancel(self) -> None:
        if self.busy:
            assert self._busy is not None
            self._busy.cancel()
            return
        self.reject()

    # -- language ---------------------------------------------------------------------------
    def retranslate_frame(self) -> None:
        self.setWindowTitle(self.window_title())
        self.back_button.setText(_("< &Previous"))
        self.next_button.setText(_("&Next >"))
        self.finish_button.setText(_("&Finish"))
        self.cancel_button.setText(_("Cancel"))

    def retranslate(self) -> None:
        self.retranslate_frame()
        self._refresh_frame()
