"""What the status bar and the notification pages say follows the user: a lost connection
is announced (not "Ready"), and a language switch re-renders entries made before it."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

from tests.conftest import SimProcess
from tests.ui.conftest import connect_via_dialog, language
from xencenter_py.ui.operations import OpState


def _events(window: Any) -> list[str]:
    tree = window.events_page.tree
    return [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]


def test_a_lost_connection_is_announced_and_its_return_too(
    qtbot: Any, window: Any, sim_factory: Any, tmp_path: Path
) -> None:
    state = tmp_path / "pool.state"
    sim: SimProcess = sim_factory("--seed", "standalone", "--speed", "50", "--state", str(state))
    port = sim.url.rsplit(":", 1)[1].rstrip("/")
    conn = connect_via_dialog(qtbot, window, sim.url, sim.password)
    name = conn.friendly_name
    qtbot.waitUntil(lambda: window.status_label.text() in ("Ready", ""), timeout=5000)

    sim.stop(signal.SIGKILL)
    qtbot.waitUntil(lambda: "lost" in window.status_label.text(), timeout=20000)
    assert window.status_label.text() == f"Connection to {name} lost; reconnecting"
    assert _events(window)[0] == f"Connection to {name} lost; reconnecting"

    language("ja")
    try:
        qtbot.waitUntil(lambda: "接続が失われました" in window.status_label.text(), timeout=5000)
        sim_factory("--state", str(state), "--port", port, "--speed", "50")
        qtbot.waitUntil(lambda: conn.is_connected, timeout=30000)
        qtbot.waitUntil(lambda: window.history.operations[-1].state is OpState.SUCCEEDED, timeout=10000)
        assert window.status_label.text().startswith(f"{name} に再接続しました")
    finally:
        language("en")
    qtbot.waitUntil(lambda: window.status_label.text() == f"Reconnected to {name}: Complete", timeout=5000)


def test_language_switch_rerenders_earlier_events_and_alerts(qtbot: Any, window: Any, demo_sim: SimProcess) -> None:
    connect_via_dialog(qtbot, window, demo_sim.url, demo_sim.password)
    qtbot.waitUntil(lambda: window.alerts_page.count() > 0, timeout=10000)
    window.history.start(lambda: "fixed", "here", _never)  # a raw title stays as given
    op = window.history.operations[-1]
    op.cancel()
    qtbot.waitUntil(lambda: not op.running, timeout=5000)
    alerts = window.alerts_page.tree
    english_titles = [alerts.topLevelItem(i).text(0) for i in range(alerts.topLevelItemCount())]
    english_dates = [alerts.topLevelItem(i).text(2) for i in range(alerts.topLevelItemCount())]
    language("ja")
    try:
        qtbot.waitUntil(lambda: alerts.headerItem().text(0) == "メッセージ", timeout=5000)
        japanese_titles = [alerts.topLevelItem(i).text(0) for i in range(alerts.topLevelItemCount())]
        japanese_dates = [alerts.topLevelItem(i).text(2) for i in range(alerts.topLevelItemCount())]
        assert japanese_titles != english_titles and japanese_dates != english_dates
        assert any("年" in d or "/" in d for d in japanese_dates)
        assert window.events_page.tree.topLevelItem(0).text(3) == "キャンセルされました"
    finally:
        language("en")


async def _never(_progress: Any) -> None:
    import asyncio

    await asyncio.Event().wait()


def test_options_language_label_is_an_access_key_not_an_ampersand(qtbot: Any, english: None) -> None:
    from PySide6.QtWidgets import QLabel

    from xencenter_py.ui.dialogs.options import OptionsDialog

    dialog = OptionsDialog(None)
    qtbot.addWidget(dialog)
    label = next(w for w in dialog.findChildren(QLabel) if w.text() == "&Language:")
    assert label.buddy() is dialog.language
