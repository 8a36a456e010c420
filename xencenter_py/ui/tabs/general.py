"""The General tab: collapsible property sections for one pool, host, VM, template, SR,
network or VDI, with Expand all / Collapse all."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import gettext as _
from xencenter_py.ui.tabs import general_fields
from xencenter_py.ui.tabs.base import TabPage
from xencenter_py.ui.tabs.tools_banner import ToolsBanner


class Section(QWidget):
    """A titled, collapsible block of label/value rows."""

    def __init__(self, title: str, fields: list[tuple[str, str]], expanded: bool = True) -> None:
        super().__init__()
        self.setObjectName("generalSection")
        self.header = QToolButton()
        self.header.setObjectName("sectionHeader")
        self.header.setText(title)
        self.header.setCheckable(True)
        self.header.setChecked(expanded)
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.header.setStyleSheet("QToolButton { border: none; font-weight: bold; text-align: left; padding: 4px; }")
        self.body = QFrame()
        self.body.setObjectName("sectionBody")
        form = QFormLayout(self.body)
        form.setContentsMargins(24, 2, 8, 8)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        self.labels: list[QLabel] = []
        for label, value in fields:
            name = QLabel(label + ":")
            self.labels.append(name)
            text = QLabel(value)
            text.setObjectName("value")
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(name, text)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.body)
        self.header.toggled.connect(self._toggled)
        self._toggled(expanded)

    def _toggled(self, expanded: bool) -> None:
        self.header.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.body.setVisible(expanded)

    def set_expanded(self, expanded: bool) -> None:
        self.header.setChecked(expanded)

    def values(self) -> dict[str, str]:
        """Label → value as shown (used by tests and copy)."""
        form = self.body.layout()
        out = {}
        for row in range(form.rowCount()):
            label = form.itemAt(row, QFormLayout.ItemRole.LabelRole).widget().text().rstrip(":")
            out[label] = form.itemAt(row, QFormLayout.ItemRole.FieldRole).widget().text()
        return out


class GeneralTab(TabPage):
    key = "general"
    watched_classes = frozenset({"VBD", "VM_guest_metrics"})  # the tools status line

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("generalTab")
        self.collapsed: set[str] = set()  # section titles the user closed, kept across objects
        self.expand_all = QPushButton()
        self.expand_all.setObjectName("expandAll")
        self.collapse_all = QPushButton()
        self.collapse_all.setObjectName("collapseAll")
        self.expand_all.clicked.connect(lambda: self._set_all(True))
        self.collapse_all.clicked.connect(lambda: self._set_all(False))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.expand_all)
        buttons.addWidget(self.collapse_all)
        self.content = QWidget()
        self.content_layout = QVBoxLayout(self.content)
        self.content_layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.content)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.tools = ToolsBanner()
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.tools)
        layout.addWidget(scroll)
        self.sections: list[Section] = []
        self.retranslate()

    def title(self) -> str:
        return _("General")

    @classmethod
    def applies_to(cls, objects: list[Any]) -> bool:
        return len(objects) == 1 and general_fields.supports(objects[0])

    def retranslate(self) -> None:
        self.expand_all.setText(_("Expand all"))
        self.collapse_all.setText(_("Collapse all"))
        self.refresh()

    def refresh(self) -> None:
        for section in self.sections:
            section.setParent(None)
            section.deleteLater()
        self.sections = []
        self.tools.set_vm(self.objects[0] if len(self.objects) == 1 else None)
        if len(self.objects) != 1 or not general_fields.supports(self.objects[0]):
            return
        for title, fields in general_fields.sections_for(self.objects[0]):
            section = Section(title, fields, expanded=title not in self.collapsed)
            section.header.toggled.connect(lambda on, t=title: self._remember(t, on))
            self.content_layout.addWidget(section)
            self.sections.append(section)
        # One label column for all sections, as in XenCenter's General tab.
        labels = [label for section in self.sections for label in section.labels]
        width = max((label.sizeHint().width() for label in labels), default=0)
        for label in labels:
            label.setMinimumWidth(width)

    def _remember(self, title: str, expanded: bool) -> None:
        if expanded:
            self.collapsed.discard(title)
        else:
            self.collapsed.add(title)

    def _set_all(self, expanded: bool) -> None:
        for section in self.sections:
            section.set_expanded(expanded)
