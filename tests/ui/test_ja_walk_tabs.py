"""Walk the property tabs and their dialogs in Japanese: every tab of every kind of object,
the grids' translated cells, the disabled buttons' reasons, each action's dialog and
confirmation: no English left (object names, product names and the technical terms
XenCenter's Japanese keeps aside) and nothing cut."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox

from tests.conftest import SimProcess
from tests.ui.conftest import connect_via_dialog, message_boxes, wait_dialog
from tests.ui.test_ja_walk import ALLOWED, WORD, Walker, object_names
from xencenter_py.i18n.qt import switch_language
from xencenter_py.ui.dialogs.form import FormDialog
from xencenter_py.ui.navigation import stable_key
from xencenter_py.ui.tabs.grid import GridPanel
from xencenter_py.ui.tabs.users import _role_dialog

# Terms XenCenter's Japanese keeps in Latin letters on these tabs.
TAB_TERMS = {
    "NIC", "NICs", "VLAN", "MAC", "DVD", "ISO", "DNS", "DHCP", "HBA", "LACP", "QoS", "kbit", "Mbit",
    "LVM", "EXT", "LVHD", "NFS", "NetApp", "Dell", "EqualLogic", "StorageLink", "Xen", "Active",
    "Directory", "balance-slb", "dev", "PCI", "XENDEMO",
}  # fmt: skip
# Columns whose cells are names the pool or the hardware gives (not interface text).
RAW_COLUMNS = {"名前", "説明", "MAC", "デバイス パス", "ベンダ", "デバイス", "PCI バスのパス", "サブジェクト", "VM"}


class TabWalker(Walker):
    def text(self, where: str, text: str) -> None:
        if not text:
            return
        self.seen += 1
        words = [w.strip("'") for w in WORD.findall(text.replace("&", ""))]
        leftovers = [w for w in words if w not in ALLOWED | TAB_TERMS and w.lower() not in self.names]
        if leftovers:
            self.english.append(f"{where}: {text!r} ({', '.join(leftovers)})")

    def grid(self, panel: GridPanel, where: str) -> None:
        titles = [panel.tree.headerItem().text(i) for i in range(panel.tree.columnCount())]
        for row in panel.cell_texts():
            for title, cell in zip(titles, row, strict=True):
                if title not in RAW_COLUMNS:
                    self.text(f"{where} cell[{title}]", cell)


@pytest.fixture
def japanese() -> Iterator[None]:
    switch_language("ja")
    yield
    switch_language("en")


def select(window: Any, qtbot: Any, label: str) -> None:
    node = next(n for _d, n in window.navigation_tree.walk() if n.label == label)
    window.navigation.select_keys([stable_key(node)])
    qtbot.waitUntil(lambda: [n.label for n in window.selected_nodes] == [label], timeout=5000)
    window.refresh_views()


def walk_tabs(walker: TabWalker, window: Any, label: str) -> None:
    for i in range(window.tabs.count()):
        window.tabs.setCurrentIndex(i)
        page = window.tabs.currentWidget()
        walker.widget(page, f"tab[{label}:{window.tabs.tabText(i)}]")
        for panel in page.findChildren(GridPanel):
            if panel.isVisibleTo(page):
                walker.grid(panel, f"grid[{label}:{panel.objectName()}]")


def dialog_of(walker: TabWalker, qtbot: Any, window: Any, tab: str, panel: str, button: str, name: str) -> None:
    """Click ``button`` of ``panel`` on ``tab``, walk the dialog it opens, cancel it."""
    page = window.tab_pages[tab]
    window.tabs.setCurrentWidget(page)
    grid = page.findChild(GridPanel, panel)
    assert grid.buttons[button].isEnabled(), (button, grid.buttons[button].toolTip())
    grid.buttons[button].click()
    if name == "question":
        qtbot.waitUntil(lambda: bool(message_boxes()), timeout=5000)
        box = message_boxes()[-1]
        walker.widget(box, f"question[{button}]")
        box.button(QMessageBox.StandardButton.No).click()
        qtbot.waitUntil(lambda: not message_boxes(), timeout=5000)
        return
    dialog = wait_dialog(qtbot, FormDialog, name)
    dialog.resize(dialog.sizeHint())
    walker.widget(dialog, f"dialog[{name}]")
    dialog.reject()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)


def test_property_tabs_in_japanese(qtbot: Any, window: Any, demo_sim: SimProcess, japanese: None) -> None:
    connect_via_dialog(qtbot, window, demo_sim.url, demo_sim.password)
    walker = TabWalker(object_names(window))
    walker.names |= {"xenserver", "tools"}

    window.navigation.select_keys([stable_key(window.navigation_tree.root)])
    qtbot.waitUntil(lambda: window.tabs.count() >= 1, timeout=5000)
    walk_tabs(walker, window, "root")
    assert window.tabs.tabText(0) == "ホーム"

    for label in ("Demo Pool", "xs-demo-01", "SQL Database Server", "CentOS 7 Test", "Ubuntu Desktop (no tools)"):
        select(window, qtbot, label)
        walk_tabs(walker, window, label)
    nfs = next(n.label for _d, n in window.navigation_tree.walk() if n.kind == "sr" and "NFS" in n.label)
    select(window, qtbot, nfs)
    walk_tabs(walker, window, "sr")

    # Every action's dialog and confirmation.
    select(window, qtbot, "Demo Pool")
    dialog_of(walker, qtbot, window, "networking", "networkList", "addNetwork", "newNetworkDialog")
    dialog_of(walker, qtbot, window, "users", "subjectList", "joinDomain", "joinDomainDialog")
    role = _role_dialog("役割の変更", "read-only", True)
    role.show()
    walker.widget(role, "dialog[roleDialog]")
    role.reject()
    select(window, qtbot, "xs-demo-01")
    dialog_of(walker, qtbot, window, "nics", "nicList", "createBond", "createBondDialog")
    select(window, qtbot, "Windows Server 2019 Staging")
    disks = window.tab_pages["storage"].vm_disks
    dialog_of(walker, qtbot, window, "storage", "vmDisks", "addDisk", "newDiskDialog")
    dialog_of(walker, qtbot, window, "storage", "vmDisks", "attachDisk", "attachDisk")
    disks.select(next(iter(disks.items)))
    dialog_of(walker, qtbot, window, "storage", "vmDisks", "detachDisk", "question")
    dialog_of(walker, qtbot, window, "networking", "vifList", "addVif", "vifDialog")
    vifs = window.tab_pages["networking"].vifs
    vifs.select(next(iter(vifs.items)))
    dialog_of(walker, qtbot, window, "networking", "vifList", "removeVif", "question")
    groups = window.tab_pages["memory"].groups
    groups.select(next(iter(groups.items)))
    dialog_of(walker, qtbot, window, "memory", "memoryGroups", "editMemory", "memoryDialog")
    dialog_of(walker, qtbot, window, "snapshots", "snapshotList", "takeSnapshot", "takeSnapshotDialog")
    select(window, qtbot, "CentOS 7 Test")
    disks.select(next(iter(disks.items)))
    dialog_of(walker, qtbot, window, "storage", "vmDisks", "resizeDisk", "resizeDisk")
    # A VM with snapshots: revert, new VM / template from a snapshot, delete.
    with_snapshots = next(v for v in window.manager.connections[0].cache.all("VM") if v.is_real_vm and v.snapshots)
    select(window, qtbot, with_snapshots.name)
    snaps = window.tab_pages["snapshots"].snapshots
    window.tabs.setCurrentWidget(window.tab_pages["snapshots"])
    snaps.select(next(iter(snaps.items)))
    for button, name in (
        ("revertSnapshot", "revertDialog"),
        ("newVmFromSnapshot", "fromSnapshotDialog"),
        ("newTemplateFromSnapshot", "fromSnapshotDialog"),
        ("deleteSnapshot", "question"),
    ):
        dialog_of(walker, qtbot, window, "snapshots", "snapshotList", button, name)
    window.tab_pages["snapshots"].list_view.setChecked(True)
    walk_tabs(walker, window, "snapshots list")

    # The tools status line and its question.
    select(window, qtbot, "Ubuntu Desktop (no tools)")
    general = window.tab_pages["general"]
    window.tabs.setCurrentWidget(general)
    general.tools.install.click()
    box = wait_dialog(qtbot, QMessageBox)
    walker.widget(box, "tools question")
    box.button(QMessageBox.StandardButton.No).click()

    assert not [d for d in message_boxes() if isinstance(d, QDialog)]
    assert walker.seen > 300
    assert not walker.english, "\n".join(walker.english)
    assert not walker.clipped, "\n".join(walker.clipped)
