"""The Properties dialog (F2): every page XenCenter has for each kind of object.

The pages of each kind are the table ``PAGES``; General, CPU and Memory and Home Server
live here, the others in ``pages/`` (most of them declared field lists, see
``property_page``).

Pages are listed on the left and shown one at a time on the right. Every page keeps the
value it last loaded from the cache next to the widget: an event updates the fields the
user has not touched, and OK sends only the fields that differ from the pool's current
values, as one operation in Notifications > Events. If the pool refuses, the error is
shown and the dialog stays open with the user's input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.datamodel import NULL_REF
from xencenter_py.i18n import gettext as _
from xencenter_py.model import org
from xencenter_py.model.objects import VM
from xencenter_py.ui.aio import show_error as show_failure
from xencenter_py.ui.dialogs.pages import common, infrastructure, vm
from xencenter_py.ui.dialogs.property_page import (
    Call,
    Page,
    error_label,
    other_config_calls,
    resolve_args,
    show_error,
)
from xencenter_py.ui.dialogs.vm_start_options import StartOptionsPage
from xencenter_py.ui.operations import Operation, OperationHistory, OpState
from xencenter_py.ui.widgets import Retranslating

MIB = 1024 * 1024
MAX_MEMORY_MIB = 16 * 1024 * 1024  # 16 TiB: above any server's memory
MAX_VCPUS_FIELD = 4096  # the field's own range; the real limit is checked with a message


class GeneralPage(Page):
    """Name (required), description, folder and tags."""

    def __init__(self, obj: Any, changed: Callable[[], None]) -> None:
        super().__init__(obj, changed)
        self.setObjectName("generalPage")
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("name")
        self.name_error = error_label("nameError")
        self.description = QPlainTextEdit()
        self.description.setObjectName("description")
        self.description.setFixedHeight(70)
        self.tag_list = QListWidget()
        self.tag_list.setObjectName("tags")
        self.tag_list.setFixedHeight(90)
        self.new_tag = QLineEdit()
        self.new_tag.setObjectName("newTag")
        self.add_tag = QPushButton()
        self.add_tag.setObjectName("addTag")
        self.remove_tag = QPushButton()
        self.remove_tag.setObjectName("removeTag")
        self.folder = QComboBox()
        self.folder.setObjectName("folder")
        self.folder.setEditable(True)
        self.folder_label = QLabel()
        self.name_label, self.description_label, self.tags_label = QLabel(), QLabel(), QLabel()
        tag_row = QHBoxLayout()
        tag_row.addWidget(self.new_tag, 1)
        tag_row.addWidget(self.add_tag)
        tag_row.addWidget(self.remove_tag)
        form = QFormLayout()
        form.addRow(self.name_label, self.name_edit)
        form.addRow("", self.name_error)
        form.addRow(self.description_label, self.description)
        if obj.cls in org.FOLDER_CLASSES:
            form.addRow(self.folder_label, self.folder)
        else:
            self.folder.hide()
        form.addRow(self.tags_label, self.tag_list)
        form.addRow("", tag_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)
        self._name = self._description = self._folder = ""
        self._tags: list[str] = []
        self.name_edit.textChanged.connect(self.changed)
        self.folder.currentTextChanged.connect(self.changed)
        self.new_tag.textChanged.connect(self._update_buttons)
        self.new_tag.returnPressed.connect(self._add_tag)
        self.add_tag.clicked.connect(self._add_tag)
        self.remove_tag.clicked.connect(self._remove_tag)
        self.tag_list.itemSelectionChanged.connect(self._update_buttons)
        self.refresh()
        self.retranslate()

    def retranslate(self) -> None:
        self.name_label.setText(_("&Name:"))
        self.name_label.setBuddy(self.name_edit)
        self.description_label.setText(_("&Description:"))
        self.description_label.setBuddy(self.description)
        self.folder_label.setText(_("&Folder:"))
        self.folder_label.setBuddy(self.folder)
        self.folder.lineEdit().setPlaceholderText(_("(none)"))
        self.tags_label.setText(_("&Tags:"))
        self.tags_label.setBuddy(self.new_tag)
        self.new_tag.setPlaceholderText(_("New tag"))
        self.add_tag.setText(_("&Add"))
        self.remove_tag.setText(_("Re&move"))
        self.changed()

    def title(self) -> str:
        return _("General")

    def refresh(self) -> None:
        rec = self.obj.record
        name, description = rec.get("name_label", ""), rec.get("name_description", "")
        tags = list(rec.get("tags") or ())
        if self.name_edit.text() == self._name:
            self.name_edit.setText(name)
        if self.description.toPlainText() == self._description:
            self.description.setPlainText(description)
        if self.current_tags() == self._tags:
            self._set_tags(tags)
        folder = org.folder_of(self.obj)
        if self.folder.currentText().strip() == self._folder:
            self._set_folders(folder)
        self._name, self._description, self._tags, self._folder = name, description, tags, folder
        self._update_buttons()

    def _set_folders(self, current: str) -> None:
        """Offer the pool's folders (and their parents), showing ``current``."""
        pool = self.obj.cache.pool
        known = set(org.empty_folders(pool))
        for cls in org.FOLDER_CLASSES:
            for other in self.obj.cache.all(cls):
                known.add(org.folder_of(other))
        paths = sorted({a for p in known for a in org.folder_ancestors(p)}, key=str.casefold)
        self.folder.blockSignals(True)
        self.folder.clear()
        self.folder.addItems(["", *paths])
        self.folder.setCurrentText(current)
        self.folder.blockSignals(False)

    def current_tags(self) -> list[str]:
        return [self.tag_list.item(i).text() for i in range(self.tag_list.count())]

    def _set_tags(self, tags: list[str]) -> None:
        self.tag_list.clear()
        self.tag_list.addItems(tags)

    def _add_tag(self) -> None:
        tag = self.new_tag.text().strip()
        if tag and tag not in self.current_tags():
            self.tag_list.addItem(tag)
        self.new_tag.clear()
        self.changed()

    def _remove_tag(self) -> None:
        for item in self.tag_list.selectedItems():
            self.tag_list.takeItem(self.tag_list.row(item))
        self.changed()

    def _update_buttons(self) -> None:
        self.add_tag.setEnabled(bool(self.new_tag.text().strip()))
        self.remove_tag.setEnabled(bool(self.tag_list.selectedItems()))

    def problem(self) -> str:
        # An object the pool holds without a name (a pool of one, some disks) may stay so.
        edited = self.name_edit.text() != self._name
        text = _("The name cannot be empty.") if edited and not self.name_edit.text().strip() else ""
        show_error(self.name_error, text)
        return text

    def calls(self) -> list[Call]:
        cls, ref = self.obj.cls, self.obj.ref
        out: list[Call] = []
        name = self.name_edit.text().strip()
        if name != self._name:
            out.append((f"{cls}.set_name_label", (ref, name)))
        description = self.description.toPlainText()
        if description != self._description:
            out.append((f"{cls}.set_name_description", (ref, description)))
        folder = org.normalise_folder(self.folder.currentText())
        if self.obj.cls in org.FOLDER_CLASSES and folder != self._folder:
            out += other_config_calls(self.obj, org.FOLDER_KEY, folder or None)
        tags = self.current_tags()
        out += [(f"{cls}.remove_tags", (ref, t)) for t in self._tags if t not in tags]
        out += [(f"{cls}.add_tags", (ref, t)) for t in tags if t not in self._tags]
        return out


