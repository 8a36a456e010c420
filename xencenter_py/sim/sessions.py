"""Sessions, users and roles (protocol notes §2).

Sessions live in memory only (xapi does not persist them either, and clients log in again
after a restart). ``root`` is the local superuser with ``pool-admin``; further users come
from the command line with one built-in role each and appear as ``subject`` records.
``role`` records (the six roles plus one permission record per message) are static and
served through the generic messages, so ``role.get_all_records`` works as in xapi.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import hmac
import logging
import uuid as _uuid
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from xencenter_py.datamodel import NULL_REF, ROLES, load
from xencenter_py.sim.dispatch import core
from xencenter_py.sim.errors import XapiError
from xencenter_py.sim.operations import Call

if TYPE_CHECKING:
    from xencenter_py.sim.simulator import Simulator

log = logging.getLogger(__name__)

ROOT = "root"
SESSIONS_PER_ORIGINATOR = 500
"""Sessions kept per originator and per user (the oldest go first), as xapi."""
IDLE_TIMEOUT = 24 * 3600.0
FAILED_LOGIN_DELAY = 0.5
"""Seconds before a wrong password is answered (xapi waits ~5 s; this keeps tests quick).
Password checks for one user name run one at a time, so parallel guessing gains nothing:
at most one guess per user per delay, however many connections try."""

_NAMESPACE = _uuid.UUID("5b1d2c1e-7a2f-4d43-9b8e-6f0c3b8f5a10")


def _stable_ref(name: str) -> str:
    return f"OpaqueRef:{_uuid.uuid5(_NAMESPACE, name)}"


@dataclass
class User:
    name: str
    password: str = field(repr=False)
    role: str
    sid: str = ""
    """The subject identifier (``sim-user-<name>`` for a local user, a SID for a domain user)."""

    @property
    def subject_identifier(self) -> str:
        return self.sid or ("" if self.name == ROOT else f"sim-user-{self.name}")


@dataclass
class SessionInfo:
    """What the simulator knows about a session beyond its record."""

    ref: str
    user: str
    role: str
    originator: str
    last_active: float = 0.0
    local_host: str = ""
    """The member a ``slave_local_login`` session belongs to ("" for a pool session)."""
    sid: str = ""
    """The subject identifier the session was given to ("" for root)."""
    polls: int = 0
    """``event.from``/``event.next`` calls of the session waiting now."""


@cache
def permissions_of(role: str) -> tuple[str, ...]:
    """Every permission (wire name) the role may call, from the datamodel's roles."""
    return tuple(sorted(m.wire_name for c in load().classes.values() for m in c.messages.values() if role in m.roles))


@cache
def role_records() -> dict[str, dict[str, Any]]:
    """Static ``role`` table: one record per role and one per permission (as xapi)."""
    perms = sorted({m.wire_name for c in load().classes.values() for m in c.messages.values()})
    records: dict[str, dict[str, Any]] = {}
    for p in perms:
        ref = _stable_ref("permission:" + p)
        records[ref] = {
            "uuid": str(_uuid.uuid5(_NAMESPACE, "permission:" + p)),
            "name_label": p,
            "name_description": "",
            "subroles": [],
            "is_internal": False,
        }
    for role in ROLES:
        records[_stable_ref("role:" + role)] = {
            "uuid": str(_uuid.uuid5(_NAMESPACE, "role:" + role)),
            "name_label": role,
            "name_description": f"The {role} role",
            "subroles": [_stable_ref("permission:" + p) for p in permissions_of(role)],
            "is_internal": False,
        }
    return records


def role_ref(role: str) -> str:
    return _stable_ref("role:" + role)


def denied(permission: str, roles: frozenset[str]) -> XapiError:
    allowed = ", ".join(r for r in ROLES if r in roles)
    return XapiError(
        "RBAC_PERMISSION_DENIED",
        permission,
        f"No permission in user session. (Roles with this permission: {allowed})",
    )


