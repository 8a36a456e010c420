"""The New VM wizard (VM ▸ New VM, Ctrl+N), with XenCenter's pages: template, name,
installation media, home server, CPU and memory, storage, networking, finish.

Each page reads the pool through the connection's cache and the template's facts
(``model.templates``); Finish hands a :class:`NewVm` to the ``create_vm`` action, run as
an operation in Notifications ▸ Events.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import format_bytes
from xencenter_py.i18n import gettext as _
from xencenter_py.model.actions.base import ActionError
from xencenter_py.model.actions.vm_lifecycle import NULL_REF, DiskSpec, InstallMedia, NewVm, check_new_vm, create_vm
from xencenter_py.model.objects import VM, natural_key
from xencenter_py.model.templates import (
    GiB,
    MiB,
    can_hold_disks,
    install_methods,
    is_pv,
    provision_disks,
    recommendations,
)
from xencenter_py.ui.operations import Operation, OperationHistory
from xencenter_py.ui.wizards.base import SummaryPage, Wizard, WizardPage


def templates_of(conn: Any) -> list[VM]:
    """The pool's templates as the wizard lists them: default ones, then custom, by name."""
    found = [v for v in conn.cache.all("VM") if v.is_template and not v.is_internal_template]
    return sorted(found, key=lambda v: (not v.is_default_template, natural_key(v.name)))


class NewVmWizard(Wizard):
    """Collects a :class:`NewVm` for ``conn``; ``template`` preselects one."""

    def __init__(
        self, conn: Any, history: OperationHistory, parent: QWidget | None = None, template: VM | None = None
    ) -> None:
        self.conn = conn
        self.history = history
        self.operation: Operation | None = None
        self.created: Callable[[str], None] | None = None
        self.template_page = TemplatePage(conn, template)
        self.name_page = NamePage()
        self.media_page = MediaPage(conn)
        self.home_page = HomeServerPage(conn)
        self.cpu_page = CpuMemoryPage()
        self.storage_page = StoragePage(conn)
        self.network_page = NetworkPage(conn)
        self.finish_page = FinishPage()
        super().__init__(
            [
                self.template_page,
                self.name_page,
                self.media_page,
                self.home_page,
                self.cpu_page,
                self.storage_page,
                self.network_page,
                self.finish_page,
            ],
            parent,
        )
        self.setObjectName("newVmWizard")

    def window_title(self) -> str:
        return _("New VM")

    @property
    def template(self) -> VM | None:
        return self.template_page.selected()

    def spec(self) -> NewVm:
        template = self.template
        assert template is not None
        cpu = self.cpu_page
        return NewVm(
            template=template.ref,
            name=self.name_page.name_edit.text().strip(),
            description=self.name_page.description_edit.toPlainText(),
            media=self.media_page.media(),
            affinity=self.home_page.affinity(),
            vcpus_max=cpu.vcpus.value(),
            vcpus_at_startup=cpu.vcpus_startup.value(),
            cores_per_socket=int(cpu.topology.currentData() or 1),
            memory_static_max=cpu.memory_max.value() * MiB,
            memory_dynamic_min=cpu.memory_min.value() * MiB,
            memory_dynamic_max=cpu.memory_max.value() * MiB,
            disks=self.storage_page.disks(),
            networks=self.network_page.networks(),
            start=self.finish_page.start_check.isChecked(),
        )

    async def finish(self) -> Operation:
        spec = self.spec()
        check_new_vm(self.conn, spec)
        conn = self.conn
        title = _("Creating VM '{name}'").format(name=spec.name)

        async def work(progress: Callable[[float], None]) -> None:
            ref = await create_vm(conn, spec, lambda fraction, _text: progress(fraction))
            if self.created is not None:
                self.created(ref)

        self.operation = self.history.start(title, conn.friendly_name, work)
        return self.operation


# ------------------------------------------------------------------------------ pages
class _Page(WizardPage):
    @property
    def new_vm(self) -> NewVmWizard:
        assert isinstance(self.wizard, NewVmWizard)
        return self.wizard

    @property
    def template(self) -> VM | None:
        return self.new_vm.template if self.wizard is not None else None