class CpuMemoryPage(Page):
    """vCPUs (maximum, at start-up) and the memory limits of a halted VM or a template, and
    the vCPU topology, priority and cap (``pages.vm.CPU_FIELDS``)."""

    FIELDS = ("VCPUs_max", "VCPUs_at_startup")
    MEMORY = ("memory_static_min", "memory_dynamic_min", "memory_dynamic_max", "memory_static_max")

    def __init__(self, obj: Any, changed: Callable[[], None]) -> None:
        super().__init__(obj, changed)
        self.setObjectName("cpuMemoryPage")
        self.note = QLabel()
        self.note.setObjectName("cpuMemoryNote")
        self.note.setWordWrap(True)
        self.error = error_label("cpuMemoryError")
        self.spins: dict[str, QSpinBox] = {}
        self.labels: dict[str, QLabel] = {}
        form = QFormLayout()
        for field in (*self.FIELDS, *self.MEMORY):
            spin = QSpinBox()
            spin.setObjectName(field)
            if field in self.FIELDS:
                spin.setRange(0, MAX_VCPUS_FIELD)
            else:
                spin.setRange(0, MAX_MEMORY_MIB)
                spin.setSuffix(" MB")
                spin.setSingleStep(128)
            spin.valueChanged.connect(self.changed)
            self.spins[field] = spin
            self.labels[field] = QLabel()
            form.addRow(self.labels[field], spin)
        self.scheduling = vm.cpu_form(obj, self.changed)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addLayout(form)
        layout.addWidget(self.scheduling)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self._loaded: dict[str, int] = {}
        self.refresh()
        self.retranslate()

    def retranslate(self) -> None:
        texts = {
            "VCPUs_max": _("Maximum number of vCPUs:"),
            "VCPUs_at_startup": _("vCPUs at startup:"),
            "memory_static_min": _("Static minimum:"),
            "memory_dynamic_min": _("Dynamic minimum:"),
            "memory_dynamic_max": _("Dynamic maximum:"),
            "memory_static_max": _("Static maximum:"),
        }
        for field, label in self.labels.items():
            label.setText(texts[field])
            label.setBuddy(self.spins[field])
        self.scheduling.retranslate()
        self._update_note()
        self.changed()

    def title(self) -> str:
        return _("CPU and Memory")

    def editable(self) -> bool:
        return self.obj.power_state == "Halted"

    def _update_note(self) -> None:
        editable = self.editable()
        self.note.setText(
            _("The VM's vCPUs and memory can be changed here.")
            if editable
            else _("Shut down the VM to change its vCPUs and memory.")
        )
        for spin in self.spins.values():
            spin.setEnabled(editable)

    def _value(self, field: str) -> int:
        raw = int(self.obj.get(field) or 0)
        return raw if field in self.FIELDS else raw // MIB

    def refresh(self) -> None:
        for field, spin in self.spins.items():
            value = self._value(field)
            if field not in self._loaded or spin.value() == self._loaded[field]:
                spin.blockSignals(True)
                spin.setValue(value)
                spin.blockSignals(False)
            self._loaded[field] = value
        self.scheduling.refresh()
        self._update_note()

    def vcpu_limit(self) -> int:
        """The most vCPUs a VM may have here: the pool's largest server (at least what it has)."""
        counts = [h.cpu_count for h in self.obj.cache.all("host")]
        return max([*counts, self._loaded.get("VCPUs_max", 1), 1])

    def problem(self) -> str:
        text = (self._problem() if self.editable() else "") or self.scheduling.problem()
        show_error(self.error, text)
        return text

    def _problem(self) -> str:
        v = {f: s.value() for f, s in self.spins.items()}
        cores = self.scheduling.value("coresPerSocket")
        if v["VCPUs_max"] and cores and v["VCPUs_max"] % cores:
            return _("The number of cores per socket must divide the number of vCPUs ({count}).").format(
                count=v["VCPUs_max"]
            )
        limit = self.vcpu_limit()
        for field in self.FIELDS:
            if not 1 <= v[field] <= limit:
                return _("The number of vCPUs must be between 1 and {limit}.").format(limit=limit)
        if v["VCPUs_at_startup"] > v["VCPUs_max"]:
            return _("The vCPUs at startup cannot be more than the maximum number of vCPUs.")
        smin, dmin, dmax, smax = (v[f] for f in self.MEMORY)
        if dmax < 1 or not smin <= dmin <= dmax <= smax:
            return _(
                "The memory values must satisfy: static minimum ≤ dynamic minimum ≤ dynamic maximum ≤ static maximum."
            )
        return ""

    def _changed(self, field: str) -> bool:
        return self.spins[field].value() != self._loaded[field]

    def calls(self) -> list[Call]:
        if not self.editable():
            return self.scheduling.calls()
        ref = self.obj.ref
        out: list[Call] = []
        vcpus = [
            (f"VM.set_{f}", (ref, self.spins[f].value()))
            for f in self.FIELDS  # maximum first: right when it grows
            if self._changed(f)
        ]
        if self.spins["VCPUs_max"].value() < self._loaded["VCPUs_max"]:
            vcpus.reverse()  # it shrinks: lower the start-up count first
        out += vcpus
        if any(self._changed(f) for f in self.MEMORY):
            values = [
                self.spins[f].value() * MIB if self._changed(f) else int(self.obj.get(f) or 0) for f in self.MEMORY
            ]
            smin, dmin, dmax, smax = values
            out.append(("VM.set_memory_limits", (ref, smin, smax, dmin, dmax)))
        return out + self.scheduling.calls()


