"""The console view of the Console tab: toolbar (Send Ctrl+Alt+Del, Scale, Undock,
Fullscreen), the screen (scaled to fit, or 1:1 with scroll bars) and the reason when there
is nothing to show. It keeps the few most recently shown consoles live, as XenCenter does,
so going back to one is instant, and closes the others: browsing 50 VMs never leaves 50
streams open."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import gettext as _
from xencenter_py.ui.console.screen import ConsoleScreen
from xencenter_py.ui.console.session import ConsoleSession, console_domain
from xencenter_py.ui.widgets import Retranslating

LIVE_CONSOLES = 3
"""Consoles kept connected at once (the shown one and the most recently shown others)."""


def _key(obj: Any) -> tuple[int, str]:
    return id(obj.connection), obj.ref


class ConsoleView(Retranslating, QWidget):
    undock_requested = Signal()
    fullscreen_requested = Signal()
    leave_fullscreen = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("consoleView")
        self.sessions: OrderedDict[tuple[int, str], ConsoleSession] = OrderedDict()
        self.current: ConsoleSession | None = None
        self.undocked = False

        self.ctrl_alt_del_button = QPushButton()
        self.ctrl_alt_del_button.setObjectName("sendCtrlAltDelButton")
        self.ctrl_alt_del_button.clicked.connect(self.send_ctrl_alt_del)
        self.scale_check = QCheckBox()
        self.scale_check.setObjectName("scaleCheck")
        self.scale_check.setChecked(True)
        self.scale_check.toggled.connect(self._scale_toggled)
        self.undock_button = QPushButton()
        self.undock_button.setObjectName("undockButton")
        self.undock_button.clicked.connect(self.undock_requested)
        self.fullscreen_button = QPushButton()
        self.fullscreen_button.setObjectName("fullscreenButton")
        self.fullscreen_button.clicked.connect(self.fullscreen_requested)
        self.rdp_button = QPushButton()
        self.rdp_button.setObjectName("remoteDesktopButton")
        self.rdp_button.setEnabled(False)
        toolbar = QHBoxLayout()
        toolbar.setContentsMargins(4, 4, 4, 4)
        for w in (self.ctrl_alt_del_button, self.rdp_button):
            toolbar.addWidget(w)
        toolbar.addStretch(1)
        for w in (self.scale_check, self.undock_button, self.fullscreen_button):
            toolbar.addWidget(w)

        self.message = QLabel()
        self.message.setObjectName("consoleMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("consoleScroll")
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll.setWidgetResizable(True)
        self.scroll.setStyleSheet("QScrollArea { background: black; }")
        self.pages = QStackedWidget()
        self.pages.addWidget(self.message)
        self.pages.addWidget(self.scroll)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(toolbar)
        layout.addWidget(self.pages, 1)
        self.retranslate()

    # ------------------------------------------------------------------ what is shown
    def show_object(self, obj: Any) -> None:
        """Show ``obj``'s console (a running VM or a server), connecting if needed."""
        key = _key(obj)
        session = self.sessions.get(key)
        if session is None or session is not self.current:
            if self.current is not None:
                self.scroll.takeWidget()  # keep the screen of a console that stays live
            if session is None:
                screen = ConsoleScreen()
                screen.leave_fullscreen.connect(self.leave_fullscreen)
                session = ConsoleSession(obj, screen, self)
                session.status_changed.connect(self._status_changed)
                self.sessions[key] = session
            screen = session.screen
            screen.set_scaled(self.scale_check.isChecked())
            self.scroll.setWidget(screen)
            self.current = session
        self.sessions.move_to_end(key)
        session.start()
        session.poke()
        while len(self.sessions) > LIVE_CONSOLES:
            _, old = self.sessions.popitem(last=False)
            self._end(old)
        self._status_changed()
        self._update_buttons()

    def _end(self, session: ConsoleSession) -> None:
        session.stop()
        session.status_changed.disconnect(self._status_changed)
        session.screen.deleteLater()
        session.deleteLater()

    def close_all(self) -> None:
        """Close every console stream (the window is closing)."""
        if self.current is not None:
            self.scroll.takeWidget()
        self.current = None
        for session in self.sessions.values():
            self._end(session)
        self.sessions.clear()

    def live_count(self) -> int:
        return sum(1 for s in self.sessions.values() if s.running)

    @property
    def screen(self) -> ConsoleScreen | None:
        return self.current.screen if self.current is not None else None

    def _status_changed(self) -> None:
        session = self.current
        if session is None:
            return
        if session.connected:
            self.pages.setCurrentWidget(self.scroll)
        else:
            self.message.setText(session.message)
            self.pages.setCurrentWidget(self.message)
        self._update_buttons()

    def _update_buttons(self) -> None:
        session = self.current
        live = session is not None and session.connected
        self.ctrl_alt_del_button.setEnabled(live)
        vm = console_domain(session.obj) if session is not None else None
        windows = vm is not None and not vm.is_control_domain and "windows" in vm.os_name.lower()
        self.rdp_button.setVisible(windows)
        if windows:
            self.rdp_button.setToolTip(
                _("Remote Desktop is not available in xencenter-py; the graphical console is shown instead.")
                if vm.tools_detected
                else _("Remote Desktop needs XenServer VM Tools installed in this VM.")
            )

    # ------------------------------------------------------------------ actions
    def send_ctrl_alt_del(self) -> None:
        if self.screen is not None:
            self.screen.send_ctrl_alt_del()
            self.screen.setFocus()

    def _scale_toggled(self, scaled: bool) -> None:
        self.scroll.setWidgetResizable(scaled)
        for session in self.sessions.values():
            session.screen.set_scaled(scaled)

    def retranslate(self) -> None:
        self.ctrl_alt_del_button.setText(_("Send Ctrl+Alt+Del"))
        self.ctrl_alt_del_button.setToolTip(_("Send Ctrl+Alt+Del to the console (Ctrl+Alt+Insert)"))
        self.scale_check.setText(_("Scale"))
        self.scale_check.setToolTip(_("Scale the screen to fit the window; clear for actual size with scroll bars"))
        self.undock_button.setText(_("Redock") if self.undocked else _("Undock"))
        self.fullscreen_button.setText(_("Fullscreen"))
        self.fullscreen_button.setToolTip(_("Show the console on the whole screen (Ctrl+Enter to return)"))
        self.rdp_button.setText(_("Switch to Remote Desktop"))
        if self.current is not None:
            # The reason on screen is rebuilt in the new language.
            self.current.message = ""
            self.current.poke()
        self._update_buttons()
