"""The organisation views and saved searches in the real window against a simulated pool:
switch views with the navigation buttons, make folders and tags through their menus and
dialogs, drop objects onto a tag or folder, manage vApps, design, save, export and import
a search; every change arrives through the pool's events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from tests.conftest import SimProcess
from tests.ui.conftest import connect_via_dialog, message_boxes, wait_dialog
from xencenter_py.model import org
from xencenter_py.model import search as searching
from xencenter_py.ui.dialogs.manage_tags import ManageTagsDialog
from xencenter_py.ui.dialogs.manage_vapps import ManageVAppsDialog
from xencenter_py.ui.dialogs.name_dialog import NameDialog
from xencenter_py.ui.dialogs.search_designer import SearchDesigner
from xencenter_py.ui.navigation import Mode, stable_key

SEARCH_FILE = Path(__file__).parent.parent / "data" / "xensearch" / "halted-web-vms.xensearch"


@pytest.fixture
def pool(sim_factory: Any) -> SimProcess:
    return sim_factory("--seed", "demo", "--speed", "50")


def labels(window: Any) -> list[str]:
    return [f"{'  ' * d}{n.label}" for d, n in window.navigation_tree.walk()]


def node_named(window: Any, label: str, kind: str | None = None) -> Any:
    return next(n for _d, n in window.navigation_tree.walk() if n.label == label and (kind is None or n.kind == kind))


def select(window: Any, qtbot: Any, node: Any) -> None:
    window.navigation.select_keys([stable_key(node)])
    qtbot.waitUntil(lambda: node in window.selected_nodes, timeout=5000)


def context_action(window: Any, name: str) -> Any:
    """The named entry of the tree's context menu for the current selection."""
    from xencenter_py.ui import menus

    menu = menus.context_menu(window)
    window.organizer.extend_context_menu(menu, window.selected_nodes)
    return next(a for a in menu.actions() if a.objectName() == name)


def drop(window: Any, nodes: list[Any], target: Any) -> bool:
    """Drop ``nodes`` on ``target`` through the tree model (as a mouse drop does)."""
    model = window.navigation.model
    data = model.mimeData([model.index_for_key(n.key) for n in nodes])
    parent = model.index_for_key(target.key) if target.parent is not None else model.index(0, 0, QModelIndex())
    return model.dropMimeData(data, Qt.DropAction.MoveAction, -1, 0, parent)


def name_dialog(qtbot: Any, text: str) -> None:
    dialog = wait_dialog(qtbot, NameDialog)
    dialog.edit.setText(text)
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)


