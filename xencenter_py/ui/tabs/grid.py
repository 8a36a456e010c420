"""The one mechanism behind the property tabs: a grid of objects with action buttons.

A :class:`GridPanel` shows rows (any model objects) in :class:`Column`s and offers
:class:`TabAction`s as buttons. Whether a button is enabled, and the reason shown as its
tooltip when it is not, comes from the action's checks
(:mod:`xencenter_py.model.availability`: the user's role, ``allowed_operations``, the SR's
capabilities...) for the selected rows. Running an action goes through the window's
operation history (:func:`start`), so it shows progress in the status bar and the Events
view, and a refusal is shown in the user's language; the result comes back by events.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QGridLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import N_, LazyString
from xencenter_py.i18n import gettext as _
from xencenter_py.model import availability
from xencenter_py.model.availability import Check
from xencenter_py.ui.aio import run_dialog, show_error, spawn
from xencenter_py.ui.dialogs.form import FormDialog
from xencenter_py.ui.operations import Operation, OpState
from xencenter_py.ui.widgets import Retranslating, set_bold

BUTTONS_PER_LINE = 4


@dataclass(frozen=True)
class Column:
    title: LazyString
    value: Callable[[Any], str]


@dataclass(frozen=True)
class TabAction:
    """A button: ``checks(owner)`` lists what must hold for the selected rows (or for the
    owner when ``on_owner``); ``run(panel, rows)`` does it (usually asks, then :func:`start`)."""

    key: str
    text: LazyString
    checks: Callable[[Any], Sequence[Check]]
    run: Callable[[GridPanel, list[Any]], Awaitable[None]]
    on_owner: bool = False
    many: bool = False


class GridPanel(Retranslating, QWidget):
    """A titled grid of rows with its buttons; ``rows(owner)`` gives the rows to show
    (``children_of(row)`` nests rows, as the snapshot tree does)."""

    def __init__(
        self,
        name: str,
        title: LazyString | None,
        columns: Sequence[Column],
        actions: Sequence[TabAction],
        rows: Callable[[Any], list[Any]],
        *,
        key_of: Callable[[Any], str] = lambda r: str(getattr(r, "ref", r)),
        children_of: Callable[[Any], list[Any]] | None = None,
    ) -> None:
        super().__init__()
        self.name, self.title, self.columns, self.actions = name, title, list(columns), list(actions)
        self.rows, self.key_of, self.children_of = rows, key_of, children_of
        self.setObjectName(name)
        self.owner: Any = None
        self.header = QLabel()
        set_bold(self.header)
        self.tree = QTreeWidget()
        self.tree.setObjectName(self.name + "Grid")
        self.tree.setRootIsDecorated(self.children_of is not None)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.itemSelectionChanged.connect(self.update_buttons)
        self.buttons: dict[str, QPushButton] = {}
        row = QGridLayout()  # a few buttons per line, so long (Japanese) labels never get cut
        for i, action in enumerate(self.actions):
            button = QPushButton()
            button.setObjectName(action.key)
            button.clicked.connect(lambda _c=False, a=action: self.trigger(a))
            self.buttons[action.key] = button
            row.addWidget(button, i // BUTTONS_PER_LINE, i % BUTTONS_PER_LINE)
        row.setColumnStretch(BUTTONS_PER_LINE, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.header)
        layout.addWidget(self.tree)
        layout.addLayout(row)
        self.items: dict[str, QTreeWidgetItem] = {}
        self.row_objects: dict[str, Any] = {}
        self._shown: list[tuple[int, str, tuple[str, ...]]] | None = None
        self.retranslate()

    # ------------------------------------------------------------------ content
    def set_owner(self, owner: Any) -> None:
        """Show the rows of ``owner``; the grid is rebuilt only when what it shows changed
        (the selection is kept by key), so a stream of unrelated events costs little."""
        self.owner = owner
        shown = self._content(owner)
        if shown != self._shown:
            self._shown = shown
            self._rebuild(owner)
        self.update_buttons()

    def _content(self, owner: Any) -> list[tuple[int, str, tuple[str, ...]]]:
        """(depth, key, cells) of every row, in order: what the grid would show."""
        out: list[tuple[int, str, tuple[str, ...]]] = []

        def visit(obj: Any, depth: int) -> None:
            out.append((depth, self.key_of(obj), tuple(self._cell(c, obj) for c in self.columns)))
            if self.children_of is not None:
                for child in self.children_of(obj):
                    visit(child, depth + 1)

        if owner is not None:
            for obj in self.rows(owner):
                visit(obj, 0)
        return out

    def _rebuild(self, owner: Any) -> None:
        selected = {self.key_of(r) for r in self.selected()}
        self.tree.blockSignals(True)
        self.tree.clear()
        self.items = {}
        self.row_objects = {}
        if owner is not None:
            for obj in self.rows(owner):
                self._add(obj, None)
        for key, item in self.items.items():
            item.setSelected(key in selected)
        self.tree.expandAll()
        self.tree.blockSignals(False)
        for i in range(len(self.columns)):
            self.tree.resizeColumnToContents(i)

    def _add(self, obj: Any, parent: QTreeWidgetItem | None) -> None:
        item = QTreeWidgetItem([self._cell(c, obj) for c in self.columns])
        key = self.key_of(obj)
        item.setData(0, Qt.ItemDataRole.UserRole, key)
        self.items[key] = item
        self.row_objects[key] = obj
        if parent is None:
            self.tree.addTopLevelItem(item)
        else:
            parent.addChild(item)
        if self.children_of is not None:
            for child in self.children_of(obj):
                self._add(child, item)

    @staticmethod
    def _cell(column: Column, obj: Any) -> str:
        try:
            return column.value(obj)
        except (KeyError, TypeError, ValueError, AttributeError):
            return ""

    def selected(self) -> list[Any]:
        return [
            self.row_objects[k]
            for k in (i.data(0, Qt.ItemDataRole.UserRole) for i in self.tree.selectedItems())
            if k in self.row_objects
        ]

    def select(self, key: str) -> None:
        """Select the row ``key`` alone (tests, and after creating an object)."""
        self.tree.clearSelection()
        item = self.items.get(key)
        if item is not None:
            item.setSelected(True)
            self.tree.setCurrentItem(item)

    def cell_texts(self) -> list[list[str]]:
        """Every row's cells as shown (tests and the Japanese walk)."""
        out = []
        for item in self.items.values():
            out.append([item.text(i) for i in range(len(self.columns))])
        return out

    # ------------------------------------------------------------------ buttons
    def availability(self, action: TabAction) -> tuple[bool, str]:
        """The user's role first (so a read-only user always reads that reason), then the
        selection, then what the action needs of the rows."""
        if self.owner is None:
            return False, ""
        checks = list(action.checks(self.owner))
        roles = [c for c in checks if availability.is_role_check(c)]
        ok, reason = availability.evaluate([availability.connected, *roles], [self.owner])
        if not ok:
            return ok, reason
        rows = [self.owner] if action.on_owner else self.selected()
        picked = [] if action.on_owner else [availability.selection(1, None if action.many else 1)]
        rest = [c for c in checks if not availability.is_role_check(c)]
        return availability.evaluate([*picked, *rest], rows)

    def update_buttons(self) -> None:
        for action in self.actions:
            ok, reason = self.availability(action)
            button = self.buttons[action.key]
            button.setEnabled(ok)
            button.setToolTip("" if ok else reason)

    def trigger(self, action: TabAction) -> None:
        ok, _reason = self.availability(action)
        if not ok:
            return
        rows = [self.owner] if action.on_owner else self.selected()
        spawn(action.run(self, rows), self, str(action.text).replace("&", "").rstrip("."))

    def retranslate(self) -> None:
        self.header.setText(str(self.title) if self.title is not None else "")
        self.header.setVisible(self.title is not None)
        self.tree.setHeaderLabels([str(c.title) for c in self.columns])
        for action in self.actions:
            self.buttons[action.key].setText(str(action.text))
        self._shown = None  # the cells are in the old language
        self.set_owner(self.owner)