class TemplatePage(_Page):
    """Default and custom templates, searchable, with the selected one's description."""

    def __init__(self, conn: Any, preselect: VM | None) -> None:
        super().__init__()
        self.setObjectName("templatePage")
        self.search = QLineEdit()
        self.search.setObjectName("templateSearch")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setObjectName("templateList")
        self.description = QLabel()
        self.description.setObjectName("templateDescription")
        self.description.setWordWrap(True)
        self.description.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        # Room for a long description: the stacked pages do not grow a label to its wrapped height.
        self.description.setMinimumHeight(self.description.fontMetrics().lineSpacing() * 5)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.description)
        self.templates = templates_of(conn)
        for t in self.templates:
            item = QListWidgetItem(t.name)
            item.setData(Qt.ItemDataRole.UserRole, t.ref)
            self.list.addItem(item)
        self.search.textChanged.connect(self._filter)
        self.list.currentItemChanged.connect(lambda *_: self._selected_changed())
        if preselect is not None:
            self.select(preselect.name)
        self.retranslate()

    def select(self, name: str) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.text() == name:
                self.list.setCurrentItem(item)
                return

    def selected(self) -> VM | None:
        item = self.list.currentItem()
        if item is None or item.isHidden():
            return None
        ref = item.data(Qt.ItemDataRole.UserRole)
        return next((t for t in self.templates if t.ref == ref and t.exists), None)

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setHidden(bool(needle) and needle not in item.text().lower())
        self._selected_changed()

    def _selected_changed(self) -> None:
        t = self.selected()
        self.description.setText(t.description if t is not None else "")
        self.completeChanged.emit()

    def title(self) -> str:
        return _("Template")

    def heading(self) -> str:
        return _("Select a VM template")

    def is_complete(self) -> bool:
        return self.selected() is not None

    def summary(self) -> list[tuple[str, str]]:
        t = self.selected()
        return [(_("Template:"), t.name if t else "")]

    def retranslate(self) -> None:
        self.search.setPlaceholderText(_("Search"))
        for i, t in enumerate(self.templates):
            self.list.item(i).setToolTip(_("Default template") if t.is_default_template else _("Custom template"))


class NamePage(_Page):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("namePage")
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("vmName")
        self.description_edit = QPlainTextEdit()
        self.description_edit.setObjectName("vmDescription")
        self.form = QFormLayout(self)
        self.name_label, self.description_label = QLabel(), QLabel()
        self.form.addRow(self.name_label, self.name_edit)
        self.form.addRow(self.description_label, self.description_edit)
        self.name_edit.textChanged.connect(self.completeChanged)
        self._template_ref = ""
        self.retranslate()

    def enter(self) -> None:
        t = self.template
        if t is not None and t.ref != self._template_ref:
            self._template_ref = t.ref
            self.name_edit.setText(t.name)  # XenCenter starts from the template's name
            self.description_edit.setPlainText("" if t.is_default_template else t.description)

    def title(self) -> str:
        return _("Name")

    def heading(self) -> str:
        return _("Name the new virtual machine")

    def is_complete(self) -> bool:
        return bool(self.name_edit.text().strip())

    def summary(self) -> list[tuple[str, str]]:
        return [(_("Name:"), self.name_edit.text().strip())]

    def retranslate(self) -> None:
        self.name_label.setText(_("&Name:"))
        self.name_label.setBuddy(self.name_edit)
        self.description_label.setText(_("&Description:"))
        self.description_label.setBuddy(self.description_edit)


