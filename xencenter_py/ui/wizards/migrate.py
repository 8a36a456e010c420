"""The Migrate VM wizard (XenCenter's CrossPoolMigrateWizard in Migrate / Move mode):
destination with the pool's own verdict per server, storage per disk, network per VIF
(another pool), migration network, then a summary with the PREDICTED duration and
downtime (the deck's XenMotion model over the VM's memory, its recent CPU load and the
link), progress, and the measured figures beside the prediction when the pool reports them.

A running VM staying in its pool on its own storage migrates with ``VM.pool_migrate``;
anything else (new storage, another pool, a halted VM) with ``VM.migrate_send``.
"""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QProgressBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import format_bytes, format_duration
from xencenter_py.i18n import gettext as _
from xencenter_py.model import commands as model_commands
from xencenter_py.model.actions import migrate
from xencenter_py.model.connection import ConnectionState
from xencenter_py.ui import commands
from xencenter_py.ui.aio import spawn
from xencenter_py.ui.operations import OpState
from xencenter_py.ui.wizards.base import SummaryPage, Wizard, WizardPage
from xencenter_py.xapi.errors import Failure

ASSUMED_LOAD = 0.3
"""The CPU load assumed when the pool has no performance data for the VM."""


def usable_srs(conn: Any, host: Any) -> list[Any]:
    """SRs a VM's disks can live on that ``host`` sees (no ISO, DVD or tools SRs)."""
    out = []
    for sr in conn.cache.all("SR"):
        if sr.is_iso or sr.type == "udev" or sr.is_tools_sr or not sr.has_size:
            continue
        if any(p.get("host") == host.ref for p in sr.pbds):
            out.append(sr)
    return sorted(out, key=lambda s: (not s.is_default, s.name.lower()))


def usable_networks(conn: Any, host: Any) -> list[Any]:
    """Networks with a PIF on ``host`` (what a VIF or the migration stream can use)."""
    out = [n for n in conn.cache.all("network") if any(p.get("host") == host.ref for p in n.pifs)]
    return sorted(out, key=lambda n: (not any(p.get("management") for p in n.pifs), n.name.lower()))


def disks(vm: Any) -> list[Any]:
    return [v for v in vm.vbds if not v.get("empty") and v.get("type") != "CD" and vm.resolve("VDI", v.get("VDI"))]


class DestinationPage(WizardPage):
    """Every server of every connected pool, each with the pool's verdict on taking the VM."""

    def __init__(self, vm: Any, connections: list[Any]) -> None:
        super().__init__()
        self.vm = vm
        self.connections = connections
        self.tree = QTreeWidget()
        self.tree.setObjectName("migrateDestinations")
        self.tree.setRootIsDecorated(False)
        self.tree.itemSelectionChanged.connect(self.completeChanged)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.tree, 1)
        self.hosts: dict[str, tuple[Any, Any]] = {}  # item key -> (connection, host)
        self._checked = False
        self.retranslate()

    def title(self) -> str:
        return _("Destination")

    def heading(self) -> str:
        return _("Where do you want to migrate '{name}'?").format(name=self.vm.name)

    def enter(self) -> None:
        if self._checked:
            return
        self._checked = True
        self.tree.clear()
        for conn in self.connections:
            for host in sorted(conn.cache.all("host"), key=lambda h: h.name.lower()):
                item = QTreeWidgetItem([host.name, conn.cache.pool.name if conn.cache.pool else "", _("Checking...")])
                item.setData(0, Qt.ItemDataRole.UserRole, f"{id(conn)}:{host.ref}")
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                self.tree.addTopLevelItem(item)
                self.hosts[f"{id(conn)}:{host.ref}"] = (conn, host)
                spawn(self._verdict(item, conn, host))
        for col in range(3):
            self.tree.resizeColumnToContents(col)

    async def _verdict(self, item: QTreeWidgetItem, conn: Any, host: Any) -> None:
        reason = await verdict(self.vm, conn, host)
        if not shiboken6.isValid(item):
            return
        item.setText(2, reason or _("OK"))
        if not reason:
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEnabled)
        self.completeChanged.emit()

    def choice(self) -> tuple[Any, Any] | None:
        items = self.tree.selectedItems()
        if not items or not items[0].flags() & Qt.ItemFlag.ItemIsEnabled:
            return None
        return self.hosts[items[0].data(0, Qt.ItemDataRole.UserRole)]

    def is_complete(self) -> bool:
        return self.choice() is not None

    def summary(self) -> list[tuple[str, str]]:
        chosen = self.choice()
        return [(_("Destination:"), chosen[1].name)] if chosen else []

    def retranslate(self) -> None:
        self.intro.setText(_("Select the server to migrate the VM to. Servers that cannot take it say why."))
        self.tree.setHeaderLabels([_("Server"), _("Pool"), _("Status")])


