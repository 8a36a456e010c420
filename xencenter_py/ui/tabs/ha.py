"""The HA tab of a pool, as XenCenter's ``HATabPage``: whether HA is on, the configured
and current failure capacity (red at 0 or when overcommitted), heartbeat state per server
and per heartbeat SR, Configure / Disable; where the pool's licence lacks HA, why instead
of the buttons. The what-if planner sits below."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import gettext as _
from xencenter_py.model.ha import ha_restricted, heartbeat_srs
from xencenter_py.ui import ha_commands
from xencenter_py.ui.aio import spawn
from xencenter_py.ui.ha_what_if import WhatIfPanel
from xencenter_py.ui.tabs.base import TabPage
from xencenter_py.ui.widgets import set_bold

ERROR_STYLE = "color: #b3261e;"


class HaTab(TabPage):
    key = "ha"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("haTab")
        self.state = QLabel()
        self.state.setObjectName("haState")
        self.state.setWordWrap(True)
        set_bold(self.state)
        self.explanation = QLabel()
        self.explanation.setObjectName("haExplanation")
        self.explanation.setWordWrap(True)
        self.configured_label, self.configured = QLabel(), QLabel()
        self.configured.setObjectName("haConfiguredFailures")
        self.capacity_label, self.capacity = QLabel(), QLabel()
        self.capacity.setObjectName("haCurrentCapacity")
        self.figures = QWidget()
        form = QFormLayout(self.figures)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.configured_label, self.configured)
        form.addRow(self.capacity_label, self.capacity)
        self.warning = QLabel()
        self.warning.setObjectName("haWarning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(ERROR_STYLE)
        self.hosts = QTableWidget(0, 2)
        self.hosts.setObjectName("haHostHeartbeats")
        self.srs = QTableWidget(0, 2)
        self.srs.setObjectName("haSrHeartbeats")
        for table in (self.hosts, self.srs):
            table.verticalHeader().hide()
            table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
            table.setMaximumHeight(140)
        self.configure = QPushButton()
        self.configure.setObjectName("haConfigure")
        self.configure.clicked.connect(self._configure)
        self.disable = QPushButton()
        self.disable.setObjectName("haDisable")
        self.disable.clicked.connect(self._disable)
        self.buttons = QWidget()
        buttons = QHBoxLayout(self.buttons)
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.configure)
        buttons.addWidget(self.disable)
        buttons.addStretch(1)
        self.what_if: WhatIfPanel | None = None
        self.layout_ = QVBoxLayout(self)
        for widget in (self.state, self.explanation, self.figures, self.warning, self.hosts, self.srs, self.buttons):
            self.layout_.addWidget(widget)
        self.layout_.addStretch(1)
        self.retranslate()

    def title(self) -> str:
        return _("HA")

    @classmethod
    def applies_to(cls, objects: list[Any]) -> bool:
        return len(objects) == 1 and objects[0].cls == "pool"

    @property
    def pool(self) -> Any:
        return self.objects[0] if len(self.objects) == 1 else None

    def _window(self) -> Any:
        return self.window()

    def _configure(self) -> None:
        if self.pool is not None:
            ha_commands.configure(self._window(), [self.pool])

    def _disable(self) -> None:
        if self.pool is not None:
            spawn(ha_commands.disable(self._window(), [self.pool]), self)

    def _what_if_for(self, pool: Any) -> None:
        conn = pool.connection
        if self.what_if is not None and self.what_if.conn is conn:
            self.what_if.refresh_hosts()
            return
        if self.what_if is not None:
            self.what_if.setParent(None)
            self.what_if.deleteLater()
        self.what_if = WhatIfPanel(conn)
        self.layout_.insertWidget(self.layout_.count() - 1, self.what_if, 1)

    def refresh(self) -> None:
        pool = self.pool
        if pool is None:
            return
        restricted = ha_restricted(pool)
        enabled = pool.ha_enabled
        self.explanation.setVisible(restricted or not enabled)
        self.figures.setVisible(enabled)
        self.hosts.setVisible(enabled)
        self.srs.setVisible(enabled)
        self.buttons.setVisible(not restricted)
        self.disable.setVisible(enabled)
        if restricted:
            self.state.setText(_("High availability is not available for this pool"))
            self.explanation.setText(
                _(
                    "The pool's license (the free XenServer edition) does not include high availability. "
                    "HA needs an Essentials for XenServer Enterprise or Platinum Edition license on every server."
                )
            )
            self.warning.hide()
            if self.what_if is not None:
                self.what_if.hide()
            return
        self._what_if_for(pool)
        assert self.what_if is not None
        self.what_if.show()
        ok, reason = ha_commands.can_configure([pool])
        self.configure.setEnabled(ok)
        self.configure.setToolTip(reason)
        if not enabled:
            self.state.setText(_("HA is not currently configured for this pool"))
            self.explanation.setText(
                _("Click Configure HA to protect VMs: they are restarted on other servers when a server fails.")
            )
            self.configure.setText(_("Configure HA..."))
            self.warning.hide()
            return
        self.configure.setText(_("Configure..."))
        self.state.setText(_("HA is turned on for this pool"))
        ntol = int(pool.get("ha_host_failures_to_tolerate") or 0)
        plan = int(pool.get("ha_plan_exists_for") or 0)
        self.configured.setText(str(ntol))
        self.capacity.setText(str(plan))
        red = plan == 0 or bool(pool.get("ha_overcommitted"))
        self.capacity.setStyleSheet(ERROR_STYLE if red else "")
        self.configured.setStyleSheet(ERROR_STYLE if ntol == 0 else "")
        warnings = []
        if pool.get("ha_overcommitted") or ntol > plan:
            warnings.append(
                _(
                    "The pool is overcommitted: it can tolerate only {plan} of the {ntol} server failures configured."
                ).format(plan=plan, ntol=ntol)
            )
        dead = [h.name for h in pool.hosts if not h.is_live]
        if dead:
            warnings.append(_("Servers not responding: {servers}").format(servers=", ".join(sorted(dead))))
        self.warning.setText("\n".join(warnings))
        self.warning.setVisible(bool(warnings))
        hosts = sorted(pool.hosts, key=lambda h: h.name.lower())
        self.hosts.setRowCount(len(hosts))
        for row, host in enumerate(hosts):
            state = _("Heartbeating") if host.is_live else _("Not responding")
            self.hosts.setItem(row, 0, QTableWidgetItem(host.name))
            self.hosts.setItem(row, 1, QTableWidgetItem(state))
        srs = heartbeat_srs(pool)
        live = [h for h in hosts if h.is_live]
        self.srs.setRowCount(len(srs))
        for row, sr in enumerate(srs):
            seen = sum(1 for h in live if any(p.get("host") == h.ref and p.get("currently_attached") for p in sr.pbds))
            state = _("Connected ({n} of {total} servers)").format(n=seen, total=len(hosts))
            self.srs.setItem(row, 0, QTableWidgetItem(sr.name))
            self.srs.setItem(row, 1, QTableWidgetItem(state))

    def retranslate(self) -> None:
        self.configured_label.setText(_("Configured server failure limit:"))
        self.capacity_label.setText(_("Current failure capacity:"))
        self.hosts.setHorizontalHeaderLabels([_("Server"), _("Heartbeating status")])
        self.srs.setHorizontalHeaderLabels([_("Heartbeat SR"), _("Status")])
        self.disable.setText(_("Disable HA"))
        self.configure.setText(_("Configure HA..."))
        self.refresh()
