"""A Japanese walk of the XenMotion, maintenance-mode and storage surfaces: the Migrate VM
wizard (every page, the prediction and the measured figures), the maintenance-mode dialog,
the New SR wizard for each type with the probe's answers and errors, the SR confirmations,
and the new menu entries. No English left (object names aside); every label fits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import SimProcess
from tests.ui.conftest import connect_via_dialog, message_boxes, wait_dialog
from tests.ui.test_ja_walk import Walker, object_names
from tests.ui.test_main_window import select
from tests.ui.test_migrate_wizard import choose, destination_rows, finish
from xencenter_py.i18n.qt import switch_language
from xencenter_py.ui.dialogs.maintenance import EnterMaintenanceDialog
from xencenter_py.ui.dialogs.new_pool import NewPoolDialog
from xencenter_py.ui.wizards.migrate import MigrateWizard
from xencenter_py.ui.wizards.new_sr import NewSRWizard


@pytest.fixture
def japanese() -> Iterator[None]:
    switch_language("ja")
    yield
    switch_language("en")


def test_motion_surfaces_in_japanese(qtbot: Any, window: Any, sim_factory: Any, japanese: None) -> None:
    pool: SimProcess = sim_factory("--seed", "demo", "--speed", "100")
    conn = connect_via_dialog(qtbot, window, pool.url, pool.password)
    # Units and protocol names (CHAP stays CHAP in XenCenter), and what the fake storage servers call their shares, LUN vendors and hosts (data).
    data = {
        "nfs",
        "smb",
        "cifs",
        "hba",
        "lun",
        "chap",
        "mbit",
        "mib",
        "iso",
        "localhost",
        "archive",
        "simarray",
        "simfc",
    }
    walker = Walker(object_names(window) | data | {"filer", "storage", "vol", "xenserver"})

    # Menus with the new entries, for a VM, a server and an SR.
    for label in ("Web Server 1", "xs-demo-02"):
        select(window, qtbot, label)
        for menu in window.menus.values():
            walker.menu(menu, f"menu[{label}]")

    # Migrate VM wizard: every page, the prediction, then the measured figures.
    select(window, qtbot, "Web Server 1")
    window.motion_actions["migrate_wizard"].trigger()
    wizard = wait_dialog(qtbot, MigrateWizard)
    destination_rows(qtbot, wizard)
    walker.widget(wizard, "migrate[destination]")
    choose(wizard, "xs-demo-03")
    for page in (wizard.storage, wizard.transfer, wizard.summary_page):
        wizard.next_button.click()
        qtbot.waitUntil(lambda p=page: wizard.current_page() is p and not wizard.busy, timeout=10000)
        qtbot.waitUntil(lambda: wizard.next_button.isEnabled() or wizard.finish_button.isEnabled(), timeout=10000)
        walker.widget(wizard, f"migrate[{page.title()}]")
    qtbot.waitUntil(lambda: "ミリ秒" in wizard.summary_page.prediction_label.text(), timeout=10000)
    walker.widget(wizard, "migrate[prediction]")
    finish(qtbot, wizard)
    walker.widget(wizard, "migrate[measured]")
    assert "実測の停止時間" in wizard.summary_page.result.text()
    wizard.cancel_button.click()
    qtbot.waitUntil(lambda: not wizard.isVisible())

    # Maintenance mode: the plan with blockers and their choices.
    select(window, qtbot, "xs-demo-02")
    window.motion_actions["enter_maintenance"].trigger()
    dialog = wait_dialog(qtbot, EnterMaintenanceDialog)
    qtbot.waitUntil(dialog.ok.isEnabled, timeout=10000)
    walker.widget(dialog, "maintenance")
    for row in range(dialog.tree.topLevelItemCount()):
        walker.text("maintenance plan", dialog.tree.topLevelItem(row).text(1))
    dialog.reject()

    # New SR wizard: each type's pages, a probe error, a probe with results.
    select(window, qtbot, "xs-demo-01")
    for kind, location in (
        ("nfs", "no-such-filer.localhost:/vol"),
        ("nfs", "filer.storage.localhost"),
        ("iscsi", "iscsi.storage.localhost"),
        ("hba", ""),
        ("smb", r"\\smb.storage.localhost\xenserver"),
        ("nfs_iso", "filer.storage.localhost:/vol/iso"),
        ("cifs_iso", "//smb.storage.localhost/iso"),
    ):
        window.motion_actions["new_sr"].trigger()
        wizard = wait_dialog(qtbot, NewSRWizard)
        walker.widget(wizard, "new sr[type]")
        wizard.types.buttons[kind].click()
        wizard.next_button.click()
        qtbot.waitUntil(lambda w=wizard: w.current_page() is w.name_page and w.next_button.isEnabled())
        walker.widget(wizard, f"new sr[{kind} name]")
        wizard.next_button.click()
        page = wizard.location
        qtbot.waitUntil(lambda w=wizard: w.current_page() is w.location and not w.busy)
        if location:
            page.location.setText(location)
        if page.scan.isVisibleTo(page) and location:
            page.scan.click()
        if kind in ("nfs", "iscsi", "hba", "smb"):
            qtbot.waitUntil(
                lambda p=page: p.results.count() > 0 or p.status.text() not in ("", "スキャンしています..."),
                timeout=10000,
            )
        walker.widget(wizard, f"new sr[{kind} location]")
        walker.text("new sr status", page.status.text())
        for row in range(page.results.count()):
            walker.text("new sr results", page.results.item(row).text())
        if wizard.next_button.isEnabled():
            wizard.next_button.click()
            qtbot.waitUntil(lambda w=wizard: w.current_page() is w.pages[-1] and w.finish_button.isEnabled())
            walker.widget(wizard, f"new sr[{kind} summary]")
        wizard.reject()

    # New Pool (no standalone server is connected: an empty choice, Create disabled).
    window.motion_actions["new_pool"].trigger()
    dialog = wait_dialog(qtbot, NewPoolDialog)
    walker.widget(dialog, "new pool")
    assert not dialog.create.isEnabled()
    dialog.reject()

    # SR menus.
    conn_sr = next(sr for sr in conn.cache.all("SR") if sr.is_iso and sr.is_shared and not sr.is_tools_sr)
    select(window, qtbot, conn_sr.name)
    for menu in window.menus.values():
        walker.menu(menu, "menu[sr]")
    assert not message_boxes()

    assert walker.seen > 150
    assert not walker.english, "English left in the Japanese UI:\n" + "\n".join(walker.english)
    assert not walker.clipped, "Texts that do not fit:\n" + "\n".join(walker.clipped)