class Sessions:
    """The session table and the user list of one simulator."""

    def __init__(self, sim: Simulator, users: dict[str, User]) -> None:
        self.sim = sim
        self.users = users
        self.records: dict[str, dict[str, Any]] = {}
        self.info: dict[str, SessionInfo] = {}
        self._checking: dict[str, asyncio.Lock] = {}  # user name -> its password checks

    # ------------------------------------------------------------------ lookups
    def check(self, ref: Any) -> SessionInfo:
        """The live session for a ref, or ``SESSION_INVALID [ref]``."""
        info = self.info.get(ref) if isinstance(ref, str) else None
        if info is None:
            raise XapiError("SESSION_INVALID", ref if isinstance(ref, str) else str(ref))
        info.last_active = asyncio.get_running_loop().time()
        return info

    def ensure_subjects(self) -> None:
        """One ``subject`` record per non-root user (refs stable across restarts)."""
        store = self.sim.store
        if "subject" not in store.tables:
            return
        for user in self.users.values():
            if user.name == ROOT:
                continue
            sid = f"sim-user-{user.name}"
            ref = store.first("subject", subject_identifier=sid)
            fields = {
                "subject_identifier": sid,
                "other_config": {
                    "subject-name": user.name,
                    "subject-is-group": "false",
                    "subject-displayname": user.name,
                },
                "roles": [role_ref(user.role)],
            }
            if ref is None:
                store.add("subject", fields, ref=_stable_ref("subject:" + user.name))
            else:
                store.update("subject", ref, fields)

    # ------------------------------------------------------------------ lifecycle
    def create(self, user: User, originator: str, *, pool: bool = False) -> str:
        ref = f"OpaqueRef:{_uuid.uuid4()}"
        now = _dt.datetime.now(_dt.UTC).replace(microsecond=0)
        subject = NULL_REF
        if user.name != ROOT:
            subject = self.sim.store.first("subject", subject_identifier=user.subject_identifier) or NULL_REF
        rec = load().default_record("session")
        rec.update(
            uuid=str(_uuid.uuid4()),
            this_host=self.sim.coordinator(),
            this_user=NULL_REF,
            last_active=now,
            validation_time=now,
            pool=pool,
            is_local_superuser=user.name == ROOT,
            subject=subject,
            auth_user_sid=user.subject_identifier,
            auth_user_name=user.name,
            rbac_permissions=list(permissions_of(user.role)),
            originator=originator,
        )
        self.records[ref] = rec
        self.info[ref] = SessionInfo(
            ref,
            user.name,
            user.role,
            originator,
            last_active=asyncio.get_running_loop().time(),
            sid=user.subject_identifier,
        )
        self._evict(originator, user.name, ref)
        return ref

    def _evict(self, originator: str, user: str, new: str) -> None:
        """Keep at most 500 sessions per originator and per user: the oldest go first, but
        never one a long poll is using while an idle one can go instead (and that is logged)."""
        for key, value in (("originator", originator), ("user", user)):
            same = [i for i in self.info.values() if getattr(i, key) == value and i.ref != new]
            excess = len(same) + 1 - SESSIONS_PER_ORIGINATOR
            if excess <= 0:
                continue
            idle = [i for i in same if not i.polls]
            chosen = idle[:excess]
            busy = [i for i in same if i.polls][: excess - len(chosen)]
            for old in busy:
                log.warning(
                    "%s %s has more than %d sessions: ending session %s of %s although a long poll is using it",
                    key,
                    value,
                    SESSIONS_PER_ORIGINATOR,
                    old.ref,
                    old.user,
                )
            for old in (*chosen, *busy):
                self.destroy(old.ref)

    def destroy(self, ref: str) -> None:
        info = self.info.pop(ref, None)
        self.records.pop(ref, None)
        if info is not None:
            self.sim.tasks.forget_session(ref)  # tasks belong to their session
            self.sim.events.wake()  # blocked event.from/next calls of the session fail now

    def expire_idle(self, now: float) -> None:
        for info in list(self.info.values()):
            if now - info.last_active > IDLE_TIMEOUT:
                self.destroy(info.ref)

    async def login(self, uname: str, pwd: str, originator: str) -> str:
        """A local user (with the role its subject has now), else a domain user."""
        from xencenter_py.sim.behaviours import directory

        user = self.users.get(uname)
        # One check at a time per user name (unknown names, domain ones included, share one
        # queue, so guessing names cannot grow this table): parallel guessing gains nothing.
        lock = self._checking.setdefault(uname if user is not None else "", asyncio.Lock())
        async with lock:
            if user is not None and hmac.compare_digest(user.password.encode(), pwd.encode()):
                return self.create(self._current_role(user), originator)
            found = directory.authenticate(self.sim, uname, pwd)
            if found is None:
                await asyncio.sleep(FAILED_LOGIN_DELAY)
                raise XapiError("SESSION_AUTHENTICATION_FAILED", uname, "Authentication failure")
        account, role, _subject = found
        return self.create(User(account.qualified, "", role, sid=account.sid), originator)

    def _current_role(self, user: User) -> User:
        """A local user logs in with the role its subject has now (roles can be changed)."""
        from xencenter_py.sim.behaviours import directory

        if user.name == ROOT:
            return user
        store = self.sim.store
        if "subject" not in store.tables:
            return user
        subject = store.first("subject", subject_identifier=user.subject_identifier)
        role = directory.best_role(store, directory.role_names(store, [subject] if subject else []))
        if role is None:
            raise XapiError("SESSION_AUTHORIZATION_FAILED", user.name, "The user has no role")
        return User(user.name, user.password, role)


