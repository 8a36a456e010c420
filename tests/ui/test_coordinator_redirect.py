"""Add Server with the address of a pool supporter (``sim --members``): the console offers
the coordinator, and accepting connects to the pool there."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from tests.conftest import SimProcess, start_sim
from tests.sim.core_support import member_urls
from tests.ui.conftest import message_boxes
from tests.ui.test_connect_dialogs import start_add_server


@pytest.fixture(scope="module")
def pool() -> Iterator[SimProcess]:
    sim = start_sim("--seed", "demo", "--members", "--speed", "400")
    yield sim
    sim.stop()


def test_supporter_address_offers_the_coordinator(qtbot: Any, window: Any, pool: SimProcess) -> None:
    member = member_urls(pool, 2)["xs-demo-03"]
    start_add_server(qtbot, window, member, pool.password)
    qtbot.waitUntil(lambda: bool(message_boxes()), timeout=20000)
    question = message_boxes()[0]
    assert "127.0.0.3" in question.text() and "127.0.0.1" in question.text()
    assert not window.manager.connections  # nothing is listed while the user decides
    question.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: any(c.is_connected for c in window.manager.connections), timeout=30000)
    (conn,) = window.manager.connections
    assert conn.address == pool.url
    labels = [node.label for _depth, node in window.navigation_tree.walk()]
    assert conn.friendly_name in labels and "xs-demo-03" in labels


def test_declining_the_coordinator_adds_nothing(qtbot: Any, window: Any, pool: SimProcess) -> None:
    member = member_urls(pool, 2)["xs-demo-02"]
    start_add_server(qtbot, window, member, pool.password)
    qtbot.waitUntil(lambda: bool(message_boxes()), timeout=20000)
    message_boxes()[0].button(QMessageBox.StandardButton.No).click()
    qtbot.waitUntil(lambda: not message_boxes(), timeout=10000)
    assert not window.manager.connections