class HomeServerPage(Page):
    """Where the VM prefers to start: no particular server, or a chosen one."""

    def __init__(self, obj: Any, changed: Callable[[], None]) -> None:
        super().__init__(obj, changed)
        self.setObjectName("homeServerPage")
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.none = QRadioButton()
        self.none.setObjectName("noHomeServer")
        self.specific = QRadioButton()
        self.specific.setObjectName("specificHomeServer")
        group = QButtonGroup(self)
        group.addButton(self.none)
        group.addButton(self.specific)
        self.hosts = QComboBox()
        self.hosts.setObjectName("homeServer")
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.none)
        layout.addWidget(self.specific)
        layout.addWidget(self.hosts)
        layout.addStretch(1)
        self._loaded: str | None = None
        self.none.toggled.connect(self._toggled)
        self.hosts.currentIndexChanged.connect(self.changed)
        self.refresh()
        self.retranslate()

    def retranslate(self) -> None:
        self.intro.setText(
            _("The home server is where the VM starts when it can; with no home server, the pool chooses one.")
        )
        self.none.setText(_("&No home server"))
        self.specific.setText(_("&Place the VM on this server:"))

    def title(self) -> str:
        return _("Home Server")

    def chosen(self) -> str:
        """The selected home server's ref, or NULL_REF."""
        return str(self.hosts.currentData() or NULL_REF) if self.specific.isChecked() else NULL_REF

    def _toggled(self) -> None:
        self.hosts.setEnabled(self.specific.isChecked())
        self.changed()

    def refresh(self) -> None:
        current = self.chosen() if self._loaded is not None else None
        affinity = self.obj.affinity
        loaded = affinity.ref if affinity is not None else NULL_REF
        hosts = sorted(self.obj.cache.all("host"), key=lambda h: h.name.lower())
        keep = current if current is not None and current != self._loaded else loaded
        self.hosts.blockSignals(True)
        self.hosts.clear()
        for host in hosts:
            self.hosts.addItem(host.name, host.ref)
        self.hosts.setCurrentIndex(max(0, self.hosts.findData(keep)))
        self.hosts.blockSignals(False)
        (self.specific if keep != NULL_REF and hosts else self.none).setChecked(True)
        self.specific.setEnabled(bool(hosts))
        self.hosts.setEnabled(self.specific.isChecked())
        self._loaded = loaded

    def calls(self) -> list[Call]:
        chosen = self.chosen()
        return [] if chosen == self._loaded else [("VM.set_affinity", (self.obj.ref, chosen))]


