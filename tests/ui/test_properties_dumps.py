"""Every Properties page opens on the objects of real XAPI database dumps (old and new
versions, fields missing or unusual) without complaint, and sends nothing untouched."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import DB_DIR
from xencenter_py.model.connection import Connection
from xencenter_py.sim import xmldb
from xencenter_py.sim.store import Store
from xencenter_py.ui.dialogs.properties import PropertiesDialog
from xencenter_py.ui.operations import OperationHistory

DUMPS = sorted(p for p in DB_DIR.iterdir() if p.is_file())


def load(path: Any) -> Connection:
    store = Store()
    xmldb.load(str(path), store)
    return Connection.from_records(path.name, {cls: store.all(cls) for cls in store.tables})


@pytest.mark.parametrize("dump", DUMPS, ids=[p.name for p in DUMPS])
def test_every_page_opens_and_sends_nothing_untouched(qtbot: Any, aloop: Any, dump: Any) -> None:
    conn = load(dump)
    history = OperationHistory()
    checked = 0
    for cls in ("pool", "host", "VM", "SR", "network", "VDI"):
        objects = [o for o in conn.cache.all(cls) if not (cls == "VM" and o.is_control_domain)]
        for obj in objects[:3]:
            dialog = PropertiesDialog(obj, history)
            qtbot.addWidget(dialog)
            assert dialog.pages, obj
            for page in dialog.pages:
                assert page.title()
                assert page.problem() == "", (dump.name, obj.name, page.title(), page.problem())
            assert dialog.calls() == [], (dump.name, obj.name, dialog.calls())
            dialog.reject()
            checked += 1
    assert checked >= 6