def test_tags_and_folders_views(qtbot: Any, window: Any, pool: SimProcess) -> None:
    conn = connect_via_dialog(qtbot, window, pool.url, pool.password)
    window.navigation.organization_actions[Mode.TAGS].trigger()
    qtbot.waitUntil(lambda: window.navigation_tree.root.label == "Tags", timeout=5000)
    assert "  Production" in labels(window) and "  営業部" in labels(window)

    # Drop a VM (under one tag) onto another tag: it gets that tag too.
    web = node_named(window, "Web", "tag")
    dev = next(n for n in web.children)
    production = node_named(window, "Production", "tag")
    model = window.navigation.model
    assert model.flags(model.index_for_key(dev.key)) & Qt.ItemFlag.ItemIsDragEnabled  # any object, here
    assert window.can_drop([dev], production)[1] == "Tag with 'Production'"
    assert drop(window, [dev], production)
    vm = dev.obj
    qtbot.waitUntil(lambda: "Production" in conn.cache.get("VM", vm.ref).tags, timeout=10000)
    qtbot.waitUntil(lambda: any(c.obj == vm for c in node_named(window, "Production", "tag").children), timeout=5000)

    # Untag from the context menu of the object under its tag.
    under = next(c for c in node_named(window, "Production", "tag").children if c.obj == vm)
    select(window, qtbot, under)
    context_action(window, "untag").trigger()
    qtbot.waitUntil(lambda: "Production" not in conn.cache.get("VM", vm.ref).tags, timeout=10000)

    # Folders: New Folder on the view's root, then a sub-folder, rename, move a VM in by a drop.
    window.navigation.organization_actions[Mode.FOLDERS].trigger()
    qtbot.waitUntil(lambda: window.navigation_tree.root.label == "Folders", timeout=5000)
    select(window, qtbot, window.navigation_tree.root)
    context_action(window, "newFolder").trigger()
    dialog = wait_dialog(qtbot, NameDialog)
    dialog.edit.setText("a/b")
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled() and "'/'" in dialog.error.text()
    dialog.edit.setText("本番環境")
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "  本番環境" in labels(window), timeout=10000)
    assert org.empty_folders(conn.cache.pool) == ["/本番環境"]
    folder = node_named(window, "本番環境", "folder")
    select(window, qtbot, folder)
    context_action(window, "renameFolder").trigger()
    name_dialog(qtbot, "Production")
    qtbot.waitUntil(lambda: "  Production" in labels(window), timeout=10000)
    assert org.empty_folders(conn.cache.pool) == ["/Production"]
    # A folder's label edited in place (F2 or a slow double-click) renames it too.
    model = window.navigation.model
    index = model.index_for_key(node_named(window, "Production", "folder").key)
    assert model.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert model.setData(index, "Prod", Qt.ItemDataRole.EditRole)
    qtbot.waitUntil(lambda: org.empty_folders(conn.cache.pool) == ["/Prod"], timeout=10000)
    assert model.setData(model.index_for_key(node_named(window, "Prod", "folder").key), "Production")
    qtbot.waitUntil(lambda: org.empty_folders(conn.cache.pool) == ["/Production"], timeout=10000)

    window.navigation.set_mode(Mode.OBJECTS)
    qtbot.waitUntil(lambda: window.navigation_tree.root.label == "Objects by Type", timeout=5000)
    staging = node_named(window, "Windows Server 2019 Staging")
    window.navigation.organization_actions[Mode.FOLDERS].trigger()
    qtbot.waitUntil(lambda: window.navigation_tree.root.label == "Folders", timeout=5000)
    target = node_named(window, "Production", "folder")
    assert window.organizer.drop_verdict([staging], target) == (True, "Move to folder '/Production'")
    assert window.organizer.drop([staging], target)
    qtbot.waitUntil(lambda: "    Windows Server 2019 Staging" in labels(window), timeout=10000)
    assert conn.cache.get("VM", staging.ref).other_config["folder"] == "/Production"

    # Delete the folder (after confirming): the VM leaves it, nothing is deleted.
    select(window, qtbot, node_named(window, "Production", "folder"))
    context_action(window, "deleteFolder").trigger()
    qtbot.waitUntil(lambda: bool(message_boxes()), timeout=5000)
    message_boxes()[0].button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: labels(window) == ["Folders"], timeout=10000)
    assert "folder" not in conn.cache.get("VM", staging.ref).other_config
    assert conn.cache.get("VM", staging.ref).exists and org.empty_folders(conn.cache.pool) == []


