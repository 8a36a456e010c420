"""``xencenter-py vm new|copy|delete|export|import`` against simulators, as a script runs
them: a password from the environment, one line per result, one clear line per refusal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import XenAPI

from tests.conftest import PASSWORD, SimProcess

GiB = 1024**3


def vm(sim: SimProcess, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, XENCENTER_PASSWORD=PASSWORD)
    return subprocess.run(
        [sys.executable, "-m", "xencenter_py", "vm", *args, "--server", sim.url],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def sdk(sim: SimProcess) -> Any:
    session = XenAPI.Session(sim.url)
    session.xenapi.login_with_password("root", PASSWORD, "2.21", "cli-tests")
    return session.xenapi


def test_a_vm_scripted_from_birth_to_deletion(sim_factory: Any, tmp_path: Path) -> None:
    sim = sim_factory("--seed", "demo", "--speed", "400")
    other = sim_factory("--seed", "standalone", "--speed", "400")
    x = sdk(sim)

    made = vm(sim, "new", "--template", "Debian Bookworm 12", "--name", "cli-web", "--sr", "NFS virtual disk storage",
              "--iso", "debian-12.5.0-amd64-netinst.iso", "--start", "--quiet")  # fmt: skip
    assert made.returncode == 0, made.stderr
    ref = x.VM.get_by_uuid(made.stdout.strip())
    rec = x.VM.get_record(ref)
    assert rec["name_label"] == "cli-web" and rec["power_state"] == "Running"
    disks = [x.VBD.get_record(b) for b in rec["VBDs"]]
    assert {d["type"] for d in disks} == {"Disk", "CD"} and rec["VIFs"]
    x.VM.hard_shutdown(ref)

    copied = vm(sim, "copy", "--vm", "cli-web", "--name", "cli-web-2", "--sr", "iSCSI storage")
    assert copied.returncode == 0, copied.stderr
    assert x.VM.get_name_label(x.VM.get_by_uuid(copied.stdout.strip())) == "cli-web-2"

    path = tmp_path / "cli-web.xva"
    exported = vm(sim, "export", "--vm", "cli-web", "--file", str(path))
    assert exported.returncode == 0, exported.stderr
    assert path.stat().st_size > 0
    imported = vm(other, "import", "--file", str(path))
    assert imported.returncode == 0, imported.stderr
    y = sdk(other)
    assert y.VM.get_name_label(y.VM.get_by_uuid(imported.stdout.strip())) == "cli-web"

    vdis = [d["VDI"] for d in disks if d["type"] == "Disk"]
    deleted = vm(sim, "delete", "--vm", "cli-web", "--vm", "cli-web-2")
    assert deleted.returncode == 0, deleted.stderr
    assert not x.VM.get_by_name_label("cli-web") and not x.VM.get_by_name_label("cli-web-2")
    assert not set(vdis) & set(x.VDI.get_all())


def test_refusals_are_one_clear_line(demo_sim: SimProcess) -> None:
    missing = vm(demo_sim, "new", "--template", "No Such Template", "--name", "x")
    assert missing.returncode == 1 and "No Such Template" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    small = vm(demo_sim, "new", "--template", "Windows 11", "--name", "x", "--memory", "256")
    assert small.returncode == 1 and "at least" in small.stderr
    x = sdk(demo_sim)
    name = next(
        r["name_label"]
        for r in x.VM.get_all_records().values()
        if r["power_state"] == "Running" and not r["is_control_domain"]
    )
    target = Path("/tmp/never-written.xva")
    running = vm(demo_sim, "export", "--vm", name, "--file", str(target))
    assert running.returncode == 1 and "shut down" in running.stderr.lower() and not target.exists()
