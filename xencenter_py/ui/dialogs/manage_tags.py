"""Tools ▸ Manage Tags: every tag of the connected pools with how many objects carry it;
rename or delete a tag everywhere, or put a (new) tag on the selected objects."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import gettext as _
from xencenter_py.i18n import ngettext
from xencenter_py.model import org
from xencenter_py.model.actions import organize
from xencenter_py.ui import icons
from xencenter_py.ui.widgets import Retranslating

if TYPE_CHECKING:
    from xencenter_py.ui.organize import Organizer


class ManageTagsDialog(Retranslating, QDialog):
    def __init__(self, organizer: Organizer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("manageTagsDialog")
        self.organizer = organizer
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.tags = QListWidget()
        self.tags.setObjectName("tagList")
        self.rename = QPushButton()
        self.rename.setObjectName("renameTag")
        self.delete = QPushButton()
        self.delete.setObjectName("deleteTag")
        self.new_tag = QLineEdit()
        self.new_tag.setObjectName("newTag")
        self.apply = QPushButton()
        self.apply.setObjectName("tagSelection")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        side = QVBoxLayout()
        side.addWidget(self.rename)
        side.addWidget(self.delete)
        side.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.tags, 1)
        row.addLayout(side)
        new_row = QHBoxLayout()
        new_row.addWidget(self.new_tag, 1)
        new_row.addWidget(self.apply)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(row, 1)
        layout.addLayout(new_row)
        layout.addWidget(self.buttons)
        self.rename.clicked.connect(lambda: self._with_tag(organizer.rename_tag))
        self.delete.clicked.connect(lambda: self._with_tag(organizer.delete_tag))
        self.apply.clicked.connect(self._tag_selection)
        self.new_tag.returnPressed.connect(self._tag_selection)
        self.new_tag.textChanged.connect(self._update_buttons)
        self.tags.itemSelectionChanged.connect(self._update_buttons)
        self.tags.itemDoubleClicked.connect(lambda item: self.new_tag.setText(item.data(Qt.ItemDataRole.UserRole)))
        self._unsubscribe = [c.cache.subscribe(lambda _b: self.refresh()) for c in organizer.connections()]
        self.resize(460, 380)
        self.refresh()
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(_("Manage Tags"))
        self.intro.setText(
            _("Tags of every connected pool. Renaming or deleting a tag changes every object that has it.")
        )
        self.rename.setText(_("&Rename..."))
        self.delete.setText(_("&Delete"))
        self.new_tag.setPlaceholderText(_("Tag"))
        self.apply.setText(_("&Tag Selected Objects"))
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        self.refresh()

    def counts(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for conn in self.organizer.connections():
            for cls in org.FOLDER_CLASSES:
                for obj in conn.cache.all(cls):
                    counts.update(dict.fromkeys(obj.get("tags") or (), 1))
        return counts

    def refresh(self) -> None:
        selected = self.selected_tag()
        self.tags.clear()
        for tag, count in sorted(self.counts().items(), key=lambda tc: tc[0].casefold()):
            text = ngettext("{tag} ({count} object)", "{tag} ({count} objects)", count).format(tag=tag, count=count)
            item = QListWidgetItem(icons.icon("tag"), text)
            item.setData(Qt.ItemDataRole.UserRole, tag)
            self.tags.addItem(item)
            if tag == selected:
                item.setSelected(True)
        self._update_buttons()

    def selected_tag(self) -> str | None:
        items = self.tags.selectedItems() if hasattr(self, "tags") else []
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def _update_buttons(self) -> None:
        has_tag = self.selected_tag() is not None
        self.rename.setEnabled(has_tag)
        self.delete.setEnabled(has_tag)
        self.apply.setEnabled(bool(self.new_tag.text().strip()) and bool(self._selection()))

    def _selection(self) -> list[Any]:
        return [o for o in self.organizer.w.selection if o.cls in org.FOLDER_CLASSES]

    def _with_tag(self, action: Any) -> None:
        tag = self.selected_tag()
        if tag is not None:
            action(tag)

    def _tag_selection(self) -> None:
        tag = self.new_tag.text().strip()
        objects = self._selection()
        if not tag or not objects:
            return
        self.organizer.run(
            _("Adding tag '{tag}'").format(tag=tag),
            self.organizer._location(),
            lambda p: organize.tag_objects(objects, tag, p),
        )
        self.new_tag.clear()

    def done(self, result: int) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        super().done(result)