class MediaPage(_Page):
    """ISO library, the server's DVD drive, network boot, or a PV template's install URL."""

    def __init__(self, conn: Any) -> None:
        super().__init__()
        self.setObjectName("mediaPage")
        self.conn = conn
        self.group = QButtonGroup(self)
        self.iso_radio, self.dvd_radio = QRadioButton(), QRadioButton()
        self.network_radio, self.url_radio = QRadioButton(), QRadioButton()
        self.none_radio = QRadioButton()
        for name, radio in (
            ("mediaIso", self.iso_radio),
            ("mediaDvd", self.dvd_radio),
            ("mediaNetwork", self.network_radio),
            ("mediaUrl", self.url_radio),
            ("mediaNone", self.none_radio),
        ):
            radio.setObjectName(name)
            self.group.addButton(radio)
        self.iso_combo, self.dvd_combo = QComboBox(), QComboBox()
        self.iso_combo.setObjectName("isoCombo")
        self.dvd_combo.setObjectName("dvdCombo")
        self.url_edit = QLineEdit()
        self.url_edit.setObjectName("installUrl")
        self.url_edit.setPlaceholderText("http://, ftp://, nfs://")
        layout = QVBoxLayout(self)
        for radio, widget in (
            (self.iso_radio, self.iso_combo),
            (self.dvd_radio, self.dvd_combo),
            (self.url_radio, self.url_edit),
            (self.network_radio, None),
            (self.none_radio, None),
        ):
            layout.addWidget(radio)
            if widget is not None:
                row = QHBoxLayout()
                row.addSpacing(24)
                row.addWidget(widget, 1)
                layout.addLayout(row)
        layout.addStretch(1)
        for combo in (self.iso_combo, self.dvd_combo):
            for vdi in self._media(dvd=combo is self.dvd_combo):
                combo.addItem(vdi.name if combo is self.iso_combo else self._dvd_label(vdi), vdi.ref)
        self.group.buttonToggled.connect(lambda *_: self._sync())
        self.url_edit.textChanged.connect(self.completeChanged)
        self._template_ref = ""
        self.retranslate()

    def _media(self, *, dvd: bool) -> list[Any]:
        out = []
        for vdi in self.conn.cache.all("VDI"):
            sr = vdi.sr
            if sr is None or not sr.is_iso or (sr.type == "udev") != dvd or sr.is_tools_sr:
                continue
            out.append(vdi)
        return sorted(out, key=lambda v: natural_key(v.name))

    @staticmethod
    def _dvd_label(vdi: Any) -> str:
        host = vdi.sr.storage_host() if vdi.sr is not None else None
        return f"{vdi.name} ({host.name})" if host is not None else vdi.name

    def enter(self) -> None:
        t = self.template
        if t is None or t.ref == self._template_ref:
            return
        self._template_ref = t.ref
        pv = is_pv(t)
        methods = install_methods(t)
        self.url_radio.setVisible(pv and any(m in methods for m in ("http", "ftp", "nfs")))
        self.url_edit.setVisible(self.url_radio.isVisible())
        self.network_radio.setVisible(not pv)
        self.iso_radio.setEnabled(self.iso_combo.count() > 0)
        self.dvd_radio.setEnabled(self.dvd_combo.count() > 0)
        default = (
            self.iso_radio if self.iso_radio.isEnabled() and "cdrom" in (methods or ["cdrom"]) else self.none_radio
        )
        if not t.is_default_template:
            default = self.none_radio  # a custom template is usually installed already
        default.setChecked(True)
        self._sync()

    def _sync(self) -> None:
        self.iso_combo.setEnabled(self.iso_radio.isChecked())
        self.dvd_combo.setEnabled(self.dvd_radio.isChecked())
        self.url_edit.setEnabled(self.url_radio.isChecked())
        self.completeChanged.emit()

    def media(self) -> InstallMedia:
        if self.iso_radio.isChecked():
            return InstallMedia("iso", self.iso_combo.currentData() or NULL_REF)
        if self.dvd_radio.isChecked():
            return InstallMedia("dvd", self.dvd_combo.currentData() or NULL_REF)
        if self.network_radio.isChecked():
            return InstallMedia("network")
        if self.url_radio.isChecked():
            return InstallMedia("url", url=self.url_edit.text().strip())
        return InstallMedia()

    def title(self) -> str:
        return _("Installation Media")

    def heading(self) -> str:
        return _("Locate the operating system installation media")

    def is_complete(self) -> bool:
        if self.url_radio.isChecked():
            return bool(self.url_edit.text().strip())
        return self.group.checkedButton() is not None

    def summary(self) -> list[tuple[str, str]]:
        m = self.media()
        text = {
            "iso": self.iso_combo.currentText(),
            "dvd": self.dvd_combo.currentText(),
            "network": _("Boot from network"),
            "url": m.url,
        }.get(m.kind, _("None"))
        return [(_("Installation media:"), text)]

    def retranslate(self) -> None:
        self.iso_radio.setText(_("Install from &ISO library:"))
        self.dvd_radio.setText(_("Install from the server's &DVD drive:"))
        self.network_radio.setText(_("Boot from &network"))
        self.url_radio.setText(_("Install from &URL:"))
        self.none_radio.setText(_("N&o installation media (an empty DVD drive)"))


