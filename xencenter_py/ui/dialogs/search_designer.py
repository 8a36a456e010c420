"""The search designer: what to search for (object types), filters, grouping and columns;
show the results in the tree and the Search tab, save the search in a pool (XenCenter's
``gui_config["xensearch.Search-<uuid>"]``), import and export ``.xensearch`` files.

Filters are written as XenCenter's query elements (``StringPropertyQuery``,
``StringListContainsQuery``, ``EnumPropertyQuery``, ``IPAddressQuery``, ``CustomFieldQuery``)
joined by a ``GroupQuery``; a search imported with filters this designer has no row for
keeps them (shown as such) and they apply together with the rows.
"""

from __future__ import annotations

import uuid as _uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import N_, LazyString
from xencenter_py.i18n import gettext as _
from xencenter_py.model import org
from xencenter_py.model import search as searching
from xencenter_py.ui.dialogs.property_page import error_label, help_label, show_error
from xencenter_py.ui.widgets import Retranslating

if TYPE_CHECKING:
    from xencenter_py.ui.organize import Organizer

SCOPES: tuple[str, ...] = (
    "VM", "Server", "Pool", "RemoteSR", "LocalSR", "UserTemplate", "DefaultTemplate", "Snapshot", "Network", "VDI",
)  # fmt: skip

STRING_OPS: tuple[tuple[LazyString, str], ...] = (
    (N_("contains"), "contains"),
    (N_("begins with"), "startswith"),
    (N_("ends with"), "endswith"),
    (N_("is exactly"), "exactmatch"),
    (N_("does not contain"), "notcontain"),
)
IS_OPS: tuple[tuple[LazyString, str], ...] = ((N_("is"), "yes"), (N_("is not"), "no"))

# (id, label, operators): the properties a filter row can test.
PROPERTIES: tuple[tuple[str, LazyString, tuple[tuple[LazyString, str], ...]], ...] = (
    ("label", N_("Name"), STRING_OPS),
    ("description", N_("Description"), STRING_OPS),
    ("tags", N_("Tags"), IS_OPS),
    ("power_state", N_("Power state"), IS_OPS),
    ("os_name", N_("Operating system"), STRING_OPS),
    ("ip_address", N_("IP address"), ((N_("is"), "yes"),)),
)

GROUPINGS: tuple[tuple[str, LazyString, str], ...] = (
    ("", N_("(no grouping)"), ""),
    ("power_state", N_("Power state"), "PropertyGrouping"),
    ("os_name", N_("Operating system"), "PropertyGrouping"),
    ("type", N_("Type"), "PropertyGrouping"),
    ("tags", N_("Tags"), "PropertyGrouping"),
    ("networks", N_("Network"), "XenModelObjectPropertyGrouping"),
    ("host", N_("Server"), "XenModelObjectPropertyGrouping"),
    ("pool", N_("Pool"), "XenModelObjectPropertyGrouping"),
    ("appliance", N_("vApp"), "XenModelObjectPropertyGrouping"),
    ("folder", N_("Folder"), "FolderGrouping"),
)

COLUMNS: tuple[tuple[str, LazyString], ...] = (
    ("cpu", N_("CPU usage")),
    ("memory", N_("Used memory")),
    ("disks", N_("Disks")),
    ("network", N_("Network")),
    ("ip", N_("Address")),
    ("uptime", N_("Uptime")),
)


