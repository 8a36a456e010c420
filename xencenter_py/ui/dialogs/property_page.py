"""The base of every Properties page, and declared pages: a page that is a list of fields.

A ``Page`` loads from the cache (keeping what the user edited), says what is wrong with its
input (``problem``) and lists the API calls that send its changes (``calls``). Most pages
are only a declaration: a ``FieldPage`` subclass names its title and its ``Field``s, each
field saying how to read its value from the object, how to write a changed value (the API
calls), and what makes a value invalid. The form keeps the value it last loaded next to
each widget, so an event refreshes untouched fields only and OK sends changed fields only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import LazyString
from xencenter_py.ui.widgets import Retranslating

ERROR_STYLE = "color: #b3261e;"

Call = tuple[str, tuple[Any, ...]]
Text = LazyString
"""A text marked with ``N_``, translated when shown (so a language switch takes effect)."""


def error_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    label.hide()
    return label


def show_error(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


def help_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    return label


class Page(Retranslating, QWidget):
    """One page: loads from the cache (keeping the user's edits), validates, lists calls."""

    def __init__(self, obj: Any, changed: Callable[[], None]) -> None:
        super().__init__()
        self.obj = obj
        self.changed = changed

    def title(self) -> str:
        raise NotImplementedError

    def refresh(self) -> None:
        """Show the cache's current values in every field the user has not edited."""
        raise NotImplementedError

    def problem(self) -> str:
        """Why the page's input cannot be sent ("" when it can)."""
        return ""

    def calls(self) -> list[Call]:
        """The API calls that send this page's changes, in order."""
        raise NotImplementedError


class Result:
    """An argument taken from an earlier call's result when the calls run (``index`` counts
    back from the call before). With ``key``, the result is put in a copy of ``base``."""

    def __init__(self, index: int, key: str = "", base: dict[str, str] | None = None) -> None:
        self.index, self.key, self.base = index, key, base or {}

    def resolve(self, results: list[Any]) -> Any:
        value = results[self.index]
        return {**self.base, self.key: value} if self.key else value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Result) and (self.index, self.key, self.base) == (other.index, other.key, other.base)

    def __repr__(self) -> str:
        return f"Result({self.index}, {self.key!r})"


def resolve_args(args: tuple[Any, ...], results: list[Any]) -> tuple[Any, ...]:
    """The call's arguments with every ``Result`` replaced by the earlier result it names."""
    return tuple(a.resolve(results) if isinstance(a, Result) else a for a in args)


# -- map-field helpers: how XenCenter writes one key of a map field ---------------------------
def map_key_calls(obj: Any, map_name: str, key: str, value: str | None) -> list[Call]:
    """Set (or, for None/"", remove) ``key`` of the object's map field ``map_name``.

    XAPI refuses ``add_to_<map>`` for a key that exists, so a present key is removed first."""
    cls, ref = obj.cls, obj.ref
    out: list[Call] = []
    if key in (obj.get(map_name) or {}):
        out.append((f"{cls}.remove_from_{map_name}", (ref, key)))
    if value:
        out.append((f"{cls}.add_to_{map_name}", (ref, key, value)))
    return out


def other_config_calls(obj: Any, key: str, value: str | None) -> list[Call]:
    return map_key_calls(obj, "other_config", key, value)


def set_call(field_name: str) -> Callable[[Any, Any], list[Call]]:
    """Write a value with the class's generic ``set_<field>``."""
    return lambda obj, value: [(f"{obj.cls}.set_{field_name}", (obj.ref, value))]