class HomeServerPage(_Page):
    """No home server, or one of the pool's servers with the pool's verdict beside each."""

    def __init__(self, conn: Any) -> None:
        super().__init__()
        self.setObjectName("homeServerPage")
        self.conn = conn
        self.none_radio, self.host_radio = QRadioButton(), QRadioButton()
        self.none_radio.setObjectName("noHomeServer")
        self.host_radio.setObjectName("homeServer")
        self.none_radio.setChecked(True)
        self.hosts = QListWidget()
        self.hosts.setObjectName("homeServerList")
        layout = QVBoxLayout(self)
        layout.addWidget(self.none_radio)
        layout.addWidget(self.host_radio)
        layout.addWidget(self.hosts, 1)
        self.host_radio.toggled.connect(self._sync)
        self.hosts.currentItemChanged.connect(lambda *_: self.completeChanged.emit())
        self.retranslate()

    def enter(self) -> None:
        self.fill()
        # Media in one server's DVD drive: the VM must live on that server.
        media = self.new_vm.media_page.media()
        vdi = self.conn.cache.get("VDI", media.vdi) if media.kind == "dvd" else None
        local = vdi is not None and vdi.sr is not None and vdi.sr.storage_host() is not None
        self.none_radio.setEnabled(not local)
        if local:
            self.host_radio.setChecked(True)
        if self.host_radio.isChecked() and self.hosts.currentItem() is None:
            for i in range(self.hosts.count()):
                if self.hosts.item(i).flags() & Qt.ItemFlag.ItemIsEnabled:
                    self.hosts.setCurrentRow(i)
                    break
        self._sync()

    def fill(self) -> None:
        current = self.affinity()
        self.hosts.clear()
        t = self.template
        memory = int(t.get("memory_static_max") or 0) if t is not None else 0
        for host in sorted(self.conn.cache.all("host"), key=lambda h: natural_key(h.name)):
            reason = self.verdict(host, memory)
            item = QListWidgetItem(host.name if not reason else f"{host.name} ({reason})")
            item.setData(Qt.ItemDataRole.UserRole, host.ref)
            if reason:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled & ~Qt.ItemFlag.ItemIsSelectable)
            self.hosts.addItem(item)
            if host.ref == current and not reason:
                self.hosts.setCurrentItem(item)

    def verdict(self, host: Any, memory: int) -> str:
        """Why the new VM could not run on ``host`` ("" when it can)."""
        if not host.is_live:
            return _("The server is not reachable")
        if not host.enabled:
            return _("The server is in maintenance mode")
        if memory and host.memory_free and host.memory_free < memory:
            return _("Not enough free memory")
        media = self.new_vm.media_page.media()
        vdi = self.conn.cache.get("VDI", media.vdi) if media.kind in ("iso", "dvd") else None
        media_host = vdi.sr.storage_host() if vdi is not None and vdi.sr is not None else None
        if media_host is not None and media_host.ref != host.ref:
            return _("The installation media is on another server")
        return ""

    def _sync(self) -> None:
        self.hosts.setEnabled(self.host_radio.isChecked())
        self.completeChanged.emit()

    def affinity(self) -> str:
        item = self.hosts.currentItem()
        if not self.host_radio.isChecked() or item is None:
            return NULL_REF
        return str(item.data(Qt.ItemDataRole.UserRole))

    def title(self) -> str:
        return _("Home Server")

    def heading(self) -> str:
        return _("Select a home server")

    def is_complete(self) -> bool:
        return not self.host_radio.isChecked() or self.hosts.currentItem() is not None

    def summary(self) -> list[tuple[str, str]]:
        item = self.hosts.currentItem()
        text = item.text() if self.host_radio.isChecked() and item is not None else _("No home server")
        return [(_("Home server:"), text)]

    def retranslate(self) -> None:
        self.none_radio.setText(_("&Don't assign this VM a home server"))
        self.host_radio.setText(_("Place the VM on this &server:"))
        if self.wizard is not None:
            self.fill()