PAGES: dict[str, list[type[Page]]] = {
    "VM": [
        GeneralPage,
        common.CustomFieldsPage,
        CpuMemoryPage,
        vm.BootOptionsPage,
        StartOptionsPage,
        common.AlertsPage,
        HomeServerPage,
        vm.AdvancedOptionsPage,
    ],
    "snapshot": [GeneralPage, common.CustomFieldsPage],
    "host": [
        GeneralPage,
        common.CustomFieldsPage,
        common.AlertsPage,
        infrastructure.MultipathingPage,
        infrastructure.LogDestinationPage,
        infrastructure.PowerOnPage,
    ],
    "pool": [GeneralPage, common.CustomFieldsPage, infrastructure.PoolAlertsPage, infrastructure.LiveMigrationPage],
    "SR": [GeneralPage, common.CustomFieldsPage, common.AlertsPage, infrastructure.ReadCachingPage],
    "VDI": [GeneralPage, infrastructure.SizeLocationPage, common.CustomFieldsPage],
    "network": [GeneralPage, common.CustomFieldsPage, infrastructure.NetworkSettingsPage],
}
"""XenCenter's pages for each kind of object, in its order."""

SHOWN_IF: dict[type[Page], Callable[[Any], bool]] = {
    vm.AdvancedOptionsPage: lambda o: o.is_hvm,
    infrastructure.ReadCachingPage: lambda o: o.get("type") in infrastructure.READ_CACHING_TYPES,
    infrastructure.LiveMigrationPage: lambda o: "migration_compression" in o.record,  # pools that have it
}
"""Pages only some objects of a kind have (Advanced Options: HVM VMs only)."""


