"""Migrating VMs (XenCenter's VMMigrateAction and VMCrossPoolMigrateAction) and the
prediction shown before the user confirms.

- :func:`predict` applies the deck's XenMotion model (:mod:`xencenter_py.xenmotion`) to the
  VM's memory, its dirty rate (from its recent CPU load) and the migration link.
- :func:`live_migrate` is ``VM.pool_migrate`` inside the pool; :func:`migrate_send` is
  storage / cross-pool XenMotion with the destination's ``host.migrate_receive`` token and
  the disk and VIF maps. Both return the measured figures when the pool reports them (the
  simulator's task ``other_config`` keys, docs/SIMULATOR-EXTENSIONS.md).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from xencenter_py import xenmotion
from xencenter_py.i18n import gettext as _
from xencenter_py.model.actions.base import Progress, Step, Steps, no_progress
from xencenter_py.xapi.errors import Failure

DOWNTIME_KEY = "migration_downtime_ms"
ROUNDS_KEY = "migration_precopy_rounds"


@dataclass(frozen=True)
class Prediction:
    """What XenMotion is expected to take, before it starts."""

    seconds: float
    downtime_ms: int
    rounds: int
    converges: bool
    dirty_mib_per_s: float
    link_mbit: float


@dataclass(frozen=True)
class Outcome:
    """What the migration took: wall-clock seconds, and the pool's own figures if it gives them."""

    seconds: float
    downtime_ms: int | None = None
    rounds: int | None = None
    new_vm: str = ""


def predict(memory: int, vcpus: int, load: float, link_mbit: float = xenmotion.DEFAULT_LINK_MBIT) -> Prediction:
    rate = xenmotion.dirty_bytes_per_second(load, vcpus)
    steps = xenmotion.plan(memory, rate, link_mbit)
    return Prediction(
        steps.total_seconds,
        round(steps.downtime_seconds * 1000),
        len(steps.rounds),
        steps.converged,
        rate / xenmotion.MiB,
        link_mbit,
    )


async def recent_cpu_load(vm: Any) -> float | None:
    """The VM's average vCPU load over the last minute from its performance data, or None
    when the pool has none (halted VM, no RRD)."""
    session = getattr(vm.connection, "session", None)
    if session is None or not vm.is_running:
        return None
    try:
        updates = await session.rrd_updates(-60, host=False, vm_uuids=[vm.uuid])
    except Exception:  # no performance data is no objection: the prediction says "unknown"
        return None
    series = updates.for_object(vm.uuid)
    values = [v for name, col in series.items() if name.startswith("cpu") and name[3:].isdigit() for v in col]
    values = [v for v in values if not math.isnan(v)]
    return sum(values) / len(values) if values else None


def _figures(into: dict[str, Any]) -> Any:
    def finished(record: dict[str, Any]) -> None:
        other = record.get("other_config") or {}
        for key in (DOWNTIME_KEY, ROUNDS_KEY):
            if str(other.get(key, "")).isdigit():
                into[key] = int(other[key])

    return finished


async def live_migrate(conn: Any, vm: str, host: str, progress: Progress = no_progress) -> Outcome:
    """``VM.pool_migrate`` (live) to ``host`` of the same pool."""
    steps = Steps([Step(_("Migrating VM"))], progress)
    figures: dict[str, Any] = {}
    started = time.monotonic()
    await conn.run_task(
        "VM.pool_migrate", vm, host, {"live": "true"}, progress=steps.report(0), finished=_figures(figures)
    )
    steps.done(0)
    return Outcome(time.monotonic() - started, figures.get(DOWNTIME_KEY), figures.get(ROUNDS_KEY))


async def receive_token(dest_conn: Any, host: str, network: str) -> dict[str, str]:
    """The destination's ``host.migrate_receive`` token for ``host`` over ``network``."""
    return dict(await dest_conn.call("host.migrate_receive", host, network, {}))


async def check_migrate(
    conn: Any, vm: str, token: dict[str, str], vdi_map: dict[str, str], vif_map: dict[str, str], live: bool
) -> str:
    """The pool's verdict (``VM.assert_can_migrate``): "" when possible, else the reason."""
    try:
        await conn.call("VM.assert_can_migrate", vm, token, live, vdi_map, vif_map, {}, {})
    except Failure as failure:
        return failure.message()
    return ""


async def migrate_send(
    conn: Any,
    vm: str,
    token: dict[str, str],
    vdi_map: dict[str, str],
    vif_map: dict[str, str],
    live: bool,
    progress: Progress = no_progress,
) -> Outcome:
    """Storage or cross-pool XenMotion (``VM.migrate_send``); returns the VM's new ref."""
    steps = Steps([Step(_("Migrating VM"))], progress)
    figures: dict[str, Any] = {}
    started = time.monotonic()
    new_vm = await conn.run_task(
        "VM.migrate_send",
        vm,
        token,
        live,
        vdi_map,
        vif_map,
        {},
        {},
        progress=steps.report(0),
        finished=_figures(figures),
    )
    steps.done(0)
    return Outcome(time.monotonic() - started, figures.get(DOWNTIME_KEY), figures.get(ROUNDS_KEY), str(new_vm or ""))


async def move_disk(conn: Any, vdi: Any, sr: str, progress: Progress = no_progress) -> str:
    """Move Virtual Disk (XenCenter's MigrateVirtualDiskAction / MoveVirtualDiskAction): a disk
    of a running VM moves live (``VDI.pool_migrate``); any other disk is copied to ``sr``, its
    drives re-pointed at the copy, and the original destroyed. Returns the disk's ref."""
    vbds = vdi.resolve_all("VBD", vdi.get("VBDs") or ())
    live = any(
        vbd.resolve("VM", vbd.get("VM")) is not None and vbd.resolve("VM", vbd.get("VM")).is_running for vbd in vbds
    )
    if live:
        steps = Steps([Step(_("Migrating virtual disk"))], progress)
        moved = await conn.run_task("VDI.pool_migrate", vdi.ref, sr, {}, progress=steps.report(0))
        steps.done(0)
        return str(moved)
    steps = Steps(
        [Step(_("Copying virtual disk"), 4.0), Step(_("Attaching the copy")), Step(_("Deleting the original"))],
        progress,
    )
    null = "OpaqueRef:NULL"
    copy = await conn.run_task("VDI.copy", vdi.ref, sr, null, null, progress=steps.report(0))
    steps.done(0)
    steps.report(1)
    for vbd in vbds:
        record = {
            "VM": vbd.get("VM"),
            "VDI": copy,
            "userdevice": vbd.get("userdevice"),
            "bootable": vbd.get("bootable"),
            "mode": vbd.get("mode"),
            "type": vbd.get("type"),
            "empty": False,
            "other_config": dict(vbd.get("other_config") or {}),
            "qos_algorithm_type": "",
            "qos_algorithm_params": {},
            "unpluggable": vbd.get("unpluggable", True),
        }
        await conn.call("VBD.destroy", vbd.ref)
        await conn.call("VBD.create", record)
    steps.done(1)
    steps.report(2)
    await conn.run_task("VDI.destroy", vdi.ref)
    steps.done(2)
    return str(copy)