def test_manage_tags_and_vapps(qtbot: Any, window: Any, pool: SimProcess) -> None:
    conn = connect_via_dialog(qtbot, window, pool.url, pool.password)
    tagged = [v for v in conn.cache.all("VM") if "Web" in v.tags]
    window.organizer.act_manage_tags.trigger()
    dialog = wait_dialog(qtbot, ManageTagsDialog)
    rows = {
        dialog.tags.item(i).data(Qt.ItemDataRole.UserRole): dialog.tags.item(i).text()
        for i in range(dialog.tags.count())
    }
    assert rows["Web"] == f"Web ({len(tagged)} objects)"
    item = next(
        dialog.tags.item(i)
        for i in range(dialog.tags.count())
        if dialog.tags.item(i).data(Qt.ItemDataRole.UserRole) == "Web"
    )
    item.setSelected(True)
    qtbot.mouseClick(dialog.rename, Qt.MouseButton.LeftButton)
    name_dialog(qtbot, "ウェブ")
    qtbot.waitUntil(lambda: all("ウェブ" in conn.cache.get("VM", v.ref).tags for v in tagged), timeout=15000)
    assert not any("Web" in conn.cache.get("VM", v.ref).tags for v in tagged)
    # A new tag for the objects selected in the tree, then deleted everywhere.
    target = next(v for v in conn.cache.all("VM") if v.name == "CentOS 7 Test")
    window.navigation.select_keys([f"{conn.address}/{target.ref}"])
    qtbot.waitUntil(lambda: [o.ref for o in window.selection] == [target.ref], timeout=5000)
    dialog.new_tag.setText("検証")
    assert dialog.apply.isEnabled()
    qtbot.mouseClick(dialog.apply, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "検証" in conn.cache.get("VM", target.ref).tags, timeout=10000)
    qtbot.waitUntil(lambda: dialog.tags.findItems("検証 (1 object)", Qt.MatchFlag.MatchExactly) != [], timeout=5000)
    dialog.tags.findItems("検証 (1 object)", Qt.MatchFlag.MatchExactly)[0].setSelected(True)
    qtbot.mouseClick(dialog.delete, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(message_boxes()), timeout=5000)
    message_boxes()[0].button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: "検証" not in conn.cache.get("VM", target.ref).tags, timeout=10000)
    dialog.reject()

    window.organizer.act_manage_vapps.trigger()
    vapps = wait_dialog(qtbot, ManageVAppsDialog)
    qtbot.mouseClick(vapps.new, Qt.MouseButton.LeftButton)
    vapps.name.setText("")
    assert not vapps.save.isEnabled() and vapps.error.text() == "A vApp needs a name."
    vapps.name.setText("Web tier")
    chosen = {}
    for row in range(vapps.vms.rowCount()):
        item = vapps.vms.item(row, 0)
        if item.text() in ("CentOS 7 Test", "Windows Server 2019 Staging"):
            item.setCheckState(Qt.CheckState.Checked)
            vapps.vms.cellWidget(row, 1).setValue(0 if item.text().startswith("CentOS") else 1)
            chosen[item.text()] = item.data(Qt.ItemDataRole.UserRole)
    qtbot.mouseClick(vapps.save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(conn.cache.all("VM_appliance")) == 1, timeout=10000)
    appliance = conn.cache.all("VM_appliance")[0]
    qtbot.waitUntil(
        lambda: set(conn.cache.get("VM_appliance", appliance.ref).get("VMs")) == set(chosen.values()), timeout=10000
    )
    assert conn.cache.get("VM", chosen["Windows Server 2019 Staging"]).get("order") == 1
    qtbot.waitUntil(lambda: vapps.current() is not None and vapps.start.isEnabled(), timeout=5000)
    qtbot.mouseClick(vapps.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: all(conn.cache.get("VM", r).power_state == "Running" for r in chosen.values()), timeout=20000
    )
    assert window.history.operations[-1].error == ""
    vapps.reject()

    window.navigation.organization_actions[Mode.VAPPS].trigger()
    qtbot.waitUntil(lambda: window.navigation_tree.root.label == "vApps", timeout=5000)
    assert labels(window) == ["vApps", "  Web tier", "    CentOS 7 Test", "    Windows Server 2019 Staging"]
    select(window, qtbot, node_named(window, "Web tier", "vapp"))
    context_action(window, "shutDownVapp").trigger()
    qtbot.waitUntil(
        lambda: all(conn.cache.get("VM", r).power_state == "Halted" for r in chosen.values()), timeout=20000
    )