def pages_for(obj: Any) -> list[type[Page]]:
    """The object's pages: its kind's from ``PAGES`` (a snapshot has few), then ``SHOWN_IF``."""
    kind = "snapshot" if isinstance(obj, VM) and obj.is_snapshot else obj.cls
    return [p for p in PAGES.get(kind, [GeneralPage]) if SHOWN_IF.get(p, lambda _o: True)(obj)]


class PropertiesDialog(Retranslating, QDialog):
    """Edit one object's properties; opened window-modally, never blocking the loop."""

    def __init__(self, obj: Any, history: OperationHistory, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("propertiesDialog")
        self.obj = obj
        self.history = history
        self.operation: Operation | None = None
        self.page_list = QListWidget()
        self.page_list.setObjectName("pageList")
        self.page_list.setFixedWidth(170)
        self.stack = QStackedWidget()
        self.pages: list[Page] = []
        for page_type in pages_for(obj):
            page = page_type(obj, self._validate)
            self.pages.append(page)
            self.stack.addWidget(page)
            self.page_list.addItem("")
        self.page_list.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.page_list.setCurrentRow(0)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        body = QHBoxLayout()
        body.addWidget(self.page_list)
        body.addWidget(self.stack, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.buttons)
        self.resize(620, 420)
        self._unsubscribe: Callable[[], None] | None = obj.cache.subscribe(self._cache_changed)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(_("'{name}' Properties").format(name=self.obj.name))
        for row, page in enumerate(self.pages):
            self.page_list.item(row).setText(page.title())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("OK"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self._validate()

    def page(self, page_type: type[Page]) -> Any:
        """The dialog's page of ``page_type`` (None when the object has none)."""
        return next((p for p in self.pages if isinstance(p, page_type)), None)

    def _busy(self) -> bool:
        return self.operation is not None and self.operation.running

    def _validate(self) -> None:
        if not hasattr(self, "buttons"):
            return  # pages report changes while the dialog is still being built
        problems = [p.problem() for p in self.pages]
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not any(problems) and not self._busy())

    def _cache_changed(self, batch: list[Any]) -> None:
        if not any(ch.ref == self.obj.ref or ch.cls in ("host", "pool") for ch in batch):
            return
        if not self.obj.exists:
            if not self._busy():
                self.reject()  # deleted by someone else: nothing left to edit
            return
        for page in self.pages:
            page.refresh()
        self.retranslate()

    def calls(self) -> list[Call]:
        """Every call OK would make now."""
        return [call for page in self.pages for call in page.calls()]

    def accept(self) -> None:
        """Send the changes as one operation; close when the pool has taken them all."""
        if self._busy() or any(p.problem() for p in self.pages):
            return
        calls = self.calls()
        if not calls:
            super().accept()
            return
        conn = self.obj.connection
        obj = self.obj

        def title() -> str:
            return _("Changing the properties of '{name}'").format(name=obj.name)

        async def work(progress: Callable[[float], None]) -> None:
            results: list[Any] = []
            for done, (method, args) in enumerate(calls, 1):
                results.append(await conn.call(method, *resolve_args(args, results)))
                progress(done / len(calls))

        self.operation = self.history.start(title, conn.friendly_name, work)
        self.operation.changed.connect(self._operation_changed)  # a slot: dropped with the dialog
        self._set_enabled(False)

    def _set_enabled(self, enabled: bool) -> None:
        self.stack.setEnabled(enabled)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setEnabled(enabled)
        self._validate()

    def _operation_changed(self) -> None:
        op = self.operation
        if op is None or op.running:
            return
        self.operation = None
        if op.state is OpState.SUCCEEDED:
            super().accept()
            return
        self._set_enabled(True)
        if op.state is OpState.FAILED:
            show_failure(self, op.title, op.error)

    def reject(self) -> None:
        if not self._busy():
            super().reject()

    def done(self, result: int) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        super().done(result)
