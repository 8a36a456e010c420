"""The ``simulator.*`` call namespace: calls real XAPI lacks (documented in
``docs/SIMULATOR-EXTENSIONS.md``), declared here as datamodel-style messages so the
dispatcher checks, decodes and authorises them like any other call.

Handlers are ordinary behaviour handlers (``@implements("simulator.<name>")``).
"""

from __future__ import annotations

from xencenter_py.datamodel import Message, parse_type

_ADMIN = frozenset({"pool-admin"})

# name -> ((parameter name, type text), ...), result type text
_DECLARATIONS: dict[str, tuple[tuple[tuple[str, str], ...], str]] = {
    "set_vm_workload": ((("vm", "VM ref"), ("load", "float")), "void"),
    "set_migration_bandwidth": ((("mbit_per_s", "float"),), "void"),
    "receive_vm": ((("payload", "string"), ("check_only", "bool")), "VM ref"),
    "accept_member": ((("payload", "string"), ("force", "bool")), "void"),
    "leave_pool": ((), "void"),
}


def extension_message(name: str) -> Message | None:
    """The message of ``simulator.<name>``, if the simulator has that extension."""
    decl = _DECLARATIONS.get(name)
    if decl is None:
        return None
    params, result = decl
    return Message(
        "simulator",
        name,
        (("session_id", parse_type("session ref")), *((p, parse_type(t)) for p, t in params)),
        parse_type(result),
        _ADMIN,
        False,
        (),
    )
