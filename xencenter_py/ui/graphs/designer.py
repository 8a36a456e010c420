"""The graph designer (XenCenter's ``GraphDetailsDialog``): a graph's name, the data
sources it plots (from ``get_data_sources``, with description, units and whether they
are recorded), recording turned on for a disabled source, and a colour per series."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import gettext as _
from xencenter_py.model.actions import perf as perf_actions
from xencenter_py.model.perf.sources import GraphDef, friendly_name
from xencenter_py.ui.aio import error_text, spawn
from xencenter_py.ui.graphs.plot import PALETTE, _swatch
from xencenter_py.ui.widgets import Retranslating

NAME_ROLE = Qt.ItemDataRole.UserRole


class GraphDesigner(Retranslating, QDialog):
    """New Graph / Edit Graph. ``graph()`` and ``colours`` hold the result after OK."""

    def __init__(
        self,
        connection: Any,
        obj: Any,
        graph: GraphDef | None,
        colours: dict[str, int],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("graphDesigner")
        self.connection = connection
        self.obj = obj
        self.editing = graph is not None
        self.initial = graph or GraphDef("", [])
        self.colours: dict[str, int] = dict(colours)
        self.changed_colours: dict[str, int] = {}
        self.sources: list[perf_actions.DataSource] = []
        self.name_label = QLabel()
        self.name_edit = QLineEdit(self.initial.title)
        self.name_edit.setObjectName("graphName")
        self.status = QLabel()
        self.status.setObjectName("designerStatus")
        self.tree = QTreeWidget()
        self.tree.setObjectName("dataSourceList")
        self.tree.setRootIsDecorated(False)
        self.tree.setColumnCount(4)
        self.show_disabled = QCheckBox()
        self.show_disabled.setObjectName("showDisabled")
        self.enable_button = QPushButton()
        self.enable_button.setObjectName("enableDataSource")
        self.colour_button = QPushButton()
        self.colour_button.setObjectName("seriesColour")
        self.clear_button = QPushButton()
        self.clear_button.setObjectName("clearAll")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        form = QFormLayout()
        form.addRow(self.name_label, self.name_edit)
        tools = QHBoxLayout()
        tools.addWidget(self.show_disabled)
        tools.addStretch(1)
        tools.addWidget(self.enable_button)
        tools.addWidget(self.colour_button)
        tools.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.tree, 1)
        layout.addLayout(tools)
        layout.addWidget(self.buttons)
        self.resize(640, 480)
        self.name_edit.textChanged.connect(self._update_buttons)
        self.tree.itemChanged.connect(self._update_buttons)
        self.tree.currentItemChanged.connect(self._update_buttons)
        self.show_disabled.toggled.connect(self._fill)
        self.enable_button.clicked.connect(self._enable)
        self.colour_button.clicked.connect(self._pick_colour)
        self.clear_button.clicked.connect(self._clear)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.retranslate()
        self._update_buttons()
        self._load_task = spawn(self._load(), self, _("Performance"))

    def retranslate(self) -> None:
        self.setWindowTitle(_("Edit Graph") if self.editing else _("New Graph"))
        self.name_label.setText(_("Name:"))
        self.tree.setHeaderLabels([_("Data source"), _("Description"), _("Units"), _("Enabled")])
        self.show_disabled.setText(_("Show disabled data sources"))
        self.enable_button.setText(_("Enable"))
        self.colour_button.setText(_("Colour..."))
        self.clear_button.setText(_("Clear All"))
        if not self.sources:
            self.status.setText(_("Loading data sources..."))
        self._fill()

    async def _load(self) -> None:
        try:
            self.sources = await perf_actions.data_sources(self.connection, self.obj)
        except Exception as exc:
            self.status.setText(_("Could not read the data sources: {error}").format(error=error_text(exc)))
            return
        self.status.setText("")
        self._fill()

    def checked(self) -> list[str]:
        """The data sources ticked, in the graph's order (new ones appended)."""
        ticked = set()
        for row in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(row)
            if item.checkState(0) == Qt.CheckState.Checked:
                ticked.add(item.data(0, NAME_ROLE))
        kept = [n for n in self.initial.sources if n in ticked or n not in self._listed()]
        return kept + sorted(ticked - set(kept))

    def _listed(self) -> set[str]:
        return {self.tree.topLevelItem(r).data(0, NAME_ROLE) for r in range(self.tree.topLevelItemCount())}

    def _fill(self) -> None:
        previous = set(self.checked()) if self.tree.topLevelItemCount() else set(self.initial.sources)
        self.tree.blockSignals(True)
        self.tree.clear()
        for index, ds in enumerate(self.sources):
            if not ds.enabled and not self.show_disabled.isChecked() and ds.name not in previous:
                continue
            item = QTreeWidgetItem(
                [friendly_name(ds.name), ds.description, ds.units, _("Yes") if ds.enabled else _("No")]
            )
            item.setData(0, NAME_ROLE, ds.name)
            item.setToolTip(0, ds.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Checked if ds.name in previous else Qt.CheckState.Unchecked)
            item.setIcon(0, _swatch(QColor(self.colours.get(ds.name, PALETTE[index % len(PALETTE)]) & 0xFFFFFF)))
            self.tree.addTopLevelItem(item)
        for column in range(4):
            self.tree.resizeColumnToContents(column)
        self.tree.blockSignals(False)
        self._update_buttons()

    def _current_source(self) -> perf_actions.DataSource | None:
        item = self.tree.currentItem()
        name = item.data(0, NAME_ROLE) if item is not None else None
        return next((d for d in self.sources if d.name == name), None)

    def _update_buttons(self, *_args: Any) -> None:
        current = self._current_source()
        self.enable_button.setEnabled(current is not None and not current.enabled)
        self.colour_button.setEnabled(current is not None)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(self.name_edit.text().strip()) and bool(self.checked()))

    def _clear(self) -> None:
        for row in range(self.tree.topLevelItemCount()):
            self.tree.topLevelItem(row).setCheckState(0, Qt.CheckState.Unchecked)

    def _enable(self) -> None:
        current = self._current_source()
        if current is not None:
            spawn(self._record(current), self, _("Enable"))

    async def _record(self, source: perf_actions.DataSource) -> None:
        await perf_actions.record_data_source(self.connection, self.obj, source.name)
        self.sources = await perf_actions.data_sources(self.connection, self.obj)
        self._fill()

    def _pick_colour(self) -> None:
        current = self._current_source()
        if current is None:
            return
        dialog = QColorDialog(QColor(self.colours.get(current.name, PALETTE[0]) & 0xFFFFFF), self)
        dialog.setObjectName("seriesColourDialog")
        dialog.colorSelected.connect(lambda colour: self.set_colour(current.name, colour.rgb() & 0xFFFFFF))
        dialog.open()

    def set_colour(self, name: str, rgb: int) -> None:
        self.colours[name] = rgb
        self.changed_colours[name] = rgb
        self._fill()

    def graph(self) -> GraphDef:
        return GraphDef(self.name_edit.text().strip(), self.checked())