def test_search_designer_save_export_import(qtbot: Any, window: Any, pool: SimProcess, tmp_path: Path) -> None:
    conn = connect_via_dialog(qtbot, window, pool.url, pool.password)
    window.organizer.act_search.trigger()
    designer = wait_dialog(qtbot, SearchDesigner)
    designer.name.setText("")
    assert designer.error.text() == "The search needs a name." and not designer.show_button.isEnabled()
    designer.name.setText("Windows by power state")
    row = designer.add_row()
    row.set("label", "contains", "windows")
    designer.grouping.setCurrentIndex(designer.grouping.findData("power_state"))
    qtbot.mouseClick(designer.show_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.navigation.mode is Mode.SAVED_SEARCH, timeout=5000)
    qtbot.waitUntil(lambda: window.navigation_tree.root.label == "Windows by power state", timeout=5000)
    tree = labels(window)
    assert "  Halted" in tree and "    Windows Server 2019 Staging" in tree
    assert all("windows" in line.lower() for line in tree if line.startswith("    "))
    # The root selected: the Search tab lists the results; commands do not apply to them.
    select(window, qtbot, window.navigation_tree.root)
    assert window.tabs.count() == 1 and window.tabs.currentWidget() is window.tab_pages["search"]
    assert window.tab_pages["search"].table.rowCount() == sum(1 for line in tree if line.startswith("    "))
    assert window.selection == [] and not window.power_actions["start"].isEnabled()
    grid = window.tab_pages["search"].table
    assert grid.isColumnHidden(5) and grid.isColumnHidden(3)  # the search lists no address or memory column

    qtbot.mouseClick(designer.save_button, Qt.MouseButton.LeftButton)
    search = designer.search()
    qtbot.waitUntil(lambda: search.key in conn.cache.pool["gui_config"], timeout=10000)
    stored = searching.parse_search(conn.cache.pool["gui_config"][search.key])
    assert searching.search_xml(stored) == searching.search_xml(search)
    assert "Windows by power state" in [s.name for s in window.organizer.searches()]
    window.navigation._fill_searches_menu()
    names = [a.text() for a in window.navigation.searches_menu.actions()]
    assert names[0] == "Windows by power state" and "VMs by Power State" in names  # built-in ones last

    # Shown from the Saved Searches menu, it opens in the designer for editing, and can be deleted.
    saved_action = next(a for a in window.navigation.searches_menu.actions() if a.text() == "Windows by power state")
    saved_action.trigger()
    qtbot.waitUntil(lambda: window.navigation.saved_search.uuid == search.uuid, timeout=5000)
    window.organizer.act_search.trigger()

    def editors() -> list[Any]:
        return [d for d in QApplication.topLevelWidgets() if isinstance(d, SearchDesigner) and d.isVisible()]

    qtbot.waitUntil(lambda: len([d for d in editors() if d is not designer]) == 1, timeout=5000)
    editor = next(d for d in editors() if d is not designer)
    assert (
        editor.uuid == search.uuid
        and editor.name.text() == "Windows by power state"
        and editor.delete_button.isEnabled()
    )
    qtbot.mouseClick(editor.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: search.key not in conn.cache.pool["gui_config"], timeout=10000)
    editor.reject()

    exported = tmp_path / "mine.xensearch"
    assert designer.export_file(str(exported))
    assert searching.parse_search_file(exported.read_text(encoding="utf-8"))[0].name == "Windows by power state"
    bad = tmp_path / "bad.xensearch"
    bad.write_text("<Searches><Search", encoding="utf-8")
    assert not designer.import_file(str(bad)) and "Cannot import" in designer.error.text()
    assert designer.name.text() == "Windows by power state"  # nothing lost
    assert designer.import_file(str(SEARCH_FILE))
    assert designer.name.text() == "Web VMs by power state" and len(designer.rows) == 2
    assert designer.scopes["UserTemplate"].isChecked() and designer.match.currentIndex() == 1
    qtbot.mouseClick(designer.show_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.navigation_tree.root.label == "Web VMs by power state", timeout=5000)
    designer.reject()