def start(
    widget: QWidget,
    title: str,
    conn: Any,
    work: Callable[[Callable[[float, str], None]], Awaitable[Any]],
) -> Operation:
    """Run ``work(progress)`` as an operation of the window (progress in the status bar and
    Events); a failure is shown to the user with the pool's reason in their language."""
    history = widget.window().history  # type: ignore[attr-defined]
    op: Operation = history.start(title, conn.friendly_name, lambda progress: work(lambda f, _d="": progress(f)))

    def report() -> None:
        if op.state is OpState.FAILED:
            op.changed.disconnect(report)
            show_error(widget, title, op.error)

    op.changed.connect(report)
    return op


def open_properties(widget: QWidget, obj: Any) -> None:
    """The shared Properties dialog of ``obj`` (pages are another module's business)."""
    from xencenter_py.ui.dialogs.properties import PropertiesDialog

    dialog = PropertiesDialog(obj, widget.window().history, widget.window())  # type: ignore[attr-defined]
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()


def properties_action(key: str, cls: str, target: Callable[[Any], Any]) -> TabAction:
    """A Properties button for the row ``target`` maps to (an object of class ``cls``); the
    role must at least allow renaming it, as for the main window's Properties."""

    async def run(panel: GridPanel, rows: list[Any]) -> None:
        open_properties(panel, target(rows[0]))

    def checks(_owner: Any) -> Sequence[Check]:
        return [
            availability.role(f"{cls}.set_name_label"),
            availability.predicate(lambda r: target(r) is not None, lambda: _("This item has no properties to edit")),
        ]

    return TabAction(key, N_("Properties"), checks, run)


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


async def ask_form(widget: QWidget, dialog: FormDialog) -> dict[str, Any] | None:
    """Show ``dialog`` and return its values, or None when cancelled."""
    dialog.setParent(widget.window(), dialog.windowFlags())
    result = await run_dialog(dialog)
    values = dialog.values() if result == QDialog.DialogCode.Accepted else None
    dialog.deleteLater()
    return values
