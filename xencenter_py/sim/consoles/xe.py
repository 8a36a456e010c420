"""The ``xe`` commands a server's console answers, from the simulator's own state.

Output follows xe's layout (``name ( RO)    : value`` records separated by two blank lines,
``--minimal`` for comma-separated values, ``params=`` to choose fields, ``field=value`` to
filter). Power commands go through the simulator's API as root, so they behave (tasks,
events, errors) exactly like the same call from any client.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from xencenter_py.sim.errors import XapiError
from xencenter_py.sim.sessions import ROOT

if TYPE_CHECKING:
    from xencenter_py.sim.simulator import Simulator

Field = tuple[str, bool, Callable[[Any, dict[str, Any]], str]]
"""(xe parameter name, read-write?, value from (store, record))."""

POWER = {"Running": "running", "Halted": "halted", "Suspended": "suspended", "Paused": "paused"}


def root_password_matches(sim: Simulator, password: str) -> bool:
    user = sim.sessions.users.get(ROOT)
    return user is not None and hmac.compare_digest(user.password.encode(), password.encode())


def _name(store: Any, ref: str, cls: str) -> str:
    rec = store.tables[cls].get(ref)
    return rec["name_label"] if rec else "<not in database>"


VM_FIELDS: list[Field] = [
    ("uuid", False, lambda s, r: r["uuid"]),
    ("name-label", True, lambda s, r: r["name_label"]),
    ("power-state", False, lambda s, r: POWER.get(r["power_state"], r["power_state"].lower())),
    ("name-description", True, lambda s, r: r["name_description"]),
    ("resident-on", False, lambda s, r: s.tables["host"].get(r["resident_on"], {}).get("uuid", "<not in database>")),
]
HOST_FIELDS: list[Field] = [
    ("uuid", False, lambda s, r: r["uuid"]),
    ("name-label", True, lambda s, r: r["name_label"]),
    ("name-description", True, lambda s, r: r["name_description"]),
    ("address", False, lambda s, r: r["address"]),
]
SR_FIELDS: list[Field] = [
    ("uuid", False, lambda s, r: r["uuid"]),
    ("name-label", True, lambda s, r: r["name_label"]),
    ("name-description", True, lambda s, r: r["name_description"]),
    ("host", False, lambda s, r: _sr_host(s, r)),
    ("type", False, lambda s, r: r["type"]),
    ("content-type", False, lambda s, r: r["content_type"]),
]
DEFAULT_PARAMS = {"vm": 3, "host": 3, "sr": 6}
"""How many of the fields above a plain ``*-list`` shows."""


def _sr_host(store: Any, rec: dict[str, Any]) -> str:
    if rec["shared"]:
        return "<shared>"
    pbds = [store.tables["PBD"].get(p) for p in rec["PBDs"]]
    hosts = [_name(store, p["host"], "host") for p in pbds if p]
    return hosts[0] if hosts else "<not in database>"


def _is_listed_vm(rec: dict[str, Any]) -> bool:
    return not rec["is_a_template"] and not rec["is_a_snapshot"]


def _parse(args: list[str]) -> tuple[dict[str, str], set[str]]:
    values: dict[str, str] = {}
    flags: set[str] = set()
    for a in args:
        if a.startswith("--"):
            flags.add(a[2:])
        elif "=" in a:
            k, _, v = a.partition("=")
            values[k] = v
        else:
            flags.add(a)
    return values, flags


def _list(store: Any, cls: str, fields: list[Field], default: int, args: list[str]) -> str:
    values, flags = _parse(args)
    wanted = values.pop("params", "")
    by_name = {f[0]: f for f in fields}
    if wanted == "all":
        shown = fields
    elif wanted:
        unknown = [p for p in wanted.split(",") if p not in by_name]
        if unknown:
            return f"Unknown field '{unknown[0]}'\n"
        shown = [by_name[p] for p in wanted.split(",")]
    else:
        shown = fields[:default]
    filters = [(by_name[k], v) for k, v in values.items() if k in by_name]
    unknown_filters = [k for k in values if k not in by_name]
    if unknown_filters:
        return f"Unknown field '{unknown_filters[0]}'\n"
    rows = []
    for rec in store.tables[cls].values():
        if cls == "VM" and not _is_listed_vm(rec):
            continue
        if all(f[2](store, rec) == v for f, v in filters):
            rows.append(rec)
    if "minimal" in flags:
        first = shown[0]
        return ",".join(first[2](store, r) for r in rows) + "\n"
    width = max(len(f[0]) for f in shown) + 5
    out = []
    for rec in rows:
        for i, (name, rw, get) in enumerate(shown):
            label = f"{name} ( {'RW' if rw else 'RO'})"
            label = label.ljust(width + 1) if i == 0 else label.rjust(width + 1)
            out.append(f"{label}: {get(store, rec)}\n")
        out.append("\n\n")
    return "".join(out)


def _find_vm(store: Any, ident: str) -> list[str]:
    return [
        ref
        for ref, rec in store.tables["VM"].items()
        if _is_listed_vm(rec) and not rec["is_control_domain"] and ident in (rec["name_label"], rec["uuid"])
    ]


async def _power(sim: Simulator, args: list[str], start: bool) -> str:
    values, flags = _parse(args)
    ident = values.get("vm") or values.get("uuid") or values.get("name-label")
    if not ident:
        return "No matching VMs found\n" if start else "You must specify a VM (vm=...)\n"
    refs = _find_vm(sim.store, ident)
    if not refs:
        return "No matching VMs found\n"
    if len(refs) > 1:
        return "Multiple matches VMs found. --multiple required to complete the operation.\n"
    session = sim.sessions.create(sim.sessions.users[ROOT], "xe")  # dom0's xe is root
    try:
        if start:
            await sim.call("VM.start", [session, refs[0], False, "force" in flags])
        else:
            method = "VM.hard_shutdown" if "force" in flags else "VM.clean_shutdown"
            await sim.call(method, [session, refs[0]])
    except XapiError as e:
        code, *params = e.description
        return f"Error code: {code}\nError parameters: {', '.join(str(p) for p in params)}\n"
    finally:
        sim.sessions.destroy(session)
    return ""


HELP = """Usage: xe <command> [command specific arguments]

Commands answered by this console:
  vm-list, host-list, sr-list      [params=<p1,p2>|all] [<field>=<value>] [--minimal]
  vm-start vm=<name or uuid> [--force]
  vm-shutdown vm=<name or uuid> [--force]
"""


async def run(sim: Simulator, args: list[str]) -> str:
    """Run ``xe args`` and return what it prints."""
    store = sim.store
    if not args or args[0] in ("help", "--help", "-h"):
        return HELP
    command, rest = args[0], args[1:]
    if command == "vm-list":
        return _list(store, "VM", VM_FIELDS, DEFAULT_PARAMS["vm"], rest)
    if command == "host-list":
        return _list(store, "host", HOST_FIELDS, DEFAULT_PARAMS["host"], rest)
    if command == "sr-list":
        return _list(store, "SR", SR_FIELDS, DEFAULT_PARAMS["sr"], rest)
    if command == "vm-start":
        return await _power(sim, rest, start=True)
    if command == "vm-shutdown":
        return await _power(sim, rest, start=False)
    return f"Unknown command: {command}\nFor usage run: 'xe help'\n"
