"""High-availability actions, as XenCenter's (``EnableHAAction``, ``DisableHAAction``,
``SetHaPrioritiesAction``, ``GetHeartbeatSRsAction``), plus the what-if planner.

Each takes typed inputs, reports progress through a :data:`Progress` callback and is
cancelled by cancelling the task that awaits it (the pool's task is cancelled with it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from xencenter_py.i18n import gettext as _
from xencenter_py.model.actions.base import ActionError, Progress, Step, Steps, no_progress, run_steps
from xencenter_py.model.ha import RESTART, VmHaSettings, heartbeat_reason, restart_candidates

# -- heartbeat SRs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HeartbeatCheck:
    """One SR's answer to ``SR.assert_can_host_ha_statefile``: usable, or why not."""

    sr: str
    error_code: str = ""
    reason: str = ""

    @property
    def usable(self) -> bool:
        return not self.error_code


async def check_heartbeat_srs(conn: Any, srs: Iterable[str], progress: Progress = no_progress) -> list[HeartbeatCheck]:
    """Ask the pool about each SR in turn (``Async.SR.assert_can_host_ha_statefile``)."""
    from xencenter_py.xapi.errors import Failure

    refs = list(srs)
    out: list[HeartbeatCheck] = []
    for i, sr in enumerate(refs):
        progress(i / max(len(refs), 1), _("Checking heartbeat SRs"))
        try:
            await conn.run_task("SR.assert_can_host_ha_statefile", sr)
        except Failure as f:
            reason = heartbeat_reason(f.code) or f.message().splitlines()[0]
            out.append(HeartbeatCheck(sr, f.code, reason))
        else:
            out.append(HeartbeatCheck(sr))
    progress(1.0, "")
    return out


# -- agility and failure capacity ------------------------------------------------------------------


async def agility(conn: Any, vms: Iterable[str]) -> dict[str, str]:
    """VM → ``""`` when agile, else the error code of ``VM.assert_agile``."""
    from xencenter_py.xapi.errors import Failure

    out: dict[str, str] = {}
    for vm in vms:
        try:
            await conn.call("VM.assert_agile", vm)
        except Failure as f:
            out[vm] = f.code
        else:
            out[vm] = ""
    return out


async def max_failures(conn: Any, settings: dict[str, VmHaSettings]) -> int:
    """The most server failures the pool could tolerate with these priorities."""
    return int(
        await conn.call("pool.ha_compute_hypothetical_max_host_failures_to_tolerate", restart_candidates(settings))
    )


# -- enable, edit, disable ------------------------------------------------------------------------


def _changed(conn: Any, settings: dict[str, VmHaSettings]) -> dict[str, VmHaSettings]:
    out = {}
    for vm, wanted in settings.items():
        current = conn.cache.get("VM", vm)
        if (
            current is None
            or VmHaSettings.of(current) != wanted
            or current.get("ha_restart_priority") != wanted.priority
        ):
            out[vm] = wanted
    return out


async def _apply_vm(conn: Any, vm: str, s: VmHaSettings) -> None:
    await conn.call("VM.set_ha_restart_priority", vm, s.priority)
    await conn.call("VM.set_order", vm, s.order)
    await conn.call("VM.set_start_delay", vm, s.start_delay)


def _apply_all(conn: Any, settings: dict[str, VmHaSettings]) -> Callable[[Callable[[float], None]], Awaitable[None]]:
    async def work(report: Callable[[float], None]) -> None:
        items = list(settings.items())
        for i, (vm, s) in enumerate(items):
            await _apply_vm(conn, vm, s)
            report((i + 1) / len(items))

    return work


def _pool_ref(conn: Any) -> str:
    pool = conn.cache.pool
    if pool is None:
        raise ActionError(_("The server has no pool record."))
    return str(pool.ref)


async def enable(
    conn: Any,
    heartbeat_sr: str,
    settings: dict[str, VmHaSettings],
    failures_to_tolerate: int,
    progress: Progress = no_progress,
) -> None:
    """Enable HA as XenCenter does: each changed VM's priority, order and delay, then the
    failures to tolerate, then ``pool.enable_ha`` on the heartbeat SR."""
    from xencenter_py.xapi.errors import Failure

    pool = _pool_ref(conn)
    if failures_to_tolerate < 0:
        raise ActionError(_("The number of server failures to tolerate cannot be negative."))

    async def set_ntol(report: Callable[[float], None]) -> None:
        await conn.call("pool.set_ha_host_failures_to_tolerate", pool, failures_to_tolerate)

    async def turn_on(report: Callable[[float], None]) -> None:
        try:
            await conn.run_task("pool.enable_ha", [heartbeat_sr], {}, progress=report)
        except Failure as f:
            if f.code == "VDI_NOT_AVAILABLE":
                vdi = conn.cache.get("VDI", f.param(0))
                raise ActionError(
                    _("The heartbeat disk {uuid} could not be attached. Check the heartbeat SR.").format(
                        uuid=vdi.uuid if vdi is not None else f.param(0)
                    )
                ) from None
            raise

    await run_steps(
        [
            (Step(_("Setting HA restart priorities"), 1), _apply_all(conn, _changed(conn, settings))),
            (Step(_("Setting the number of server failures to tolerate"), 0.2), set_ntol),
            (Step(_("Enabling HA"), 6), turn_on),
        ],
        progress,
    )