# ------------------------------------------------------------------ handlers
def _sessions(call: Call) -> Sessions:
    return call.sim.sessions  # type: ignore[attr-defined,no-any-return]


@core("session.login_with_password")
async def login_with_password(call: Call, uname: str, pwd: str, version: str, originator: str) -> str:
    return await _sessions(call).login(uname, pwd, originator)


@core("session.slave_local_login_with_password")
async def slave_local_login_with_password(call: Call, uname: str, pwd: str) -> str:
    return await _sessions(call).login(uname, pwd, "")


@core("session.slave_local_login")
async def slave_local_login(call: Call, pwd: str) -> str:
    return await _sessions(call).login(ROOT, pwd, "")


@core("session.logout", "session.local_logout")
async def logout(call: Call) -> str:
    _sessions(call).destroy(call.session)
    return ""


@core("session.change_password")
async def change_password(call: Call, old_pwd: str, new_pwd: str) -> str:
    sessions = _sessions(call)
    user = sessions.users[call.user]
    if not hmac.compare_digest(user.password.encode(), old_pwd.encode()):
        raise XapiError("SESSION_AUTHENTICATION_FAILED", call.user, "Authentication failure")
    user.password = new_pwd
    return ""


@core("session.get_all_subject_identifiers")
async def get_all_subject_identifiers(call: Call) -> list[str]:
    return sorted({i.sid for i in _sessions(call).info.values() if i.sid})


@core("session.logout_subject_identifier")
async def logout_subject_identifier(call: Call, subject_identifier: str) -> str:
    sessions = _sessions(call)
    for info in list(sessions.info.values()):
        if info.sid == subject_identifier and info.ref != call.session:
            sessions.destroy(info.ref)
    return ""


def _role(ref: str) -> dict[str, Any]:
    rec = role_records().get(ref)
    if rec is None:
        raise XapiError("HANDLE_INVALID", "role", ref)
    return rec


@core("role.get_permissions")
async def get_permissions(call: Call, ref: str) -> list[str]:
    return list(_role(ref)["subroles"])


@core("role.get_permissions_name_label")
async def get_permissions_name_label(call: Call, ref: str) -> list[str]:
    return [role_records()[p]["name_label"] for p in _role(ref)["subroles"]]


@core("role.get_by_permission")
async def get_by_permission(call: Call, permission: str) -> list[str]:
    return [ref for ref, rec in role_records().items() if permission in rec["subroles"]]


@core("role.get_by_permission_name_label")
async def get_by_permission_name_label(call: Call, label: str) -> list[str]:
    perm = _stable_ref("permission:" + label)
    return [ref for ref, rec in role_records().items() if perm in rec["subroles"]]
