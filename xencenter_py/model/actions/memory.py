"""Memory settings of one or several VMs (XenCenter's ballooning dialog and wizard), with
the pool's constraints checked before anything is sent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xencenter_py.i18n import format_bytes
from xencenter_py.i18n import gettext as _
from xencenter_py.model.actions.base import ActionError, Progress, no_progress

MiB = 1024 * 1024
DEFAULT_RATIO = 0.25
"""Dynamic minimum as a share of static maximum XAPI accepts when the pool sets no other."""


@dataclass(frozen=True)
class MemorySettings:
    """Fixed memory (``dynamic_min == dynamic_max == static_max``) or a dynamic range."""

    dynamic_min: int
    dynamic_max: int
    static_max: int

    @classmethod
    def fixed(cls, size: int) -> MemorySettings:
        return cls(size, size, size)

    @property
    def is_fixed(self) -> bool:
        return self.dynamic_min == self.dynamic_max == self.static_max


def ratio(vm: Any) -> float:
    """The pool's smallest allowed dynamic_min / static_max for this VM."""
    pool = vm.cache.pool
    key = "memory-ratio-hvm" if vm.is_hvm else "memory-ratio-pv"
    try:
        return float((pool.other_config if pool is not None else {}).get(key, DEFAULT_RATIO))
    except ValueError:
        return DEFAULT_RATIO


def can_balloon(vm: Any) -> bool:
    """Dynamic memory needs the guest's balloon driver (tools) once the VM runs."""
    return not vm.is_running or vm.tools_detected or not vm.is_hvm


def problems(vm: Any, s: MemorySettings) -> str:
    """Why ``s`` cannot be applied to ``vm`` ("" when it can): XAPI's ordering, the
    pool's ratio, and a running VM's static maximum and balloon driver."""
    static_min = int(vm.get("memory_static_min") or 0)
    if s.dynamic_min <= 0:
        return _("Memory must be greater than zero")
    if not static_min <= s.dynamic_min <= s.dynamic_max <= s.static_max:
        return _("The minimum cannot be more than the maximum, nor less than {low}").format(
            low=format_bytes(static_min)
        )
    if s.dynamic_min < s.static_max * ratio(vm):
        return _("The minimum memory of '{vm}' must be at least {low} for a maximum of {high}").format(
            vm=vm.name, low=format_bytes(int(s.static_max * ratio(vm))), high=format_bytes(s.static_max)
        )
    if vm.is_running or vm.power_state == "Paused":
        if s.static_max != vm.memory_static_max:
            return _("The VM '{vm}' must be shut down to change its maximum memory").format(vm=vm.name)
        if not s.is_fixed and not can_balloon(vm):
            return _("'{vm}' needs XenServer Tools for dynamic memory").format(vm=vm.name)
    return ""


async def set_memory(conn: Any, vms: list[Any], s: MemorySettings, progress: Progress = no_progress) -> None:
    """Apply ``s`` to every VM of ``vms``: all are checked first, so none changes if one cannot."""
    for vm in vms:
        reason = problems(vm, s)
        if reason:
            raise ActionError(reason)
    for i, vm in enumerate(vms):
        if vm.is_running or vm.power_state == "Paused":
            await conn.call("VM.set_memory_dynamic_range", vm.ref, s.dynamic_min, s.dynamic_max)
        else:
            static_min = min(int(vm.get("memory_static_min") or 0), s.dynamic_min)
            await conn.call("VM.set_memory_limits", vm.ref, static_min, s.static_max, s.dynamic_min, s.dynamic_max)
        progress((i + 1) / len(vms), "")
