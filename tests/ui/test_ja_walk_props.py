"""Japanese walk of the Properties dialogs (every page of every kind of object), the
organisation views and their menus, and the organisation dialogs: no English left, no text
cut off, and a language switch while a dialog is open changes it too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QWidget

from tests.conftest import SimProcess
from tests.ui.conftest import connect_via_dialog
from tests.ui.test_ja_walk import Walker, object_names
from xencenter_py.i18n.qt import switch_language
from xencenter_py.ui import menus
from xencenter_py.ui.dialogs.manage_tags import ManageTagsDialog
from xencenter_py.ui.dialogs.manage_vapps import ManageVAppsDialog
from xencenter_py.ui.dialogs.name_dialog import NameDialog
from xencenter_py.ui.dialogs.properties import PropertiesDialog
from xencenter_py.ui.dialogs.search_designer import SearchDesigner
from xencenter_py.ui.navigation import ORGANIZATION_MODES, Mode, stable_key

# Names XenCenter's Japanese keeps in Latin letters on these pages (products, protocols).
PRODUCT_TERMS = {"vApp", "vApps", "XenApp", "syslog", "iLO", "DRAC", "Dell", "Remote", "Access", "Controller",
                 "Integrated", "Lights-Out", "Wake-on-LAN", "WoL", "xensearch", "Tools"}  # fmt: skip


@pytest.fixture
def japanese() -> Iterator[None]:
    switch_language("ja")
    yield
    switch_language("en")


def walk_properties(walker: Walker, qtbot: Any, window: Any, obj: Any, where: str) -> list[str]:
    dialog = PropertiesDialog(obj, window.history, window)
    dialog.resize(760, 560)
    dialog.show()
    titles = []
    for row in range(dialog.page_list.count()):
        dialog.page_list.setCurrentRow(row)
        titles.append(dialog.page_list.item(row).text())
        walker.text(f"{where} page", dialog.page_list.item(row).text())
        walker.widget(dialog.stack.currentWidget(), f"{where} {row}")
    walker.widget(dialog, where)
    dialog.reject()
    return titles


def test_properties_and_organisation_in_japanese(qtbot: Any, window: Any, demo_sim: SimProcess, japanese: None) -> None:
    conn = connect_via_dialog(qtbot, window, demo_sim.url, demo_sim.password)
    walker = Walker(object_names(window) | {t.lower() for t in PRODUCT_TERMS})
    cache = conn.cache
    hvm_halted = next(v for v in cache.all("VM") if v.name == "Windows Server 2019 Staging")
    objects = {
        "vm": hvm_halted,
        "snapshot": next(v for v in cache.all("VM") if v.is_snapshot),
        "host": cache.all("host")[0],
        "pool": cache.pool,
        "sr": next(s for s in cache.all("SR") if s.get("type") == "nfs"),
        "network": next(n for n in cache.all("network") if n.get("PIFs")),
        "vdi": next(v for v in cache.all("VDI") if v.get("type") == "user"),
    }
    seen_titles = {}
    for where, obj in objects.items():
        seen_titles[where] = walk_properties(walker, qtbot, window, obj, f"properties[{where}]")
    assert seen_titles["vm"] == [
        "全般",
        "カスタム フィールド",
        "CPU とメモリ",
        "起動オプション",
        "高可用性オプション",
        "アラート",
        "ホーム サーバー",
        "高度なオプション",
    ]
    assert "マルチパス" in seen_titles["host"] and "ライブ移行" in seen_titles["pool"]

    # The navigation buttons, the Organization Views menu, each view and its context menus.
    walker.widget(window.navigation, "navigation")
    walker.menu(window.navigation.organization_menu, "organization views")
    window.navigation._fill_searches_menu()
    walker.menu(window.navigation.searches_menu, "saved searches")
    walker.menu(window.menus["tools"], "tools")
    for mode in ORGANIZATION_MODES:
        window.navigation.organization_actions[mode].trigger()
        qtbot.waitUntil(lambda m=mode: window.navigation.mode is m, timeout=5000)
        tree = window.navigation_tree
        walker.text(f"{mode.value} root", tree.root.label)
        for _depth, node in tree.walk():
            if node.kind in ("tag", "folder", "group") or node.kind == "root":
                window.navigation.select_keys([stable_key(node)])
                menu = menus.context_menu(window)
                window.organizer.extend_context_menu(menu, [node])
                walker.menu(menu, f"{mode.value} context")
                break
    by_power_state = next(s for s in window.organizer.searches() if s.uuid == "dead-beef-1234-vmsbyps")
    window.navigation.show_search(by_power_state)
    qtbot.waitUntil(lambda: window.navigation.mode is Mode.SAVED_SEARCH, timeout=5000)
    walker.text("search root", window.navigation_tree.root.label)
    assert window.navigation_tree.root.label == "VM - 電源状態"
    groups = [n.label for _d, n in window.navigation_tree.walk() if n.kind == "group"]
    assert "実行中" in groups and "停止" in groups
    for label in groups:
        walker.text("search group", label)

    # The organisation dialogs.
    for dialog in (
        ManageTagsDialog(window.organizer, window),
        ManageVAppsDialog(conn, window.history, window),
        SearchDesigner(window.organizer, window),
        NameDialog(lambda: "新規フォルダ", lambda: "名前:", lambda _n: "", "", window),
    ):
        dialog.resize(900, 640)
        dialog.show()
        if isinstance(dialog, SearchDesigner):
            dialog.add_row()
        if isinstance(dialog, ManageVAppsDialog):
            dialog._new()
        walker.widget(dialog, type(dialog).__name__)
        dialog.reject()

    assert walker.seen > 150
    assert not walker.english, "English left in the Japanese UI:\n" + "\n".join(walker.english)
    assert not walker.clipped, "\n".join(walker.clipped)


def test_language_switch_reaches_open_pages(qtbot: Any, window: Any, demo_sim: SimProcess) -> None:
    conn = connect_via_dialog(qtbot, window, demo_sim.url, demo_sim.password)
    by_power_state = next(s for s in window.organizer.searches() if s.uuid == "dead-beef-1234-vmsbyps")
    window.navigation.show_search(by_power_state)
    qtbot.waitUntil(lambda: window.navigation_tree.root.label == "VMs by Power State", timeout=5000)
    vm = next(v for v in conn.cache.all("VM") if v.name == "Windows Server 2019 Staging")
    dialog = PropertiesDialog(vm, window.history, window)
    dialog.show()
    pages: list[QWidget] = list(dialog.pages)
    assert dialog.page_list.item(len(pages) - 1).text() == "Advanced Options"
    switch_language("ja")
    try:
        qtbot.waitUntil(lambda: dialog.page_list.item(len(pages) - 1).text() == "高度なオプション", timeout=5000)
        advanced = dialog.pages[-1]
        assert advanced.xenapp.text() == "Citrix XenApp 用に最適化する(&X)"
        assert "シャドウページテーブル" in advanced.explanation.text()
        assert "プロパティ" in dialog.windowTitle()
        qtbot.waitUntil(lambda: window.navigation_tree.root.label == "VM - 電源状態", timeout=5000)
        assert "実行中" in [n.label for _d, n in window.navigation_tree.walk()]
    finally:
        switch_language("en")
        dialog.reject()
