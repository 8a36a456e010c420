"""One small input dialog for the tabs' actions: a column of labelled fields (text,
password, size, number, choice, check box) with inline validation, OK and Cancel.

The tabs describe what they need with :class:`Field`s instead of each having a dialog
class; every text is a lazy string, so a language switch re-labels an open dialog.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import LazyString
from xencenter_py.i18n import gettext as _
from xencenter_py.ui.widgets import Retranslating

GiB = 1024**3
MiB = 1024**2

Text = LazyString | str | Callable[[], str]


def _text(t: Text) -> str:
    return t() if callable(t) and not isinstance(t, LazyString) else str(t)


@dataclass(frozen=True)
class Field:
    """One input: ``kind`` is text, password, size (bytes, shown in ``unit``), number,
    choice (``options`` of value → text) or check."""

    key: str
    label: Text
    kind: str = "text"
    default: Any = ""
    options: Sequence[tuple[Any, Text]] = field(default=())
    minimum: float = 0
    maximum: float = 1 << 40
    unit: int = GiB


class FormDialog(Retranslating, QDialog):
    """Collects :meth:`values`; OK stays disabled while ``validate`` returns a reason."""

    def __init__(
        self,
        title: Text,
        fields: Sequence[Field],
        validate: Callable[[dict[str, Any]], str] | None = None,
        intro: Text = "",
        parent: QWidget | None = None,
        name: str = "formDialog",
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._title = title
        self._intro = intro
        self.fields = list(fields)
        self._validate = validate
        self.widgets: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.intro.setObjectName("intro")
        form = QFormLayout()
        for f in self.fields:
            widget = self._make(f)
            widget.setObjectName(f.key)
            self.widgets[f.key] = widget
            label = QLabel()
            self.labels[f.key] = label
            form.addRow(label, widget)
        self.error = QLabel()
        self.error.setObjectName("formError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.retranslate()
        self.check()

    def _make(self, f: Field) -> QWidget:
        if f.kind in ("text", "password"):
            edit = QLineEdit(str(f.default))
            if f.kind == "password":
                edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.textChanged.connect(self.check)
            return edit
        if f.kind == "size":
            spin = QDoubleSpinBox()
            spin.setDecimals(1 if f.unit == GiB else 0)
            spin.setRange(f.minimum / f.unit, f.maximum / f.unit)
            spin.setValue(float(f.default) / f.unit)
            spin.valueChanged.connect(self.check)
            return spin
        if f.kind == "number":
            number = QSpinBox()
            number.setRange(int(f.minimum), int(min(f.maximum, 2**31 - 1)))
            number.setValue(int(f.default or 0))
            number.valueChanged.connect(self.check)
            return number
        if f.kind == "choice":
            combo = QComboBox()
            for value, _label in f.options:
                combo.addItem("", value)
            index = next((i for i, (v, _t) in enumerate(f.options) if v == f.default), 0)
            combo.setCurrentIndex(index)
            combo.currentIndexChanged.connect(self.check)
            return combo
        box = QCheckBox()
        box.setChecked(bool(f.default))
        box.toggled.connect(self.check)
        return box

    def retranslate(self) -> None:
        self.setWindowTitle(_text(self._title))
        self.intro.setText(_text(self._intro))
        self.intro.setVisible(bool(self.intro.text()))
        for f in self.fields:
            self.labels[f.key].setText(_text(f.label) + ":")
            widget = self.widgets[f.key]
            if isinstance(widget, QComboBox):
                for i, (_value, label) in enumerate(f.options):
                    widget.setItemText(i, _text(label))
            elif isinstance(widget, QDoubleSpinBox):
                widget.setSuffix(" " + (_("GB") if f.unit == GiB else _("MB")))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("OK"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self.check()

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self.fields:
            w = self.widgets[f.key]
            if isinstance(w, QLineEdit):
                out[f.key] = w.text()
            elif isinstance(w, QDoubleSpinBox):
                out[f.key] = round(w.value() * f.unit)
            elif isinstance(w, QSpinBox):
                out[f.key] = w.value()
            elif isinstance(w, QComboBox):
                out[f.key] = w.currentData()
            elif isinstance(w, QCheckBox):
                out[f.key] = w.isChecked()
        return out

    def set_value(self, key: str, value: Any) -> None:
        """Fill a field as a user would (tests and programmatic defaults)."""
        w = self.widgets[key]
        f = next(f for f in self.fields if f.key == key)
        if isinstance(w, QLineEdit):
            w.setText(str(value))
        elif isinstance(w, QDoubleSpinBox):
            w.setValue(value / f.unit)
        elif isinstance(w, QSpinBox):
            w.setValue(int(value))
        elif isinstance(w, QComboBox):
            w.setCurrentIndex(max(w.findData(value), 0))
        elif isinstance(w, QCheckBox):
            w.setChecked(bool(value))

    def check(self) -> None:
        reason = self._validate(self.values()) if self._validate is not None else ""
        self.error.setText(reason)
        self.error.setVisible(bool(reason))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not reason)
