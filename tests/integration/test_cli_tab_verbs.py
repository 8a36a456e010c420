"""The property tabs' command-line verbs against a simulated pool: they run the same
actions as the tabs, change the pool, and refuse bad input with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import XenAPI

from tests.conftest import SimProcess

GiB = 1024**3


def cli(sim: SimProcess, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, XENCENTER_PASSWORD=sim.password)
    cmd = [sys.executable, "-m", "xencenter_py", *args, "--server", sim.url]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)


def sdk(sim: SimProcess) -> Any:
    session = XenAPI.Session(sim.url)
    session.xenapi.login_with_password("root", sim.password, "2.21", "cli-tests")
    return session.xenapi


def disks(x: Any, vm: str) -> dict[str, dict[str, Any]]:
    out = {}
    for vbd in x.VM.get_VBDs(vm):
        vdi = x.VBD.get_VDI(vbd)
        if x.VBD.get_type(vbd) == "Disk" and vdi != "OpaqueRef:NULL":
            out[x.VDI.get_name_label(vdi)] = x.VDI.get_record(vdi)
    return out


def test_vm_disk_snapshot_revert_network_user(sim_factory: Any) -> None:
    sim = sim_factory("--seed", "demo", "--speed", "400")
    x = sdk(sim)
    vm = x.VM.get_by_name_label("CentOS 7 Test")[0]
    lvm = next(s["name_label"] for s in x.SR.get_all_records().values() if s["type"] == "lvm")

    added = cli(sim, "vm", "disk", "add", "--vm", "CentOS 7 Test", "--size", "2G", "--sr", lvm, "--name", "cli disk")
    assert added.returncode == 0, added.stderr
    assert int(disks(x, vm)["cli disk"]["virtual_size"]) == 2 * GiB
    grown = cli(sim, "vm", "disk", "resize", "--vm", "CentOS 7 Test", "--disk", "cli disk", "--size", "3G")
    assert grown.returncode == 0, grown.stderr
    assert int(disks(x, vm)["cli disk"]["virtual_size"]) == 3 * GiB
    shrink = cli(sim, "vm", "disk", "resize", "--vm", "CentOS 7 Test", "--disk", "cli disk", "--size", "1G")
    assert shrink.returncode == 1 and "only grow" in shrink.stderr
    deleted = cli(sim, "vm", "disk", "delete", "--vm", "CentOS 7 Test", "--disk", "cli disk")
    assert deleted.returncode == 0, deleted.stderr
    assert "cli disk" not in disks(x, vm)

    # Plain LVM cannot snapshot (the deck's table): refused with the reason.
    refused = cli(sim, "vm", "snapshot", "--vm", "CentOS 7 Test", "--name", "nope")
    assert refused.returncode == 1 and "LVM storage does not support snapshots" in refused.stderr
    staging = "Windows Server 2019 Staging"
    taken = cli(sim, "vm", "snapshot", "--vm", staging, "--name", "cli snap")
    assert taken.returncode == 0, taken.stderr
    reverted = cli(sim, "vm", "revert", "--vm", staging, "--snapshot", "cli snap", "--snapshot-first", "pre-revert")
    assert reverted.returncode == 0, reverted.stderr
    assert {x.VM.get_name_label(s) for s in x.VM.get_snapshots(x.VM.get_by_name_label(staging)[0])} >= {
        "cli snap",
        "pre-revert",
    }

    vlan = cli(sim, "network", "create", "--name", "cli VLAN", "--type", "vlan", "--nic", "eth5", "--vlan", "77")
    assert vlan.returncode == 0, vlan.stderr
    net = x.network.get_by_name_label("cli VLAN")[0]
    assert sorted(x.PIF.get_VLAN(p) for p in x.network.get_PIFs(net)) == ["77"] * 3
    bonded = cli(sim, "network", "bond", "--host", "xs-demo-02", "--nics", "eth4,eth2", "--mode", "lacp")
    assert bonded.returncode == 1 and len(bonded.stderr.strip().splitlines()) == 1  # eth2 is in a bond already
    bond = cli(sim, "network", "bond", "--host", "xs-demo-02", "--nics", "eth4,eth5", "--mode", "lacp")
    assert bond.returncode == 1 and "VLAN" in bond.stderr  # eth5 carries the VLAN made above
    missing = cli(sim, "network", "bond", "--host", "xs-demo-02", "--nics", "eth4,eth9")
    assert missing.returncode == 1 and "eth9" in missing.stderr

    not_joined = cli(sim, "user", "add", "--subject", "XENDEMO\\alice", "--role", "vm-admin")
    assert not_joined.returncode == 1
    x.pool.enable_external_auth(x.pool.get_all()[0], {"user": "Administrator", "pass": "dc"}, "XENDEMO.LOCAL", "AD")
    added_user = cli(sim, "user", "add", "--subject", "XENDEMO\\alice", "--role", "vm-admin")
    assert added_user.returncode == 0, added_user.stderr
    role = cli(sim, "user", "role", "--subject", "alice", "--role", "read-only")
    assert role.returncode == 0, role.stderr
    subject = next(s for s in x.subject.get_all_records().values() if "alice" in s["other_config"]["subject-name"])
    assert [x.role.get_name_label(r) for r in subject["roles"]] == ["read-only"]
