"""Sessions, users, roles and RBAC denials."""

from __future__ import annotations

import threading

import pytest
import XenAPI

from tests.conftest import SimProcess
from tests.sim.core_support import Rpc, core_sim_fixture, failure, rpc_fixture, xenapi  # noqa: F401  (fixtures)
from xencenter_py.datamodel import ROLES


def test_wrong_password_fails_without_blocking_others(core_sim: SimProcess, rpc: Rpc) -> None:
    outcome: list[list[str]] = []
    started = threading.Event()

    def bad_login() -> None:
        s = XenAPI.Session(core_sim.url)
        started.set()
        try:
            s.xenapi.login_with_password("root", "wrong", "2.21", "tests")
        except XenAPI.Failure as e:
            outcome.append(list(e.details))

    t = threading.Thread(target=bad_login)
    t.start()
    started.wait(5)
    # While the failed login is being delayed, other calls are answered.
    for _ in range(20):
        assert rpc.call("pool.get_all")
    t.join(10)
    assert outcome == [["SESSION_AUTHENTICATION_FAILED", "root", "Authentication failure"]]
    with pytest.raises(XenAPI.Failure) as e:
        xenapi(core_sim, "nobody", "x")
    assert failure(e)[0] == "SESSION_AUTHENTICATION_FAILED"


def test_session_record_and_queries(rpc: Rpc) -> None:
    s = rpc.session
    master = rpc.call("pool.get_master", rpc.call("pool.get_all")[0])
    assert rpc.call("session.get_this_host", s) == master
    assert rpc.call("session.get_this_user", s) == "OpaqueRef:NULL"
    assert rpc.call("session.get_is_local_superuser", s) is True
    rec = rpc.call("session.get_record", s)
    assert rec["auth_user_name"] == "root" and rec["originator"] == "tests"
    assert rec["this_host"] == master and rec["is_local_superuser"] is True
    perms = rpc.call("session.get_rbac_permissions", s)
    assert "VM.start" in perms and "pool.set_name_label" in perms
    assert rpc.call("session.get_by_uuid", rec["uuid"]) == s
    # Sessions are not database objects: no events for them.
    batch = rpc.call("event.from", ["session"], "", 0.1)
    assert batch["events"] == []


def test_roles_are_records(rpc: Rpc) -> None:
    roles = rpc.call("role.get_all_records")
    names = {r["name_label"]: ref for ref, r in roles.items() if r["subroles"]}
    assert set(names) == set(ROLES)
    ro = roles[names["read-only"]]
    perm_names = {roles[p]["name_label"] for p in ro["subroles"]}
    assert "VM.get_record" in perm_names and "VM.start" not in perm_names
    assert rpc.call("role.get_by_name_label", "vm-operator") == [names["vm-operator"]]
    assert "VM.start" in rpc.call("role.get_permissions_name_label", names["vm-operator"])


def test_logout_invalidates(core_sim: SimProcess) -> None:
    c = Rpc(core_sim).login()
    assert c.call("pool.get_all")
    assert c.call("session.logout") == ""
    with pytest.raises(XenAPI.Failure) as e:
        c.call("pool.get_all")
    assert failure(e) == ["SESSION_INVALID", c.session]


def test_read_only_user_is_denied_writes(core_sim: SimProcess) -> None:
    ro = Rpc(core_sim).login("ro", "ro-pw")
    pool = ro.call("pool.get_all")[0]
    assert ro.call("pool.get_record", pool)["uuid"]
    assert ro.call("session.get_is_local_superuser", ro.session) is False
    rec = ro.call("session.get_record", ro.session)
    assert rec["auth_user_name"] == "ro" and rec["subject"] != "OpaqueRef:NULL"
    assert "VM.start" not in ro.call("session.get_rbac_permissions", ro.session)
    with pytest.raises(XenAPI.Failure) as e:
        ro.call("pool.set_name_label", pool, "x")
    details = failure(e)
    assert details[0] == "RBAC_PERMISSION_DENIED" and details[1] == "pool.set_name_label"
    assert "No permission in user session" in details[2] and "pool-admin" in details[2]
    vm = ro.call("VM.get_all")[0]
    with pytest.raises(XenAPI.Failure) as e:
        ro.call("Async.VM.start", vm, False, False)
    assert failure(e)[:2] == ["RBAC_PERMISSION_DENIED", "VM.start"]
    # Over XML-RPC with the SDK too.
    x = xenapi(core_sim, "ro", "ro-pw").xenapi
    with pytest.raises(XenAPI.Failure) as e:
        x.VM.set_name_label(vm, "nope")
    assert failure(e)[0] == "RBAC_PERMISSION_DENIED"


def test_vm_operator_may_operate_vms_but_not_the_pool(core_sim: SimProcess) -> None:
    op = Rpc(core_sim).login("op", "op-pw")
    pool = op.call("pool.get_all")[0]
    vm = op.call("VM.get_all")[0]
    with pytest.raises(XenAPI.Failure) as e:
        op.call("pool.set_name_label", pool, "x")
    assert failure(e)[0] == "RBAC_PERMISSION_DENIED"
    with pytest.raises(XenAPI.Failure) as e:
        op.call("VM.destroy", vm)
    assert failure(e)[0] == "RBAC_PERMISSION_DENIED"
    # VM.start is allowed for vm-operator: whatever happens next is not an RBAC denial.
    try:
        op.call("VM.start", vm, False, False)
    except XenAPI.Failure as e:
        assert e.details[0] != "RBAC_PERMISSION_DENIED"
    assert op.call("VM.get_record", vm)["uuid"]
