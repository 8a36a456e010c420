"""The simulator's consoles: where each one is served (``console.location``), and the live
screens behind them.

Every running VM and every host's control domain gets a ``console`` record (protocol
``rfb``) whose location is an address this simulator really serves: the host's own
loopback address with ``--members``, else the listening address, with the real scheme and
port. A screen (:class:`Display`) starts when its first viewer arrives, keeps running while
viewers come and go (a few idle ones are kept, so a logged-in dom0 shell survives a tab
switch), boots again when the domain is rebooted, and ends with every viewer when the VM
stops or the console record goes away.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from xencenter_py.sim.consoles.guests import Guest, GuestContext, HostConsole, LinuxGuest
from xencenter_py.sim.consoles.windows import WindowsGuest

if TYPE_CHECKING:
    from xencenter_py.sim.consoles.rfb import Viewer
    from xencenter_py.sim.simulator import Simulator

IDLE_DISPLAYS = 16
"""Screens kept running without a viewer (least recently used go first)."""
MAX_VIEWERS = 256
"""Console tunnels open at once, over all consoles; more are refused with HTTP 503."""

LIVE = ("Running", "Paused")


def _is_windows(vm: dict[str, Any], guest_metrics: dict[str, Any] | None) -> str:
    """The Windows product name when the VM runs Windows, else ""."""
    os_version = (guest_metrics or {}).get("os_version", {})
    name = os_version.get("name", "").split("|")[0].strip()
    if os_version.get("distro") == "windows" or "windows" in name.lower():
        return name or "Windows"
    for hint in (vm["other_config"].get("base_template_name", ""), vm["other_config"].get("install-distro", "")):
        if "windows" in hint.lower():
            return hint
    if "windows" in vm["name_label"].lower():
        return "Windows"
    return ""


def _linux_name(vm: dict[str, Any], guest_metrics: dict[str, Any] | None) -> str:
    os_version = (guest_metrics or {}).get("os_version", {})
    name = os_version.get("name", "").split("|")[0].strip()
    if name:
        return name
    distro = os_version.get("distro") or vm["other_config"].get("install-distro", "")
    return f"{distro.capitalize()} Linux".strip() if distro else "Linux"


def _hostname(label: str) -> str:
    """A host name a guest could have chosen from its VM's name."""
    name = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    return name[:63] or "localhost"


class Display:
    """One console's screen and the guest drawing it."""

    def __init__(self, hub: ConsoleHub, console: str, vm: str) -> None:
        self.hub = hub
        self.console = console
        self.vm = vm
        store = hub.sim.store
        rec = store.get("VM", vm)
        self.domid = rec["domid"]
        self.resident_on = rec["resident_on"]
        self.name = rec["name_label"]
        self.guest = hub.make_guest(vm)
        self.viewers: set[Viewer] = set()
        self.guest.start()

    @property
    def fb(self) -> Any:
        return self.guest.fb

    def key(self, keysym: int, down: bool) -> None:
        if self.hub.sim.store.get("VM", self.vm)["power_state"] == "Running":
            self.guest.key(keysym, down)

    def pointer(self, x: int, y: int, buttons: int) -> None:
        if self.hub.sim.store.get("VM", self.vm)["power_state"] == "Running":
            self.guest.pointer(x, y, buttons)

    def vm_changed(self, rec: dict[str, Any]) -> bool:
        """Follow the domain; False when the console must end (the VM stopped)."""
        if rec["power_state"] not in LIVE or rec["resident_on"] != self.resident_on:
            return False  # stopped, or migrated: the old host's console server is gone
        if rec["domid"] != self.domid:  # rebooted: a new domain boots from the start
            self.domid = rec["domid"]
            self.guest.start()
        return True

    def close(self) -> None:
        self.guest.stop()
        for viewer in list(self.viewers):
            viewer.close()
        self.viewers.clear()


