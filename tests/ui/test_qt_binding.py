"""The Qt binding must not corrupt Python's reference counts (PySide6 6.12.0 on Python
3.11 drops a reference to None or True on every void call and signal emission, which
crashes a long-running console); pyproject.toml excludes such versions."""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QStringListModel, Signal


class _Emitter(QObject):
    fired = Signal(object)


def test_void_calls_and_signals_keep_refcounts(qapp: Any) -> None:
    model = QStringListModel(["a", "b", "c"])
    emitter = _Emitter()
    before = (sys.getrefcount(None), sys.getrefcount(True))
    for _ in range(200):
        model.beginInsertRows(QModelIndex(), 0, 0)
        model.endInsertRows()
        emitter.fired.emit(1)
    after = (sys.getrefcount(None), sys.getrefcount(True))
    assert after[0] >= before[0] - 20 and after[1] >= before[1] - 20, (before, after)
