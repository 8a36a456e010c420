"""Edit VM HA priorities (XenCenter's ``EditVmHaPrioritiesDialog``): the HA plan editor
for a pool with HA on; OK applies the changes in XenCenter's safe order
(:func:`xencenter_py.model.actions.ha.set_priorities`) and closes once the pool took them."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from xencenter_py.i18n import gettext as _
from xencenter_py.model.actions import ha
from xencenter_py.ui.aio import show_error
from xencenter_py.ui.ha_plan import HaPlanEditor
from xencenter_py.ui.operations import Operation, OperationHistory, OpState
from xencenter_py.ui.widgets import Retranslating


class HaPrioritiesDialog(Retranslating, QDialog):
    def __init__(self, conn: Any, history: OperationHistory, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("haPrioritiesDialog")
        self.conn = conn
        self.history = history
        self.operation: Operation | None = None
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.editor = HaPlanEditor(conn)
        self.editor.changed.connect(self._validate)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.buttons)
        self.resize(760, 520)
        self.editor.start()
        self.retranslate()

    def retranslate(self) -> None:
        pool = self.conn.cache.pool
        self.setWindowTitle(_("Configure HA on '{pool}'").format(pool=pool.name if pool is not None else ""))
        self.intro.setText(
            _(
                "Change the restart priority, start order and delay of the VMs, and the number of server failures to tolerate."
            )
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("OK"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self._validate()

    def _busy(self) -> bool:
        return self.operation is not None and self.operation.running

    def _validate(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(self.editor.is_valid() and not self._busy())

    def accept(self) -> None:
        if self._busy() or not self.editor.is_valid():
            return
        conn, settings, ntol = self.conn, self.editor.settings(), self.editor.failures_to_tolerate()
        pool = conn.cache.pool
        title = _("Setting HA restart priorities on '{pool}'").format(pool=pool.name if pool is not None else "")

        async def work(progress: Any) -> None:
            await ha.set_priorities(conn, settings, ntol, lambda fraction, _text: progress(fraction))

        self.operation = self.history.start(title, conn.friendly_name, work)
        self.operation.changed.connect(self._operation_changed)
        self.editor.setEnabled(False)
        self._validate()

    def _operation_changed(self) -> None:
        op = self.operation
        if op is None or op.running:
            return
        self.operation = None
        self.editor.setEnabled(True)
        self._validate()
        if op.state is OpState.SUCCEEDED:
            self.editor.stop()
            super().accept()
        elif op.state is OpState.FAILED:
            show_error(self, _("Configure HA"), op.error)

    def reject(self) -> None:
        if not self._busy():
            self.editor.stop()
            super().reject()