class CpuMemoryPage(_Page):
    """vCPUs, topology and memory, within the template's recommendations."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("cpuMemoryPage")
        self.vcpus, self.vcpus_startup = QSpinBox(), QSpinBox()
        self.vcpus.setObjectName("vcpusMax")
        self.vcpus_startup.setObjectName("vcpusStartup")
        self.topology = QComboBox()
        self.topology.setObjectName("topology")
        self.memory_min, self.memory_max = QSpinBox(), QSpinBox()
        self.memory_min.setObjectName("memoryMin")
        self.memory_max.setObjectName("memoryMax")
        for spin in (self.memory_min, self.memory_max):
            spin.setRange(0, 16 * 1024 * 1024)
            spin.setSingleStep(256)
            spin.setSuffix(" MiB")
        self.vcpus.setRange(1, 1)
        self.vcpus_startup.setRange(1, 1)
        self.hint = QLabel()
        self.hint.setObjectName("recommendationHint")
        self.hint.setWordWrap(True)
        self.form = QFormLayout(self)
        self.labels = [QLabel() for _ in range(5)]
        for label, widget in zip(
            self.labels, (self.vcpus, self.topology, self.vcpus_startup, self.memory_min, self.memory_max), strict=True
        ):
            label.setBuddy(widget)
            self.form.addRow(label, widget)
        self.form.addRow(self.hint)
        self.vcpus.valueChanged.connect(self._vcpus_changed)
        self._template_ref = ""
        self.retranslate()

    def enter(self) -> None:
        t = self.template
        if t is None or t.ref == self._template_ref:
            return
        self._template_ref = t.ref
        rec = recommendations(t)
        self.vcpus.setRange(1, rec.vcpus_max)
        self.vcpus.setValue(max(int(t.get("VCPUs_max") or 1), 1))
        self.vcpus_startup.setValue(max(int(t.get("VCPUs_at_startup") or 1), 1))
        self.memory_max.setValue(int(t.get("memory_static_max") or 0) // MiB)
        self.memory_min.setValue(int(t.get("memory_dynamic_min") or 0) // MiB)
        self._vcpus_changed()
        self.retranslate()

    def _vcpus_changed(self) -> None:
        n = self.vcpus.value()
        self.vcpus_startup.setRange(1, n)
        current = int(self.topology.currentData() or 1)
        self.topology.clear()
        for cores in (c for c in range(1, n + 1) if n % c == 0):
            self.topology.addItem(
                _("{sockets} socket(s) with {cores} core(s) each").format(sockets=n // cores, cores=cores), cores
            )
        index = self.topology.findData(current)
        self.topology.setCurrentIndex(max(index, 0))

    async def leave(self) -> None:
        t = self.template
        if t is None:
            return
        minimum = int(t.get("memory_static_min") or 0)
        rec = recommendations(t)
        low, high = self.memory_min.value() * MiB, self.memory_max.value() * MiB
        if low < minimum:
            raise ActionError(_("The template needs at least {size} of memory.").format(size=format_bytes(minimum)))
        if high > rec.memory_max:
            raise ActionError(
                _("The template allows at most {size} of memory.").format(size=format_bytes(rec.memory_max))
            )
        if low > high:
            raise ActionError(_("The minimum memory must not exceed the maximum."))

    def title(self) -> str:
        return _("CPU & Memory")

    def heading(self) -> str:
        return _("Allocate processor and memory resources")

    def summary(self) -> list[tuple[str, str]]:
        return [
            (_("vCPUs:"), f"{self.vcpus_startup.value()} / {self.vcpus.value()} ({self.topology.currentText()})"),
            (
                _("Memory:"),
                _("{low} to {high}").format(
                    low=format_bytes(self.memory_min.value() * MiB), high=format_bytes(self.memory_max.value() * MiB)
                ),
            ),
        ]

    def retranslate(self) -> None:
        texts = (
            _("Number of v&CPUs:"),
            _("&Topology:"),
            _("&Initial number of vCPUs:"),
            _("M&inimum memory:"),
            _("Ma&ximum memory:"),
        )
        for label, text in zip(self.labels, texts, strict=True):
            label.setText(text)
        t = self.template if self.wizard is not None else None
        if t is not None:
            rec = recommendations(t)
            self.hint.setText(
                _("This template recommends at least {low} of memory, at most {high}, and up to {n} vCPUs.").format(
                    low=format_bytes(int(t.get("memory_static_min") or 0)),
                    high=format_bytes(rec.memory_max),
                    n=rec.vcpus_max,
                )
            )
        if self.topology.count():
            self._vcpus_changed()


class StoragePage(_Page):
    """One row per disk of the template: size (editable for a new disk) and the SR."""

    SIZE, SR = 0, 1

    def __init__(self, conn: Any) -> None:
        super().__init__()
        self.setObjectName("storagePage")
        self.conn = conn
        self.table = QTableWidget(0, 2)
        self.table.setObjectName("diskTable")
        self.table.horizontalHeader().setSectionResizeMode(self.SR, QHeaderView.ResizeMode.Stretch)
        self.note = QLabel()
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        self.rows: list[tuple[str, bool, str, QDoubleSpinBox, QComboBox]] = []
        self._shown_for = ("", "")  # (template, home server) the rows were made for
        self.retranslate()

    def srs(self) -> list[Any]:
        """SRs that can hold new disks and that the home server (when one is chosen) can reach."""
        home = self.new_vm.home_page.affinity() if self.wizard is not None else NULL_REF

        def reachable(sr: Any) -> bool:
            host = sr.storage_host()
            return home == NULL_REF or host is None or host.ref == home

        found = (s for s in self.conn.cache.all("SR") if can_hold_disks(s) and reachable(s))
        return sorted(found, key=lambda s: natural_key(s.name))

    def enter(self) -> None:
        t = self.template
        home = self.new_vm.home_page.affinity()
        if t is None or (t.ref, home) == self._shown_for:
            return
        self._shown_for = (t.ref, home)
        self.table.setRowCount(0)
        self.rows.clear()
        pool = next(iter(self.conn.cache.all("pool")), None)
        default = pool.default_sr if pool is not None else None
        srs = self.srs()
        spec = provision_disks(t)
        if spec:
            entries = [(d.device, d.bootable, d.type, d.size, default, True) for d in spec]
        else:
            entries = []
            for vbd in t.vbds:
                vdi = t.resolve("VDI", vbd.get("VDI"))
                if vbd.get("type") == "Disk" and vdi is not None:
                    entries.append(
                        (
                            vbd.get("userdevice"),
                            bool(vbd.get("bootable")),
                            vdi.get("type"),
                            vdi.virtual_size,
                            vdi.sr,
                            False,
                        )
                    )
        for device, bootable, kind, size, sr, editable in entries:
            row = self.table.rowCount()
            self.table.insertRow(row)
            spin = QDoubleSpinBox()
            spin.setObjectName(f"diskSize{row}")
            spin.setRange(0, 2040 * 1024)
            spin.setDecimals(1)
            spin.setSuffix(" GiB")
            spin.setValue(size / GiB)
            spin.setEnabled(editable)
            combo = QComboBox()
            combo.setObjectName(f"diskSr{row}")
            for s in srs:
                free = s.physical_size - s.physical_utilisation
                combo.addItem(_("{name} ({free} free)").format(name=s.name, free=format_bytes(max(free, 0))), s.ref)
            if sr is not None and combo.findData(sr.ref) >= 0:
                combo.setCurrentIndex(combo.findData(sr.ref))
            combo.currentIndexChanged.connect(self.completeChanged)
            self.table.setCellWidget(row, self.SIZE, spin)
            self.table.setCellWidget(row, self.SR, combo)
            self.rows.append((device, bootable, kind or "system", spin, combo))
        self.completeChanged.emit()

    def disks(self) -> list[DiskSpec]:
        return [
            DiskSpec(round(spin.value() * GiB), str(combo.currentData() or NULL_REF), device, bootable, kind)
            for device, bootable, kind, spin, combo in self.rows
        ]

    def is_complete(self) -> bool:
        return all(combo.currentData() for *_rest, combo in self.rows)

    async def leave(self) -> None:
        need: dict[str, int] = {}
        for d in self.disks():
            if d.size <= 0:
                raise ActionError(_("A disk must be larger than 0 bytes."))
            need[d.sr] = need.get(d.sr, 0) + d.size
        for ref, size in need.items():
            sr = self.conn.cache.get("SR", ref)
            free = sr.physical_size - sr.physical_utilisation if sr is not None else 0
            thin = sr is not None and sr.type in ("ext", "nfs", "file", "smb")
            if sr is not None and sr.physical_size > 0 and not thin and size > free:
                raise ActionError(
                    _("There is not enough free space on {sr} for these disks ({size} needed).").format(
                        sr=sr.name, size=format_bytes(size)
                    )
                )

    def title(self) -> str:
        return _("Storage")

    def heading(self) -> str:
        return _("Configure storage for the new VM")

    def summary(self) -> list[tuple[str, str]]:
        lines = []
        for d, (_dev, _boot, _kind, _spin, combo) in zip(self.disks(), self.rows, strict=True):
            sr = self.conn.cache.get("SR", d.sr)
            lines.append(
                _("{size} on {sr}").format(size=format_bytes(d.size), sr=sr.name if sr else combo.currentText())
            )
        return [(_("Disks:"), "\n".join(lines) or _("None"))]

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([_("Size"), _("Storage repository")])
        self.note.setText(
            _("Disks are placed on the storage repositories you choose; sizes of new disks can be changed.")
        )


class NetworkPage(_Page):
    """The VM's network interfaces, one per row, each on a network of the pool."""

    def __init__(self, conn: Any) -> None:
        super().__init__()
        self.setObjectName("networkPage")
        self.conn = conn
        self.list = QVBoxLayout()
        self.combos: list[QComboBox] = []
        self.add_button, self.remove_button = QPushButton(), QPushButton()
        self.add_button.setObjectName("addVif")
        self.remove_button.setObjectName("removeVif")
        self.add_button.clicked.connect(lambda: self.add(None))
        self.remove_button.clicked.connect(self.remove_last)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(self.list)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self._template_ref = ""
        self.retranslate()

    def choices(self) -> list[Any]:
        nets = [n for n in self.conn.cache.all("network") if n.show(False) and not n.is_guest_installer]
        return sorted(nets, key=lambda n: natural_key(n.name))

    def add(self, network: Any) -> None:
        t = self.template
        limit = recommendations(t).vifs_max if t is not None else 7
        if len(self.combos) >= limit:
            return
        combo = QComboBox()
        combo.setObjectName(f"vifNetwork{len(self.combos)}")
        for n in self.choices():
            combo.addItem(n.name, n.ref)
        if network is not None and combo.findData(network.ref) >= 0:
            combo.setCurrentIndex(combo.findData(network.ref))
        self.combos.append(combo)
        self.list.addWidget(combo)
        self._buttons()

    def remove_last(self) -> None:
        if self.combos:
            combo = self.combos.pop()
            self.list.removeWidget(combo)
            combo.deleteLater()
        self._buttons()

    def _buttons(self) -> None:
        t = self.template
        limit = recommendations(t).vifs_max if t is not None else 7
        self.add_button.setEnabled(len(self.combos) < limit and bool(self.choices()))
        self.remove_button.setEnabled(bool(self.combos))

    def enter(self) -> None:
        t = self.template
        if t is None or t.ref == self._template_ref:
            return
        self._template_ref = t.ref
        while self.combos:
            self.remove_last()
        if t.vifs:
            for vif in sorted(t.vifs, key=lambda v: v.get("device", "")):
                self.add(t.resolve("network", vif.get("network")))
        else:
            # As XenCenter: one VIF on each network marked automatic that reaches the outside.
            for n in self.choices():
                if n.pifs and n.other_config.get("automatic", "true") != "false":
                    self.add(n)
        self._buttons()

    def networks(self) -> list[str]:
        return [str(c.currentData()) for c in self.combos if c.currentData()]

    def title(self) -> str:
        return _("Networking")

    def heading(self) -> str:
        return _("Configure networking on the new VM")

    def summary(self) -> list[tuple[str, str]]:
        return [(_("Networks:"), "\n".join(c.currentText() for c in self.combos) or _("None"))]

    def retranslate(self) -> None:
        self.add_button.setText(_("&Add"))
        self.remove_button.setText(_("&Remove"))


class FinishPage(SummaryPage):
    """The summary, and "Start the new VM automatically"."""

    def __init__(self) -> None:
        WizardPage.__init__(self)  # the summary form goes in a column with the checkbox
        self.setObjectName("summaryPage")
        holder = QWidget()
        self.form = QFormLayout(holder)
        self.start_check = QCheckBox()
        self.start_check.setObjectName("startAutomatically")
        self.start_check.setChecked(True)
        outer = QVBoxLayout(self)
        outer.addWidget(holder)
        outer.addStretch(1)
        outer.addWidget(self.start_check)
        self.retranslate()

    def retranslate(self) -> None:
        self.start_check.setText(_("&Start the new VM automatically"))
        super().retranslate()
