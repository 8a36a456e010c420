"""Adding a pool that is already connected: the console says so, keeps one connection and
one saved entry, and selects the pool that is already there (as XenCenter)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from tests.conftest import SimProcess, start_sim
from tests.sim.core_support import member_urls
from tests.ui.conftest import connect_via_dialog, message_boxes, wait_dialog
from tests.ui.test_connect_dialogs import start_add_server
from xencenter_py.ui import config
from xencenter_py.ui.navigation import stable_key


@pytest.fixture(scope="module")
def members_pool() -> Iterator[SimProcess]:
    sim = start_sim("--seed", "demo", "--members", "--speed", "400")
    yield sim
    sim.stop()


def select_a_vm(qtbot: Any, window: Any) -> None:
    """Move the selection away from the pool, so selecting it again can be seen."""
    qtbot.waitUntil(lambda: any(n.kind == "vm" for _d, n in window.navigation_tree.walk()), timeout=10000)
    vm = next(n for _d, n in window.navigation_tree.walk() if n.kind == "vm")
    window.navigation.select_keys([stable_key(vm)])
    qtbot.waitUntil(lambda: [n.kind for n in window.selected_nodes] == ["vm"], timeout=5000)


def expect_already_connected(qtbot: Any, window: Any, conn: Any) -> None:
    box = wait_dialog(qtbot, QMessageBox, "alreadyConnected", timeout=30000)
    assert conn.friendly_name in box.text()
    assert [c for c in window.manager.connections] == [conn] and conn.is_connected
    (selected,) = window.selected_nodes
    assert selected.kind == "pool" and selected.connection is conn
    box.button(QMessageBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: not message_boxes(), timeout=5000)
    assert [s.address for s in config.load_servers()] == [conn.address]


def test_same_address_twice(qtbot: Any, window: Any, demo_sim: SimProcess) -> None:
    conn = connect_via_dialog(qtbot, window, demo_sim.url, demo_sim.password)
    select_a_vm(qtbot, window)
    start_add_server(qtbot, window, demo_sim.url, demo_sim.password)
    expect_already_connected(qtbot, window, conn)

    # Another name for the same server: only the pool it serves, seen after login, tells.
    select_a_vm(qtbot, window)
    start_add_server(qtbot, window, demo_sim.url.replace("127.0.0.1", "localhost"), demo_sim.password)
    expect_already_connected(qtbot, window, conn)


def test_member_of_a_connected_pool(qtbot: Any, window: Any, members_pool: SimProcess) -> None:
    conn = connect_via_dialog(qtbot, window, members_pool.url, members_pool.password)
    select_a_vm(qtbot, window)
    start_add_server(qtbot, window, member_urls(members_pool, 2)["xs-demo-02"], members_pool.password)
    question = wait_dialog(qtbot, QMessageBox, timeout=20000)
    assert "127.0.0.2" in question.text()  # HOST_IS_SLAVE: offer the coordinator
    question.button(QMessageBox.StandardButton.Yes).click()
    expect_already_connected(qtbot, window, conn)
