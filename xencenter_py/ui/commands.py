"""Power commands: what each one calls, when it may run, confirmation, and running it.

Availability and the reason it is unavailable come from the model's command rules
(``xencenter_py.model.commands``); this module only adds what the user sees (texts,
shortcuts, icons, confirmations) and starts the operation with progress.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QWidget

from xencenter_py.i18n import N_, LazyString
from xencenter_py.model import commands as model_commands
from xencenter_py.ui.aio import ask, show_error
from xencenter_py.ui.operations import Operation, OperationHistory, OpState
from xencenter_py.xapi.errors import Failure

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PowerCommand:
    """One VM or host power command."""

    id: str  # the model's command name
    text: LazyString  # menu/toolbar text
    cls: str  # "VM" or "host"
    method: str  # API method; the object's ref is the first argument
    args: tuple[Any, ...]
    title: LazyString  # operation title, formatted with {name}
    icon: str | None = None
    shortcut: str | None = None
    confirm_title: LazyString | None = None
    confirm_one: LazyString | None = None  # formatted with {name}
    confirm_many: LazyString | None = None  # formatted with {host} where it names one
    warning: bool = True  # a warning (default No) rather than a plain question (default Yes)


VM_COMMANDS: tuple[PowerCommand, ...] = (
    PowerCommand(
        "start", N_("S&tart"), "VM", "VM.start", (False, False), N_("Starting VM '{name}'"), "start", "Ctrl+B"
    ),
    PowerCommand(
        "shutdown",
        N_("Shut &Down"),
        "VM",
        "VM.clean_shutdown",
        (),
        N_("Shutting down VM '{name}'"),
        "shutdown",
        "Ctrl+E",
        N_("Shut Down VM"),
        N_("Are you sure you want to shut down '{name}'?"),
        N_("Are you sure you want to shut down the selected VMs?"),
    ),
    PowerCommand(
        "reboot",
        N_("&Reboot"),
        "VM",
        "VM.clean_reboot",
        (),
        N_("Rebooting VM '{name}'"),
        "reboot",
        "Ctrl+R",
        N_("Reboot VM"),
        N_("Are you sure you want to reboot '{name}'?"),
        N_("Are you sure you want to reboot the selected VMs?"),
    ),
    PowerCommand(
        "suspend",
        N_("S&uspend"),
        "VM",
        "VM.suspend",
        (),
        N_("Suspending VM '{name}'"),
        "suspend",
        "Ctrl+Y",
        N_("Suspend VM"),
        N_("Are you sure you want to suspend '{name}'?"),
        N_("Are you sure you want to suspend the selected VMs?"),
    ),
    PowerCommand(
        "resume", N_("R&esume"), "VM", "VM.resume", (False, False), N_("Resuming VM '{name}'"), "start", "Ctrl+Y"
    ),
    PowerCommand("pause", N_("&Pause"), "VM", "VM.pause", (), N_("Pausing VM '{name}'")),
    PowerCommand("unpause", N_("U&npause"), "VM", "VM.unpause", (), N_("Unpausing VM '{name}'")),
    PowerCommand(
        "force_shutdown",
        N_("&Force Shut Down"),
        "VM",
        "VM.hard_shutdown",
        (),
        N_("Forcing VM '{name}' to shut down"),
        "forceshutdown",
        None,
        N_("Force Shut Down VM"),
        N_("Are you sure you want to force '{name}' to shut down? Unsaved data in the VM may be lost."),
        N_("Are you sure you want to force the selected VMs to shut down? Unsaved data in the VMs may be lost."),
    ),
    PowerCommand(
        "force_reboot",
        N_("Force Re&boot"),
        "VM",
        "VM.hard_reboot",
        (),
        N_("Forcing VM '{name}' to reboot"),
        "reboot",
        None,
        N_("Force Reboot VM"),
        N_("Are you sure you want to force '{name}' to reboot? Unsaved data in the VM may be lost."),
        N_("Are you sure you want to force the selected VMs to reboot? Unsaved data in the VMs may be lost."),
    ),
)

HOST_COMMANDS: tuple[PowerCommand, ...] = (
    PowerCommand(
        "host_reboot",
        N_("&Reboot"),
        "host",
        "host.reboot",
        (),
        N_("Rebooting server '{name}'"),
        "reboot",
        None,
        N_("Reboot Server"),
        N_(
            "Are you sure you want to reboot '{name}'? Running VMs on this server will be shut down, "
            "and the server will be unavailable until it has restarted."
        ),
        N_("Are you sure you want to reboot the selected servers? Running VMs on them will be shut down."),
    ),
    PowerCommand(
        "host_shutdown",
        N_("Shut &Down"),
        "host",
        "host.shutdown",
        (),
        N_("Shutting down server '{name}'"),
        "shutdown",
        None,
        N_("Shut Down Server"),
        N_(
            "Are you sure you want to shut down '{name}'? Running VMs on this server will be shut down, "
            "and you will need to power the server on at its console."
        ),
        N_("Are you sure you want to shut down the selected servers? Running VMs on them will be shut down."),
    ),
)

HOST_POWER_ON = PowerCommand(
    "host_power_on", N_("Power &On"), "host", "host.power_on", (), N_("Powering on server '{name}'"), "start"
)

START_ON = PowerCommand(
    "start_on", N_("Start on Ser&ver"), "VM", "VM.start_on", (False, False), N_("Starting VM '{name}' on '{host}'")
)


RESUME_ON = PowerCommand(
    "resume_on", N_("Resume on Serv&er"), "VM", "VM.resume_on", (False, False), N_("Resuming VM '{name}' on '{host}'")
)

MIGRATE = PowerCommand(
    "migrate",
    N_("&Migrate to Server"),
    "VM",
    "VM.pool_migrate",
    ({"live": "true"},),
    N_("Migrating VM '{name}' to '{host}'"),
    "migrate",
    None,
    N_("Migrate VM"),
    N_("Are you sure you want to migrate '{name}' to '{host}'?"),
    N_("Are you sure you want to migrate the selected VMs to '{host}'?"),
    warning=False,
)


def targets(command: PowerCommand, objects: list[Any]) -> list[Any]:
    """The selected objects the command applies to (its class only)."""
    if command.cls == "VM":
        return [o for o in objects if getattr(o, "cls", None) == "VM" and o.is_real_vm]
    return [o for o in objects if getattr(o, "cls", None) == command.cls]


def availability(command: PowerCommand, objects: list[Any]) -> tuple[bool, str]:
    """Whether ``command`` can run on the selection, and why not."""
    objs = targets(command, objects)
    if not objs:
        return False, ""
    return model_commands.can_run(command.id, objs)


async def server_check(vms: list[Any], host: Any) -> str:
    """The pool's own verdict on running ``vms`` on ``host`` (its boot checks, which XenCenter
    asks for every entry of the server menus): "" when they can, else the reason. A check
    that cannot be made (connection lost) is no objection: the command itself will tell."""
    for vm in vms:
        try:
            await vm.connection.call("VM.assert_can_boot_here", vm.ref, host.ref)
        except Failure as failure:
            return failure.message().rstrip("。.")
        except Exception:
            log.debug("boot check of %s on %s", vm.ref, host.ref, exc_info=True)
            return ""
    return ""


async def run(
    parent: QWidget | None,
    history: OperationHistory,
    command: PowerCommand,
    objects: list[Any],
    *extra: Any,
    confirm: bool = True,
) -> list[Operation]:
    """Confirm (where XenCenter asks), then run the command on every target as an operation."""
    objs = targets(command, objects)
    if not objs:
        return []
    if confirm and command.confirm_one is not None and command.confirm_title is not None:
        host = extra[0].name if extra and hasattr(extra[0], "name") else ""
        template = command.confirm_one if len(objs) == 1 else command.confirm_many or command.confirm_one
        text = str(template).format(name=objs[0].name, host=host)
        if not await ask(parent, str(command.confirm_title), text, warning=command.warning):
            return []
    ops = []
    for obj in objs:
        ops.append(_start(parent, history, command, obj, *extra))
    return ops


def _start(
    parent: QWidget | None, history: OperationHistory, command: PowerCommand, obj: Any, *extra: Any
) -> Operation:
    conn = obj.connection
    ref = obj.ref
    host_name = extra[0].name if extra and hasattr(extra[0], "name") else ""
    args = tuple(e.ref if hasattr(e, "ref") else e for e in extra) + command.args

    def title() -> str:
        return str(command.title).format(name=obj.name, host=host_name)

    async def work(progress: Callable[[float], None]) -> None:
        if command in HOST_COMMANDS:
            await _prepare_host(conn, obj, progress)
        await conn.run_task(command.method, ref, *args, progress=progress)

    op = history.start(title, conn.friendly_name, work)

    def report() -> None:
        if op.state is OpState.FAILED:
            op.changed.disconnect(report)
            show_error(parent, title(), op.error)

    op.changed.connect(report)
    return op


async def _prepare_host(conn: Any, host: Any, progress: Callable[[float], None]) -> None:
    """Before a host reboot or shutdown: disable it and shut its VMs down (as XenCenter does)."""
    await conn.call("host.disable", host.ref)
    vms = [vm for vm in host.resident_vms if vm.is_running or vm.power_state == "Paused"]
    for i, vm in enumerate(vms):
        try:
            await conn.run_task("VM.clean_shutdown", vm.ref)
        except Exception:
            await conn.run_task("VM.hard_shutdown", vm.ref)
        progress((i + 1) / (len(vms) + 1) * 0.5)
