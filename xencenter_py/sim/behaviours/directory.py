"""A simulated Active Directory domain: joining and leaving it, resolving its users and
groups (``auth.*``), adding them as ``subject`` records, and logging them in.

The domain (``XENDEMO.LOCAL``) has a handful of users and groups. Joining it
(``host/pool.enable_external_auth`` with ``auth_type`` AD) needs a member of *Domain
Admins* as the joining account; the domain's accounts then accept the password that
account joined with. That password is held in memory only (never stored in the pool, a
file or a log), as a domain controller would keep it: after a simulator restart the
domain must be joined again before its users can log in. A domain user may log in when
the user, or a group the user belongs to, is a subject; the session gets the most
privileged role among those subjects' roles.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xencenter_py.datamodel import ROLES
from xencenter_py.sim.errors import XapiError
from xencenter_py.sim.operations import Call, implements

if TYPE_CHECKING:
    from xencenter_py.sim.store import Store

DOMAIN = "XENDEMO.LOCAL"
NETBIOS = "XENDEMO"
_SID_BASE = "S-1-5-21-1004336348-1177238915-682003330"


@dataclass(frozen=True)
class Account:
    """One user or group of the simulated domain."""

    name: str
    display: str
    rid: int
    is_group: bool = False
    groups: tuple[str, ...] = ()

    @property
    def sid(self) -> str:
        return f"{_SID_BASE}-{self.rid}"

    @property
    def qualified(self) -> str:
        return f"{NETBIOS}\\{self.name}"


ACCOUNTS: tuple[Account, ...] = (
    Account("Domain Admins", "Domain Admins", 512, is_group=True),
    Account("XenServer Admins", "XenServer Admins", 1101, is_group=True),
    Account("Helpdesk", "Helpdesk", 1102, is_group=True),
    Account("Administrator", "Administrator", 500, groups=("Domain Admins",)),
    Account("alice", "Alice Tanaka", 1104, groups=("XenServer Admins",)),
    Account("bob", "Bob Suzuki", 1105, groups=("Helpdesk",)),
    Account("carol", "Carol Sato", 1106, groups=("Helpdesk",)),
    Account("dave", "Dave Ito", 1107),
)


class Directory:
    """The domain's state in one simulator: the password the domain was joined with."""

    def __init__(self) -> None:
        self.password: str | None = None


def directory(sim: Any) -> Directory:
    if not hasattr(sim, "directory"):
        sim.directory = Directory()
    return sim.directory  # type: ignore[no-any-return]


def find(name: str) -> Account | None:
    """An account by ``name``, ``DOMAIN\\name``, ``name@domain`` (any case) or SID."""
    key = name.strip()
    if "\\" in key:
        dom, _, key = key.partition("\\")
        if dom.upper() not in (NETBIOS, DOMAIN):
            return None
    elif "@" in key:
        key, _, dom = key.partition("@")
        if dom.upper() not in (DOMAIN, NETBIOS):
            return None
    for acc in ACCOUNTS:
        if acc.name.lower() == key.lower() or acc.sid == name:
            return acc
    return None


def groups_of(acc: Account) -> list[Account]:
    return [g for g in ACCOUNTS if g.name in acc.groups]


def joined(store: Store) -> bool:
    return any(h["external_auth_type"] == "AD" for h in store.all("host").values())


def information(acc: Account) -> dict[str, str]:
    """What ``auth.get_subject_information_from_identifier`` answers (XenCenter's keys)."""
    return {
        "subject-name": acc.qualified,
        "subject-displayname": acc.display,
        "subject-sid": acc.sid,
        "subject-is-group": "true" if acc.is_group else "false",
        "subject-account-disabled": "false",
        "subject-account-expired": "false",
        "subject-account-locked": "false",
        "subject-password-expired": "false",
        "subject-upn": f"{acc.name}@{DOMAIN.lower()}",
    }


def best_role(store: Store, role_names: list[str]) -> str | None:
    """The most privileged role of ``role_names`` (``None`` if none is a user role)."""
    for role in ROLES:
        if role in role_names:
            return role
    return None


def role_names(store: Store, subjects: list[str]) -> list[str]:
    from xencenter_py.sim.sessions import role_records

    roles = role_records()
    names = []
    for ref in subjects:
        for r in store.get("subject", ref)["roles"]:
            if r in roles:
                names.append(roles[r]["name_label"])
    return names


