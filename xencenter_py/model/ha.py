"""High-availability facts about a pool and its VMs, as XenCenter derives them: restart
priorities (with the legacy values), licensing, heartbeat SRs, which VMs can be protected,
what an agility failure means, and what a failures-to-tolerate figure promises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xencenter_py.i18n import N_
from xencenter_py.i18n import gettext as _

RESTART = "restart"
BEST_EFFORT = "best-effort"
DO_NOT_RESTART = ""
PRIORITIES = (RESTART, BEST_EFFORT, DO_NOT_RESTART)

_PRIORITY_LABELS = {
    RESTART: N_("Restart"),
    BEST_EFFORT: N_("Restart if possible"),
    DO_NOT_RESTART: N_("Do not restart"),
}

# VM.assert_agile failure code → why the VM is not agile (XenCenter's tooltip texts).
_AGILITY_REASONS = {
    "HA_CONSTRAINT_VIOLATION_SR_NOT_SHARED": N_("The VM has a disk or DVD drive on storage that is not shared"),
    "HA_CONSTRAINT_VIOLATION_NETWORK_NOT_SHARED": N_("The VM uses a network that is not on every server"),
    "VM_HAS_VGPU": N_("The VM has a virtual GPU"),
    "VM_HAS_VUSBS": N_("The VM has a USB device"),
    "VM_HAS_SRIOV_VIF": N_("The VM has an SR-IOV network interface"),
    "HOST_NOT_ENOUGH_FREE_MEMORY": N_("Not enough free memory on the remaining servers"),
}


# SR.assert_can_host_ha_statefile failure code → why the SR cannot hold the heartbeat.
_HEARTBEAT_REASONS = {
    "SR_HAS_NO_PBDS": N_("Detached"),
    "SR_OPERATION_NOT_SUPPORTED": N_("This type of SR cannot hold the heartbeat"),
    "SR_SOURCE_SPACE_INSUFFICIENT": N_("Not enough free space"),
}


def heartbeat_reason(code: str) -> str | None:
    """Why an SR cannot be the heartbeat SR, for the codes XenCenter words itself."""
    reason = _HEARTBEAT_REASONS.get(code)
    return str(reason) if reason is not None else None


@dataclass(frozen=True)
class VmHaSettings:
    """What HA does with one VM: restart priority, start order, delay before the next VM."""

    priority: str
    order: int = 0
    start_delay: int = 0

    @classmethod
    def of(cls, vm: Any) -> VmHaSettings:
        return cls(priority_of(vm), _int(vm.get("order")), _int(vm.get("start_delay")))


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def priority_of(vm: Any) -> str:
    """The VM's restart priority; legacy values (``"0"``–``"3"``, ...) read as Restart."""
    value = str(vm.get("ha_restart_priority") or "")
    if value in (BEST_EFFORT, DO_NOT_RESTART):
        return value
    return RESTART


def priority_label(priority: str) -> str:
    """The priority as XenCenter names it, in the active language."""
    return str(_PRIORITY_LABELS.get(priority, _PRIORITY_LABELS[RESTART]))


def agility_reason(code: str) -> str:
    """Why a VM is not agile, from ``VM.assert_agile``'s error code."""
    reason = _AGILITY_REASONS.get(code)
    return str(reason) if reason is not None else _("The VM cannot run on every server ({code})").format(code=code)


def ha_restricted(pool: Any) -> bool:
    """Whether the pool's licence lacks HA (the free edition): some host's licence or
    the pool's restrictions say ``enable_xha = false``."""
    restrictions = pool.get("restrictions") or {}
    if restrictions.get("enable_xha") == "false":
        return True
    return any((h.get("license_params") or {}).get("enable_xha") == "false" for h in pool.hosts)


def can_protect(vm: Any) -> bool:
    """XenCenter's ``HaCanProtect``: a real VM the views show."""
    return bool(vm.is_real_vm and vm.show(False))


def protectable_vms(cache: Any) -> list[Any]:
    """The VMs the HA plan lists, by name."""
    return sorted((vm for vm in cache.all("VM") if can_protect(vm)), key=lambda v: v.name.lower())


def heartbeat_srs(pool: Any) -> list[Any]:
    """The SRs holding the pool's statefile VDIs (``ha_statefiles`` lists VDI refs)."""
    out = []
    for ref in pool.get("ha_statefiles") or ():
        vdi = pool.resolve("VDI", ref)
        sr = vdi.sr if vdi is not None else None
        if sr is not None and sr not in out:
            out.append(sr)
    return out


def candidate_heartbeat_srs(cache: Any) -> list[Any]:
    """SRs the heartbeat scan asks about: shared, and not the tools SR."""
    return sorted((sr for sr in cache.all("SR") if sr.is_shared and not sr.is_tools_sr), key=lambda s: s.name.lower())


def ntol_status(ntol: int, maximum: int | None) -> tuple[str, bool]:
    """The wizard's status line for ``ntol`` against the computed maximum, and whether it
    is a warning (red). ``maximum`` None: the calculation failed."""
    if maximum is None:
        return _("Unable to calculate the maximum number of server failures the pool can tolerate."), True
    if ntol > maximum:
        return (
            _(
                "HA cannot be guaranteed: the pool is overcommitted. It can tolerate at most {n} server failures."
            ).format(n=maximum),
            True,
        )
    if ntol == 0:
        return _("HA cannot be guaranteed: no server failure is tolerated."), True
    return (
        _("HA is guaranteed. The maximum number of server failures the pool can tolerate is {n}.").format(n=maximum),
        False,
    )


def restart_candidates(settings: dict[str, VmHaSettings]) -> dict[str, str]:
    """The configuration ``pool.ha_compute_hypothetical_max_host_failures_to_tolerate``
    takes, as XenCenter sends it: only the VMs to protect."""
    return {vm: RESTART for vm, s in settings.items() if s.priority == RESTART}