async def verdict(vm: Any, conn: Any, host: Any) -> str:
    """'' when ``host`` can take ``vm`` as the pool sees it, else the reason."""
    if not host.is_live:
        return _("The server is not reachable")
    same_pool = conn is vm.connection
    if same_pool and vm.get("resident_on") == host.ref:
        return _("Current server")
    if same_pool and vm.is_running:
        ok, _reason = model_commands.can_migrate_to([vm], host)
        if ok:  # plain live migration: the pool's boot checks for that server
            return await commands.server_check([vm], host)
    if same_pool and not vm.is_running:
        return "" if host.enabled else _("The server is in maintenance mode")
    # Storage or cross-pool XenMotion: the pool's own check with a default placement.
    srs, networks = usable_srs(conn, host), usable_networks(conn, host)
    if not srs or not networks:
        return _("The server has no storage or network the VM can use")
    try:
        token = await migrate.receive_token(conn, host.ref, networks[0].ref)
    except Failure as failure:
        return failure.message()
    seen = {s.ref for s in srs}
    vdi_map = {}
    for vbd in disks(vm):
        sr = vm.resolve("VDI", vbd.get("VDI")).get("SR")
        vdi_map[vbd.get("VDI")] = sr if same_pool and sr in seen else srs[0].ref
    vif_map = {} if same_pool else {vif.ref: networks[0].ref for vif in vm.vifs}
    return await migrate.check_migrate(vm.connection, vm.ref, token, vdi_map, vif_map, vm.is_running)


class StoragePage(WizardPage):
    """An SR on the destination for each of the VM's disks."""

    def __init__(self, vm: Any, destination: DestinationPage) -> None:
        super().__init__()
        self.vm = vm
        self.destination = destination
        self.form = QFormLayout(self)
        self.combos: dict[str, QComboBox] = {}

    def title(self) -> str:
        return _("Storage")

    def heading(self) -> str:
        return _("Place the VM's virtual disks on storage repositories of the destination.")

    def enter(self) -> None:
        chosen = self.destination.choice()
        if chosen is None:
            return
        conn, host = chosen
        while self.form.rowCount():
            self.form.removeRow(0)
        self.combos.clear()
        srs = usable_srs(conn, host)
        for vbd in disks(self.vm):
            vdi = self.vm.resolve("VDI", vbd.get("VDI"))
            combo = QComboBox()
            combo.setObjectName(f"storageFor:{vdi.name}")
            for sr in srs:
                combo.addItem(sr.name, sr.ref)
            if conn is self.vm.connection and vdi.get("SR") in [s.ref for s in srs]:
                combo.setCurrentIndex([s.ref for s in srs].index(vdi.get("SR")))
            self.combos[vdi.ref] = combo
            self.form.addRow(f"{vdi.name} ({format_bytes(vdi.virtual_size)})", combo)

    def vdi_map(self) -> dict[str, str]:
        return {vdi: combo.currentData() for vdi, combo in self.combos.items() if combo.currentData()}

    def is_complete(self) -> bool:
        return all(c.currentData() for c in self.combos.values())

    def summary(self) -> list[tuple[str, str]]:
        return [(_("Storage:"), ", ".join(sorted({c.currentText() for c in self.combos.values()})) or _("None"))]


class NetworkPage(WizardPage):
    """A network of the other pool for each VIF (cross-pool only)."""

    def __init__(self, vm: Any, destination: DestinationPage) -> None:
        super().__init__()
        self.vm = vm
        self.destination = destination
        self.form = QFormLayout(self)
        self.combos: dict[str, QComboBox] = {}

    def title(self) -> str:
        return _("Networking")

    def heading(self) -> str:
        return _("Connect the VM's virtual network interfaces to networks of the destination pool.")

    def applies(self) -> bool:
        chosen = self.destination.choice()
        return chosen is not None and chosen[0] is not self.vm.connection

    def enter(self) -> None:
        conn, host = self.destination.choice() or (None, None)
        if conn is None:
            return
        while self.form.rowCount():
            self.form.removeRow(0)
        self.combos.clear()
        networks = usable_networks(conn, host)
        for vif in sorted(self.vm.vifs, key=lambda v: str(v.get("device"))):
            source = self.vm.resolve("network", vif.get("network"))
            combo = QComboBox()
            combo.setObjectName(f"networkFor:{vif.get('device')}")
            for network in networks:
                combo.addItem(network.name, network.ref)
            names = [n.name for n in networks]
            if source is not None and source.name in names:
                combo.setCurrentIndex(names.index(source.name))
            self.combos[vif.ref] = combo
            label = _("Interface {device} ({network})").format(
                device=vif.get("device"), network=source.name if source else "-"
            )
            self.form.addRow(label, combo)

    def vif_map(self) -> dict[str, str]:
        return {vif: combo.currentData() for vif, combo in self.combos.items()}

    def summary(self) -> list[tuple[str, str]]:
        return [(_("Networks:"), ", ".join(sorted({c.currentText() for c in self.combos.values()})) or _("None"))]


