"""Pools of simulators over loopback with the official SDK: pool.join with XAPI's pre-join
checks and errors, the joined server's records merged into the pool (its halted VMs kept),
the joined simulator answering HOST_IS_SLAVE, and pool.eject making it standalone again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import XenAPI

from tests.conftest import PASSWORD, SimProcess, start_sim
from tests.sim.behaviour_support import details, login


@pytest.fixture
def lab() -> Iterator[SimProcess]:
    process = start_sim("--seed", "standalone", "--speed", "400")
    yield process
    process.stop()


def address(sim: SimProcess) -> str:
    return sim.url.removeprefix("http://").rstrip("/")


def test_join_rules_then_join_and_eject(x: Any, sim: SimProcess, lab: SimProcess) -> None:
    y = login(lab).xenapi
    lab_host = y.host.get_all()[0]
    lab_vms = [v for v in y.VM.get_all() if not y.VM.get_is_a_template(v) and not y.VM.get_is_control_domain(v)]

    # Running VMs on the joining server: refused before anything is contacted.
    with pytest.raises(XenAPI.Failure) as err:
        y.pool.join(address(sim), "root", PASSWORD)
    assert details(err) == ["JOINING_HOST_CANNOT_HAVE_RUNNING_VMS"]
    for vm in lab_vms:
        if y.VM.get_power_state(vm) == "Running":
            y.VM.hard_shutdown(vm)

    # A coordinator outside loopback, wrong credentials, a different edition.
    with pytest.raises(XenAPI.Failure) as err:
        y.pool.join("192.0.2.1", "root", PASSWORD)
    assert details(err) == ["JOINING_HOST_CONNECTION_FAILED"]
    with pytest.raises(XenAPI.Failure) as err:
        y.pool.join(address(sim), "root", "wrong")
    assert details(err)[0] == "SESSION_AUTHENTICATION_FAILED"
    with pytest.raises(XenAPI.Failure) as err:
        y.pool.join(address(sim), "root", PASSWORD)
    assert details(err)[0] == "LICENCE_RESTRICTION"

    # Same edition as the pool: the server joins with its halted VMs.
    y.host.apply_edition(lab_host, "premium", False)
    hosts_before = len(x.host.get_all())
    y.pool.join(address(sim), "root", PASSWORD)
    assert len(x.host.get_all()) == hosts_before + 1
    assert x.host.get_name_label(lab_host) == "xenserver-lab"
    names = {x.VM.get_name_label(v) for v in x.VM.get_all()}
    assert {"Lab Windows Server", "Lab Linux", "検証用 VM"} <= names
    shared = [s for s in x.SR.get_all() if x.SR.get_shared(s) and x.SR.get_type(s) == "nfs"]
    assert any(x.PBD.get_host(p) == lab_host for p in x.SR.get_PBDs(shared[0]))
    mgmt = next(n for n in x.network.get_all() if x.network.get_bridge(n) == "xenbr0")
    assert any(x.PIF.get_host(p) == lab_host for p in x.network.get_PIFs(mgmt))
    with pytest.raises(XenAPI.Failure) as err:
        login(lab)
    assert details(err) == ["HOST_IS_SLAVE", address(sim)]

    # Ejecting the coordinator is refused; ejecting the lab server makes it standalone again.
    with pytest.raises(XenAPI.Failure) as err:
        x.pool.eject(x.pool.get_master(x.pool.get_all()[0]))
    assert details(err)[0] == "OPERATION_NOT_ALLOWED"
    x.pool.eject(lab_host)
    assert len(x.host.get_all()) == hosts_before
    assert "Lab Linux" not in {x.VM.get_name_label(v) for v in x.VM.get_all()}
    again = login(lab).xenapi
    assert again.host.get_all() == [lab_host]


def test_a_pool_cannot_join_another(x: Any, sim: SimProcess, lab: SimProcess) -> None:
    y = login(lab).xenapi
    with pytest.raises(XenAPI.Failure) as err:
        x.pool.join(address(lab), "root", PASSWORD)
    assert details(err)[0] in ("JOINING_HOST_CANNOT_BE_MASTER_OF_OTHER_HOSTS", "JOINING_HOST_CANNOT_HAVE_RUNNING_VMS")
    assert len(y.host.get_all()) == 1


def test_join_refuses_addresses_it_cannot_or_must_not_reach(lab: SimProcess) -> None:
    y = login(lab).xenapi
    for vm in y.VM.get_all():
        if y.VM.get_power_state(vm) == "Running" and not y.VM.get_is_control_domain(vm):
            y.VM.hard_shutdown(vm)
    for address in ("", "http://[::1", "not a host", "example.com", "10.0.0.1:443", "127.0.0.1:1"):
        with pytest.raises(XenAPI.Failure) as err:
            y.pool.join(address, "root", PASSWORD)
        assert details(err)[0] == "JOINING_HOST_CONNECTION_FAILED", (address, details(err))
