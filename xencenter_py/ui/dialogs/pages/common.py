"""Pages several kinds of object share: Custom Fields and performance Alerts.

Custom fields are defined for the pool (``gui_config["XenCenter.CustomFields"]``) and set
per object (``other_config["XenCenter.CustomFields.<name>"]``): see ``model.org``. A field
defined here with "New Custom Field" is added to the pool's definitions on OK, with the
rest of the page's changes.

Alerts are XAPI's perfmon thresholds in ``other_config["perfmon"]``: the page shows the
variables the object's kind has (a table per kind), and writes the whole XML again when one
changed, keeping variables it does not show.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QDateTime, QTimeZone
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import N_, LazyString
from xencenter_py.i18n import gettext as _
from xencenter_py.model import org
from xencenter_py.ui.dialogs.property_page import (
    Call,
    Page,
    error_label,
    help_label,
    map_key_calls,
    other_config_calls,
    show_error,
)


# -- Custom Fields ----------------------------------------------------------------------------
class _FieldRow:
    """The input of one custom field: a line of text, or a date with "set" check box."""

    def __init__(self, definition: org.CustomFieldDefinition, changed: Callable[[], None]) -> None:
        self.definition = definition
        self.label = QLabel(definition.name)
        self.delete = QPushButton()
        self.delete.setObjectName(f"cfDelete:{definition.name}")
        self.delete.setCheckable(True)
        self.delete.toggled.connect(changed)
        self.text: QLineEdit | None = None
        self.has_date: QCheckBox | None = None
        self.date: QDateTimeEdit | None = None
        if definition.is_date:
            self.date_box = QWidget()
            row = QHBoxLayout(self.date_box)
            row.setContentsMargins(0, 0, 0, 0)
            self.has_date = QCheckBox()
            self.has_date.setObjectName(f"cfSet:{definition.name}")
            self.date = QDateTimeEdit()
            self.date.setObjectName(f"cf:{definition.name}")
            self.date.setCalendarPopup(True)
            self.date.setDisplayFormat("yyyy-MM-dd HH:mm")
            row.addWidget(self.has_date)
            row.addWidget(self.date, 1)
            self.has_date.toggled.connect(self.date.setEnabled)
            self.has_date.toggled.connect(changed)
            self.date.dateTimeChanged.connect(changed)
        else:
            self.text = QLineEdit()
            self.text.setObjectName(f"cf:{definition.name}")
            self.text.textChanged.connect(changed)
        self.widget = QWidget()
        row = QHBoxLayout(self.widget)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.text if self.text is not None else self.date_box, 1)
        row.addWidget(self.delete)
        self.loaded = ""

    def stored(self) -> str:
        """The value as it would be stored ("" = unset)."""
        if self.text is not None:
            return self.text.text().strip()
        assert self.has_date is not None and self.date is not None
        if not self.has_date.isChecked():
            return ""
        value = self.date.dateTime().toUTC().toPython()
        return org.format_date_value(value.replace(tzinfo=_dt.UTC, second=0))

    def show(self, stored: str) -> None:
        if self.text is not None:
            self.text.setText(stored)
            return
        assert self.has_date is not None and self.date is not None
        parsed = org.parse_date_value(stored) if stored else None
        self.has_date.setChecked(parsed is not None)
        self.date.setEnabled(parsed is not None)
        when = parsed or _dt.datetime.now(_dt.UTC).replace(second=0, microsecond=0)
        self.date.setDateTime(QDateTime.fromSecsSinceEpoch(int(when.timestamp()), QTimeZone.utc()))

    def retranslate(self) -> None:
        if self.has_date is not None:
            self.has_date.setToolTip(_("Set a date for this field"))
        self.delete.setText(_("Delete Field"))
        self.delete.setToolTip(_("Delete this custom field from the pool (and its value from every object) on OK"))


class CustomFieldsPage(Page):
    """One input per custom field of the pool, and "New Custom Field" to define another."""

    def __init__(self, obj: Any, changed: Callable[[], None]) -> None:
        super().__init__(obj, changed)
        self.setObjectName("customFieldsPage")
        self.intro = help_label("customFieldsIntro")
        self.form = QFormLayout()
        self.rows: dict[str, _FieldRow] = {}
        self.new_definitions: list[org.CustomFieldDefinition] = []
        self.new_name = QLineEdit()
        self.new_name.setObjectName("newCustomFieldName")
        self.new_type = QComboBox()
        self.new_type.setObjectName("newCustomFieldType")
        self.new_type.addItems(["", ""])
        self.add_button = QPushButton()
        self.add_button.setObjectName("newCustomField")
        self.error = error_label("customFieldsError")
        new_row = QHBoxLayout()
        new_row.addWidget(self.new_name, 1)
        new_row.addWidget(self.new_type)
        new_row.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addLayout(new_row)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.add_button.clicked.connect(self._add_definition)
        self.new_name.returnPressed.connect(self._add_definition)
        self.new_name.textChanged.connect(self.changed)
        self.refresh()
        self.retranslate()

    def title(self) -> str:
        return _("Custom Fields")

    def retranslate(self) -> None:
        self.intro.setText(_("Custom fields add your own information to objects; they are shared by the whole pool."))
        self.new_name.setPlaceholderText(_("New custom field name"))
        self.new_type.setItemText(0, _("Text"))
        self.new_type.setItemText(1, _("Date and time"))
        self.add_button.setText(_("&New Custom Field"))
        for row in self.rows.values():
            row.retranslate()
        self.changed()

    def definitions(self) -> list[org.CustomFieldDefinition]:
        return org.custom_field_definitions(self.obj.cache.pool) + [
            d for d in self.new_definitions if d.name not in {x.name for x in self._pool_definitions()}
        ]

    def _pool_definitions(self) -> list[org.CustomFieldDefinition]:
        return org.custom_field_definitions(self.obj.cache.pool)

    def refresh(self) -> None:
        wanted = {d.name for d in self.definitions()}
        for name in [n for n in self.rows if n not in wanted]:  # removed by someone else
            self.form.removeRow(self.rows.pop(name).label)
        for definition in self.definitions():
            row = self.rows.get(definition.name)
            stored = org.value_text(definition, org.custom_field_value(self.obj, definition))
            if row is None or row.definition != definition:
                if row is not None:
                    self.form.removeRow(row.label)
                row = _FieldRow(definition, self.changed)
                self.rows[definition.name] = row
                self.form.addRow(row.label, row.widget)
                row.retranslate()
                row.show(stored)
            elif row.stored() == row.loaded:
                row.show(stored)
            row.loaded = stored

    def _name_problem(self, name: str) -> str:
        if not name:
            return ""
        if name in {d.name for d in self.definitions()}:
            return _("A custom field called '{name}' already exists.").format(name=name)
        return ""

    def _add_definition(self) -> None:
        name = self.new_name.text().strip()
        if not name or self._name_problem(name):
            self.changed()
            return
        kind = org.FIELD_TYPES[max(self.new_type.currentIndex(), 0)]
        self.new_definitions.append(org.CustomFieldDefinition(name, kind))
        self.new_name.clear()
        self.refresh()
        self.changed()

    def problem(self) -> str:
        text = self._name_problem(self.new_name.text().strip())
        show_error(self.error, text)
        return text

    def calls(self) -> list[Call]:
        out: list[Call] = []
        pool = self.obj.cache.pool
        existing = self._pool_definitions()
        added = [d for d in self.new_definitions if d.name not in {x.name for x in existing}]
        deleted = {name for name, row in self.rows.items() if row.delete.isChecked()}
        if (added or deleted) and pool is not None:
            kept = [d for d in [*existing, *added] if d.name not in deleted]
            out += map_key_calls(
                pool, "gui_config", org.CUSTOM_FIELDS_KEY, org.custom_fields_xml(kept) if kept else None
            )
        for row in self.rows.values():
            value = row.stored()
            if row.definition.name in deleted:
                continue
            if value != row.loaded:
                out += other_config_calls(self.obj, row.definition.key, value or None)
        for name in sorted(deleted):  # XenCenter's RemoveCustomFieldAction: every object loses the value
            key = org.CUSTOM_FIELD_PREFIX + name
            for cls in org.FOLDER_CLASSES:
                for other in self.obj.cache.all(cls):
                    if key in (other.get("other_config") or {}):
                        out.append((f"{cls}.remove_from_other_config", (other.ref, key)))
        return out


# -- Alerts -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Alert:
    """One perfmon variable as the page shows it: the threshold in ``unit`` is the stored
    level divided by ``scale`` (CPU: % = fraction / 0.01)."""

    variable: str
    label: LazyString
    unit: LazyString
    scale: float
    maximum: float
    default: float
    decimals: int = 0


VM_ALERTS = (
    Alert("cpu_usage", N_("Generate CPU usage alerts"), N_("%"), 0.01, 100, 50),
    Alert("network_usage", N_("Generate network usage alerts"), N_("KB/s"), 1024, 10**7, 1024),
    Alert("disk_usage", N_("Generate disk usage alerts"), N_("KB/s"), 1024, 10**7, 1024),
)
HOST_ALERTS = (
    Alert("cpu_usage", N_("Generate CPU usage alerts"), N_("%"), 0.01, 100, 50),
    Alert("memory_free_kib", N_("Generate memory usage alerts (free memory below)"), N_("MB"), 1024, 10**7, 64),
    Alert("network_usage", N_("Generate network usage alerts"), N_("KB/s"), 1024, 10**7, 1024),
    Alert("mem_usage", N_("Generate control domain memory usage alerts"), N_("%"), 0.01, 100, 90),
)
SR_ALERTS = (
    Alert(
        "sr_io_throughput_total_per_host", N_("Generate storage throughput alerts"), N_("KB/s"), 1 / 1024, 10**7, 1024
    ),
)


class _AlertRow:
    def __init__(self, alert: Alert, grid: QGridLayout, row: int, changed: Callable[[], None]) -> None:
        self.alert = alert
        self.enabled = QCheckBox()
        self.enabled.setObjectName(f"alert:{alert.variable}")
        self.level = QDoubleSpinBox()
        self.level.setObjectName(f"level:{alert.variable}")
        self.level.setDecimals(alert.decimals)
        self.level.setRange(0, alert.maximum)
        self.period = QSpinBox()
        self.period.setObjectName(f"period:{alert.variable}")
        self.period.setRange(1, 60)
        self.inhibit = QSpinBox()
        self.inhibit.setObjectName(f"inhibit:{alert.variable}")
        self.inhibit.setRange(5, 24 * 60)
        self.level_label, self.period_label, self.inhibit_label = QLabel(), QLabel(), QLabel()
        grid.addWidget(self.enabled, row, 0, 1, 2)
        for i, (label, widget) in enumerate(
            ((self.level_label, self.level), (self.period_label, self.period), (self.inhibit_label, self.inhibit))
        ):
            label.setBuddy(widget)
            grid.addWidget(label, row + 1 + i, 0)
            grid.addWidget(widget, row + 1 + i, 1)
        self.enabled.toggled.connect(self._toggled)
        for spin in (self.level, self.period, self.inhibit):
            spin.valueChanged.connect(changed)
        self.enabled.toggled.connect(changed)
        self.loaded: org.PerfmonDefinition | None = None
        self.seen = False

    def _toggled(self) -> None:
        for widget in (self.level, self.period, self.inhibit):
            widget.setEnabled(self.enabled.isChecked())

    def retranslate(self) -> None:
        self.enabled.setText(str(self.alert.label))
        self.level_label.setText(_("When above:") if self.alert.variable != "memory_free_kib" else _("When below:"))
        self.level.setSuffix(" " + str(self.alert.unit))
        self.period_label.setText(_("For longer than:"))
        self.period.setSuffix(" " + _("minutes"))
        self.inhibit_label.setText(_("Alert repeat interval:"))
        self.inhibit.setSuffix(" " + _("minutes"))

    def current(self) -> org.PerfmonDefinition | None:
        if not self.enabled.isChecked():
            return None
        level = round(self.level.value() * self.alert.scale, 10)
        return org.PerfmonDefinition(self.alert.variable, level, self.period.value() * 60, self.inhibit.value() * 60)

    def show(self, definition: org.PerfmonDefinition | None) -> None:
        for w in (self.enabled, self.level, self.period, self.inhibit):
            w.blockSignals(True)
        self.enabled.setChecked(definition is not None)
        level = definition.level / self.alert.scale if definition is not None else self.alert.default
        self.level.setValue(level)
        self.period.setValue(max(1, (definition.period if definition else 300) // 60))
        self.inhibit.setValue(max(5, (definition.inhibit if definition else 3600) // 60))
        for w in (self.enabled, self.level, self.period, self.inhibit):
            w.blockSignals(False)
        self._toggled()


class AlertsPage(Page):
    """Performance alert thresholds, stored as the object's perfmon XML."""

    ALERTS: Sequence[Alert] = ()

    def __init__(self, obj: Any, changed: Callable[[], None]) -> None:
        super().__init__(obj, changed)
        self.setObjectName("alertsPage")
        self.intro = help_label("alertsIntro")
        grid = QGridLayout()
        self.rows = [_AlertRow(a, grid, i * 4, changed) for i, a in enumerate(self.alerts())]
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(grid)
        layout.addStretch(1)
        self.refresh()
        self.retranslate()

    def alerts(self) -> Sequence[Alert]:
        cls = self.obj.cls
        return {"VM": VM_ALERTS, "host": HOST_ALERTS, "SR": SR_ALERTS}.get(cls, ())

    def title(self) -> str:
        return _("Alerts")

    def retranslate(self) -> None:
        self.intro.setText(_("The pool raises an alert when a value stays past its threshold for the given time."))
        for row in self.rows:
            row.retranslate()

    def refresh(self) -> None:
        current = org.perfmon_of(self.obj)
        for row in self.rows:
            definition = current.get(row.alert.variable)
            if not row.seen or row.current() == row.loaded:
                row.show(definition)
            row.loaded, row.seen = definition, True

    def calls(self) -> list[Call]:
        if all(row.current() == row.loaded for row in self.rows):
            return []
        shown = {row.alert.variable for row in self.rows}
        kept = [d for name, d in org.perfmon_of(self.obj).items() if name not in shown]
        wanted = kept + [d for row in self.rows if (d := row.current()) is not None]
        return other_config_calls(self.obj, org.PERFMON_KEY, org.perfmon_xml(wanted) if wanted else None)