def authenticate(sim: Any, uname: str, pwd: str) -> tuple[Account, str, str] | None:
    """``(account, role, subject ref)`` for a domain user the pool lets in, ``None`` when the
    name is not a domain user (or the domain is not joined); raises for a refusal."""
    store = sim.store
    acc = find(uname)
    if acc is None or acc.is_group or not joined(store):
        return None
    secret = directory(sim).password
    if secret is None or not hmac.compare_digest(secret.encode(), pwd.encode()):
        return None
    sids = {acc.sid, *(g.sid for g in groups_of(acc))}
    subjects = [r for r, s in store.all("subject").items() if s["subject_identifier"] in sids]
    role = best_role(store, role_names(store, subjects))
    if role is None:
        raise XapiError("SESSION_AUTHORIZATION_FAILED", acc.qualified, "The user is not authorized to log in")
    own = next((r for r in subjects if store.get("subject", r)["subject_identifier"] == acc.sid), subjects[0])
    return acc, role, own


# ---------------------------------------------------------------------------- joining
def join(call: Call, config: dict[str, str], service_name: str) -> None:
    """Check a join request against the simulated domain (raises XAPI's errors)."""
    if service_name.upper() not in (DOMAIN, NETBIOS):
        call.fail("AUTH_ENABLE_FAILED_UNAVAILABLE", f"The domain {service_name} could not be contacted")
    acc = find(config.get("user", ""))
    password = config.get("pass", "")
    if acc is None or acc.is_group or "Domain Admins" not in acc.groups or not password:
        call.fail("AUTH_ENABLE_FAILED_WRONG_CREDENTIALS", "The user name or password is wrong")
    directory(call.sim).password = password


def without_secrets(config: dict[str, str]) -> dict[str, str]:
    """The join configuration as the pool keeps it: never the password."""
    return {k: v for k, v in config.items() if k != "pass"}


# ---------------------------------------------------------------------------- auth.*
def _require_joined(call: Call) -> None:
    if not joined(call.store):
        call.fail("AUTH_IS_DISABLED")


@implements("auth.get_subject_identifier")
async def get_subject_identifier(call: Call, name: str) -> str:
    _require_joined(call)
    acc = find(name)
    if acc is None:
        call.fail("SUBJECT_CANNOT_BE_RESOLVED")
    return acc.sid


@implements("auth.get_subject_information_from_identifier")
async def get_subject_information(call: Call, sid: str) -> dict[str, str]:
    _require_joined(call)
    acc = find(sid)
    if acc is None:
        call.fail("SUBJECT_CANNOT_BE_RESOLVED")
    return information(acc)


@implements("auth.get_group_membership")
async def get_group_membership(call: Call, sid: str) -> list[str]:
    _require_joined(call)
    acc = find(sid)
    if acc is None:
        call.fail("SUBJECT_CANNOT_BE_RESOLVED")
    return [g.sid for g in groups_of(acc)]


# ---------------------------------------------------------------------------- subjects
@implements("subject.create")
async def subject_create(call: Call, args: dict[str, Any]) -> str:
    """As xapi: the identifier must resolve in the domain and be new; a subject created
    without roles gets pool-admin (the pre-RBAC meaning of "has access")."""
    from xencenter_py.sim.sessions import role_records, role_ref

    store = call.store
    sid = str(args.get("subject_identifier", ""))
    if any(s["subject_identifier"] == sid for s in store.all("subject").values()):
        call.fail("SUBJECT_ALREADY_EXISTS")
    acc = find(sid)
    if (acc is None or not joined(store)) and not sid.startswith("sim-user-"):
        call.fail("SUBJECT_CANNOT_BE_RESOLVED")
    other = dict(args.get("other_config") or {})
    if acc is not None:
        other = {**information(acc), **other}
    roles = [r for r in args.get("roles") or [] if r] or [role_ref("pool-admin")]
    known = role_records()
    if any(r not in known or known[r]["subroles"] == [] for r in roles):
        call.fail("ROLE_NOT_FOUND")
    return store.add("subject", {"subject_identifier": sid, "other_config": other, "roles": roles})


@implements("subject.destroy")
async def subject_destroy(call: Call, subject: str) -> str:
    """Removing access also ends the sessions it gave (as xapi)."""
    store = call.store
    sid = store.get("subject", subject)["subject_identifier"]
    store.delete("subject", subject)
    sessions = call.sim.sessions  # type: ignore[attr-defined]
    for info in list(sessions.info.values()):
        if info.sid == sid and info.ref != call.session:
            sessions.destroy(info.ref)
    return ""
