"""The New Storage Repository wizard (XenCenter's NewSRWizard): type, name, location with the
probe's results to choose from (NFS exports, iSCSI target IQNs and LUNs, HBA LUNs, SRs
already there to reattach), then a summary and the creation with progress.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import format_bytes
from xencenter_py.i18n import gettext as _
from xencenter_py.model.actions import sr as sr_actions
from xencenter_py.ui.aio import error_text, spawn
from xencenter_py.ui.wizards.base import SummaryPage, Wizard, WizardPage

DISK_KINDS = ("nfs", "iscsi", "hba", "smb")
ISO_KINDS = ("cifs_iso", "nfs_iso")
SCANNED = frozenset({"nfs", "iscsi", "hba", "smb"})


def kind_name(kind: str) -> str:
    return {
        "nfs": _("NFS"),
        "iscsi": _("iSCSI"),
        "hba": _("Hardware HBA"),
        "smb": _("SMB"),
        "cifs_iso": _("Windows File Sharing (SMB/CIFS)"),
        "nfs_iso": _("NFS ISO"),
    }[kind]


def default_name(kind: str) -> str:
    return {
        "nfs": _("NFS storage"),
        "iscsi": _("iSCSI storage"),
        "hba": _("Hardware HBA storage"),
        "smb": _("SMB storage"),
        "cifs_iso": _("CIFS ISO library"),
        "nfs_iso": _("NFS ISO library"),
    }[kind]


class TypePage(WizardPage):
    """Virtual disk storage or ISO library, and its kind; kinds without a driver are hidden."""

    def __init__(self, sm_types: set[str]) -> None:
        super().__init__()
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        self.disk_box, self.iso_box = QGroupBox(), QGroupBox()
        for box, kinds in ((self.disk_box, DISK_KINDS), (self.iso_box, ISO_KINDS)):
            inner = QVBoxLayout(box)
            for kind in kinds:
                button = QRadioButton()
                button.setObjectName(f"srType:{kind}")
                button.setVisible(sr_actions.SR_KINDS[kind][0] in sm_types)
                self.group.addButton(button)
                self.buttons[kind] = button
                inner.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.disk_box)
        layout.addWidget(self.iso_box)
        layout.addStretch(1)
        default = self.buttons["iscsi"] if self.buttons["iscsi"].isVisibleTo(self) or "lvmoiscsi" in sm_types else None
        (default or next(b for b in self.buttons.values())).setChecked(True)
        self.group.buttonToggled.connect(lambda *_a: self.completeChanged.emit())
        self.retranslate()

    def kind(self) -> str:
        return next(k for k, b in self.buttons.items() if b.isChecked())

    def title(self) -> str:
        return _("Type")

    def heading(self) -> str:
        return _("Choose the type of new storage")

    def summary(self) -> list[tuple[str, str]]:
        return [(_("Type:"), kind_name(self.kind()))]

    def retranslate(self) -> None:
        self.disk_box.setTitle(_("Virtual disk storage"))
        self.iso_box.setTitle(_("ISO library"))
        for kind, button in self.buttons.items():
            button.setText(kind_name(kind))


class NamePage(WizardPage):
    def __init__(self, types: TypePage) -> None:
        super().__init__()
        self.types = types
        self.name = QLineEdit()
        self.name.setObjectName("srName")
        self.description = QLineEdit()
        self.description.setObjectName("srDescription")
        self.auto = QCheckBox()
        self.auto.setObjectName("srAutoDescription")
        self.auto.setChecked(True)
        self.auto.toggled.connect(lambda on: self.description.setEnabled(not on))
        self.description.setEnabled(False)
        self.name.textChanged.connect(lambda *_a: self.completeChanged.emit())
        self.form = QFormLayout(self)
        self.name_label, self.description_label = QLabel(), QLabel()
        self.form.addRow(self.name_label, self.name)
        self.form.addRow("", self.auto)
        self.form.addRow(self.description_label, self.description)
        self._kind = ""
        self.retranslate()

    def enter(self) -> None:
        kind = self.types.kind()
        if kind != self._kind and (not self.name.text() or self.name.text() == default_name(self._kind or kind)):
            self.name.setText(default_name(kind))
        self._kind = kind

    def is_complete(self) -> bool:
        return bool(self.name.text().strip())

    def title(self) -> str:
        return _("Name")

    def heading(self) -> str:
        return _("Provide a name and a description for the new SR")

    def summary(self) -> list[tuple[str, str]]:
        return [(_("Name:"), self.name.text().strip())]

    def retranslate(self) -> None:
        self.name_label.setText(_("&Name:"))
        self.name_label.setBuddy(self.name)
        self.description_label.setText(_("&Description:"))
        self.description_label.setBuddy(self.description)
        self.auto.setText(_("&Autogenerate description based on SR settings"))


class LocationPage(WizardPage):
    """Where the storage is; Scan asks the pool (SR.probe) and lists what it found."""

    def __init__(self, conn: Any, types: TypePage) -> None:
        super().__init__()
        self.conn = conn
        self.types = types
        self.location = QLineEdit()
        self.location.setObjectName("srLocation")
        self.username = QLineEdit()
        self.username.setObjectName("srUsername")
        self.password = QLineEdit()
        self.password.setObjectName("srPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.scan = QPushButton()
        self.scan.setObjectName("srScan")
        self.scan.clicked.connect(lambda: spawn(self.run_scan(), self))
        self.choice = QComboBox()  # exports, target IQNs or LUNs, one level down
        self.choice.setObjectName("srChoice")
        self.choice.activated.connect(lambda *_a: spawn(self.run_scan(), self))
        self.results = QListWidget()
        self.results.setObjectName("srResults")
        self.results.itemSelectionChanged.connect(self.completeChanged)
        self.status = QLabel()
        self.status.setObjectName("srScanStatus")
        self.status.setWordWrap(True)
        self.location_label, self.user_label, self.password_label, self.choice_label = (QLabel() for _i in range(4))
        row = QHBoxLayout()
        row.addWidget(self.location, 1)
        row.addWidget(self.scan)
        self.form = QFormLayout(self)
        self.form.addRow(self.location_label, row)
        self.form.addRow(self.user_label, self.username)
        self.form.addRow(self.password_label, self.password)
        self.form.addRow(self.choice_label, self.choice)
        self.form.addRow(self.results)
        self.form.addRow(self.status)
        self.location.textChanged.connect(self._location_changed)
        self.found: sr_actions.ProbeResult | None = None
        self._kind = ""
        self._level = ""  # what the choice combo holds: "export", "iqn", "lun" or ""
        self._iqn = ""
        self.retranslate()

    def kind(self) -> str:
        return self.types.kind()

    def enter(self) -> None:
        kind = self.kind()
        if kind != self._kind:
            self._kind = kind
            self._reset()
            self.location.clear()
        smb = kind in ("smb", "cifs_iso", "iscsi")  # SMB credentials, or iSCSI's CHAP
        for widget in (self.username, self.password, self.user_label, self.password_label):
            widget.setVisible(smb)
        self.location.setVisible(kind != "hba")
        self.location_label.setVisible(kind != "hba")
        self.scan.setVisible(kind in SCANNED)
        self.results.setVisible(kind in SCANNED)
        self.retranslate()
        if kind == "hba" and self.found is None:
            spawn(self.run_scan(), self)

    def _location_changed(self) -> None:
        self._reset()
        self.completeChanged.emit()

    def _reset(self) -> None:
        self.found = None
        self._level = ""
        self.choice.clear()
        self.choice.hide()
        self.choice_label.hide()
        self.results.clear()
        self.status.setText("")

    def device_config(self) -> dict[str, str]:
        kind = self.kind()
        location = self.location.text().strip()
        extra = {}
        if kind in ("smb", "cifs_iso") and self.username.text():
            extra = {"username": self.username.text(), "password": self.password.text()}
        if kind == "iscsi":
            host, _sep, port = location.partition(":")
            config = {"target": host, "port": port or "3260"}
            if self.username.text():
                config.update(chapuser=self.username.text(), chappassword=self.password.text())
            if self._level in ("iqn", "lun") and self.choice.currentData():
                config["targetIQN" if self._level == "iqn" else "SCSIid"] = self.choice.currentData()
            if self._level == "lun":
                config["targetIQN"] = self._iqn
            return config
        if kind == "hba":
            return {"SCSIid": self.choice.currentData()} if self.choice.currentData() else {}
        if kind == "nfs" and self._level == "export" and self.choice.currentData():
            location = f"{location.partition(':')[0]}:{self.choice.currentData()}"
        return sr_actions.device_config(kind, location, **extra)

    async def run_scan(self) -> None:
        """Probe the location (and the level chosen so far) and show what is there."""
        coordinator = self.conn.cache.pool.coordinator if self.conn.cache.pool else None
        if coordinator is None:
            return
        kind = self.kind()
        self.status.setText(_("Scanning..."))
        self.results.clear()
        try:
            found = await sr_actions.probe(self.conn, coordinator.ref, kind, self.device_config())
        except Exception as exc:  # the driver's refusal, shown on the page
            self.found = None
            self.status.setText(error_text(exc))
            self.completeChanged.emit()
            return
        self.found = found
        self.status.setText("")
        if found.exports and kind == "nfs":
            self._offer("export", _("&Export:"), [(p, p) for p in found.exports])
        elif found.iqns:
            self._offer("iqn", _("Target &IQN:"), [(i, i) for i in found.iqns])
        elif found.luns:
            if kind == "iscsi":
                self._iqn = self.device_config().get("targetIQN", self._iqn)
            labels = [(f"LUN {label} - {format_bytes(size)} ({scsi})", scsi) for scsi, label, size in found.luns]
            self._offer("lun", _("&LUN:"), labels)
        else:
            self._fill_results(found)
            return
        if self.choice.count():  # go one level down with the first (or kept) choice
            await self.run_scan()

    def _offer(self, level: str, label: str, items: list[tuple[str, str]]) -> None:
        current = self.choice.currentData() if self._level == level else None
        self._level = level
        self.choice.clear()
        for text, data in items:
            self.choice.addItem(text, data)
        if current:
            self.choice.setCurrentIndex(max(self.choice.findData(current), 0))
        self.choice_label.setText(label)
        self.choice_label.setBuddy(self.choice)
        self.choice.show()
        self.choice_label.show()

    def _fill_results(self, found: sr_actions.ProbeResult) -> None:
        """'Create a new SR' plus one 'Reattach' entry per SR found at the complete location."""
        new = QListWidgetItem(_("Create a new SR"))
        new.setData(Qt.ItemDataRole.UserRole, None)
        self.results.addItem(new)
        known = {sr.uuid for sr in self.conn.cache.all("SR")}
        for existing in found.srs:
            item = QListWidgetItem(
                _("Reattach existing SR '{name}' ({uuid})").format(name=existing.name, uuid=existing.uuid)
            )
            item.setData(Qt.ItemDataRole.UserRole, existing)
            if existing.uuid in known:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                item.setText(item.text() + " " + _("(already attached)"))
            self.results.addItem(item)
        if not found.srs:
            self.status.setText(_("No existing SRs were found at this location."))
        self.results.setCurrentRow(0)

    def reattach(self) -> sr_actions.FoundSR | None:
        items = self.results.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def is_complete(self) -> bool:
        kind = self.kind()
        if kind != "hba" and not self.location.text().strip():
            return False
        if kind in SCANNED:
            return bool(self.results.selectedItems())
        return True

    def title(self) -> str:
        return _("Location")

    def heading(self) -> str:
        return _("Enter the location of the storage")

    def summary(self) -> list[tuple[str, str]]:
        found = self.reattach()
        rows = [(_("Location:"), self.location.text().strip() or self.choice.currentText())]
        if found is not None:
            rows.append((_("Reattach:"), f"{found.name} ({found.uuid})"))
        return rows

    def retranslate(self) -> None:
        kind = self._kind or "nfs"
        self.location_label.setText(
            {
                "nfs": _("&Share name (server:/path):"),
                "nfs_iso": _("&Share name (server:/path):"),
                "iscsi": _("&Target host (name or address[:port]):"),
                "smb": _("&Share name (\\\\server\\share):"),
                "cifs_iso": _("&Share name (\\\\server\\share):"),
                "hba": "",
            }[kind]
        )
        self.location_label.setBuddy(self.location)
        chap = self._kind == "iscsi"
        self.user_label.setText(_("&CHAP user:") if chap else _("&User name:"))
        self.user_label.setBuddy(self.username)
        self.password_label.setText(_("CHAP &secret:") if chap else _("&Password:"))
        self.password_label.setBuddy(self.password)
        self.scan.setText(_("&Scan"))


class NewSRWizard(Wizard):
    def __init__(self, conn: Any, history: Any, parent: QWidget | None = None) -> None:
        self.conn = conn
        self.history = history
        sm_types = {sm.get("type") for sm in conn.cache.all("SM")}
        self.types = TypePage(sm_types)
        self.name_page = NamePage(self.types)
        self.location = LocationPage(conn, self.types)
        super().__init__([self.types, self.name_page, self.location, SummaryPage()], parent)
        self.setObjectName("newSrWizard")
        self.operation: Any = None

    def window_title(self) -> str:
        return _("New Storage Repository - {pool}").format(pool=self.conn.friendly_name)

    def _description(self) -> str:
        if not self.name_page.auto.isChecked():
            return self.name_page.description.text()
        location = self.location.location.text().strip() or self.location.choice.currentText()
        return _("{type} SR [{location}]").format(type=kind_name(self.types.kind()), location=location)

    async def finish(self) -> Any:
        kind = self.types.kind()
        name = self.name_page.name.text().strip()
        config = self.location.device_config()
        found = self.location.reattach()
        description = self._description()
        coordinator = self.conn.cache.pool.coordinator
        conn = self.conn

        async def work(progress: Any) -> None:
            def report(fraction: float, _text: str = "") -> None:
                progress(fraction)

            if found is not None:
                await sr_actions.reattach(conn, kind, config, found, name, description, report)
            else:
                await sr_actions.create(conn, coordinator.ref, kind, config, name, description, report)

        title = (_("Reattaching SR '{name}'") if found is not None else _("Creating SR '{name}'")).format(name=name)
        self.operation = self.history.start(title, conn.friendly_name, work)
        return self.operation
