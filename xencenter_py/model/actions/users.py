"""User actions of the Users tab: join and leave an Active Directory domain, grant a user or
group access with a role, change its role, log it out, remove its access."""

from __future__ import annotations

from typing import Any

from xencenter_py.datamodel import ROLES
from xencenter_py.i18n import gettext as _
from xencenter_py.model.actions.base import ActionError, Progress, no_progress


def role_ref(conn: Any, role: str) -> str:
    """The ref of a built-in role by name (``pool-admin`` ... ``read-only``)."""
    if role not in ROLES:
        raise ActionError(_("Unknown role: {role}").format(role=role))
    for ref, rec in (getattr(conn, "roles", None) or {}).items():
        if rec.get("name_label") == role:
            return str(ref)
    raise ActionError(_("The server did not list the role {role}").format(role=role))


def subject_role(conn: Any, subject: Any) -> str:
    """The most privileged role of a subject, by name ("" when it has none)."""
    roles = getattr(conn, "roles", None) or {}
    names = {roles.get(r, {}).get("name_label") for r in subject.get("roles") or []}
    return next((r for r in ROLES if r in names), "")


async def join_domain(conn: Any, domain: str, user: str, password: str, progress: Progress = no_progress) -> None:
    """Join the pool (every server) to an Active Directory domain."""
    if not domain.strip() or not user.strip():
        raise ActionError(_("Enter the domain and an account allowed to join it"))
    pool = conn.cache.pool
    config = {"domain": domain.strip(), "user": user.strip(), "pass": password}
    if pool is not None:
        await conn.run_task(
            "pool.enable_external_auth", pool.ref, config, domain.strip(), "AD", progress=lambda f: progress(f, "")
        )
        return
    for host in conn.cache.all("host"):
        await conn.run_task("host.enable_external_auth", host.ref, config, domain.strip(), "AD")


async def leave_domain(conn: Any, progress: Progress = no_progress) -> None:
    pool = conn.cache.pool
    await conn.run_task("pool.disable_external_auth", pool.ref, {}, progress=lambda f: progress(f, ""))


async def add_subject(conn: Any, name: str, role: str, progress: Progress = no_progress) -> str:
    """Give a domain user or group access with ``role``."""
    if not name.strip():
        raise ActionError(_("Enter a user or group name"))
    wanted = role_ref(conn, role)
    sid = str(await conn.call("auth.get_subject_identifier", name.strip()))
    progress(0.3, "")
    if any(s.get("subject_identifier") == sid for s in conn.cache.all("subject")):
        raise ActionError(_("'{name}' already has access").format(name=name.strip()))
    info = await conn.call("auth.get_subject_information_from_identifier", sid)
    progress(0.6, "")
    record = {"subject_identifier": sid, "other_config": dict(info), "roles": [wanted]}
    return str(await conn.call("subject.create", record))


async def change_role(conn: Any, subject: Any, role: str, progress: Progress = no_progress) -> None:
    """Give ``subject`` exactly ``role`` (XenCenter's Change Role)."""
    wanted = role_ref(conn, role)
    current = list(subject.get("roles") or [])
    if current == [wanted]:
        return
    if wanted not in current:
        await conn.call("subject.add_to_roles", subject.ref, wanted)
    for ref in current:
        if ref != wanted:
            await conn.call("subject.remove_from_roles", subject.ref, ref)
    progress(1.0, "")


async def logout(conn: Any, subject: Any, progress: Progress = no_progress) -> None:
    await conn.call("session.logout_subject_identifier", subject.get("subject_identifier"))


async def remove_subject(conn: Any, subject: Any, progress: Progress = no_progress) -> None:
    """Remove access (the subject's sessions end with it)."""
    await conn.call("subject.destroy", subject.ref)
