"""The Console tab against a simulator over real sockets: a VM's screen, typing at a
server's dom0 console, Send Ctrl+Alt+Del, undock/dock and fullscreen, why a console is
missing, the live-console limit, reconnection after a migration, Japanese keyboards."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QKeyEvent

from tests.consoles_support import screen_text
from tests.ui.conftest import connect_via_dialog
from xencenter_py.ui.console import keys
from xencenter_py.ui.console.view import LIVE_CONSOLES
from xencenter_py.ui.navigation import stable_key

TITLE_BAR = b"\xf0\xf0\xf0"  # Notepad's light grey, as B, G, R


@pytest.fixture
def standalone(sim_factory: Any) -> Any:
    return sim_factory("--seed", "standalone", "--speed", "50")


def select(window: Any, qtbot: Any, label: str) -> Any:
    node = next(n for _d, n in window.navigation_tree.walk() if n.label == label)
    window.navigation.select_keys([stable_key(node)])
    qtbot.waitUntil(lambda: [n.label for n in window.selected_nodes] == [label], timeout=5000)
    return node


def open_console(window: Any, qtbot: Any, label: str) -> Any:
    select(window, qtbot, label)
    tab = window.tab_pages["console"]
    assert window.tabs.indexOf(tab) >= 0, [window.tabs.tabText(i) for i in range(window.tabs.count())]
    window.tabs.setCurrentWidget(tab)
    return tab


def screen_lines(tab: Any, background: bytes = b"\0\0\0") -> list[str]:
    image = tab.view.screen.image
    if image.isNull():
        return []
    return screen_text(bytes(image.constBits()), image.width(), image.height(), background)


def wait_text(qtbot: Any, tab: Any, text: str, background: bytes = b"\0\0\0", timeout: int = 20000) -> None:
    def shown() -> bool:
        return any(text in line for line in screen_lines(tab, background))

    try:
        qtbot.waitUntil(shown, timeout=timeout)
    except (AssertionError, TimeoutError, qtbot.TimeoutError):
        raise AssertionError(f"{text!r} not on screen:\n" + "\n".join(screen_lines(tab, background))) from None


def test_tab_order_and_a_running_vm_screen(qtbot: Any, window: Any, standalone: Any) -> None:
    connect_via_dialog(qtbot, window, standalone.url, standalone.password)
    tab = open_console(window, qtbot, "Lab Linux")
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    # XenCenter's order for a VM: General, Memory, Storage, Networking, Console, Performance, ...
    assert titles[titles.index("Networking") + 1] == "Console"
    wait_text(qtbot, tab, "lab-linux login:")
    assert tab.view.ctrl_alt_del_button.isEnabled()
    # Not running: the tab says why instead of showing a black screen.
    tab = open_console(window, qtbot, "検証用 VM")
    qtbot.waitUntil(lambda: "shut down" in tab.view.message.text(), timeout=5000)
    assert tab.view.pages.currentWidget() is tab.view.message
    assert not tab.view.ctrl_alt_del_button.isEnabled()


def test_type_at_the_server_console_and_run_xe(qtbot: Any, window: Any, standalone: Any) -> None:
    connect_via_dialog(qtbot, window, standalone.url, standalone.password)
    tab = open_console(window, qtbot, "xenserver-lab")
    wait_text(qtbot, tab, "xenserver-lab login:")
    screen = tab.view.screen
    screen.setFocus()
    qtbot.keyClicks(screen, "root")
    qtbot.keyClick(screen, Qt.Key.Key_Return)
    qtbot.keyClicks(screen, standalone.password)
    qtbot.keyClick(screen, Qt.Key.Key_Return)
    wait_text(qtbot, tab, "[root@xenserver-lab ~]#")
    qtbot.keyClicks(screen, "xe vm-list params=name-label --minimal")
    qtbot.keyClick(screen, Qt.Key.Key_Return)
    wait_text(qtbot, tab, "Lab Windows Server,Lab Linux")
    assert not screen.held  # every key went up again


def test_send_ctrl_alt_del_unlocks_windows(qtbot: Any, window: Any, standalone: Any) -> None:
    connect_via_dialog(qtbot, window, standalone.url, standalone.password)
    tab = open_console(window, qtbot, "Lab Windows Server")
    qtbot.waitUntil(lambda: tab.view.ctrl_alt_del_button.isEnabled(), timeout=20000)
    wait_text(qtbot, tab, "Press Ctrl+Alt+Delete to unlock.", background=bytes([80, 40, 10]))
    tab.view.ctrl_alt_del_button.click()
    wait_text(qtbot, tab, "Untitled - Notepad", background=TITLE_BAR)
    assert tab.view.rdp_button.isVisible() and not tab.view.rdp_button.isEnabled()
    # Ctrl+Alt+Del on the desktop opens the security screen; a click on "Lock" (the mouse,
    # through the scaled screen) locks the VM again.
    tab.view.ctrl_alt_del_button.click()
    wait_text(qtbot, tab, "Task Manager", background=bytes([160, 90, 0]))
    screen = tab.view.screen
    target = screen.target()
    lock = QPoint(target.x() + (304 + 16) * target.width() // 800, target.y() + (176 + 16) * target.height() // 600)
    assert screen.to_screen(lock)[0] in range(304, 368)
    qtbot.mouseClick(screen, Qt.MouseButton.LeftButton, pos=lock)
    wait_text(qtbot, tab, "Press Ctrl+Alt+Delete to unlock.", background=bytes([80, 40, 10]))


def test_undock_dock_and_fullscreen(qtbot: Any, window: Any, standalone: Any) -> None:
    connect_via_dialog(qtbot, window, standalone.url, standalone.password)
    tab = open_console(window, qtbot, "Lab Linux")
    wait_text(qtbot, tab, "login:")
    tab.view.undock_button.click()
    win = tab.undock_window
    qtbot.waitUntil(lambda: win.isVisible(), timeout=5000)
    assert win.centralWidget() is tab.view and "Lab Linux" in win.windowTitle()
    assert tab.redock_button.isVisible() and tab.view.undock_button.text() == "Redock"
    wait_text(qtbot, tab, "login:")  # still live in its own window
    tab.redock_button.click()
    qtbot.waitUntil(lambda: not win.isVisible(), timeout=5000)
    assert tab.view.parentWidget() is tab.docked_page and tab.view.isVisible()
    # Fullscreen, and Ctrl+Enter brings it back into the tab.
    tab.view.fullscreen_button.click()
    qtbot.waitUntil(lambda: win.isVisible() and win.isFullScreen(), timeout=5000)
    qtbot.keyClick(tab.view.screen, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not win.isVisible() and tab.view.parentWidget() is tab.docked_page, timeout=5000)
    # Closing the undocked window docks the console too.
    tab.view.undock_button.click()
    qtbot.waitUntil(lambda: win.isVisible(), timeout=5000)
    win.close()
    qtbot.waitUntil(lambda: tab.view.parentWidget() is tab.docked_page, timeout=5000)


def test_scale_or_actual_size(qtbot: Any, window: Any, standalone: Any) -> None:
    connect_via_dialog(qtbot, window, standalone.url, standalone.password)
    tab = open_console(window, qtbot, "Lab Windows Server")
    qtbot.waitUntil(lambda: tab.view.ctrl_alt_del_button.isEnabled(), timeout=20000)
    screen = tab.view.screen
    tab.view.scale_check.setChecked(False)
    qtbot.waitUntil(lambda: screen.size().width() == 800 and screen.size().height() == 600, timeout=5000)
    assert tab.view.scroll.horizontalScrollBar().maximum() > 0 or tab.view.scroll.width() >= 800
    tab.view.scale_check.setChecked(True)
    qtbot.waitUntil(lambda: screen.target().width() <= tab.view.scroll.viewport().width(), timeout=5000)


def test_only_a_few_consoles_stay_live(qtbot: Any, window: Any, standalone: Any) -> None:
    connect_via_dialog(qtbot, window, standalone.url, standalone.password)
    for label in ("Lab Linux", "Lab Windows Server", "xenserver-lab", "検証用 VM", "Lab Linux"):
        tab = open_console(window, qtbot, label)
    assert tab.view.live_count() <= LIVE_CONSOLES
    assert len(tab.view.sessions) <= LIVE_CONSOLES
    wait_text(qtbot, tab, "login:")
    # Another tab in front: no console stream stays open, and browsing opens none.
    window.tabs.setCurrentWidget(window.tab_pages["general"])
    qtbot.waitUntil(lambda: not tab.view.sessions, timeout=5000)
    for label in ("Lab Windows Server", "xenserver-lab"):
        select(window, qtbot, label)
        assert not tab.view.sessions
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.view.current is not None and tab.view.current.connected, timeout=20000)


def test_follows_reboot_shutdown_and_start(qtbot: Any, window: Any, standalone: Any, run: Any) -> None:
    conn = connect_via_dialog(qtbot, window, standalone.url, standalone.password)
    tab = open_console(window, qtbot, "Lab Linux")
    wait_text(qtbot, tab, "lab-linux login:")
    qtbot.keyClicks(tab.view.screen, "marker")
    wait_text(qtbot, tab, "login: marker")
    vm = next(v for v in conn.cache.all("VM") if v.name == "Lab Linux")
    run(conn.call("VM.clean_reboot", vm.ref), timeout=60)
    # A new boot: the screen starts over and comes back to a fresh login prompt.
    qtbot.waitUntil(lambda: not any("marker" in line for line in screen_lines(tab)), timeout=20000)
    wait_text(qtbot, tab, "lab-linux login:")
    run(conn.call("VM.hard_shutdown", vm.ref), timeout=60)
    qtbot.waitUntil(lambda: "shut down" in tab.view.message.text(), timeout=10000)
    assert tab.view.pages.currentWidget() is tab.view.message
    run(conn.call("VM.start", vm.ref, False, False), timeout=60)
    qtbot.waitUntil(lambda: tab.view.current.connected, timeout=20000)
    wait_text(qtbot, tab, "lab-linux login:")


def _migratable(conn: Any, run: Any) -> tuple[Any, Any]:
    from xencenter_py.xapi import Failure

    for vm in conn.cache.all("VM"):
        if not (vm.is_real_vm and vm.is_running and vm.tools_detected):
            continue
        for host in conn.cache.all("host"):
            if host.ref == vm.get("resident_on"):
                continue
            try:
                run(conn.call("VM.assert_can_boot_here", vm.ref, host.ref))
            except Failure:
                continue
            return vm, host
    raise AssertionError("no VM can move in this pool")


def test_reconnects_after_migration(qtbot: Any, window: Any, sim_factory: Any, run: Any) -> None:
    sim = sim_factory("--seed", "demo", "--members", "--speed", "200")
    conn = connect_via_dialog(qtbot, window, sim.url, sim.password)
    vm, other = _migratable(conn, run)
    tab = open_console(window, qtbot, vm.name)
    qtbot.waitUntil(lambda: tab.view.current is not None and tab.view.current.connected, timeout=20000)
    before = tab.view.current.location
    run(conn.call("VM.pool_migrate", vm.ref, other.ref, {"live": "true"}), timeout=60)
    qtbot.waitUntil(lambda: tab.view.current.connected and tab.view.current.location not in ("", before), timeout=30000)
    assert other.get("address") in tab.view.current.location


def _key_event(key: Qt.Key, text: str = "", mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> QKeyEvent:
    return QKeyEvent(QEvent.Type.KeyPress, key, mods, text)


def test_japanese_keyboard_keys() -> None:
    assert keys.keysym_of(_key_event(Qt.Key.Key_Zenkaku_Hankaku)) == 0xFF2A
    assert keys.keysym_of(_key_event(Qt.Key.Key_Henkan)) == 0xFF23
    assert keys.keysym_of(_key_event(Qt.Key.Key_Muhenkan)) == 0xFF22
    assert keys.keysym_of(_key_event(Qt.Key.Key_Hiragana_Katakana)) == 0xFF27
    assert keys.keysym_of(_key_event(Qt.Key.Key_yen)) == 0xA5
    assert keys.keysym_of(_key_event(Qt.Key.Key_At, "@")) == 0x40  # JIS: the key right of P
    assert keys.keysym_of(_key_event(Qt.Key.Key_Underscore, "_", Qt.KeyboardModifier.ShiftModifier)) == 0x5F
    assert keys.keysym_of(_key_event(Qt.Key.Key_C, "\x03", Qt.KeyboardModifier.ControlModifier)) == 0x63
    assert keys.keysym_of(_key_event(Qt.Key.Key_A, "あ")) == 0x01003042


def test_zenkaku_hankaku_never_sticks(qtbot: Any, window: Any, standalone: Any) -> None:
    connect_via_dialog(qtbot, window, standalone.url, standalone.password)
    tab = open_console(window, qtbot, "xenserver-lab")
    wait_text(qtbot, tab, "login:")
    screen = tab.view.screen
    sent: list[tuple[int, bool]] = []
    client = screen.client
    original = client.key
    client.key = lambda keysym, down: (sent.append((keysym, down)), original(keysym, down))  # type: ignore[method-assign]
    # The system reports only the press of 半角/全角 (the IME takes the release).
    screen.keyPressEvent(_key_event(Qt.Key.Key_Zenkaku_Hankaku))
    assert sent == [(0xFF2A, True), (0xFF2A, False)] and not screen.held
    qtbot.keyClicks(screen, "xyz")
    wait_text(qtbot, tab, "login: xyz")  # typing still works: nothing is held in the guest


def test_says_when_the_pool_connection_is_lost(qtbot: Any, window: Any, standalone: Any) -> None:
    connect_via_dialog(qtbot, window, standalone.url, standalone.password)
    tab = open_console(window, qtbot, "Lab Linux")
    wait_text(qtbot, tab, "login:")
    tab.view.undock_button.click()  # the undocked console outlives the tree's nodes
    qtbot.waitUntil(lambda: tab.undock_window.isVisible(), timeout=5000)
    standalone.stop()
    qtbot.waitUntil(lambda: "connection to the pool has been lost" in tab.view.message.text(), timeout=30000)
    assert tab.view.pages.currentWidget() is tab.view.message
    assert not tab.view.ctrl_alt_del_button.isEnabled()
