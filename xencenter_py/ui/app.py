"""``xencenter-py [gui]``: start the console (Qt + asyncio through qasync).

``--demo`` starts the embedded simulator (a demo pool and a standalone server) and
connects to both; ``--screenshot FILE.png`` renders the window once the pools are loaded
and exits; ``--lang en|ja`` overrides the language.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Mapping
from typing import Any

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--demo", action="store_true", help="start the built-in simulator and connect to it")
    parser.add_argument("--screenshot", metavar="FILE.png", help="save a picture of the window once loaded, then exit")
    parser.add_argument("--lang", choices=["en", "ja"], help="user interface language (default: system or saved)")


def display_problem(environ: Mapping[str, str] = os.environ, platform: str = sys.platform) -> str:
    """Why no window can be shown here ("" when one can), as one sentence."""
    from xencenter_py.i18n import gettext as _

    headless = not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))
    if platform.startswith("linux") and not environ.get("QT_QPA_PLATFORM") and headless:
        return _(
            "There is no display: start the console in a desktop session (DISPLAY or WAYLAND_DISPLAY must be "
            "set), or use its command-line verbs (xencenter-py tree, sim ...) instead."
        )
    return ""


def run(args: argparse.Namespace) -> int:
    """Run the console until its window is closed; returns the exit status."""
    from xencenter_py.i18n import gettext as _
    from xencenter_py.i18n import set_language

    set_language(args.lang)
    problem = display_problem()
    if problem:
        print(f"xencenter-py: {problem}", file=sys.stderr)
        return 1
    try:
        import qasync
        from PySide6.QtWidgets import QApplication
    except ImportError as exc:
        message = _(
            "The Qt libraries the console needs are missing ({error}). On Debian or Ubuntu run 'make sysdeps' "
            "as root, or install libegl1, libgl1, libxkbcommon0, libfontconfig1 and libdbus-1-3."
        ).format(error=exc)
        print(f"xencenter-py: {message}", file=sys.stderr)
        return 1

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("xencenter-py")
    app.setDesktopFileName("xencenter-py")  # the installed desktop entry (taskbar grouping, icon)
    from xencenter_py.ui.icons import app_icon

    app.setWindowIcon(app_icon())
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with loop:
            return loop.run_until_complete(main(args))
    finally:
        asyncio.set_event_loop(None)


async def main(args: argparse.Namespace) -> int:
    """Open the window, connect (demo or saved servers), wait for the window to close."""
    from xencenter_py.i18n.qt import switch_language
    from xencenter_py.ui import perf_settings
    from xencenter_py.ui.main_window import MainWindow
    from xencenter_py.ui.perf_recording import HostRecording

    window = MainWindow()
    switch_language(args.lang or window.language_setting)
    perf_settings.apply()
    HostRecording(window.manager)
    closed = asyncio.Event()
    window.destroyed.connect(closed.set)
    window.closing.connect(closed.set)
    if args.screenshot:
        window.resize(1280, 800)
        window.splitter.setSizes([330, 950])
    window.show()
    _close_on_signals(window)
    session = Session(window)
    window.demo_session = session  # the Home tab's Open demo pool uses the same session
    status = 0
    try:
        if args.demo or args.screenshot:
            await session.start_demo()
        else:
            await session.reconnect_saved()
        if args.screenshot:
            status = await session.screenshot(args.screenshot)
            window.close()
        else:
            await closed.wait()
    finally:
        await session.shutdown()
    return status


def _close_on_signals(window: Any) -> None:
    """Ctrl+C in the terminal and SIGTERM close the window as the user would: connections
    are logged out and the demo simulators stopped before the process exits."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, window.close)
        except (NotImplementedError, RuntimeError, ValueError):  # no signals on this platform/thread
            log.debug("cannot handle signal %s", sig)


async def wait_all_connected(manager: Any) -> None:
    """Return once every connection of ``manager`` is connected (there is at least one)."""
    ready = asyncio.Event()

    def check(*_args: Any) -> None:
        if manager.connections and all(c.is_connected for c in manager.connections):
            ready.set()

    manager.state_changed.connect(check)
    manager.connections_changed.connect(check)
    try:
        check()
        await ready.wait()
    finally:
        manager.state_changed.disconnect(check)
        manager.connections_changed.disconnect(check)


class Session:
    """What the application does around the window: demo servers, saved servers, exit."""

    def __init__(self, window: Any) -> None:
        self.window = window
        self.demo_servers: list[Any] = []

    async def start_demo(self) -> None:
        """Start the simulators without blocking the window, then connect to each."""
        from xencenter_py.i18n import gettext as _
        from xencenter_py.model.connection import Connection
        from xencenter_py.ui.aio import show_error
        from xencenter_py.ui.demo import start_demo

        window = self.window
        window.status_label.setText(_("Starting the demo pool..."))
        try:
            self.demo_servers = await start_demo()
        except Exception as exc:
            show_error(window, _("Demo"), _("The demo pool could not be started: {error}").format(error=exc))
            return
        manager = window.manager
        conns = []
        for server in self.demo_servers:
            manager.transient.add(server.url)  # a demo server lives as long as this session
            conn = Connection(server.url, "root", server.password, trust=manager.trust)
            manager.add(conn)
            conns.append(conn)
        results = await asyncio.gather(*(c.connect() for c in conns), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                show_error(window, _("Demo"), result)
        window.status_label.setText(_("Ready"))

    async def reconnect_saved(self) -> None:
        """Reconnect servers with remembered passwords; list the others as disconnected.

        With no saved server at all (first start) the demo is offered.
        """
        from xencenter_py.i18n import gettext as _
        from xencenter_py.ui.aio import ask, spawn
        from xencenter_py.ui.connections import connect_saved, placeholder

        window = self.window
        manager = window.manager
        if not manager.saved:
            question = _(
                "You have not added any servers yet. Do you want to explore xencenter-py with a simulated demo pool? "
                "(You can add your own servers at any time with Server > Add.)"
            )
            if await ask(window, _("Welcome to xencenter-py"), question):
                await self.start_demo()
            return
        for entry in manager.saved:
            placeholder(manager, entry)
        for entry in manager.saved:
            if entry.remember_password:
                spawn(connect_saved(window, manager, entry), window)

    async def screenshot(self, path: str) -> int:
        """Wait until the demo pool is in the tree, select it, and save the window's picture."""
        from PySide6.QtCore import QCoreApplication

        window = self.window
        try:
            await asyncio.wait_for(wait_all_connected(window.manager), 60)
        except TimeoutError:
            log.error("the demo pool did not load in time")
            return 1
        window.navigation.restore_expansion()
        window.select_first("pool")
        window.refresh_views()
        QCoreApplication.processEvents()
        window.navigation.tree.doItemsLayout()  # lay out pending expansions before painting
        ok = window.grab().save(path)
        if not ok:
            log.error("could not write %s", path)
        return 0 if ok else 1

    async def shutdown(self) -> None:
        """Disconnect everything and stop the demo simulators."""
        try:
            await asyncio.wait_for(self.window.manager.disconnect_all(), 10)
        except Exception:
            log.debug("disconnect at exit", exc_info=True)
        for server in self.demo_servers:
            await server.stop()
        self.demo_servers = []
        from xencenter_py.model.perf import history as local_history

        await asyncio.to_thread(local_history.disable)
