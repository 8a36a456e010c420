"""Starts and stops a :class:`~xencenter_py.model.perf.recorder.PoolRecorder` for every
connected pool while the Options setting asks to keep the history of every server."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject

from xencenter_py.model.connection import ConnectionState
from xencenter_py.model.perf import history
from xencenter_py.model.perf.recorder import PoolRecorder
from xencenter_py.ui import perf_settings


class HostRecording(QObject):
    """Follows a ConnectionManager's connections and the setting."""

    def __init__(self, manager: Any) -> None:
        super().__init__(manager)
        self.manager = manager
        self.recorders: dict[int, PoolRecorder] = {}
        manager.state_changed.connect(lambda _conn: self.update())
        manager.connections_changed.connect(self.update)
        unsubscribe = perf_settings.on_change(self.update)
        self.destroyed.connect(lambda *_args: unsubscribe())
        self.update()

    def update(self) -> None:
        wanted = perf_settings.record_all_hosts() and history.store() is not None
        live = {id(c): c for c in self.manager.connections if wanted and c.state is ConnectionState.CONNECTED}
        for key in [k for k in self.recorders if k not in live]:
            self.recorders.pop(key).stop()
        for key, conn in live.items():
            if key not in self.recorders:
                self.recorders[key] = PoolRecorder(conn)
