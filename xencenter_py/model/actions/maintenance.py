"""Maintenance mode, as XenCenter does it (EvacuateHostAction / EnableHostAction).

Enter: disable the host, mark ``other_config["MAINTENANCE_MODE"]``, suspend or shut down
the VMs the user chose for those that cannot migrate, evacuate the rest (the pool plans
where each goes), hand the coordinator role to another host when needed; on failure the
exit steps run so the host is not left disabled. The VMs moved away are remembered in
XenCenter's own ``other_config`` keys, so Exit can offer to bring them back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from xencenter_py.i18n import gettext as _
from xencenter_py.model.actions.base import ActionError, Progress, Step, Steps, no_progress
from xencenter_py.xapi.errors import Failure

MAINTENANCE_MODE = "MAINTENANCE_MODE"
MIGRATED = "MAINTENANCE_MODE_EVACUATED_VMS_MIGRATED"
SUSPENDED = "MAINTENANCE_MODE_EVACUATED_VMS_SUSPENDED"
HALTED = "MAINTENANCE_MODE_EVACUATED_VMS_HALTED"

Choice = Literal["suspend", "shutdown"]


@dataclass(frozen=True)
class Blocker:
    """A VM that prevents evacuation: its ref, name and the pool's reason."""

    vm: str
    name: str
    reason: str
    can_suspend: bool


@dataclass
class EvacuationPlan:
    """The VMs that will migrate away and those that prevent it."""

    migrating: list[str] = field(default_factory=list)  # VM names
    blockers: list[Blocker] = field(default_factory=list)


async def plan(conn: Any, host: Any) -> EvacuationPlan:
    """Ask the pool which of ``host``'s VMs prevent evacuation, and why."""
    answer = await conn.call("host.get_vms_which_prevent_evacuation", host.ref)
    out = EvacuationPlan()
    for vm in host.resident_vms:
        if vm.is_control_domain or vm.power_state not in ("Running", "Paused"):
            continue
        if vm.ref in answer:
            description = list(answer[vm.ref])
            reason = Failure(description[0], description[1:]).message() if description else ""
            out.blockers.append(Blocker(vm.ref, vm.name, reason, "suspend" in vm.allowed_operations))
        else:
            out.migrating.append(vm.name)
    return out


async def _set_key(conn: Any, host: str, key: str, value: str | None) -> None:
    """Remove then add, as XenCenter does (``add_to_other_config`` fails on an existing key)."""
    await conn.call("host.remove_from_other_config", host, key)
    if value is not None:
        await conn.call("host.add_to_other_config", host, key, value)


async def enter(
    conn: Any, host: Any, choices: dict[str, Choice] | None = None, progress: Progress = no_progress
) -> str:
    """Put ``host`` into maintenance mode; returns the new coordinator's ref when it changed."""
    choices = choices or {}
    others = [h for h in host.cache.all("host") if h.ref != host.ref and h.is_live and h.enabled]
    hand_over = host.is_coordinator and len(list(host.cache.all("host"))) > 1
    if hand_over and not others:
        raise ActionError(_("No other server in the pool can become the coordinator."))
    steps = Steps(
        [
            Step(_("Disabling server"), 0.5),
            Step(_("Stopping VMs that cannot be migrated"), 1.0),
            Step(_("Migrating VMs"), 4.0),
            Step(_("Designating a new pool coordinator"), 0.5),
        ],
        progress,
    )
    vms = {vm.ref: vm for vm in host.resident_vms if not vm.is_control_domain}
    stopped: dict[str, list[str]] = {SUSPENDED: [], HALTED: []}
    try:
        steps.report(0)
        await conn.run_task("host.disable", host.ref)
        await _set_key(conn, host.ref, MAINTENANCE_MODE, "true")
        steps.done(0)
        report = steps.report(1)
        for i, (vm, choice) in enumerate(choices.items()):
            if vm not in vms:
                continue
            if choice == "suspend":
                await conn.run_task("VM.suspend", vm)
                stopped[SUSPENDED].append(vms[vm].uuid)
            else:
                try:
                    await conn.run_task("VM.clean_shutdown", vm)
                except Failure:  # no guest tools: XenCenter forces it
                    await conn.run_task("VM.hard_shutdown", vm)
                stopped[HALTED].append(vms[vm].uuid)
            report((i + 1) / len(choices))
        migrating = [
            vm.uuid for ref, vm in vms.items() if ref not in choices and vm.power_state in ("Running", "Paused")
        ]
        await _set_key(conn, host.ref, MIGRATED, ",".join(migrating))
        for key, uuids in stopped.items():
            await _set_key(conn, host.ref, key, ",".join(uuids))
        await conn.run_task("host.evacuate", host.ref, progress=steps.report(2))
        steps.done(2)
        new_coordinator = ""
        if hand_over:
            steps.report(3)
            new_coordinator = others[0].ref
            await conn.run_task("pool.designate_new_master", new_coordinator)
        steps.done(3)
        return new_coordinator
    except BaseException:
        await _undo(conn, host.ref)
        raise


async def _undo(conn: Any, host: str) -> None:
    try:
        await _set_key(conn, host, MAINTENANCE_MODE, None)
        await conn.call("host.enable", host)
    except Exception:  # the original error is the one to report
        pass


def evacuated(host: Any) -> dict[str, list[str]]:
    """The VM uuids Enter moved away, per key (``MIGRATED``, ``SUSPENDED``, ``HALTED``)."""
    return {key: [u for u in host.other_config.get(key, "").split(",") if u] for key in (MIGRATED, SUSPENDED, HALTED)}


async def exit_mode(conn: Any, host: Any, restore: bool = False, progress: Progress = no_progress) -> None:
    """Take ``host`` out of maintenance mode; with ``restore`` bring its VMs back (migrate the
    migrated ones, resume the suspended, start the halted) as XenCenter offers."""
    steps = Steps([Step(_("Enabling server"), 0.5), Step(_("Bringing VMs back"), 3.0)], progress)
    steps.report(0)
    await _set_key(conn, host.ref, MAINTENANCE_MODE, None)
    await conn.run_task("host.enable", host.ref)
    steps.done(0)
    if restore:
        report = steps.report(1)
        lists = evacuated(host)
        by_uuid = {vm.uuid: vm for vm in host.cache.all("VM")}
        work = [(key, by_uuid[u]) for key, uuids in lists.items() for u in uuids if u in by_uuid]
        for i, (key, vm) in enumerate(work):
            if key == MIGRATED and vm.power_state == "Running" and vm.get("resident_on") != host.ref:
                await conn.run_task("VM.pool_migrate", vm.ref, host.ref, {"live": "true"})
            elif key == SUSPENDED and vm.power_state == "Suspended":
                await conn.run_task("VM.resume_on", vm.ref, host.ref, False, False)
            elif key == HALTED and vm.power_state == "Halted":
                await conn.run_task("VM.start_on", vm.ref, host.ref, False, False)
            report((i + 1) / len(work))
    for key in (MIGRATED, SUSPENDED, HALTED):
        await _set_key(conn, host.ref, key, None)
    steps.done(1)