class TransferNetworkPage(WizardPage):
    """The network the memory and disks travel over."""

    def __init__(self, vm: Any, destination: DestinationPage, storage: StoragePage) -> None:
        super().__init__()
        self.vm = vm
        self.destination = destination
        self.storage = storage
        self.combo = QComboBox()
        self.combo.setObjectName("migrationNetwork")
        self.label = QLabel()
        form = QFormLayout(self)
        form.addRow(self.label, self.combo)
        self.retranslate()

    def title(self) -> str:
        return _("Migration Network")

    def heading(self) -> str:
        return _("Select the network the VM's memory and disks are copied over.")

    def enter(self) -> None:
        conn, host = self.destination.choice() or (None, None)
        if conn is None:
            return
        current = self.combo.currentText()
        self.combo.clear()
        for network in usable_networks(conn, host):
            self.combo.addItem(network.name, network.ref)
        if current:
            self.combo.setCurrentText(current)

    def network(self) -> str:
        return str(self.combo.currentData() or "")

    def summary(self) -> list[tuple[str, str]]:
        return [(_("Migration network:"), self.combo.currentText())]

    def retranslate(self) -> None:
        self.label.setText(_("&Network:"))
        self.label.setBuddy(self.combo)


class MigrateSummaryPage(SummaryPage):
    """The choices, the prediction, then progress and the measured figures."""

    def __init__(self, vm: Any) -> None:
        super().__init__()
        self.vm = vm
        self.load: float | None = None
        self.prediction: migrate.Prediction | None = None
        self._predicting = False
        self.outcome: migrate.Outcome | None = None
        self.prediction_label = QLabel()
        self.progress = QProgressBar()
        self.result = QLabel()

    def enter(self) -> None:
        super().enter()  # rebuilds the rows: the widgets below are made anew each time
        self.prediction_label = QLabel()
        self.prediction_label.setObjectName("migratePrediction")
        self.prediction_label.setWordWrap(True)
        if self.vm.is_running:
            self.form.addRow(_("Prediction:"), self.prediction_label)
            if self.prediction is not None:
                self.prediction_label.setText(self.prediction_text())
            elif not self._predicting:
                self._predicting = True
                self.prediction_label.setText(_("Checking the VM's recent activity..."))
                spawn(self._predict())
        self.progress = QProgressBar()
        self.progress.setObjectName("migrateProgress")
        self.progress.hide()
        self.result = QLabel()
        self.result.setObjectName("migrateMeasured")
        self.result.setWordWrap(True)
        self.form.addRow(self.progress)
        self.form.addRow(self.result)
        if self.outcome is not None:
            self.show_outcome(self.outcome)

    async def _predict(self) -> None:
        try:
            self.load = await migrate.recent_cpu_load(self.vm)
        finally:
            self._predicting = False
        load = self.load if self.load is not None else ASSUMED_LOAD
        memory = self.vm.memory_actual or self.vm.memory_static_max
        self.prediction = migrate.predict(memory, self.vm.vcpus, load)
        if shiboken6.isValid(self.prediction_label):
            self.prediction_label.setText(self.prediction_text())
            self.form.activate()

    def prediction_text(self) -> str:
        p = self.prediction
        if p is None:
            return ""
        basis = (
            _("from {memory} of memory, {rate} MiB/s of memory changes (CPU {load:.0%}) and a {link} Mbit/s link")
            if self.load is not None
            else _(
                "from {memory} of memory, {rate} MiB/s of memory changes (no recent CPU data) and a {link} Mbit/s link"
            )
        ).format(
            memory=format_bytes(self.vm.memory_actual or self.vm.memory_static_max),
            rate=round(p.dirty_mib_per_s),
            load=self.load or 0.0,
            link=round(p.link_mbit),
        )
        text = _(
            "about {duration}, with the VM stopped for about {downtime} ms ({rounds} pre-copy rounds), {basis}"
        ).format(duration=format_duration(p.seconds), downtime=p.downtime_ms, rounds=p.rounds, basis=basis)
        if not p.converges:
            text += " " + _("The VM changes memory faster than the link can copy it, so it will stop for longer.")
        return text

    def show_outcome(self, outcome: migrate.Outcome) -> None:
        self.outcome = outcome
        parts = [_("Migrated in {duration}.").format(duration=format_duration(outcome.seconds))]
        if outcome.downtime_ms is not None:
            predicted = self.prediction.downtime_ms if self.prediction else None
            parts.append(
                _("Measured downtime {measured} ms (predicted {predicted} ms), {rounds} pre-copy rounds.").format(
                    measured=outcome.downtime_ms,
                    predicted=predicted if predicted is not None else "-",
                    rounds=outcome.rounds,
                )
            )
        self.result.setText(" ".join(parts))
        self.form.activate()  # the wrapped text gets its height now, not at the next layout pass


