"""The Home tab of the root node: a welcome page with Add Server, Open demo pool and a
short help, instead of an empty pane."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from xencenter_py.i18n import gettext as _
from xencenter_py.ui.aio import spawn
from xencenter_py.ui.tabs.base import TabPage
from xencenter_py.ui.widgets import set_bold


class HomeTab(TabPage):
    key = "home"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("homeTab")
        self.heading = QLabel()
        self.heading.setObjectName("homeHeading")
        font = self.heading.font()
        font.setPointSize(font.pointSize() + 6)
        self.heading.setFont(font)
        set_bold(self.heading)
        self.intro = QLabel()
        self.intro.setObjectName("homeIntro")
        self.intro.setWordWrap(True)
        self.add_server = QPushButton()
        self.add_server.setObjectName("homeAddServer")
        self.add_server.clicked.connect(self._add_server)
        self.open_demo = QPushButton()
        self.open_demo.setObjectName("homeOpenDemo")
        self.open_demo.clicked.connect(self._open_demo)
        self.help_title = QLabel()
        set_bold(self.help_title)
        self.help = QLabel()
        self.help.setObjectName("homeHelp")
        self.help.setWordWrap(True)
        self.help.setTextFormat(Qt.TextFormat.RichText)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_server)
        buttons.addWidget(self.open_demo)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addWidget(self.heading)
        layout.addWidget(self.intro)
        layout.addLayout(buttons)
        layout.addSpacing(16)
        layout.addWidget(self.help_title)
        layout.addWidget(self.help)
        layout.addStretch(1)
        self.retranslate()

    def title(self) -> str:
        return _("Home")

    @classmethod
    def applies_to(cls, objects: list[Any]) -> bool:
        return not objects

    def refresh(self) -> None:
        """Nothing follows the pool here."""

    def retranslate(self) -> None:
        self.heading.setText(_("Welcome to xencenter-py"))
        self.intro.setText(
            _(
                "Manage your XenServer and XCP-ng pools: add a server to begin, or explore a simulated demo "
                "pool that behaves like a real one."
            )
        )
        self.add_server.setText(_("Add a Server..."))
        self.open_demo.setText(_("Open the Demo Pool"))
        self.help_title.setText(_("Quick help"))
        tips = [
            _("Select a pool, server or VM in the tree on the left; its tabs show what it has and what you can do."),
            _("Right-click an item for its commands, or use the toolbar for the most common ones."),
            _("Running work appears in the status bar and under Notifications > Events."),
            _("A greyed-out button tells you why in its tooltip: the server's state, the storage or your role."),
        ]
        self.help.setText("<ul>" + "".join(f"<li>{t}</li>" for t in tips) + "</ul>")

    def _add_server(self) -> None:
        self.window().act_add_server.trigger()  # type: ignore[attr-defined]

    def _open_demo(self) -> None:
        from xencenter_py.ui.app import Session

        window = self.window()
        session = getattr(window, "demo_session", None)
        if session is None:
            session = Session(window)
            window.demo_session = session  # type: ignore[attr-defined]
        if not session.demo_servers:
            spawn(session.start_demo(), window)
