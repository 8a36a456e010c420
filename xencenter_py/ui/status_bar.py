"""The main window's status bar: the running operation's progress, the latest result,
and the task/error/alert counts that open their notification page."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QToolButton

from xencenter_py.i18n import gettext as _
from xencenter_py.ui import icons
from xencenter_py.ui.navigation import NotificationPage
from xencenter_py.ui.operations import OperationHistory, OpState


class StatusArea:
    """The widgets added to ``bar``; ``open_page`` shows a notification page."""

    def __init__(self, bar: QStatusBar, open_page: Callable[[NotificationPage], None]) -> None:
        self._bar = bar
        self._open_page = open_page
        self.label = QLabel()
        self.label.setObjectName("statusLabel")
        self.progress = QProgressBar()
        self.progress.setObjectName("statusProgress")
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(160)
        self.progress.setMaximumHeight(16)
        self.progress.hide()
        bar.addWidget(self.progress)
        bar.addWidget(self.label, 1)
        self.tasks_button = self._button("tasksButton", "busy", NotificationPage.EVENTS)
        self.errors_button = self._button("errorsButton", "error", NotificationPage.EVENTS)
        self.alerts_button = self._button("alertsButton", "warning", NotificationPage.ALERTS)

    def _button(self, name: str, icon: str, page: NotificationPage) -> QToolButton:
        """A status-bar count (tasks, errors, alerts) that opens its notification page;
        hidden until there is something to count."""
        button = QToolButton()
        button.setObjectName(name)
        button.setAutoRaise(True)
        button.setIcon(icons.icon(icon))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.clicked.connect(lambda: self._open_page(page))
        self._bar.addPermanentWidget(button)
        button.hide()
        return button

    def show_operations(self, history: OperationHistory) -> None:
        """The running operation's progress and title, else the latest outcome."""
        running = history.running()
        latest = history.operations[-1] if history.operations else None
        if running:
            op = running[-1]
            self.progress.show()
            self.progress.setValue(round((op.progress or 0.0) * 100))
            self.label.setText(op.title)
        else:
            self.progress.hide()
            if latest is not None and latest.error:
                self.label.setText(f"{latest.title}: {latest.error.splitlines()[0]}")
            elif latest is not None and latest.state is not OpState.CANCELLED:  # as XenCenter: not shown
                self.label.setText(f"{latest.title}: {latest.state.label}")
            else:
                self.label.setText(_("Ready"))

    def show_counts(self, running: int, errors: int, alerts: int) -> None:
        """Each count on its button; a button shows only when its count is not zero."""
        for button, text, n in (
            (self.tasks_button, _("{n} in progress"), running),
            (self.errors_button, _("{n} errors"), errors),
            (self.alerts_button, _("{n} alerts"), alerts),
        ):
            button.setText(text.format(n=n))
            button.setVisible(n > 0)