class MigrateWizard(Wizard):
    """Migrate (running VM) or Move (halted VM) to a server of this or another pool."""

    def __init__(self, vm: Any, connections: list[Any], history: Any, parent: QWidget | None = None) -> None:
        self.vm = vm
        self.history = history
        ordered = [vm.connection] + [
            c for c in connections if c is not vm.connection and c.state is ConnectionState.CONNECTED
        ]
        self.destination = DestinationPage(vm, ordered)
        self.storage = StoragePage(vm, self.destination)
        self.networks = NetworkPage(vm, self.destination)
        self.transfer = TransferNetworkPage(vm, self.destination, self.storage)
        self.summary_page = MigrateSummaryPage(vm)
        self.outcome: migrate.Outcome | None = None
        super().__init__([self.destination, self.storage, self.networks, self.transfer, self.summary_page], parent)
        self.setObjectName("migrateWizard")

    def window_title(self) -> str:
        if self.vm.is_running:
            return _("Migrate VM '{name}'").format(name=self.vm.name)
        return _("Move VM '{name}'").format(name=self.vm.name)

    def _plain_migration(self, conn: Any, host: Any) -> bool:
        """Same pool, running, every disk stays where it is: ``VM.pool_migrate``."""
        if conn is not self.vm.connection or not self.vm.is_running:
            return False
        return all(self.vm.resolve("VDI", vdi).get("SR") == sr for vdi, sr in self.storage.vdi_map().items())

    async def finish(self) -> migrate.Outcome:
        chosen = self.destination.choice()
        assert chosen is not None
        conn, host = chosen
        vm = self.vm
        page = self.summary_page
        page.progress.setValue(0)
        page.progress.show()
        title = (
            _("Migrating VM '{name}' to '{host}'") if vm.is_running else _("Moving VM '{name}' to '{host}'")
        ).format(name=vm.name, host=host.name)

        async def work(progress: Any) -> migrate.Outcome:
            def report(fraction: float, _text: str = "") -> None:
                progress(fraction)
                if shiboken6.isValid(page.progress):
                    page.progress.setValue(round(fraction * 100))

            if self._plain_migration(conn, host):
                return await migrate.live_migrate(vm.connection, vm.ref, host.ref, report)
            token = await migrate.receive_token(conn, host.ref, self.transfer.network())
            vif_map = self.networks.vif_map() if self.networks.applies() else {}
            return await migrate.migrate_send(
                vm.connection, vm.ref, token, self.storage.vdi_map(), vif_map, vm.is_running, report
            )

        outcome_box: list[migrate.Outcome] = []

        async def tracked(progress: Any) -> None:
            outcome_box.append(await work(progress))

        op = self.history.start(title, vm.connection.friendly_name, tracked)
        assert op.task is not None
        await op.task
        if op.state is OpState.FAILED:
            raise RuntimeError(op.error)
        if not outcome_box:
            raise RuntimeError(_("Canceled."))
        self.outcome = outcome_box[0]
        page.show_outcome(self.outcome)
        return self.outcome

    async def accept_finish(self) -> Any:
        """Stay open after the migration to show the measured figures; Cancel becomes Close."""
        await self.current_page().leave()
        result = await self.finish()
        self.finished_ok.emit(result)
        self.finish_button.hide()
        self.back_button.hide()
        self.cancel_button.setText(_("Close"))
        self.cancel_button.setObjectName("wizardClose")
        return result

    def _cancel(self) -> None:
        if self.outcome is not None and not self.busy:
            self.accept()
            return
        super()._cancel()
