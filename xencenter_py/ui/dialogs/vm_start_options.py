"""The VM Properties "Start Options" page (XenCenter's ``VMHAEditPage``): HA restart
priority, start order and the delay before the next VM starts, with the states XenCenter
handles — unlicensed pool, standalone server, HA not configured, servers down — each
explained where the priority cannot be changed. Restart is offered only to agile VMs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QSpinBox, QVBoxLayout

from xencenter_py.i18n import gettext as _
from xencenter_py.model.ha import PRIORITIES, RESTART, agility_reason, ha_restricted, priority_label, priority_of
from xencenter_py.ui.aio import spawn
from xencenter_py.ui.dialogs.property_page import Call, Page
from xencenter_py.ui.ha_plan import MAX_DELAY, MAX_ORDER


class StartOptionsPage(Page):
    def __init__(self, obj: Any, changed: Callable[[], None]) -> None:
        super().__init__(obj, changed)
        self.setObjectName("startOptionsPage")
        self.state = QLabel()
        self.state.setObjectName("startOptionsState")
        self.state.setWordWrap(True)
        self.priority = QComboBox()
        self.priority.setObjectName("haRestartPriority")
        for p in PRIORITIES:
            self.priority.addItem("", p)
        self.order = QSpinBox()
        self.order.setObjectName("startOrder")
        self.order.setRange(0, MAX_ORDER)
        self.delay = QSpinBox()
        self.delay.setObjectName("startDelay")
        self.delay.setRange(0, MAX_DELAY)
        self.priority_label, self.order_label, self.delay_label = QLabel(), QLabel(), QLabel()
        form = QFormLayout()
        form.addRow(self.priority_label, self.priority)
        form.addRow(self.order_label, self.order)
        form.addRow(self.delay_label, self.delay)
        layout = QVBoxLayout(self)
        layout.addWidget(self.state)
        layout.addLayout(form)
        layout.addStretch(1)
        self._loaded: tuple[str, int, int] | None = None
        self.agility = ""
        for signal in (self.priority.currentIndexChanged, self.order.valueChanged, self.delay.valueChanged):
            signal.connect(self.changed)
        self.refresh()
        self.retranslate()
        if self.obj.is_real_vm:
            spawn(self._check_agility(), self)

    def title(self) -> str:
        return _("Start Options")

    def why_fixed(self) -> str:
        """Why the restart priority cannot be changed here ("" when it can)."""
        pool = self.obj.cache.pool
        if pool is None or len(pool.hosts) < 2:
            return _("High availability is only available for VMs in a pool of two or more servers.")
        if ha_restricted(pool):
            return _("The pool's license does not include high availability.")
        if not pool.ha_enabled:
            return _("HA is not configured for this pool. Configure HA from the pool's HA tab to protect this VM.")
        down = [h.name for h in pool.hosts if not h.is_live]
        if down:
            return _("The restart priority cannot be changed while servers are not responding: {servers}").format(
                servers=", ".join(sorted(down))
            )
        return ""

    async def _check_agility(self) -> None:
        from xencenter_py.xapi.errors import Failure

        try:
            await self.obj.connection.call("VM.assert_agile", self.obj.ref)
        except Failure as f:
            self.agility = f.code
        except Exception:  # not connected any more: the pool checks again on OK
            return
        if shiboken6.isValid(self):
            self._apply_agility()

    def _apply_agility(self) -> None:
        model = self.priority.model()
        assert isinstance(model, QStandardItemModel)
        item = model.item(PRIORITIES.index(RESTART))
        if self.agility and self.priority.currentData() != RESTART:
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            item.setToolTip(agility_reason(self.agility))

    def refresh(self) -> None:
        loaded = (priority_of(self.obj), int(self.obj.get("order") or 0), int(self.obj.get("start_delay") or 0))
        if self._loaded is None or self.current() == self._loaded:
            for widget in (self.priority, self.order, self.delay):
                widget.blockSignals(True)
            self.priority.setCurrentIndex(PRIORITIES.index(loaded[0]))
            self.order.setValue(min(loaded[1], MAX_ORDER))
            self.delay.setValue(min(loaded[2], MAX_DELAY))
            for widget in (self.priority, self.order, self.delay):
                widget.blockSignals(False)
        self._loaded = loaded
        reason = self.why_fixed()
        self.priority.setEnabled(not reason)
        self.state.setText(reason)
        self.state.setVisible(bool(reason))

    def current(self) -> tuple[str, int, int]:
        return (str(self.priority.currentData()), self.order.value(), self.delay.value())

    def problem(self) -> str:
        if self.current()[0] == RESTART and self.agility and self._loaded and self._loaded[0] != RESTART:
            return agility_reason(self.agility)
        return ""

    def calls(self) -> list[Call]:
        if self._loaded is None:
            return []
        priority, order, delay = self.current()
        out: list[Call] = []
        if priority != self._loaded[0] and not self.why_fixed():
            out.append(("VM.set_ha_restart_priority", (self.obj.ref, priority)))
        if order != self._loaded[1]:
            out.append(("VM.set_order", (self.obj.ref, order)))
        if delay != self._loaded[2]:
            out.append(("VM.set_start_delay", (self.obj.ref, delay)))
        return out

    def retranslate(self) -> None:
        for i, p in enumerate(PRIORITIES):
            self.priority.setItemText(i, priority_label(p))
        self.priority_label.setText(_("HA restart priority:"))
        self.order_label.setText(_("Start order:"))
        self.delay_label.setText(_("Attempt to start the next VM after (seconds):"))
        self.refresh()