async def set_priorities(
    conn: Any,
    settings: dict[str, VmHaSettings],
    failures_to_tolerate: int,
    progress: Progress = no_progress,
) -> None:
    """Change priorities while HA is on, in XenCenter's safe order: first the VMs losing
    protection, then the failures to tolerate, then the VMs gaining it, then a database
    sync, so the plan never breaks half-way."""
    pool = _pool_ref(conn)
    if conn.cache.pool is not None and not conn.cache.pool.get("ha_statefiles"):
        raise ActionError(_("HA has no heartbeat disk; disable HA and configure it again."))
    changed = _changed(conn, settings)
    losing = {v: s for v, s in changed.items() if s.priority != RESTART}
    gaining = {v: s for v, s in changed.items() if s.priority == RESTART}

    async def set_ntol(report: Callable[[float], None]) -> None:
        await conn.call("pool.set_ha_host_failures_to_tolerate", pool, failures_to_tolerate)

    async def sync(report: Callable[[float], None]) -> None:
        await conn.run_task("pool.sync_database", progress=report)

    await run_steps(
        [
            (Step(_("Setting HA restart priorities"), 1), _apply_all(conn, losing)),
            (Step(_("Setting the number of server failures to tolerate"), 0.2), set_ntol),
            (Step(_("Setting HA restart priorities"), 1), _apply_all(conn, gaining)),
            (Step(_("Synchronizing the pool database"), 0.5), sync),
        ],
        progress,
    )


async def disable(conn: Any, progress: Progress = no_progress) -> None:
    """Turn HA off (``pool.disable_ha``)."""
    steps = Steps([Step(_("Disabling HA"))], progress)
    await conn.run_task("pool.disable_ha", progress=steps.report(0))
    steps.done(0)


# -- what if ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Restart:
    """One VM of a failed server and what HA would do with it."""

    vm: str
    priority: str
    host: str = ""
    """The server it would restart on ("" when it would not restart)."""
    error_code: str = ""
    """Why it would not restart (empty: it restarts, or its priority is Do not restart)."""


@dataclass
class WhatIf:
    """The answer to "what if these servers failed now?"."""

    failed_hosts: list[str]
    restarts: list[Restart] = field(default_factory=list)

    @property
    def plan_holds(self) -> bool:
        """Every protected VM of the failed servers finds a server."""
        return all(r.host for r in self.restarts if r.priority == RESTART)


async def what_if(conn: Any, failed_hosts: Iterable[str], settings: dict[str, VmHaSettings] | None = None) -> WhatIf:
    """Ask the pool where the VMs of ``failed_hosts`` would restart
    (``pool.ha_compute_vm_failover_plan``, placing by the pool's free memory), with the
    pool's priorities or the planned ``settings`` (the wizard's, before they are applied)."""
    failed = list(failed_hosts)
    if not failed:
        raise ActionError(_("Choose at least one server to fail."))
    vms = [
        vm
        for vm in conn.cache.all("VM")
        if vm.is_real_vm and vm.get("resident_on") in failed and vm.power_state in ("Running", "Paused")
    ]
    planned = {v.ref: (settings or {}).get(v.ref) or VmHaSettings.of(v) for v in vms}
    rank = {RESTART: 0, "best-effort": 1, "": 2}
    vms.sort(key=lambda v: (rank[planned[v.ref].priority], planned[v.ref].order, v.name.lower()))
    candidates = [v.ref for v in vms if planned[v.ref].priority != ""]
    plan: dict[str, dict[str, str]] = {}
    if candidates:
        plan = await conn.call("pool.ha_compute_vm_failover_plan", failed, candidates)
    result = WhatIf(failed)
    for vm in vms:
        priority = planned[vm.ref].priority
        answer = plan.get(vm.ref, {})
        host = answer.get("host", "")
        result.restarts.append(Restart(vm.ref, priority, host if priority else "", answer.get("error_code", "")))
    return result
