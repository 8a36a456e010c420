"""Glue between Qt slots and asyncio coroutines (the qasync loop).

Slots never block: they start a coroutine with :func:`spawn`, which reports any
exception to the user in their language. Dialogs are awaited with :func:`run_dialog`
(``open()`` plus a future) instead of ``exec()``, so no nested event loop re-enters
asyncio while a coroutine is suspended.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from xencenter_py.i18n import gettext as _

log = logging.getLogger(__name__)
_running: set[asyncio.Task[Any]] = set()


def error_text(exc: BaseException) -> str:
    """A user-facing explanation of ``exc`` in the active language."""
    message = getattr(exc, "message", None)
    if callable(message):
        try:
            return str(message())
        except Exception:  # a broken message() must not hide the original error
            log.exception("error message failed")
    if isinstance(exc, ConnectionRefusedError):
        return _("The server refused the connection. Check the address and that the server is running.")
    if isinstance(exc, TimeoutError):
        return _("The server did not answer in time.")
    if isinstance(exc, OSError):
        return _("Could not reach the server: {error}").format(error=exc.strerror or exc)
    return str(exc) or exc.__class__.__name__


def show_error(parent: QWidget | None, title: str, exc: BaseException | str) -> QMessageBox:
    """Show an error message box without blocking (window-modal, returns at once)."""
    text = exc if isinstance(exc, str) else error_text(exc)
    box = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorMessageBox")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def spawn(coro: Coroutine[Any, Any, Any], parent: QWidget | None = None, title: str | None = None) -> asyncio.Task[Any]:
    """Run ``coro`` on the loop; an exception it raises is shown to the user."""
    task = asyncio.ensure_future(coro)
    _running.add(task)

    def done(t: asyncio.Task[Any]) -> None:
        _running.discard(t)
        if t.cancelled():
            return
        exc = t.exception()
        if exc is not None:
            log.error("background task failed", exc_info=exc)
            show_error(parent, title or _("Error"), exc)

    task.add_done_callback(done)
    return task


async def run_dialog(dialog: QDialog) -> int:
    """Show ``dialog`` window-modally and wait for its result without a nested loop."""
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def finished(result: int) -> None:
        if not future.done():
            future.set_result(result)

    dialog.finished.connect(finished)
    dialog.open()
    try:
        return await future
    finally:
        dialog.finished.disconnect(finished)


async def inform(parent: QWidget | None, title: str, text: str, object_name: str) -> None:
    """An information box with OK; returns when the user has read it."""
    box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName(object_name)
    await run_dialog(box)
    box.deleteLater()


async def ask(parent: QWidget | None, title: str, text: str, *, warning: bool = False) -> bool:
    """A Yes/No question; True for Yes."""
    icon = QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Question
    buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
    box = QMessageBox(icon, title, text, buttons, parent)
    box.setDefaultButton(QMessageBox.StandardButton.No if warning else QMessageBox.StandardButton.Yes)
    result = await run_dialog(box)
    box.deleteLater()
    return result == QMessageBox.StandardButton.Yes