class ConsoleHub:
    """Console records, their locations and their live screens, for one simulator."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.published = False
        """Whether the simulator serves (see :meth:`publish`): locations follow from then on."""
        self.scheme = "https"
        self.port_suffix = ""
        self.listen = "127.0.0.1"
        self.displays: OrderedDict[str, Display] = OrderedDict()
        self.viewers = 0
        self._unsubscribe = sim.store.subscribe(self._on_change)

    # ------------------------------------------------------------------ records
    def publish(self, scheme: str, listen: str, port: int) -> None:
        """The simulator now serves ``scheme`` on ``listen:port`` (and its member
        addresses): give every running domain a console that points here."""
        self.scheme = scheme
        self.listen = "127.0.0.1" if listen in ("", "0.0.0.0") else "::1" if listen == "::" else listen
        default = 443 if scheme == "https" else 80
        self.port_suffix = "" if port == default else f":{port}"
        self.published = True
        store = self.sim.store
        for vm, rec in list(store.tables["VM"].items()):
            if rec["power_state"] in LIVE and not rec["is_a_template"] and not rec["is_a_snapshot"]:
                consoles = [c for c in rec["consoles"] if store.exists("console", c)]
                if not any(store.get("console", c)["protocol"] == "rfb" for c in consoles):
                    store.add("console", {"VM": vm, "protocol": "rfb"})
        for console in list(store.tables["console"]):
            self._place(console)

    def host_of(self, vm: str) -> str:
        """The host whose address serves ``vm``'s console (a control domain's own host)."""
        rec = self.sim.store.get("VM", vm)
        if rec["is_control_domain"]:
            for ref, host in self.sim.store.tables["host"].items():
                if host["control_domain"] == vm:
                    return ref
        return str(rec["resident_on"])

    def location_of(self, console: str) -> str:
        store = self.sim.store
        rec = store.get("console", console)
        address = self.listen
        if store.exists("VM", rec["VM"]) and self.sim.endpoints:
            host = store.tables["host"].get(self.host_of(rec["VM"]))
            if host is not None and host["address"] in self.sim.endpoints:
                address = host["address"]
        host = f"[{address}]" if ":" in address else address
        return f"{self.scheme}://{host}{self.port_suffix}/console?uuid={rec['uuid']}"

    def _place(self, console: str) -> None:
        location = self.location_of(console)
        if self.sim.store.get("console", console)["location"] != location:
            self.sim.store.set("console", console, "location", location)

    def _on_change(self, op: str, cls: str, ref: str) -> None:
        if cls == "console":
            if op == "del":
                self._end(ref)
            elif self.published:
                self._place(ref)
        elif cls == "VM" and op == "mod":
            for console, display in list(self.displays.items()):
                if display.vm == ref and not display.vm_changed(self.sim.store.get("VM", ref)):
                    self._end(console)

    # ------------------------------------------------------------------ screens
    def make_guest(self, vm: str) -> Guest:
        store = self.sim.store
        rec = store.get("VM", vm)
        host = store.tables["host"].get(self.host_of(vm), {})
        hostname = host.get("hostname") or host.get("name_label") or "localhost"
        if rec["is_control_domain"]:
            sv = host.get("software_version", {})
            product = f"{sv.get('product_brand', 'XenServer')} {sv.get('product_version', '')}".strip()
            return HostConsole(GuestContext(self.sim, vm, rec["name_label"], hostname), product)
        metrics = store.tables["VM_guest_metrics"].get(rec["guest_metrics"])
        ctx = GuestContext(self.sim, vm, rec["name_label"], _hostname(rec["name_label"]))
        windows = _is_windows(rec, metrics)
        if windows:
            return WindowsGuest(ctx, windows)
        return LinuxGuest(ctx, _linux_name(rec, metrics), rec["memory_static_max"] // 1024)

    def display(self, console: str) -> Display:
        """The live screen of ``console`` (started if needed)."""
        display = self.displays.get(console)
        if display is None:
            vm = self.sim.store.get("console", console)["VM"]
            display = Display(self, console, vm)
            self.displays[console] = display
        self.displays.move_to_end(console)
        idle = [c for c, d in self.displays.items() if not d.viewers and c != console]
        for old in idle[: max(0, len(idle) - IDLE_DISPLAYS)]:
            self._end(old)
        return display

    def _end(self, console: str) -> None:
        display = self.displays.pop(console, None)
        if display is not None:
            display.close()

    def close(self) -> None:
        """Stop every screen and viewer (the server is shutting down)."""
        for console in list(self.displays):
            self._end(console)
        self._unsubscribe()
