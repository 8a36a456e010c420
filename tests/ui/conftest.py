"""UI test fixtures: offscreen Qt, an asyncio loop inside Qt (qasync), a temporary config
directory, an in-memory keyring, and helpers to drive the real main window."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring
import pytest
import qasync
from keyring.backend import KeyringBackend
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from xencenter_py import i18n
from xencenter_py.i18n.qt import switch_language


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in memory, so tests never touch the OS keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Each test gets its own settings directory."""
    path = tmp_path / "config"
    monkeypatch.setenv("XENCENTER_PY_CONFIG_DIR", str(path))
    return path


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def _qasync_loop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    """One qasync loop for the whole session (a qasync loop cannot be made twice per app).

    Its executor threads (name lookups, big answers parsed off the loop) are QThreads: they
    must be stopped before Qt goes away, or Qt aborts the process at exit."""
    loop = qasync.QEventLoop(qapp, already_running=True)
    executor = qasync.QThreadExecutor(4)
    loop.set_default_executor(executor)
    asyncio.events._set_running_loop(None)
    yield loop
    executor.shutdown(wait=True)


@pytest.fixture
def aloop(qapp: QApplication, _qasync_loop: qasync.QEventLoop) -> Iterator[asyncio.AbstractEventLoop]:
    """The asyncio loop running inside Qt's, for this test only: Qt events processed by
    qtbot also run asyncio callbacks. Other tests (pytest-asyncio) see no running loop."""
    loop = _qasync_loop
    asyncio.set_event_loop(loop)
    asyncio.events._set_running_loop(loop)
    yield loop
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    deadline = loop.time() + 5
    while any(not t.done() for t in pending) and loop.time() < deadline:
        qapp.processEvents()
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)


@pytest.fixture
def english() -> Iterator[None]:
    switch_language("en")
    yield
    switch_language("en")


@pytest.fixture
def run(qtbot: Any, aloop: asyncio.AbstractEventLoop) -> Callable[..., Any]:
    """Run a coroutine to completion while Qt keeps processing events; returns its result."""

    def runner(coro: Coroutine[Any, Any, Any], timeout: float = 30.0) -> Any:
        task = asyncio.ensure_future(coro)
        qtbot.waitUntil(task.done, timeout=int(timeout * 1000))
        return task.result()

    return runner


@pytest.fixture
def window(
    qtbot: Any, aloop: asyncio.AbstractEventLoop, english: None, sim_factory: Callable[..., Any]
) -> Iterator[Any]:
    """The real main window (not connected to anything yet). It disconnects before the
    test's simulators stop (``sim_factory`` is set up first, so torn down last): a server
    stopped under a connected window waits on the window's pending ``event.from`` calls."""
    from xencenter_py.ui.main_window import MainWindow

    win = MainWindow()
    win.resize(1200, 760)
    win.show()
    yield win
    connections = list(win.manager.connections)
    if connections:
        task = asyncio.ensure_future(win.manager.disconnect_all())
        qtbot.waitUntil(task.done, timeout=10000)
    win.close()
    win.deleteLater()


def find_dialog(cls: type[QWidget], name: str | None = None) -> Any:
    """The visible top-level dialog of ``cls`` (and object name), or None."""
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, cls) and widget.isVisible() and (name is None or widget.objectName() == name):
            return widget
    return None


def wait_dialog(qtbot: Any, cls: type[QWidget] = QDialog, name: str | None = None, timeout: int = 15000) -> Any:
    found: list[Any] = []

    def check() -> bool:
        dialog = find_dialog(cls, name)
        if dialog is not None:
            found.append(dialog)
            return True
        return False

    qtbot.waitUntil(check, timeout=timeout)
    return found[-1]


def message_boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def connect_via_dialog(qtbot: Any, win: Any, address: str, password: str, user: str = "root") -> Any:
    """Open Server > Add, fill the dialog and wait until the pool is connected."""
    from PySide6.QtWidgets import QDialogButtonBox

    from xencenter_py.ui.dialogs.add_server import AddServerDialog

    win.act_add_server.trigger()
    dialog = wait_dialog(qtbot, AddServerDialog)
    dialog.address_edit.setCurrentText(address)
    dialog.user_edit.setText(user)
    dialog.password_edit.setText(password)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: any(c.is_connected for c in win.manager.connections), timeout=30000)
    return next(c for c in win.manager.connections if c.is_connected)


def language(code: str) -> None:
    switch_language(code)
    assert i18n.current_language() == code
