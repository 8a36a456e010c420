"""Alert titles: what a pool message means, in the user's language.

Pools write message bodies in English (and performance alarms as XML), so the Alerts list
shows a translated title chosen by the message's name, as XenCenter does, with the
object's name filled in; the server's own text stays available as details.
"""

from __future__ import annotations

import re
from typing import Any

from xencenter_py.i18n import N_, LazyString, format_percent
from xencenter_py.i18n import gettext as _

TITLES: dict[str, LazyString] = {
    "VM_STARTED": N_("VM '{object}' has started"),
    "VM_SHUTDOWN": N_("VM '{object}' has shut down"),
    "VM_REBOOTED": N_("VM '{object}' has rebooted"),
    "VM_SUSPENDED": N_("VM '{object}' has been suspended"),
    "VM_RESUMED": N_("VM '{object}' has been resumed"),
    "VM_CRASHED": N_("VM '{object}' has crashed"),
    "HA_POOL_DROP_IN_PLAN_EXISTS_FOR": N_("The number of server failures the pool '{object}' can tolerate has dropped"),
    "HA_POOL_OVERCOMMITTED": N_("The pool '{object}' can no longer tolerate the configured number of server failures"),
    "HA_HOST_FAILED": N_("Server '{object}' has failed"),
    "HA_HOST_WAS_FENCED": N_("Server '{object}' was fenced"),
    "HA_PROTECTED_VM_RESTART_FAILED": N_("HA could not restart the protected VM '{object}'"),
    "HA_STATEFILE_LOST": N_("Server '{object}' lost access to the heartbeat SR"),
    "HA_HEARTBEAT_APPROACHING_TIMEOUT": N_("The heartbeat SR of '{object}' is approaching its timeout"),
    "LICENSE_EXPIRES_SOON": N_("The license of '{object}' expires soon"),
    "LICENSE_EXPIRED": N_("The license of '{object}' has expired"),
    "MULTIPATH_PERIODIC_ALERT": N_("Storage paths of '{object}' have failed"),
    "PBD_PLUG_FAILED_ON_SERVER_START": N_("Storage could not be attached when '{object}' started"),
    "HOST_CLOCK_SKEW_DETECTED": N_("The clock of '{object}' differs from the pool coordinator's"),
}

ALARMS: dict[str, LazyString] = {
    "cpu_usage": N_("CPU usage on '{object}' has been {value}"),
    "memory_free_kib": N_("Free memory on '{object}' is low"),
    "network_usage": N_("Network usage on '{object}' has been high"),
    "disk_usage": N_("Disk usage on '{object}' has been high"),
    "fs_usage": N_("The root file system of '{object}' is nearly full"),
    "log_fs_usage": N_("The log file system of '{object}' is nearly full"),
    "dom0_mem_usage": N_("Control domain memory usage on '{object}' has been high"),
}

_ALARM_VALUE = re.compile(r"value:\s*([0-9.]+)")
_ALARM_NAME = re.compile(r'<name\s+value="([^"]+)"')


def title(message: Any, object_name: str) -> str:
    """The alert's title in the active language (the body's first line when the message
    name is not one we know)."""
    name = message.name
    body = str(message.get("body", "") or "")
    if name == "ALARM":
        variable = _ALARM_NAME.search(body)
        value = _ALARM_VALUE.search(body)
        template = ALARMS.get(variable.group(1)) if variable else None
        if template is None:
            return _("Performance alarm on '{object}'").format(object=object_name)
        shown = format_percent(float(value.group(1))) if value else "?"
        return str(template).format(object=object_name, value=shown)
    template = TITLES.get(name)
    if template is not None:
        return str(template).format(object=object_name)
    first = next((line.strip() for line in body.splitlines() if line.strip()), "")
    return first or name


def details(message: Any) -> str:
    """The server's own text of the message (shown as the alert's tooltip)."""
    return str(message.get("body", "") or "").strip()
