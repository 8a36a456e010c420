"""Pools: XenCenter's PoolJoinRules (can this server join that pool, and why not), New Pool
(CreatePoolAction), Add Server to Pool (AddHostToPoolAction) and Remove Server from Pool
(EjectHostFromPoolAction).

Joining is called on the joining server with the coordinator's address and credentials; a
licence mismatch is fixed first by giving the server the pool's edition, as XenCenter does
after warning about it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from xencenter_py.i18n import gettext as _
from xencenter_py.model.actions.base import ActionError, Progress, Step, Steps, no_progress


def _only_host(conn: Any) -> Any | None:
    hosts = conn.cache.all("host")
    return hosts[0] if len(hosts) == 1 else None


def coordinator_address(conn: Any) -> str:
    """The address to give ``pool.join``: the host name, with the port when it is not the default."""
    text = conn.address if "://" in conn.address else f"https://{conn.address}"
    parts = urlsplit(text)
    if parts.port in (None, 80, 443):
        return parts.hostname or conn.address
    return f"{parts.hostname}:{parts.port}"


def join_problem(server: Any, pool: Any) -> str:
    """Why the standalone server of connection ``server`` cannot join the pool of connection
    ``pool`` (XenCenter's first failing rule), or ''. A licence mismatch is no problem: the
    join gives the server the pool's edition."""
    if not server.is_connected or not pool.is_connected:
        return _("The server is not connected")
    if server is pool:
        return _("This is the pool's own coordinator")
    host = _only_host(server)
    if host is None:
        return _("The server is already in a pool")
    pool_obj = pool.cache.pool
    coordinator = pool_obj.coordinator if pool_obj else None
    if pool_obj is None or coordinator is None:
        return _("The pool coordinator is not connected")
    if pool_obj.ha_enabled:
        return _("High availability is enabled on the pool")
    if host.platform_version != coordinator.platform_version:
        return _("The server has a different version from the pool coordinator")
    if host.cpu_vendor != coordinator.cpu_vendor:
        return _("The server's CPUs differ from those of the pool coordinator")
    if any(
        vm.is_running or vm.power_state in ("Paused", "Suspended") for vm in server.cache.all("VM") if vm.is_real_vm
    ):
        return _("The server has running or suspended VMs")
    if any(sr.is_shared and not sr.is_tools_sr for sr in server.cache.all("SR")):
        return _("The server has shared storage")
    if host.get("external_auth_type") != coordinator.get("external_auth_type"):
        return _("The server's Active Directory configuration differs from the pool's")
    return ""


def licence_warning(server: Any, pool: Any) -> str:
    """The warning XenCenter gives before a join changes the server's licence, or ''."""
    host, coordinator = _only_host(server), pool.cache.pool.coordinator if pool.cache.pool else None
    if host is None or coordinator is None or host.edition == coordinator.edition:
        return ""
    return _("The licence of '{server}' will be changed to match the pool ({edition}).").format(
        server=host.name, edition=coordinator.edition
    )


async def add_server(server: Any, pool: Any, progress: Progress = no_progress) -> None:
    """Join the standalone server of connection ``server`` to the pool of connection ``pool``."""
    problem = join_problem(server, pool)
    if problem:
        raise ActionError(problem)
    host = _only_host(server)
    edition = pool.cache.pool.coordinator.edition
    steps = Steps([Step(_("Preparing server")), Step(_("Adding server to pool"), 3.0)], progress)
    steps.report(0)
    if host.edition != edition:
        await server.call("host.apply_edition", host.ref, edition, False)
    steps.done(0)
    steps.report(1)
    await server.call("pool.join", coordinator_address(pool), pool.user, pool.password)
    steps.done(1)


async def new_pool(
    coordinator: Any, members: list[Any], name: str, description: str = "", progress: Progress = no_progress
) -> None:
    """Name the coordinator's pool, then join every member to it (XenCenter's CreatePoolAction)."""
    if not name.strip():
        raise ActionError(_("The pool needs a name."))
    if _only_host(coordinator) is None:
        raise ActionError(_("The coordinator is already in a pool"))
    steps = Steps([Step(_("Creating pool")), *[Step(_("Adding server to pool")) for _m in members]], progress)
    steps.report(0)
    pool = coordinator.cache.pool
    await coordinator.call("pool.set_name_label", pool.ref, name.strip())
    await coordinator.call("pool.set_name_description", pool.ref, description)
    steps.done(0)
    for i, member in enumerate(members, start=1):
        steps.report(i)
        await add_server(member, coordinator)
        steps.done(i)


async def remove_server(conn: Any, host: Any, progress: Progress = no_progress) -> None:
    """Eject ``host`` from its pool (its VMs on local storage are lost; it restarts standalone)."""
    if host.is_coordinator:
        raise ActionError(_("The pool coordinator cannot be removed from the pool"))
    steps = Steps([Step(_("Removing server from pool"))], progress)
    steps.report(0)
    await conn.call("pool.eject", host.ref)
    steps.done(0)
