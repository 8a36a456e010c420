"""The Users tab of a pool or standalone server: Active Directory membership (Join/Leave
Domain) and the users and groups with access, their roles and whether they are logged
in; Add, Remove, Change Role, Log Out User."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from xencenter_py.datamodel import ROLES
from xencenter_py.i18n import N_
from xencenter_py.i18n import gettext as _
from xencenter_py.model import availability as av
from xencenter_py.model.actions import users
from xencenter_py.ui.aio import ask, spawn
from xencenter_py.ui.dialogs.form import Field, FormDialog
from xencenter_py.ui.tabs.base import TabPage
from xencenter_py.ui.tabs.grid import Column, GridPanel, TabAction, ask_form, start, yes_no

ROLE_NAMES = {
    "pool-admin": N_("Pool Admin"),
    "pool-operator": N_("Pool Operator"),
    "vm-power-admin": N_("VM Power Admin"),
    "vm-admin": N_("VM Admin"),
    "vm-operator": N_("VM Operator"),
    "read-only": N_("Read Only"),
}
LOGIN_POLL_SECONDS = 5.0


def role_text(role: str) -> str:
    return str(ROLE_NAMES.get(role, role))


def _coordinator(owner: Any) -> Any:
    return owner if owner.cls == "host" else owner.coordinator


def domain(owner: Any) -> str:
    """The AD domain the pool has joined ("" when none)."""
    host = _coordinator(owner)
    if host is None or host.get("external_auth_type") != "AD":
        return ""
    return str(host.get("external_auth_service_name", ""))


def _subject_name(s: Any) -> str:
    oc = s.other_config
    name = oc.get("subject-name") or s.get("subject_identifier", "")
    display = oc.get("subject-displayname", "")
    text = f"{display} ({name})" if display and display != name else name
    return _("{name} (group)").format(name=text) if oc.get("subject-is-group") == "true" else text


def _subjects(owner: Any) -> list[Any]:
    return sorted(owner.cache.all("subject"), key=_subject_name)


def _role_dialog(title: Any, default: str, with_name: bool) -> FormDialog:
    fields = [Field("name", N_("User or group name"))] if with_name else []
    fields.append(Field("role", N_("Role"), "choice", default=default, options=[(r, ROLE_NAMES[r]) for r in ROLES]))

    def validate(values: dict[str, Any]) -> str:
        return _("Enter a user or group name") if with_name and not values["name"].strip() else ""

    return FormDialog(title, fields, validate, name="roleDialog")


async def _join(panel: GridPanel, rows: list[Any]) -> None:
    owner = rows[0]
    fields = [
        Field("domain", N_("Domain")),
        Field("user", N_("User name")),
        Field("password", N_("Password"), "password"),
    ]

    def validate(values: dict[str, Any]) -> str:
        return (
            ""
            if values["domain"].strip() and values["user"].strip()
            else _("Enter the domain and an account allowed to join it")
        )

    intro = _("Join the pool to an Active Directory domain so that its users and groups can be given access.")
    values = await ask_form(panel, FormDialog(N_("Join Domain"), fields, validate, intro, name="joinDomainDialog"))
    if values is None:
        return
    conn = owner.connection
    start(
        panel,
        _("Joining domain '{domain}'").format(domain=values["domain"].strip()),
        conn,
        lambda p: users.join_domain(conn, values["domain"], values["user"], values["password"], p),
    )


async def _leave(panel: GridPanel, rows: list[Any]) -> None:
    owner = rows[0]
    text = _(
        "Are you sure you want to leave the domain '{domain}'? Its users will no longer be able to log in."
    ).format(domain=domain(owner))
    if not await ask(panel, _("Leave Domain"), text, warning=True):
        return
    conn = owner.connection
    start(
        panel, _("Leaving domain '{domain}'").format(domain=domain(owner)), conn, lambda p: users.leave_domain(conn, p)
    )


async def _add(panel: GridPanel, rows: list[Any]) -> None:
    owner = rows[0]
    values = await ask_form(panel, _role_dialog(N_("Add Users and Groups"), "read-only", True))
    if values is None:
        return
    conn = owner.connection
    start(
        panel,
        _("Granting access to '{name}'").format(name=values["name"].strip()),
        conn,
        lambda p: users.add_subject(conn, values["name"], values["role"], p),
    )


async def _remove(panel: GridPanel, rows: list[Any]) -> None:
    text = _("Are you sure you want to remove the access of the selected users and groups? They will be logged out.")
    if not await ask(panel, _("Remove Users"), text, warning=True):
        return
    for subject in rows:
        start(
            panel,
            _("Removing '{name}'").format(name=_subject_name(subject)),
            subject.connection,
            lambda p, s=subject: users.remove_subject(s.connection, s, p),
        )


async def _change_role(panel: GridPanel, rows: list[Any]) -> None:
    conn = rows[0].connection
    values = await ask_form(
        panel, _role_dialog(N_("Change Role"), users.subject_role(conn, rows[0]) or "read-only", False)
    )
    if values is None:
        return
    for subject in rows:
        start(
            panel,
            _("Changing the role of '{name}' to {role}").format(
                name=_subject_name(subject), role=role_text(values["role"])
            ),
            conn,
            lambda p, s=subject: users.change_role(conn, s, values["role"], p),
        )


def _joined(rows: list[Any]) -> str:
    return "" if all(domain(r) for r in rows) else _("The pool has not joined a domain")


def _not_joined(rows: list[Any]) -> str:
    return _("The pool has already joined a domain") if any(domain(r) for r in rows) else ""


class UsersTab(TabPage):
    key = "users"
    watched_classes = frozenset({"subject", "host", "pool"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("usersTab")
        self.logged_in: set[str] = set()
        self._polled_at = 0.0
        self._polled_for: Any = None
        self.status = QLabel()
        self.status.setObjectName("domainStatus")
        self.status.setWordWrap(True)
        columns = (
            Column(N_("Subject"), _subject_name),
            Column(N_("Roles"), lambda s: role_text(users.subject_role(s.connection, s))),
            Column(N_("Logged In"), lambda s: yes_no(s.get("subject_identifier") in self.logged_in)),
        )
        actions = (
            TabAction(
                "joinDomain",
                N_("&Join Domain..."),
                lambda _o: [av.role("pool.enable_external_auth"), _not_joined],
                _join,
                on_owner=True,
            ),
            TabAction(
                "leaveDomain",
                N_("&Leave Domain"),
                lambda _o: [av.role("pool.disable_external_auth"), _joined],
                _leave,
                on_owner=True,
            ),
            TabAction(
                "addSubject", N_("&Add..."), lambda _o: [av.role("subject.create"), _joined], _add, on_owner=True
            ),
            TabAction("removeSubject", N_("&Remove"), lambda _o: [av.role("subject.destroy")], _remove, many=True),
            TabAction(
                "changeRole",
                N_("&Change Role..."),
                lambda _o: [av.role("subject.add_to_roles", "subject.remove_from_roles")],
                _change_role,
                many=True,
            ),
            TabAction(
                "logoutSubject",
                N_("Log &Out User"),
                lambda _o: [
                    av.role("session.logout_subject_identifier"),
                    lambda rows: (
                        ""
                        if all(r.get("subject_identifier") in self.logged_in for r in rows)
                        else _("The user is not logged in")
                    ),
                ],
                self._logout,
                many=True,
            ),
        )
        self.subjects = GridPanel("subjectList", N_("Users and Groups with Access"), columns, actions, self._rows)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.subjects)

    def _rows(self, owner: Any) -> list[Any]:
        return _subjects(owner)

    async def _logout(self, panel: GridPanel, rows: list[Any]) -> None:
        conn = rows[0].connection
        for subject in rows:
            start(
                panel,
                _("Logging out '{name}'").format(name=_subject_name(subject)),
                conn,
                lambda p, s=subject: self._logout_one(conn, s, p),
            )

    async def _logout_one(self, conn: Any, subject: Any, progress: Any) -> None:
        await users.logout(conn, subject, progress)
        await self.poll_logins(force=True)

    async def poll_logins(self, force: bool = False) -> None:
        """Who is logged in now (``session.get_all_subject_identifiers``), at most every few seconds."""
        owner = self.objects[0] if len(self.objects) == 1 else None
        if owner is None or not owner.connection.can_call("session.get_all_subject_identifiers"):
            return
        if not force and owner is self._polled_for and time.monotonic() - self._polled_at < LOGIN_POLL_SECONDS:
            return
        self._polled_for, self._polled_at = owner, time.monotonic()
        try:
            self.logged_in = set(await owner.connection.call("session.get_all_subject_identifiers"))
        except Exception:  # a failed poll only leaves the column as it was
            return
        self.subjects.set_owner(owner)

    def title(self) -> str:
        return _("Users")

    @classmethod
    def applies_to(cls, objects: list[Any]) -> bool:
        if len(objects) != 1:
            return False
        obj = objects[0]
        if obj.cls == "pool":
            return True
        if obj.cls == "host" and obj.is_live:
            pool = obj.cache.pool
            return pool is None or not pool.is_visible
        return False

    def refresh(self) -> None:
        if len(self.objects) != 1:
            return
        owner = self.objects[0]
        joined = domain(owner)
        self.status.setText(
            _("This pool belongs to the domain '{domain}'.").format(domain=joined)
            if joined
            else _("Active Directory is not enabled. Join a domain to give its users and groups access.")
        )
        self.subjects.set_owner(owner)
        if self.isVisible():
            spawn(self.poll_logins())

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        spawn(self.poll_logins())

    def retranslate(self) -> None:
        self.subjects.retranslate()
        if self.objects:
            self.refresh()