class FilterRow(QWidget):
    """One condition: property, operator, value (custom fields are offered too)."""

    def __init__(self, fields: list[org.CustomFieldDefinition], changed: Callable[[], None]) -> None:
        super().__init__()
        self.fields = fields
        self.prop = QComboBox()
        self.prop.setObjectName("filterProperty")
        self.op = QComboBox()
        self.op.setObjectName("filterOperator")
        self.value = QLineEdit()
        self.value.setObjectName("filterValue")
        self.remove = QPushButton()
        self.remove.setObjectName("removeFilter")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for w in (self.prop, self.op):
            row.addWidget(w)
        row.addWidget(self.value, 1)
        row.addWidget(self.remove)
        self.prop.currentIndexChanged.connect(self._property_changed)
        self.value.textChanged.connect(changed)
        self.op.currentIndexChanged.connect(changed)
        self.retranslate()

    def choices(self) -> list[tuple[str, str, tuple[tuple[LazyString, str], ...]]]:
        out = [(pid, str(label), ops) for pid, label, ops in PROPERTIES]
        out += [(f"cf:{d.name}", d.name, STRING_OPS) for d in self.fields if not d.is_date]
        return out

    def retranslate(self) -> None:
        index = max(self.prop.currentIndex(), 0)
        self.prop.blockSignals(True)
        self.prop.clear()
        for pid, label, _ops in self.choices():
            self.prop.addItem(label, pid)
        self.prop.setCurrentIndex(index)
        self.prop.blockSignals(False)
        self._property_changed()
        self.remove.setText(_("Remove"))
        self.value.setPlaceholderText(_("Value"))

    def _property_changed(self) -> None:
        op = max(self.op.currentIndex(), 0)
        self.op.blockSignals(True)
        self.op.clear()
        for label, value in self.choices()[max(self.prop.currentIndex(), 0)][2]:
            self.op.addItem(str(label), value)
        self.op.setCurrentIndex(min(op, self.op.count() - 1))
        self.op.blockSignals(False)

    def set(self, prop: str, op: str, value: str) -> None:
        self.prop.setCurrentIndex(max(self.prop.findData(prop), 0))
        self.op.setCurrentIndex(max(self.op.findData(op), 0))
        self.value.setText(value)

    def element(self) -> ET.Element | None:
        """The XenCenter query element of this row (None while it has no value)."""
        prop, op, value = self.prop.currentData(), self.op.currentData(), self.value.text().strip()
        if not value:
            return None
        if prop.startswith("cf:"):
            node = ET.Element("CustomFieldQuery", {"query": value, "type": op})
            ET.SubElement(node, "CustomFieldDefinition", {"name": prop[3:], "type": "String", "defaultValue": ""})
            return node
        if prop == "tags":
            return ET.Element("StringListContainsQuery", {"property": "tags", "contains": op, "query": value})
        if prop == "power_state":
            state = value[:1].upper() + value[1:].lower()
            return ET.Element("EnumPropertyQuery", {"property": "power_state", "equals": op, "query": state})
        if prop == "ip_address":
            return ET.Element("IPAddressQuery", {"property": "ip_address", "contains": "yes", "address": value})
        return ET.Element("StringPropertyQuery", {"property": prop, "casesensitive": "no", "query": value, "type": op})


def row_values(node: ET.Element) -> tuple[str, str, str] | None:
    """The (property, operator, value) of a query element a filter row can show."""
    a = node.attrib
    if node.tag == "StringPropertyQuery" and a.get("property") in ("label", "description", "os_name"):
        return a["property"], a.get("type", "contains"), a.get("query", "")
    if node.tag == "StringListContainsQuery" and a.get("property") == "tags":
        return "tags", "yes" if a.get("contains") == "yes" else "no", a.get("query", "")
    if node.tag == "EnumPropertyQuery" and a.get("property") == "power_state":
        return "power_state", "yes" if a.get("equals") == "yes" else "no", a.get("query", "")
    if node.tag == "IPAddressQuery":
        return "ip_address", "yes", a.get("address", "")
    if node.tag == "CustomFieldQuery":
        definition = next(iter(node), None)
        if definition is not None:
            return "cf:" + definition.get("name", ""), a.get("type", "contains"), a.get("query", "")
    return None