# -- declared fields -----------------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    """One input of a declared page.

    ``kind`` is ``text``, ``int``, ``float``, ``bool`` or ``choice``; ``read`` gives the
    current value from the object, ``write`` the calls that send a new one, ``check`` the
    problem with a value (given all the page's values by field name) or "", ``enabled`` whether
    the object allows changing it now."""

    name: str
    label: Text
    kind: str
    read: Callable[[Any], Any]
    write: Callable[[Any, Any], list[Call]]
    check: Callable[[Any, dict[str, Any]], str] | None = None
    enabled: Callable[[Any], bool] | None = None
    choices: Callable[[Any], Sequence[tuple[Text, Any]]] | None = None
    minimum: float = 0
    maximum: float = 2**31 - 1
    decimals: int = 1
    suffix: Text | None = None
    shown: Callable[[Any], bool] | None = None


@dataclass
class _Input:
    spec: Field
    widget: QWidget
    label: QLabel | None
    loaded: Any = None
    seen: bool = False
    options: list[Any] = field(default_factory=list)


class FieldForm(Retranslating, QWidget):
    """A form of declared fields over one object; usable alone or inside a page."""

    def __init__(self, obj: Any, fields: Sequence[Field], changed: Callable[[], None]) -> None:
        super().__init__()
        self.obj = obj
        self.changed = changed
        self.inputs: dict[str, _Input] = {}
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        for spec in fields:
            if spec.shown is not None and not spec.shown(obj):
                continue
            widget = self._make(spec)
            widget.setObjectName(spec.name)
            label = None if spec.kind == "bool" else QLabel()
            if label is None:
                form.addRow(widget)
            else:
                label.setBuddy(widget)
                form.addRow(label, widget)
            self.inputs[spec.name] = _Input(spec, widget, label)
        self.refresh()
        self.retranslate()

    def _make(self, spec: Field) -> QWidget:
        if spec.kind == "text":
            w: QWidget = QLineEdit()
            w.textChanged.connect(self.changed)
        elif spec.kind == "int":
            w = QSpinBox()
            w.setRange(int(spec.minimum), int(spec.maximum))
            w.valueChanged.connect(self.changed)
        elif spec.kind == "float":
            w = QDoubleSpinBox()
            w.setDecimals(spec.decimals)
            w.setRange(spec.minimum, spec.maximum)
            w.valueChanged.connect(self.changed)
        elif spec.kind == "bool":
            w = QCheckBox()
            w.toggled.connect(self.changed)
        elif spec.kind == "choice":
            w = QComboBox()
            w.currentIndexChanged.connect(self.changed)
        else:
            raise ValueError(f"unknown field kind {spec.kind!r}")
        return w

    def retranslate(self) -> None:
        for inp in self.inputs.values():
            spec = inp.spec
            text = str(spec.label)
            if inp.label is not None:
                inp.label.setText(text)
            elif isinstance(inp.widget, QCheckBox):
                inp.widget.setText(text)
            if spec.suffix is not None and isinstance(inp.widget, (QSpinBox, QDoubleSpinBox)):
                inp.widget.setSuffix(" " + str(spec.suffix))
            if spec.kind == "choice" and isinstance(inp.widget, QComboBox):
                combo = inp.widget
                combo.blockSignals(True)
                for i, (label, _v) in enumerate(spec.choices(self.obj) if spec.choices else ()):
                    if i < combo.count():
                        combo.setItemText(i, str(label))
                combo.blockSignals(False)

    # -- values ---------------------------------------------------------------------------
    def value(self, name: str) -> Any:
        inp = self.inputs[name]
        w = inp.widget
        if isinstance(w, QLineEdit):
            return w.text().strip()
        if isinstance(w, (QSpinBox, QDoubleSpinBox)):
            return w.value()
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, QComboBox):
            i = w.currentIndex()
            return inp.options[i] if 0 <= i < len(inp.options) else None
        raise TypeError(type(w))

    def set_value(self, name: str, value: Any) -> None:
        inp = self.inputs[name]
        w = inp.widget
        w.blockSignals(True)
        if isinstance(w, QLineEdit):
            w.setText("" if value is None else str(value))
        elif isinstance(w, QSpinBox):
            w.setValue(int(value or 0))
        elif isinstance(w, QDoubleSpinBox):
            w.setValue(float(value or 0))
        elif isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, QComboBox):
            if value not in inp.options:
                inp.options.append(value)
                w.addItem(str(value))
            w.setCurrentIndex(inp.options.index(value))
        w.blockSignals(False)

    def values(self) -> dict[str, Any]:
        return {name: self.value(name) for name in self.inputs}

    def edited(self, name: str) -> bool:
        return self.value(name) != self.inputs[name].loaded

    def refresh(self) -> None:
        for name, inp in self.inputs.items():
            spec = inp.spec
            if spec.kind == "choice" and isinstance(inp.widget, QComboBox) and not inp.options and spec.choices:
                for label, option in spec.choices(self.obj):
                    inp.options.append(option)
                    inp.widget.addItem(str(label), option)
            current = spec.read(self.obj)
            if not inp.seen or not self.edited(name):
                self.set_value(name, current)
            inp.loaded, inp.seen = current, True
            allowed = spec.enabled(self.obj) if spec.enabled is not None else True
            inp.widget.setEnabled(allowed)

    def problem(self) -> str:
        values = self.values()
        for name, inp in self.inputs.items():
            if inp.spec.check is not None and inp.widget.isEnabled():
                text = inp.spec.check(values[name], values)
                if text:
                    return text
        return ""

    def calls(self) -> list[Call]:
        out: list[Call] = []
        for name, inp in self.inputs.items():
            if inp.widget.isEnabled() and self.edited(name):
                out += inp.spec.write(self.obj, self.value(name))
        return out


class FieldPage(Page):
    """A page that is its declaration: ``TITLE``, optional ``INTRO`` and ``FIELDS``."""

    NAME = "fieldPage"
    TITLE: Text
    INTRO: Text | None = None
    FIELDS: Sequence[Field] = ()

    def __init__(self, obj: Any, changed: Callable[[], None]) -> None:
        super().__init__(obj, changed)
        self.setObjectName(self.NAME)
        self.intro = help_label(f"{self.NAME}Intro")
        self.form = FieldForm(obj, self.fields(), changed)
        self.error = error_label(f"{self.NAME}Error")
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.retranslate()

    def fields(self) -> Sequence[Field]:
        return self.FIELDS

    def retranslate(self) -> None:
        self.intro.setText(str(self.INTRO or ""))
        self.intro.setVisible(self.INTRO is not None)
        self.changed()

    def title(self) -> str:
        return str(self.TITLE)

    def refresh(self) -> None:
        self.form.refresh()

    def problem(self) -> str:
        text = self.form.problem()
        show_error(self.error, text)
        return text

    def calls(self) -> list[Call]:
        return self.form.calls()
