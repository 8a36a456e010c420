"""The Console tab (XenCenter's ``VNCTabView``): a running VM's screen or a server's dom0
console, which can be undocked into its own window or shown full screen."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QHideEvent, QShowEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QPushButton, QStackedLayout, QVBoxLayout, QWidget

from xencenter_py.i18n import gettext as _
from xencenter_py.ui.console.view import ConsoleView
from xencenter_py.ui.tabs.base import TabPage
from xencenter_py.ui.widgets import Retranslating


class ConsoleWindow(Retranslating, QMainWindow):
    """The undocked console: closing it docks the console back into the tab."""

    def __init__(self, tab: ConsoleTab) -> None:
        super().__init__()
        self.setObjectName("consoleWindow")
        self.tab = tab
        self.resize(840, 680)
        self.retranslate()

    def retranslate(self) -> None:
        obj = self.tab.objects[0] if self.tab.objects else None
        name = obj.name if obj is not None else ""
        self.setWindowTitle(_("Console: {name}").format(name=name))

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.tab.window_open:
            event.ignore()
            self.tab.dock()
        else:
            event.accept()


class ConsoleTab(TabPage):
    key = "console"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("consoleTab")
        self.view = ConsoleView()
        self.view.undock_requested.connect(self.toggle_dock)
        self.view.fullscreen_requested.connect(self.fullscreen)
        self.view.leave_fullscreen.connect(self.leave_fullscreen)
        self._watching_close = False
        self.undock_window: ConsoleWindow | None = None
        self.window_open = False
        self._fullscreen_from_dock = False

        self.docked_page = QWidget()
        docked = QVBoxLayout(self.docked_page)
        docked.setContentsMargins(0, 0, 0, 0)
        docked.addWidget(self.view)
        self.undocked_page = QWidget()
        self.undocked_label = QLabel()
        self.undocked_label.setObjectName("undockedMessage")
        self.undocked_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.redock_button = QPushButton()
        self.redock_button.setObjectName("redockButton")
        self.redock_button.clicked.connect(self.dock)
        undocked = QVBoxLayout(self.undocked_page)
        undocked.addStretch(1)
        undocked.addWidget(self.undocked_label)
        undocked.addWidget(self.redock_button, 0, Qt.AlignmentFlag.AlignHCenter)
        undocked.addStretch(1)
        self.pages = QStackedLayout(self)
        self.pages.addWidget(self.docked_page)
        self.pages.addWidget(self.undocked_page)
        self.retranslate()

    def title(self) -> str:
        return _("Console")

    @classmethod
    def applies_to(cls, objects: list[Any]) -> bool:
        if len(objects) != 1:
            return False
        obj = objects[0]
        kind = getattr(obj, "cls", "")
        if kind == "host":
            return bool(obj.is_live)
        return kind == "VM" and obj.is_real_vm

    def refresh(self) -> None:
        top = self.window()
        if not self._watching_close and hasattr(top, "closing"):
            top.closing.connect(self.close_consoles)  # the main window frees every stream
            self._watching_close = True
        # Only a console someone can see is connected: tabs are refreshed for the selection
        # even while another tab is in front.
        if self.objects and (self.isVisible() or self.window_open):
            self.view.show_object(self.objects[0])
            if self.undock_window is not None:
                self.undock_window.retranslate()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        if not self.window_open:
            self.view.close_all()  # out of sight: free the streams (they reconnect when shown)

    def retranslate(self) -> None:
        self.undocked_label.setText(_("The console is shown in its own window."))
        self.redock_button.setText(_("Redock"))
        if self.undock_window is not None:
            self.undock_window.retranslate()
        self.refresh()

    # ------------------------------------------------------------------ dock, undock, fullscreen
    def toggle_dock(self) -> None:
        if self.window_open:
            self.dock()
        else:
            self.undock()

    def undock(self) -> None:
        if self.window_open:
            return
        if self.undock_window is None:
            self.undock_window = ConsoleWindow(self)
        self.docked_page.layout().removeWidget(self.view)
        self.undock_window.setCentralWidget(self.view)
        self.window_open = True
        self.view.undocked = True
        self.view.retranslate()
        self.pages.setCurrentWidget(self.undocked_page)
        self.undock_window.retranslate()
        self.undock_window.show()
        if self.view.screen is not None:
            self.view.screen.setFocus()

    def dock(self) -> None:
        if not self.window_open or self.undock_window is None:
            return
        self.window_open = False
        self.view.undocked = False
        view = self.undock_window.takeCentralWidget()
        self.undock_window.showNormal()
        self.undock_window.hide()
        self.docked_page.layout().addWidget(view)
        view.show()
        self.pages.setCurrentWidget(self.docked_page)
        self.view.retranslate()

    def fullscreen(self) -> None:
        self._fullscreen_from_dock = not self.window_open
        self.undock()
        assert self.undock_window is not None
        self.undock_window.showFullScreen()

    def leave_fullscreen(self) -> None:
        if self.undock_window is None or not self.undock_window.isFullScreen():
            return
        self.undock_window.showNormal()
        if self._fullscreen_from_dock:
            self.dock()

    def close_consoles(self) -> None:
        """Free every console stream (the main window is closing)."""
        self.view.close_all()
        if self.undock_window is not None:
            self.window_open = False
            self.undock_window.close()
