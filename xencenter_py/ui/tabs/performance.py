"""The Performance tab (XenCenter's ``PerformancePage``): a live host's or a VM's graphs,
one under the other with their legends, a zoom (10 minutes to 1 year, each served by the
right archive, plus full-resolution 6 to 48 hours from the local history), drag to pan and
wheel to zoom, a navigator strip over the whole history, a hover read-out, lifecycle
events on the time axis and in a list, the graph designer actions, and CSV/PNG export.

Data comes from an :class:`~xencenter_py.model.perf.keeper.ArchiveKeeper`, held only while
the tab is on screen, so leaving the tab stops the polling.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMenu,
    QPushButton,
    QScrollArea,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import gettext as _
from xencenter_py.model.actions import perf as perf_actions
from xencenter_py.model.perf import export, layout
from xencenter_py.model.perf import history as local_history
from xencenter_py.model.perf.archive import Window, merge_windows, with_gaps
from xencenter_py.model.perf.export import local_time
from xencenter_py.model.perf.keeper import ArchiveKeeper, registry
from xencenter_py.model.perf.ranges import BY_KEY, RANGES
from xencenter_py.model.perf.sources import GraphDef
from xencenter_py.ui.aio import run_dialog, spawn
from xencenter_py.ui.graphs.events import event_text
from xencenter_py.ui.tabs.base import TabPage

if TYPE_CHECKING:
    from xencenter_py.ui.graphs.designer import GraphDesigner
    from xencenter_py.ui.graphs.navigator import Navigator
    from xencenter_py.ui.graphs.plot import PerfGraph


class PerformanceTab(TabPage):
    key = "performance"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("performanceTab")
        self.keeper: ArchiveKeeper | None = None
        self._unsubscribe: Any = None
        self.graphs: list[GraphDef] = []
        self.showing_defaults = True
        self.colours: dict[str, int] = {}
        self.widgets: list[PerfGraph] = []
        self.selected_index = -1
        self.range_key = "10m"
        self.following = True
        self.visible_range: tuple[float, float] = (0.0, 0.0)
        self.data: Window | None = None
        self._layout_signature: Any = None
        self._setting_range = False
        self._generation = 0

        self.zoom_label = QLabel()
        self.zoom = QComboBox()
        self.zoom.setObjectName("perfZoom")
        self.new_button = QPushButton()
        self.new_button.setObjectName("newGraph")
        self.edit_button = QPushButton()
        self.edit_button.setObjectName("editGraph")
        self.delete_button = QPushButton()
        self.delete_button.setObjectName("deleteGraph")
        self.restore_button = QPushButton()
        self.restore_button.setObjectName("restoreDefaultGraphs")
        self.up_button = QToolButton()
        self.up_button.setObjectName("moveGraphUp")
        self.down_button = QToolButton()
        self.down_button.setObjectName("moveGraphDown")
        self.export_button = QToolButton()
        self.export_button.setObjectName("exportGraphs")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.export_menu = QMenu(self.export_button)
        self.export_csv = self.export_menu.addAction("")
        self.export_png = self.export_menu.addAction("")
        self.export_button.setMenu(self.export_menu)
        self.status = QLabel()
        self.status.setObjectName("perfStatus")
        bar = QHBoxLayout()
        bar.addWidget(self.zoom_label)
        bar.addWidget(self.zoom)
        bar.addStretch(1)
        for w in (
            self.new_button,
            self.edit_button,
            self.delete_button,
            self.restore_button,
            self.up_button,
            self.down_button,
            self.export_button,
        ):
            bar.addWidget(w)

        self.graph_area = QWidget()
        self.graph_area.setObjectName("graphArea")
        self.graph_layout = QVBoxLayout(self.graph_area)
        self.graph_layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.graph_area)
        self.navigator: Navigator | None = None  # made on first show (pyqtgraph loads then)
        self.events_label = QLabel()
        self.events_list = QListWidget()
        self.events_list.setObjectName("lifecycleEvents")
        bottom = QWidget()
        bl = self.bottom_layout = QVBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(self.events_label)
        bl.addWidget(self.events_list)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(scroll)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        layout_ = QVBoxLayout(self)
        layout_.addLayout(bar)
        layout_.addWidget(self.status)
        layout_.addWidget(splitter, 1)

        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(80)
        self._redraw_timer.timeout.connect(self._reload_data)
        self.zoom.currentIndexChanged.connect(self._zoom_changed)
        self.new_button.clicked.connect(lambda: spawn(self.new_graph(), self, _("New Graph")))
        self.edit_button.clicked.connect(lambda: spawn(self.edit_graph(), self, _("Edit Graph")))
        self.delete_button.clicked.connect(lambda: spawn(self.delete_graph(), self, _("Delete Graph")))
        self.restore_button.clicked.connect(lambda: spawn(self.restore_defaults(), self, _("Restore Default Graphs")))
        self.up_button.clicked.connect(lambda: spawn(self.move_graph(-1), self, _("Move Up")))
        self.down_button.clicked.connect(lambda: spawn(self.move_graph(1), self, _("Move Down")))
        self.export_csv.triggered.connect(self._ask_csv)
        self.export_png.triggered.connect(self._ask_png)
        self.retranslate()

    # -- tab protocol -----------------------------------------------------------------------
    def title(self) -> str:
        return _("Performance")

    @classmethod
    def applies_to(cls, objects: list[Any]) -> bool:
        if len(objects) != 1:
            return False
        obj = objects[0]
        if obj.cls == "host":
            return bool(obj.is_live)
        return obj.cls == "VM" and obj.is_real_vm

    def retranslate(self) -> None:
        self.zoom_label.setText(_("Zoom:"))
        self.zoom.blockSignals(True)
        self.zoom.clear()
        for r in RANGES:
            self.zoom.addItem(str(r.label), r.key)
        self.zoom.setCurrentIndex(self.zoom.findData(self.range_key))
        self.zoom.blockSignals(False)
        self.new_button.setText(_("New Graph..."))
        self.edit_button.setText(_("Edit Graph..."))
        self.delete_button.setText(_("Delete Graph"))
        self.restore_button.setText(_("Restore Default Graphs"))
        self.up_button.setText(_("Move Up"))
        self.down_button.setText(_("Move Down"))
        self.export_button.setText(_("Export"))
        self.export_csv.setText(_("Export as CSV..."))
        self.export_png.setText(_("Export as PNG..."))
        self.events_label.setText(_("VM Lifecycle Events"))
        self._layout_signature = None
        self.refresh()
        for w in self.widgets:
            w.retranslate()
        if self.navigator is not None:
            self.navigator.time_axis.picture = None
            self.navigator.time_axis.update()
        self._show_events()
        self._update_status()

    def set_objects(self, objects: list[Any]) -> None:
        changed = [o.ref for o in objects] != [o.ref for o in self.objects]
        self.objects = list(objects)
        if changed:
            self._layout_signature = None
            if self.isVisible():
                self._watch()
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the graph list only when the object's layout or colours changed."""
        obj = self.obj
        if obj is None or not obj.exists:
            return
        graphs, defaults = layout.graphs_for(obj)
        pool = obj.cache.pool
        config = dict(pool.get("gui_config") or {}) if pool is not None else {}
        colours = layout.colours(config, layout.kind_of(obj), obj.uuid)
        signature = (obj.ref, [(g.title, tuple(g.sources)) for g in graphs], sorted(colours.items()))
        if signature == self._layout_signature:
            return
        self._layout_signature = signature
        self.graphs, self.showing_defaults, self.colours = graphs, defaults, colours
        if self.navigator is not None:
            self._build_graphs()

    @property
    def obj(self) -> Any:
        return self.objects[0] if len(self.objects) == 1 else None

    # -- polling only while shown -----------------------------------------------------------
    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.navigator is None:
            self._make_graphics()
        self._watch()

    def _make_graphics(self) -> None:
        """The plots, made when the tab is first shown, so starting the console never
        loads pyqtgraph."""
        from xencenter_py.ui.graphs.navigator import Navigator

        self.navigator = Navigator()
        self.navigator.range_changed.connect(self._navigator_moved)
        self.bottom_layout.insertWidget(0, self.navigator)
        self._build_graphs()

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        self._unwatch()

    def _watch(self) -> None:
        obj = self.obj
        if self.keeper is not None and obj is not None and self.keeper.uuid == obj.uuid:
            return
        self._unwatch()
        if obj is None or obj.connection is None:
            return
        self.keeper = registry.acquire(obj.connection, obj)
        unsubscribe_keeper = self.keeper.on_update(self._keeper_updated)
        unsubscribe_cache = obj.connection.cache.subscribe(self._cache_changed)
        self._unsubscribe = lambda: (unsubscribe_keeper(), unsubscribe_cache())
        self.following = True
        self._reload_data()
        self._show_events()

    def _unwatch(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self.keeper is not None:
            registry.release(self.keeper)
            self.keeper = None

    def _cache_changed(self, batch: list[Any]) -> None:
        """The pool's gui_config holds the layouts: another console may change them too."""
        if any(change.cls == "pool" for change in batch):
            self.refresh()

    def _keeper_updated(self) -> None:
        self._reload_data()
        self._show_events()

    # -- graphs -----------------------------------------------------------------------------
    def _build_graphs(self) -> None:
        from xencenter_py.ui.graphs.plot import PerfGraph

        for w in self.widgets:
            w.setParent(None)
            w.deleteLater()
        self.widgets = []
        for graph in self.graphs:
            w = PerfGraph()
            w.set_graph(graph.title or _("Graph"), graph.sources, self.colours)
            w.clicked.connect(self._select_widget)
            w.double_clicked.connect(lambda _w: spawn(self.edit_graph(), self, _("Edit Graph")))
            w.colour_requested.connect(self.choose_colour)
            w.view.sigRangeChangedManually.connect(lambda _mask, view=w.view: self._view_moved(view))
            if self.widgets:
                w.plot.setXLink(self.widgets[0].plot)
            self.graph_layout.addWidget(w)
            self.widgets.append(w)
        for w in self.widgets:
            w.show_time_axis(w is self.widgets[-1])
        if self.selected_index >= len(self.widgets):
            self.selected_index = len(self.widgets) - 1
        self._select(self.selected_index)
        self._reload_data()
        if self.keeper is not None:
            for w in self.widgets:
                w.set_events(self.keeper.events)

    def _select_widget(self, widget: PerfGraph) -> None:
        self._select(self.widgets.index(widget))

    def _select(self, index: int) -> None:
        self.selected_index = index
        for i, w in enumerate(self.widgets):
            w.set_selected(i == index)
        has = 0 <= index < len(self.widgets)
        self.edit_button.setEnabled(has)
        self.delete_button.setEnabled(has and len(self.widgets) > 1)
        self.up_button.setEnabled(has and index > 0)
        self.down_button.setEnabled(has and index < len(self.widgets) - 1)

    # -- data -------------------------------------------------------------------------------
    @property
    def span(self) -> int:
        return BY_KEY[self.range_key].seconds

    @property
    def uses_local_history(self) -> bool:
        return BY_KEY[self.range_key].local

    def _names(self) -> list[str]:
        seen: dict[str, None] = {}
        for g in self.graphs:
            seen.update(dict.fromkeys(g.sources))
        return list(seen)

    def _end(self) -> float:
        keeper = self.keeper
        if keeper is None:
            return 0.0
        last = keeper.archive.rings[5].last
        return float(last) if last is not None else keeper.server_now() - 15

    def _reload_data(self) -> None:
        """Fetch the window for the visible range from the right archive and draw it."""
        keeper = self.keeper
        if keeper is None:
            return
        end = self._end()
        if self.following or self.visible_range == (0.0, 0.0):
            start, stop = end - self.span, end
        else:
            start, stop = self.visible_range
        window = keeper.archive.window(start, stop, self._names())
        self._generation += 1
        store = local_history.store()
        if self.uses_local_history and store is not None:
            spawn(self._merge_local(store, self._generation, window, start, stop), self, _("Performance"))
        self._draw(window, start, stop)

    async def _merge_local(self, store: Any, generation: int, server: Window, start: float, stop: float) -> None:
        keeper = self.keeper
        if keeper is None:
            return
        local = await store.window(keeper.kind, keeper.uuid, self._names(), start, stop)
        if generation == self._generation and self.keeper is keeper:
            self._draw(merge_windows(local, server), start, stop)

    def _draw(self, window: Window, start: float, stop: float) -> None:
        keeper = self.keeper
        if keeper is None:
            return
        self.data = window
        for w in self.widgets:
            w.set_window(window)
        self._set_visible(start, stop)
        first = self.widgets[0].sources[0] if self.widgets and self.widgets[0].sources else None
        if first is not None and self.navigator is not None:
            self.navigator.set_overview(keeper.archive.overview(first))
            self.navigator.set_region(start, stop)
        self._update_status()

    @property
    def current_step(self) -> int:
        """Seconds per row of the data drawn (which archive serves the range)."""
        return self.data.step if self.data is not None else 0

    def _set_visible(self, start: float, stop: float) -> None:
        self._setting_range = True
        try:
            self.visible_range = (start, stop)
            if self.widgets:
                self.widgets[0].plot.setXRange(start, stop, padding=0)
        finally:
            self._setting_range = False

    def _view_moved(self, view: Any) -> None:
        """The user dragged or wheeled a graph: stop following "now"."""
        if self._setting_range:
            return
        rng = view.viewRange()[0]
        self.following = False
        self.visible_range = (float(rng[0]), float(rng[1]))
        if self.navigator is not None:
            self.navigator.set_region(*self.visible_range)
        if self.data is not None and len(self.data.times) and self.visible_range[0] < self.data.times[0]:
            self._redraw_timer.start()  # reaching back further: maybe a coarser archive

    def _navigator_moved(self, start: float, end: float) -> None:
        self.following = False
        self.visible_range = (start, end)
        if self.widgets:
            self._setting_range = True
            try:
                self.widgets[0].plot.setXRange(start, end, padding=0)
            finally:
                self._setting_range = False
        self._redraw_timer.start()

    def _zoom_changed(self, index: int) -> None:
        key = self.zoom.itemData(index)
        if key:
            self.set_range(key)

    def set_range(self, key: str) -> None:
        """Show the last ``key`` (``10m``, ``1h``, ``6h`` ... ``1y``) of history."""
        self.range_key = key
        self.following = True
        if self.zoom.currentData() != key:
            self.zoom.blockSignals(True)
            self.zoom.setCurrentIndex(self.zoom.findData(key))
            self.zoom.blockSignals(False)
        self._reload_data()

    def _update_status(self) -> None:
        keeper = self.keeper
        if keeper is None:
            self.status.setText("")
        elif not keeper.loaded:
            self.status.setText(
                _("Could not read performance data: {error}").format(error=keeper.last_error)
                if keeper.errors
                else _("Loading performance data...")
            )
        elif keeper.kind == "vm" and not keeper.is_live():
            self.status.setText(_("The VM is not running: no new data until it starts."))
        elif keeper.errors and keeper.last_error:
            self.status.setText(_("Some performance updates were skipped: {error}").format(error=keeper.last_error))
        else:
            self.status.setText("")

    def _show_events(self) -> None:
        keeper = self.keeper
        self.events_list.clear()
        events = keeper.events if keeper is not None else []
        self.events_label.setVisible(bool(self.obj is not None and self.obj.cls == "VM"))
        self.events_list.setVisible(self.events_label.isVisible())
        for event in reversed(events):
            self.events_list.addItem(f"{local_time(event.time)}  {event_text(event)}")
        for w in self.widgets:
            w.set_events(events)

    # -- designer ---------------------------------------------------------------------------
    async def _save(self, graphs: list[GraphDef] | None, colours: dict[str, int] | None = None) -> None:
        obj = self.obj
        history = getattr(self.window(), "history", None)

        async def work(progress: Any) -> None:
            await perf_actions.save_layout(obj.connection, obj, graphs, colours, lambda f, _text="": progress(f))

        if history is not None:
            op = history.start(_("Saving graph layout"), obj.name, work)
            await asyncio.shield(op.task)
            if op.error:
                raise perf_actions.ActionError(op.error)
        else:
            await work(lambda *_a: None)

    async def new_graph(self) -> GraphDesigner | None:
        return await self._design(None)

    async def edit_graph(self) -> GraphDesigner | None:
        if not 0 <= self.selected_index < len(self.graphs):
            return None
        return await self._design(self.selected_index)

    async def _design(self, index: int | None) -> GraphDesigner | None:
        obj = self.obj
        if obj is None:
            return None
        from xencenter_py.ui.graphs.designer import GraphDesigner

        current = self.graphs[index] if index is not None else None
        dialog = GraphDesigner(obj.connection, obj, current, self.colours, self)
        self.designer = dialog
        result = await run_dialog(dialog)
        dialog.deleteLater()
        if result != GraphDesigner.DialogCode.Accepted:
            return dialog
        graphs = list(self.graphs)
        if index is None:
            graphs.append(dialog.graph())
            self.selected_index = len(graphs) - 1
        else:
            graphs[index] = dialog.graph()
        await self._save(graphs, dialog.changed_colours)
        return dialog

    def choose_colour(self, source: str) -> QColorDialog:
        """Double-click on a legend entry: pick the series' colour (stored in gui_config)."""
        current = next((w.colours[source] for w in self.widgets if source in w.colours), 0x0066FF)
        dialog = QColorDialog(QColor(current), self)
        dialog.setObjectName("seriesColourDialog")
        dialog.colorSelected.connect(
            lambda colour: spawn(self.set_colour(source, colour.rgb() & 0xFFFFFF), self, _("Performance"))
        )
        dialog.open()
        return dialog

    async def set_colour(self, source: str, rgb: int) -> None:
        await self._save(None if self.showing_defaults else self.graphs, {source: rgb})

    async def delete_graph(self) -> None:
        index = self.selected_index
        if not 0 <= index < len(self.graphs) or len(self.graphs) < 2:
            return
        graphs = [g for i, g in enumerate(self.graphs) if i != index]
        await self._save(graphs)

    async def restore_defaults(self) -> None:
        await self._save(None)

    async def move_graph(self, delta: int) -> None:
        index = self.selected_index
        other = index + delta
        if not (0 <= index < len(self.graphs) and 0 <= other < len(self.graphs)):
            return
        graphs = list(self.graphs)
        graphs[index], graphs[other] = graphs[other], graphs[index]
        self.selected_index = other
        await self._save(graphs)

    # -- export -----------------------------------------------------------------------------
    def csv_text(self) -> str:
        """The visible range of every plotted series as CSV."""
        if self.data is None:
            return export.to_csv(with_gaps(5, [], {}), self._names())
        start, stop = self.visible_range
        return export.to_csv(self.data, self._names(), start, stop)

    def export_csv_to(self, path: str | Path) -> None:
        Path(path).write_text(self.csv_text(), encoding="utf-8")

    def export_png_to(self, path: str | Path) -> bool:
        return bool(self.graph_area.grab().save(str(path), "PNG"))

    def _ask_csv(self) -> None:
        path, _f = QFileDialog.getSaveFileName(self, _("Export as CSV"), "", _("CSV files (*.csv)"))
        if path:
            try:
                self.export_csv_to(path)
            except OSError as exc:
                from xencenter_py.ui.aio import show_error

                show_error(self, _("Export as CSV"), exc)

    def _ask_png(self) -> None:
        path, _f = QFileDialog.getSaveFileName(self, _("Export as PNG"), "", _("PNG images (*.png)"))
        if path and not self.export_png_to(path):
            from xencenter_py.ui.aio import show_error

            show_error(self, _("Export as PNG"), _("Could not write {path}.").format(path=path))