class SearchDesigner(Retranslating, QDialog):
    def __init__(self, organizer: Organizer, parent: QWidget | None = None, search: searching.Search | None = None):
        super().__init__(parent)
        self.setObjectName("searchDesigner")
        self.organizer = organizer
        self.uuid = search.uuid if search is not None else str(_uuid.uuid4())
        self.kept_filter: ET.Element | None = None
        self.name = QLineEdit()
        self.name.setObjectName("searchName")
        self.scope_box = QGroupBox()
        scope_grid = QGridLayout(self.scope_box)
        self.scopes: dict[str, QCheckBox] = {}
        for i, kind in enumerate(SCOPES):
            box = QCheckBox()
            box.setObjectName(f"scope:{kind}")
            self.scopes[kind] = box
            scope_grid.addWidget(box, i // 3, i % 3)
        self.filter_box = QGroupBox()
        self.match = QComboBox()
        self.match.setObjectName("filterMatch")
        self.match.addItems(["", ""])
        self.filters_layout = QVBoxLayout()
        self.add_filter = QPushButton()
        self.add_filter.setObjectName("addFilter")
        self.kept_label = help_label("keptFilter")
        filter_layout = QVBoxLayout(self.filter_box)
        filter_layout.addWidget(self.match)
        filter_layout.addLayout(self.filters_layout)
        filter_layout.addWidget(self.kept_label)
        filter_layout.addWidget(self.add_filter)
        self.grouping = QComboBox()
        self.grouping.setObjectName("grouping")
        self.then_grouping = QComboBox()
        self.then_grouping.setObjectName("thenGrouping")
        for combo in (self.grouping, self.then_grouping):
            for gid, _label, _tag in GROUPINGS:
                combo.addItem("", gid)
        self.columns_box = QGroupBox()
        columns_layout = QHBoxLayout(self.columns_box)
        self.columns: dict[str, QCheckBox] = {}
        for cid, _label in COLUMNS:
            box = QCheckBox()
            box.setObjectName(f"column:{cid}")
            self.columns[cid] = box
            columns_layout.addWidget(box)
        self.pool = QComboBox()
        self.pool.setObjectName("savePool")
        self.error = error_label("searchError")
        self.show_button = QPushButton()
        self.show_button.setObjectName("showResults")
        self.save_button = QPushButton()
        self.save_button.setObjectName("saveSearch")
        self.import_button = QPushButton()
        self.import_button.setObjectName("importSearch")
        self.export_button = QPushButton()
        self.export_button.setObjectName("exportSearch")
        self.delete_button = QPushButton()
        self.delete_button.setObjectName("deleteSearch")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.form = QFormLayout()
        self.form_labels: dict[QWidget, QLabel] = {}
        for widget in (self.name, self.grouping, self.then_grouping, self.pool):
            label = QLabel()
            label.setBuddy(widget)
            self.form_labels[widget] = label
            self.form.addRow(label, widget)
        actions = QHBoxLayout()
        for b in (self.show_button, self.save_button, self.delete_button, self.import_button, self.export_button):
            actions.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.scope_box)
        layout.addWidget(self.filter_box)
        layout.addWidget(self.columns_box)
        layout.addWidget(self.error)
        layout.addLayout(actions)
        layout.addWidget(self.buttons)
        self.rows: list[FilterRow] = []
        self.add_filter.clicked.connect(lambda: self.add_row())
        self.show_button.clicked.connect(self.show_results)
        self.save_button.clicked.connect(self.save_to_pool)
        self.import_button.clicked.connect(self._choose_import)
        self.export_button.clicked.connect(self._choose_export)
        self.delete_button.clicked.connect(self.delete_from_pool)
        self.pool.currentIndexChanged.connect(self._validate)
        self.name.textChanged.connect(self._validate)
        for box in self.scopes.values():
            box.toggled.connect(self._validate)
        for conn in organizer.connections():
            self.pool.addItem(conn.friendly_name, conn)
        self.load(search or searching.Search(_("New Search"), self.uuid, ("VM",)))
        if search is not None and search.default:
            self.uuid = str(_uuid.uuid4())  # a built-in search is saved as a new one
        owner = getattr(search, "connection", None)
        if owner is not None and self.pool.findData(owner) >= 0:
            self.pool.setCurrentIndex(self.pool.findData(owner))
        self.retranslate()

    # -- texts ------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(_("Search Designer"))
        labels = {
            self.name: _("&Name:"),
            self.grouping: _("&Group by:"),
            self.then_grouping: _("&Then by:"),
            self.pool: _("Save &in pool:"),
        }
        for widget, text in labels.items():
            self.form_labels[widget].setText(text)
        self.scope_box.setTitle(_("Search for"))
        for kind, box in self.scopes.items():
            box.setText(str(searching.TYPE_LABELS[kind]))
        self.filter_box.setTitle(_("Filters"))
        self.match.setItemText(0, _("Match all of these filters"))
        self.match.setItemText(1, _("Match any of these filters"))
        self.add_filter.setText(_("&Add Filter"))
        self.kept_label.setText(
            _("This search also has filters from the file that cannot be edited here; they still apply.")
        )
        for combo in (self.grouping, self.then_grouping):
            for i, (_gid, label, _tag) in enumerate(GROUPINGS):
                combo.setItemText(i, str(label))
        self.columns_box.setTitle(_("Columns"))
        for cid, label in COLUMNS:
            self.columns[cid].setText(str(label))
        self.show_button.setText(_("Show &Results"))
        self.save_button.setText(_("&Save"))
        self.import_button.setText(_("&Import..."))
        self.export_button.setText(_("&Export..."))
        self.delete_button.setText(_("&Delete"))
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        for row in self.rows:
            row.retranslate()
        self._validate()

    # -- the search <-> the widgets -----------------------------------------------------------
    def _fields(self) -> list[org.CustomFieldDefinition]:
        out: list[org.CustomFieldDefinition] = []
        for conn in self.organizer.connections():
            out += [d for d in org.custom_field_definitions(conn.cache.pool) if d not in out]
        return out

    def add_row(self, values: tuple[str, str, str] | None = None) -> FilterRow:
        row = FilterRow(self._fields(), self._validate)
        row.remove.clicked.connect(lambda: self._remove_row(row))
        if values is not None:
            row.set(*values)
        self.rows.append(row)
        self.filters_layout.addWidget(row)
        return row

    def _remove_row(self, row: FilterRow) -> None:
        self.rows.remove(row)
        row.setParent(None)
        row.deleteLater()
        self._validate()

    def load(self, search: searching.Search) -> None:
        """Show ``search`` in the designer (filters it cannot show are kept as they are)."""
        self.uuid = search.uuid
        self.name.setText(search.name)
        for kind, box in self.scopes.items():
            box.setChecked(kind in search.scope)
        for row in list(self.rows):
            self._remove_row(row)
        self.kept_filter = None
        flt = search.filter
        nodes = [flt] if flt is not None else []
        if flt is not None and flt.tag == "GroupQuery" and flt.get("type") in ("And", "Or"):
            self.match.setCurrentIndex(0 if flt.get("type") == "And" else 1)
            nodes = list(flt)
        kept = []
        for node in nodes:
            values = row_values(node)
            if values is None:
                kept.append(node)
            else:
                self.add_row(values)
        if kept:
            self.kept_filter = kept[0] if len(kept) == 1 else ET.Element("GroupQuery", {"type": "And"})
            if len(kept) > 1:
                self.kept_filter.extend(kept)
        self.kept_label.setVisible(self.kept_filter is not None)
        chain = search.groupings()
        for combo, node in zip((self.grouping, self.then_grouping), [*chain, None, None], strict=False):
            gid = "" if node is None else ("folder" if node.tag == "FolderGrouping" else node.get("property", ""))
            combo.setCurrentIndex(max(combo.findData(gid), 0))
        wanted = {name for name, _w in search.columns or ()}
        for cid, box in self.columns.items():
            box.setChecked(cid in wanted)

    def search(self) -> searching.Search:
        """The search the widgets describe."""
        elements = [e for row in self.rows if (e := row.element()) is not None]
        if self.kept_filter is not None:
            elements.append(self.kept_filter)
        flt: ET.Element | None = None
        if len(elements) == 1:
            flt = elements[0]
        elif elements:
            flt = ET.Element("GroupQuery", {"type": "And" if self.match.currentIndex() == 0 else "Or"})
            flt.extend(elements)
        grouping: ET.Element | None = None
        for combo in (self.then_grouping, self.grouping):  # innermost first
            gid = combo.currentData()
            if not gid:
                continue
            tag = next(t for g, _l, t in GROUPINGS if g == gid)
            node = ET.Element(tag) if tag == "FolderGrouping" else ET.Element(tag, {"property": gid})
            if grouping is not None:
                node.append(grouping)
            grouping = node
        columns = [("name", 250)] + [(cid, 120) for cid, box in self.columns.items() if box.isChecked()]
        scope = tuple(k for k in searching.OBJECT_TYPES if k in self.scopes and self.scopes[k].isChecked())
        return searching.Search(self.name.text().strip(), self.uuid, scope, flt, grouping, columns)

    def _validate(self) -> str:
        text = ""
        if not self.name.text().strip():
            text = _("The search needs a name.")
        elif not any(box.isChecked() for box in self.scopes.values()):
            text = _("Choose at least one type of object to search for.")
        show_error(self.error, text)
        for b in (self.show_button, self.export_button):
            b.setEnabled(not text)
        self.save_button.setEnabled(not text and self.pool.count() > 0)
        self.delete_button.setEnabled(self._stored_in() is not None)
        return text

    def _stored_in(self) -> Any:
        """The chosen pool when it holds this search (so it can be deleted there)."""
        conn = self.pool.currentData()
        pool = conn.cache.pool if conn is not None else None
        key = searching.SEARCH_KEY_PREFIX + self.uuid
        return conn if pool is not None and key in (pool.get("gui_config") or {}) else None

    # -- commands ----------------------------------------------------------------------------
    def show_results(self) -> None:
        if not self._validate():
            self.organizer.w.navigation.show_search(self.search())

    def save_to_pool(self) -> None:
        conn = self.pool.currentData()
        if self._validate() or conn is None or conn.cache.pool is None:
            return
        search = self.search()
        pool = conn.cache.pool
        calls = []
        if search.key in (pool.get("gui_config") or {}):
            calls.append(("pool.remove_from_gui_config", (pool.ref, search.key)))
        calls.append(("pool.add_to_gui_config", (pool.ref, search.key, searching.search_xml(search))))

        async def work(progress: Callable[[float], None]) -> None:
            for done, (method, args) in enumerate(calls, 1):
                await conn.call(method, *args)
                progress(done / len(calls))

        self.organizer.w.history.start(_("Saving search '{name}'").format(name=search.name), conn.friendly_name, work)

    def delete_from_pool(self) -> None:
        conn = self._stored_in()
        if conn is None:
            return
        pool, key, name = conn.cache.pool, searching.SEARCH_KEY_PREFIX + self.uuid, self.name.text().strip()

        async def work(progress: Callable[[float], None]) -> None:
            await conn.call("pool.remove_from_gui_config", pool.ref, key)
            progress(1.0)

        self.organizer.w.history.start(_("Deleting search '{name}'").format(name=name), conn.friendly_name, work)

    def import_file(self, path: str) -> bool:
        """Load the first search of a ``.xensearch`` file; a bad file is explained, nothing lost."""
        try:
            searches = searching.parse_search_file(Path(path).read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, searching.SearchFormatError) as exc:
            show_error(self.error, _("Cannot import {path}: {error}").format(path=path, error=exc))
            return False
        self.load(searches[0])
        self._validate()
        return True

    def export_file(self, path: str) -> bool:
        if self._validate():
            return False
        try:
            Path(path).write_text(searching.search_file_xml([self.search()]), encoding="utf-8")
        except OSError as exc:
            show_error(self.error, _("Cannot export to {path}: {error}").format(path=path, error=exc))
            return False
        return True

    def _file_dialog(self, save: bool, done: Callable[[str], Any]) -> None:
        dialog = QFileDialog(self, _("Export Search") if save else _("Import Search"))
        dialog.setObjectName("searchFileDialog")
        dialog.setNameFilter(_("Saved searches (*.xensearch)"))
        dialog.setDefaultSuffix("xensearch")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave if save else QFileDialog.AcceptMode.AcceptOpen)
        dialog.fileSelected.connect(done)
        dialog.open()

    def _choose_import(self) -> None:
        self._file_dialog(False, self.import_file)

    def _choose_export(self) -> None:
        self._file_dialog(True, self.export_file)


__all__ = ["SearchDesigner", "row_values"]
