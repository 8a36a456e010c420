"""Findings of the Japanese review against a simulated pool: SR sizes XAPI does not know
(-1) never read "-1 B", and menu/toolbar tooltips carry no accelerator ("終了(X)")."""

from __future__ import annotations

import re
from typing import Any

import pytest
from PySide6.QtGui import QAction

from tests.conftest import SimProcess
from tests.ui.conftest import connect_via_dialog
from tests.ui.test_main_window import select
from xencenter_py.i18n.qt import switch_language


@pytest.fixture
def own_pool(sim_factory: Any) -> SimProcess:
    return sim_factory("--seed", "demo", "--speed", "50")


def general_values(window: Any) -> dict[str, str]:
    general = window.tab_pages["general"]
    assert window.tabs.currentWidget() is general
    return general.sections[0].values()


def test_unknown_sr_sizes_read_unknown_or_are_left_out(qtbot: Any, window: Any, own_pool: SimProcess, run: Any) -> None:
    conn = connect_via_dialog(qtbot, window, own_pool.url, own_pool.password)
    dvd = next(sr for sr in conn.cache.all("SR") if sr.type == "udev" and sr.is_iso)
    assert dvd.physical_size == -1  # what XAPI reports for a DVD drive
    nfs = next(sr for sr in conn.cache.all("SR") if sr.name == "NFS virtual disk storage")
    run(conn.call("SR.set_physical_size", nfs.ref, -1))
    qtbot.waitUntil(lambda: conn.cache.get("SR", nfs.ref).physical_size == -1, timeout=10000)

    # As XenCenter: no size at all for DVD drives and ISO libraries.
    for label in ("DVD drives", "ISO library"):
        select(window, qtbot, label)
        values = general_values(window)
        assert "Size" not in values and not any(re.search(r"-1 [KMGT]?B", v) for v in values.values()), values
    # Any other SR whose size is not known says so, in the user's language.
    select(window, qtbot, "NFS virtual disk storage")
    assert general_values(window)["Size"] == "Unknown"
    switch_language("ja")
    qtbot.waitUntil(lambda: "サイズ" in general_values(window), timeout=5000)
    assert general_values(window)["サイズ"] == "不明"
    # A known size still reads as before.
    select(window, qtbot, "iSCSI storage")
    assert re.fullmatch(
        r"\S+ [KMGT]?B 中 \S+ [KMGT]?B 使用 \(\S+ [KMGT]?B 割り当て済み\)", general_values(window)["サイズ"]
    )


def _tooltips(window: Any) -> dict[str, str]:
    return {a.objectName() or a.text(): a.toolTip() for a in window.findChildren(QAction) if a.text()}


def test_tooltips_show_no_accelerator(qtbot: Any, window: Any, demo_sim: SimProcess) -> None:
    assert window.act_exit.toolTip() == "Exit"
    switch_language("ja")
    qtbot.waitUntil(lambda: window.act_exit.text() == "終了(&X)", timeout=5000)
    assert window.act_exit.toolTip() == "終了"
    assert window.power_actions["force_shutdown"].toolTip() == "強制シャットダウン"
    accelerator = re.compile(r"\(&?\w\)|&")
    tips = _tooltips(window)
    assert len(tips) > 20
    assert not {name: tip for name, tip in tips.items() if accelerator.search(tip)}
    # The command system's reason for a disabled command still wins.
    connect_via_dialog(qtbot, window, demo_sim.url, demo_sim.password)
    select(window, qtbot, "xs-demo-02")
    power_on = window.power_actions["host_power_on"]
    assert not power_on.isEnabled()
    assert power_on.toolTip().startswith("電源投入: ") and len(power_on.toolTip()) > len("電源投入: ")
    assert not {name: tip for name, tip in _tooltips(window).items() if accelerator.search(tip)}
