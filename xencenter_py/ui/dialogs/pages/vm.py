"""A VM's own pages: CPU scheduling fields, Boot Options and Advanced Options.

CPU scheduling (``CPU_FIELDS``) joins the CPU and Memory page: the topology
(``platform["cores-per-socket"]``, only while halted), the vCPU priority as XenCenter's
nine steps of ``VCPUs_params["weight"]`` (weight 4^n: Lowest 1, Normal 256, Highest 65535)
and the cap (``VCPUs_params["cap"]``, % of one CPU; 0 = no cap).

Advanced Options is the shadow memory multiplier of an HVM VM, as the 2009 deck shows it:
general use 1.0, Citrix XenApp 4.0, or a manual value; a running VM gets it with
``VM.set_shadow_multiplier_live``, a halted one through ``HVM_shadow_multiplier``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
)

from xencenter_py.i18n import N_, format_number
from xencenter_py.i18n import gettext as _
from xencenter_py.ui.dialogs.property_page import (
    Call,
    Field,
    FieldForm,
    Page,
    error_label,
    help_label,
    map_key_calls,
    other_config_calls,
    show_error,
)

# -- CPU scheduling ---------------------------------------------------------------------------
PRIORITY_WEIGHTS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65535)
PRIORITY_LABELS = (
    N_("Lowest"),
    N_("Very low"),
    N_("Low"),
    N_("Below normal"),
    N_("Normal"),
    N_("Above normal"),
    N_("High"),
    N_("Very high"),
    N_("Highest"),
)
DEFAULT_WEIGHT = 256


def _weight(vm: Any) -> int:
    """The priority step nearest the VM's weight (XAPI's default is 256, Normal)."""
    try:
        weight = int((vm.get("VCPUs_params") or {}).get("weight", DEFAULT_WEIGHT))
    except ValueError:
        weight = DEFAULT_WEIGHT
    return min(PRIORITY_WEIGHTS, key=lambda w: abs(w - weight))


def _cap(vm: Any) -> int:
    try:
        return int((vm.get("VCPUs_params") or {}).get("cap", 0))
    except ValueError:
        return 0


def _cores_per_socket(vm: Any) -> int:
    try:
        return int((vm.get("platform") or {}).get("cores-per-socket", 1))
    except ValueError:
        return 1


def _halted(vm: Any) -> bool:
    return vm.power_state == "Halted"


def _topology_problem(cores: int, values: dict[str, Any]) -> str:
    vcpus = int(values.get("VCPUs_max") or 0)
    if cores < 1 or (vcpus and vcpus % cores):
        return _("The number of cores per socket must divide the number of vCPUs ({count}).").format(count=vcpus)
    return ""


CPU_FIELDS = (
    Field(
        "coresPerSocket",
        N_("Cores per socket:"),
        "int",
        _cores_per_socket,
        lambda vm, v: map_key_calls(vm, "platform", "cores-per-socket", str(v)),
        check=_topology_problem,
        enabled=_halted,
        minimum=1,
        maximum=4096,
    ),
    Field(
        "vcpuPriority",
        N_("vCPU priority:"),
        "choice",
        _weight,
        lambda vm, v: map_key_calls(vm, "VCPUs_params", "weight", str(v)),
        choices=lambda vm: list(zip(PRIORITY_LABELS, PRIORITY_WEIGHTS, strict=True)),
    ),
    Field(
        "vcpuCap",
        N_("vCPU cap (0 = none):"),
        "int",
        _cap,
        lambda vm, v: map_key_calls(vm, "VCPUs_params", "cap", str(v) if v else None),
        maximum=100 * 4096,
        suffix=N_("%"),
    ),
)


def cpu_form(vm: Any, changed: Callable[[], None]) -> FieldForm:
    return FieldForm(vm, CPU_FIELDS, changed)


# -- Boot Options -----------------------------------------------------------------------------
BOOT_DEVICES = (("c", N_("Hard Disk")), ("d", N_("DVD Drive")), ("n", N_("Network")))


def _boot_order(vm: Any) -> str:
    order = (vm.get("HVM_boot_params") or {}).get("order", "cd").lower()
    return "".join(ch for ch in order if ch in "cdn")


class BootOptionsPage(Page):
    """HVM: the boot order (letters of ``HVM_boot_params["order"]``); PV: the OS boot
    parameters (``PV_args``); both: start automatically with the server
    (``other_config["auto_poweron"]``)."""

    def __init__(self, obj: Any, changed: Callable[[], None]) -> None:
        super().__init__(obj, changed)
        self.setObjectName("bootOptionsPage")
        self.hvm = obj.is_hvm
        self.intro = help_label("bootIntro")
        self.auto_start = QCheckBox()
        self.auto_start.setObjectName("autoStart")
        self.order = QListWidget()
        self.order.setObjectName("bootOrder")
        self.up, self.down = QPushButton(), QPushButton()
        self.up.setObjectName("bootUp")
        self.down.setObjectName("bootDown")
        self.args = QLineEdit()
        self.args.setObjectName("bootParameters")
        self.args_label = QLabel()
        self.args_label.setBuddy(self.args)
        self.error = error_label("bootError")
        layout = QVBoxLayout(self)
        layout.addWidget(self.auto_start)
        layout.addWidget(self.intro)
        if self.hvm:
            row = QHBoxLayout()
            row.addWidget(self.order, 1)
            buttons = QVBoxLayout()
            buttons.addWidget(self.up)
            buttons.addWidget(self.down)
            buttons.addStretch(1)
            row.addLayout(buttons)
            layout.addLayout(row)
        else:
            layout.addWidget(self.args_label)
            layout.addWidget(self.args)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self._order = self._args = ""
        self._auto = False
        self._seen = False
        self.up.clicked.connect(lambda: self._move(-1))
        self.down.clicked.connect(lambda: self._move(1))
        self.order.itemChanged.connect(lambda _i: self.changed())
        self.order.currentRowChanged.connect(lambda _r: self._update_buttons())
        self.args.textChanged.connect(self.changed)
        self.auto_start.toggled.connect(self.changed)
        self.refresh()
        self.retranslate()

    def title(self) -> str:
        return _("Boot Options")

    def retranslate(self) -> None:
        self.auto_start.setText(_("&Auto-start on server boot"))
        self.intro.setText(
            _("Tick the devices the VM may boot from and order them; the first one that can boot is used.")
            if self.hvm
            else _("OS boot parameters are passed to the VM's kernel when it starts.")
        )
        self.args_label.setText(_("OS &boot parameters:"))
        self.up.setText(_("Move &Up"))
        self.down.setText(_("Move &Down"))
        labels = dict(BOOT_DEVICES)
        self.order.blockSignals(True)
        for i in range(self.order.count()):
            item = self.order.item(i)
            item.setText(str(labels[item.data(Qt.ItemDataRole.UserRole)]))
        self.order.blockSignals(False)
        self.changed()

    def current_order(self) -> str:
        out = ""
        for i in range(self.order.count()):
            item = self.order.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out += item.data(Qt.ItemDataRole.UserRole)
        return out

    def _show_order(self, order: str) -> None:
        self.order.blockSignals(True)
        self.order.clear()
        labels = dict(BOOT_DEVICES)
        rest = [d for d, _l in BOOT_DEVICES if d not in order]
        for device in [*order, *rest]:
            item = QListWidgetItem(str(labels[device]))
            item.setData(Qt.ItemDataRole.UserRole, device)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if device in order else Qt.CheckState.Unchecked)
            self.order.addItem(item)
        self.order.blockSignals(False)
        self._update_buttons()

    def _move(self, step: int) -> None:
        row = self.order.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.order.count():
            return
        item = self.order.takeItem(row)
        self.order.insertItem(target, item)
        self.order.setCurrentRow(target)
        self.changed()

    def _update_buttons(self) -> None:
        row = self.order.currentRow()
        self.up.setEnabled(row > 0)
        self.down.setEnabled(0 <= row < self.order.count() - 1)

    def refresh(self) -> None:
        order, args = _boot_order(self.obj), self.obj.get("PV_args") or ""
        auto = (self.obj.get("other_config") or {}).get("auto_poweron") == "true"
        if not self._seen or self.current_order() == self._order:
            self._show_order(order)
        if not self._seen or self.args.text() == self._args:
            self.args.setText(args)
        if not self._seen or self.auto_start.isChecked() == self._auto:
            self.auto_start.blockSignals(True)
            self.auto_start.setChecked(auto)
            self.auto_start.blockSignals(False)
        self._order, self._args, self._auto, self._seen = order, args, auto, True

    def problem(self) -> str:
        text = _("Choose at least one boot device.") if self.hvm and not self.current_order() else ""
        show_error(self.error, text)
        return text

    def calls(self) -> list[Call]:
        out: list[Call] = []
        if self.auto_start.isChecked() != self._auto:
            out += other_config_calls(self.obj, "auto_poweron", "true" if self.auto_start.isChecked() else None)
        if self.hvm and self.current_order() != self._order:
            out += map_key_calls(self.obj, "HVM_boot_params", "order", self.current_order())
        if not self.hvm and self.args.text() != self._args:
            out.append(("VM.set_PV_args", (self.obj.ref, self.args.text())))
        return out


# -- Advanced Options (shadow memory) ------------------------------------------------------------
GENERAL_USE = 1.0
XENAPP = 4.0


class AdvancedOptionsPage(Page):
    """The shadow memory multiplier (HVM only), with the deck's explanation."""

    def __init__(self, obj: Any, changed: Callable[[], None]) -> None:
        super().__init__(obj, changed)
        self.setObjectName("advancedOptionsPage")
        self.general = QRadioButton()
        self.general.setObjectName("optimizeGeneral")
        self.xenapp = QRadioButton()
        self.xenapp.setObjectName("optimizeXenApp")
        self.manual = QRadioButton()
        self.manual.setObjectName("optimizeManual")
        group = QButtonGroup(self)
        for button in (self.general, self.xenapp, self.manual):
            group.addButton(button)
            button.toggled.connect(self._toggled)
        self.multiplier = QLineEdit()
        self.multiplier.setObjectName("shadowMultiplier")
        self.multiplier_label = QLabel()
        self.multiplier_label.setBuddy(self.multiplier)
        self.note = help_label("advancedNote")
        self.explanation = help_label("shadowExplanation")
        self.error = error_label("advancedError")
        row = QHBoxLayout()
        row.addSpacing(20)
        row.addWidget(self.multiplier_label)
        row.addWidget(self.multiplier, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.general)
        layout.addWidget(self.xenapp)
        layout.addWidget(self.manual)
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addWidget(self.note)
        layout.addWidget(self.explanation)
        layout.addStretch(1)
        self._loaded: float | None = None
        self.multiplier.textChanged.connect(self.changed)
        self.refresh()
        self.retranslate()

    def title(self) -> str:
        return _("Advanced Options")

    def retranslate(self) -> None:
        self.general.setText(_("Optimize for &general use"))
        self.xenapp.setText(_("Optimize for Citrix &XenApp"))
        self.manual.setText(_("Optimize &manually (advanced use only)"))
        self.multiplier_label.setText(_("&Shadow memory multiplier:"))
        self.explanation.setText(
            _(
                "Without hardware-assisted paging (Intel EPT or AMD RVI), Xen keeps a shadow page table "
                "for each guest page table, translating guest virtual addresses straight to machine "
                "addresses. Every page-table write, page fault and context switch of the guest must then "
                "update or switch shadow tables. Citrix XenApp servers run many user sessions and "
                "processes, so they have many page tables: giving them more shadow memory (4.0) keeps "
                "their shadow tables cached and avoids this overhead. Servers with EPT/RVI need no shadow "
                "page tables, and general workloads run well with 1.0."
            )
        )
        self._update_note()
        self.changed()

    def editable(self) -> bool:
        return self.obj.power_state in ("Halted", "Running")

    def _update_note(self) -> None:
        editable = self.editable()
        self.note.setText(
            "" if editable else _("The shadow memory multiplier cannot be changed while the VM is suspended or paused.")
        )
        self.note.setVisible(not editable)
        for w in (self.general, self.xenapp, self.manual, self.multiplier):
            w.setEnabled(editable)
        self.multiplier.setEnabled(editable and self.manual.isChecked())

    def _toggled(self) -> None:
        if self.general.isChecked():
            self.multiplier.setText(format_number(GENERAL_USE, 1))
        elif self.xenapp.isChecked():
            self.multiplier.setText(format_number(XENAPP, 1))
        self._update_note()
        self.changed()

    def chosen(self) -> float | None:
        """The multiplier the page would send, or None when the text is not a number ≥ 1."""
        if self.general.isChecked():
            return GENERAL_USE
        if self.xenapp.isChecked():
            return XENAPP
        text = self.multiplier.text().strip().replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            return None
        return value if value >= 1.0 else None

    def refresh(self) -> None:
        current = float(self.obj.get("HVM_shadow_multiplier") or 1.0)
        if self._loaded is None or self.chosen() == self._loaded:
            button = self.general if current == GENERAL_USE else self.xenapp if current == XENAPP else self.manual
            for b in (self.general, self.xenapp, self.manual):
                b.blockSignals(True)
            button.setChecked(True)
            for b in (self.general, self.xenapp, self.manual):
                b.blockSignals(False)
            self.multiplier.blockSignals(True)
            self.multiplier.setText(format_number(current, 2 if round(current, 1) != current else 1))
            self.multiplier.blockSignals(False)
        self._loaded = current
        self._update_note()

    def problem(self) -> str:
        text = ""
        if self.editable() and self.chosen() is None:
            text = _("The shadow memory multiplier must be a number of at least 1.0.")
        show_error(self.error, text)
        return text

    def calls(self) -> list[Call]:
        value = self.chosen()
        if not self.editable() or value is None or value == self._loaded:
            return []
        if self.obj.power_state == "Running":
            return [("VM.set_shadow_multiplier_live", (self.obj.ref, value))]
        return [("VM.set_HVM_shadow_multiplier", (self.obj.ref, value))]
