"""Whether an action of a tab can run on the rows the user picked, and why not.

One mechanism for every tab's buttons: an action lists its :data:`Check`s (the user's
role may call the method, the server lists the operation in ``allowed_operations``, the
SR's driver has the capability, ...); the first that objects gives the reason shown as
the button's tooltip. Plain Python, so the CLI and tests ask the same questions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from xencenter_py.i18n import gettext as _
from xencenter_py.model import storage_types

Check = Callable[[Sequence[Any]], str]
"""``check(rows)`` → "" when the rows pass, else the reason in the user's language."""


def role_reason() -> str:
    return _("Your role does not allow this action")


def evaluate(checks: Sequence[Check], rows: Sequence[Any]) -> tuple[bool, str]:
    """(enabled, reason) from the first check that objects."""
    for check in checks:
        reason = check(rows)
        if reason:
            return False, reason
    return True, ""


def connected(rows: Sequence[Any]) -> str:
    for row in rows:
        conn = getattr(row, "connection", None)
        if conn is not None and not getattr(conn, "is_connected", True):
            return _("The server is not connected")
    return ""


def role(*methods: str) -> Check:
    """The session's role may call every one of ``methods``."""

    def check(rows: Sequence[Any]) -> str:
        for row in rows:
            conn = getattr(row, "connection", None)
            can_call = getattr(conn, "can_call", None)
            if can_call is not None and not all(can_call(m) for m in methods):
                return role_reason()
        return ""

    check.is_role = True  # type: ignore[attr-defined]
    return check


def is_role_check(check: Check) -> bool:
    """Role checks hold for a whole connection, so they can be asked before anything is picked."""
    return bool(getattr(check, "is_role", False))


def selection(minimum: int = 1, maximum: int | None = None) -> Check:
    def check(rows: Sequence[Any]) -> str:
        if len(rows) < minimum:
            return _("Select an item first") if minimum == 1 else _("Select at least {n} items").format(n=minimum)
        if maximum is not None and len(rows) > maximum:
            return _("Select a single item")
        return ""

    return check


def allowed(operation: str, reason: str | Callable[[Any], str] = "") -> Check:
    """The server lists ``operation`` in every row's ``allowed_operations`` now."""

    def check(rows: Sequence[Any]) -> str:
        for row in rows:
            if row.current_operations:
                return _("Another operation is in progress on this item")
            if operation not in row.allowed_operations:
                text = reason(row) if callable(reason) else reason
                return text or _("The server does not allow this action now")
        return ""

    return check


def sr_capability(capability: str, sr_of: Callable[[Any], Any]) -> Check:
    """The storage driver of every row's SR has ``capability`` (the deck's storage table)."""

    def check(rows: Sequence[Any]) -> str:
        for row in rows:
            reason = storage_types.cannot(sr_of(row), capability)
            if reason:
                return reason
        return ""

    return check


def predicate(test: Callable[[Any], bool], reason: Callable[[], str]) -> Check:
    """Every row passes ``test``; else ``reason()``."""

    def check(rows: Sequence[Any]) -> str:
        return "" if all(test(r) for r in rows) else reason()

    return check
