"""The shared wizard frame: steps skip what does not apply, a page's pool check keeps the
user on the page with the reason shown, Cancel stops a running check, Finish runs once."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtWidgets import QLineEdit, QVBoxLayout

from xencenter_py.ui.wizards.base import SummaryPage, Wizard, WizardPage


class NamePage(WizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.edit = QLineEdit()
        QVBoxLayout(self).addWidget(self.edit)
        self.edit.textChanged.connect(self.completeChanged)
        self.refuse = ""
        self.gate: asyncio.Event | None = None

    def title(self) -> str:
        return "Name"

    def is_complete(self) -> bool:
        return bool(self.edit.text().strip())

    async def leave(self) -> None:
        if self.gate is not None:
            await self.gate.wait()
        if self.refuse:
            raise ValueError(self.refuse)

    def summary(self) -> list[tuple[str, str]]:
        return [("Name:", self.edit.text())]


class OptionalPage(WizardPage):
    wanted = False

    def title(self) -> str:
        return "Optional"

    def applies(self) -> bool:
        return self.wanted


class DemoWizard(Wizard):
    def __init__(self) -> None:
        self.name_page, self.optional = NamePage(), OptionalPage()
        self.finished_with: list[str] = []
        super().__init__([self.name_page, self.optional, SummaryPage()])

    def window_title(self) -> str:
        return "Demo"

    async def finish(self) -> str:
        self.finished_with.append(self.name_page.edit.text())
        return self.name_page.edit.text()


def steps(w: Wizard) -> list[str]:
    return [w.steps.item(i).text() for i in range(w.steps.count())]


def test_navigation_validation_and_finish(qtbot: Any, aloop: Any, english: None) -> None:
    w = DemoWizard()
    qtbot.addWidget(w)
    w.show()
    assert steps(w) == ["Name", "Finish"]
    assert not w.next_button.isEnabled()
    w.name_page.edit.setText("web-01")
    assert w.next_button.isEnabled() and not w.finish_button.isEnabled()

    w.name_page.refuse = "That name is taken."
    w.next_button.click()
    qtbot.waitUntil(lambda: w.error.isVisible(), timeout=3000)
    assert w.error.text() == "That name is taken." and w.current_page() is w.name_page
    assert w.name_page.edit.text() == "web-01"

    w.name_page.refuse = ""
    w.optional.wanted = True
    w.next_button.click()
    qtbot.waitUntil(lambda: w.current_page() is w.optional, timeout=3000)
    assert steps(w) == ["Name", "Optional", "Finish"]
    w.next_button.click()
    qtbot.waitUntil(lambda: w.finish_button.isEnabled(), timeout=3000)
    summary = w.pages[-1]
    assert summary.form.rowCount() == 1
    w.finish_button.click()
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=3000)
    assert w.finished_with == ["web-01"]


def test_cancel_stops_a_running_check_and_keeps_the_input(qtbot: Any, aloop: Any, english: None) -> None:
    w = DemoWizard()
    qtbot.addWidget(w)
    w.show()
    w.name_page.edit.setText("db")
    w.name_page.gate = asyncio.Event()
    w.next_button.click()
    qtbot.waitUntil(lambda: w.busy, timeout=3000)
    assert not w.next_button.isEnabled() and not w.back_button.isEnabled()
    w.cancel_button.click()
    # The page says so in the cancelled task's done callback, which runs a moment after the task is done.
    qtbot.waitUntil(lambda: not w.busy and w.error.text() == "Canceled.", timeout=3000)
    assert w.isVisible() and w.current_page() is w.name_page
    assert w.name_page.edit.text() == "db"
    w.cancel_button.click()
    assert not w.isVisible()
