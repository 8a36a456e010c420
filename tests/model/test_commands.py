"""Command availability from allowed_operations, power state, kind and RBAC."""

from __future__ import annotations

from tests.model.test_tree_rules import demo
from xencenter_py.model.commands import COMMANDS, can_run


def test_vm_power_commands_follow_allowed_operations() -> None:
    b = demo()
    conn = b.connection()
    c = conn.cache
    halted, running = c.get("VM", b.halted), c.get("VM", b.running)
    assert can_run("start", [halted]) == (True, "")
    ok, reason = can_run("start", [running])
    assert not ok and reason == "The VM is running"
    assert can_run("shutdown", [running]) == (True, "")
    assert can_run("force_shutdown", [running])[0]
    assert not can_run("resume", [running])[0]
    assert can_run("unpause", [c.get("VM", b.paused)])[0]
    assert can_run("resume", [c.get("VM", b.on_local)])[0]
    # a multi-selection runs when any member can
    assert can_run("start", [running, halted]) == (True, "")
    assert can_run("start", [c.get("VM", b.default_tmpl)]) == (False, "This action is not available for templates")
    assert not can_run("start", [c.get("VM", b.snap)])[0]
    assert not can_run("start", [c.get("host", b.h1)])[0]
    assert can_run("properties", [halted])[0] and not can_run("properties", [halted, running])[0]
    assert can_run("start", []) == (False, "Nothing is selected")


def test_blocked_operations_and_operations_in_progress() -> None:
    b = demo()
    blocked = b.vm("locked", blocked_operations={"start": "Ask the admin first"})
    busy = b.vm("busy", "Running", host=b.h1, allowed_operations=[], current_operations={"OpaqueRef:t": "snapshot"})
    c = b.connection().cache
    ok, reason = can_run("start", [c.get("VM", blocked)])
    assert not ok and "Ask the admin first" in reason
    assert can_run("shutdown", [c.get("VM", busy)]) == (False, "Another operation is in progress on this VM")


def test_rbac_permissions_disable_commands() -> None:
    b = demo()
    conn = b.connection()
    conn.permissions = frozenset({"vm.start", "vm.clean_shutdown"})
    c = conn.cache
    assert can_run("start", [c.get("VM", b.halted)])[0]
    ok, reason = can_run("force_shutdown", [c.get("VM", b.running)])
    assert not ok and reason == "Your role does not allow this action"
    assert not can_run("host_reboot", [c.get("host", b.h1)])[0]


def test_host_commands() -> None:
    b = demo()
    c = b.connection().cache
    assert can_run("host_reboot", [c.get("host", b.h1)])[0]
    assert can_run("host_reboot", [c.get("host", b.h3)]) == (False, "The server is not reachable")
    assert set(COMMANDS) >= {
        "start",
        "start_on",
        "shutdown",
        "reboot",
        "suspend",
        "resume",
        "pause",
        "unpause",
        "force_shutdown",
        "force_reboot",
        "host_reboot",
        "host_shutdown",
        "properties",
    }
