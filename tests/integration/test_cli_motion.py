"""The XenMotion, maintenance-mode and storage verbs against simulators over real sockets:
``vm migrate`` (in the pool and to the standalone server), ``host maintenance enter|exit``,
``sr probe`` and ``sr create`` (including reattach), with the password from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import XenAPI

from tests.conftest import PASSWORD


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, XENCENTER_PASSWORD=PASSWORD)
    return subprocess.run(
        [sys.executable, "-m", "xencenter_py", *args, "--lang", "en"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_migrate_within_the_pool_and_to_another_pool(sim_factory: Any) -> None:
    pool = sim_factory("--seed", "demo", "--speed", "200")
    lab = sim_factory("--seed", "standalone", "--speed", "200")
    done = cli("vm", "migrate", "Web Server 2", "--to-host", "xs-demo-01", "--server", pool.url)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Predicted: ") and "downtime" in lines[0]
    assert lines[-1].startswith("Done in ") and "pre-copy rounds" in lines[-1]
    assert (
        "Web Server 2\tvm-running"
        in cli("tree", "--server", pool.url).stdout.split("xs-demo-01\t")[1].split("xs-demo-02\t")[0]
    )

    moved = cli(
        "vm", "migrate", "Web Server 2", "--dest-server", lab.url, "--to-host", "xenserver-lab",
        "--to-sr", "Local storage", "--to-network", "Pool-wide network associated with eth0", "--server", pool.url,
    )  # fmt: skip
    assert moved.returncode == 0, moved.stderr
    assert "Web Server 2\tvm-running" in cli("tree", "--server", lab.url).stdout
    assert "Web Server 2" not in cli("tree", "--server", pool.url).stdout

    missing = cli("vm", "migrate", "No Such VM", "--to-host", "xs-demo-01", "--server", pool.url)
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1 and "No Such VM" in missing.stderr


def test_maintenance_mode_enter_needs_a_choice_for_blockers_then_exit_restores(sim_factory: Any) -> None:
    pool = sim_factory("--seed", "demo", "--speed", "200")
    refused = cli("host", "maintenance", "enter", "xs-demo-02", "--server", pool.url)
    assert refused.returncode == 1 and "営業部ファイルサーバー" in refused.stdout
    entered = cli("host", "maintenance", "enter", "xs-demo-02", "--shut-down-blockers", "--server", pool.url)
    assert entered.returncode == 0, entered.stderr
    tree = cli("tree", "--server", pool.url).stdout
    assert "xs-demo-02\thost-maintenance" in tree
    left = cli("host", "maintenance", "exit", "xs-demo-02", "--restore", "--server", pool.url)
    assert left.returncode == 0, left.stderr
    section = cli("tree", "--server", pool.url).stdout.split("xs-demo-02\t")[1].split("xs-demo-03\t")[0]
    assert section.startswith("host\n") and "XenApp Server 03\tvm-running" in section
    assert "営業部ファイルサーバー\tvm-running" in section


def test_sr_probe_and_create(sim_factory: Any) -> None:
    pool = sim_factory("--seed", "demo", "--speed", "200")
    exports = cli("sr", "probe", "nfs", "filer.storage.localhost", "--server", pool.url)
    assert exports.returncode == 0 and "export\t/vol/archive" in exports.stdout
    bad = cli("sr", "probe", "nfs", "no-such-filer.localhost:/vol", "--server", pool.url)
    assert bad.returncode == 1 and "could not be resolved" in bad.stderr
    made = cli(
        "sr", "create", "nfs", "filer.storage.localhost:/vol/xenserver", "--name", "CLI NFS", "--server", pool.url
    )
    assert made.returncode == 0, made.stderr
    uuid = made.stdout.splitlines()[-1]
    assert (
        f"SR\t{uuid}\tCLI NFS"
        in cli("sr", "probe", "nfs", "filer.storage.localhost:/vol/xenserver", "--server", pool.url).stdout
    )
    back = cli(
        "sr", "create", "nfs", "filer.storage.localhost:/vol/archive", "--name", "Archive",
        "--reattach", "8f5a2b3c-0d4e-4f6a-9b1c-2d3e4f5a6b7c", "--server", pool.url,
    )  # fmt: skip
    assert back.returncode == 0 and back.stdout.splitlines()[-1] == "8f5a2b3c-0d4e-4f6a-9b1c-2d3e4f5a6b7c"


def test_pool_join_and_eject(sim_factory: Any) -> None:
    pool = sim_factory("--seed", "demo", "--speed", "200")
    lab = sim_factory("--seed", "standalone", "--speed", "200")
    refused = cli("pool", "join", "--server", lab.url, "--coordinator", pool.url)
    assert refused.returncode == 1 and "running or suspended VMs" in refused.stderr
    session = XenAPI.Session(lab.url)
    session.xenapi.login_with_password("root", PASSWORD, "2.21", "test")
    for vm in session.xenapi.VM.get_all():
        if session.xenapi.VM.get_power_state(vm) == "Running" and not session.xenapi.VM.get_is_control_domain(vm):
            session.xenapi.VM.hard_shutdown(vm)
    session.xenapi.session.logout()
    joined = cli("pool", "join", "--server", lab.url, "--coordinator", pool.url)
    assert joined.returncode == 0, joined.stderr
    assert "licence" in joined.stdout and "joined the pool 'Demo Pool'" in joined.stdout
    assert "xenserver-lab\thost" in cli("tree", "--server", pool.url).stdout
    ejected = cli("pool", "eject", "xenserver-lab", "--server", pool.url)
    assert ejected.returncode == 0, ejected.stderr
    assert "xenserver-lab" not in cli("tree", "--server", pool.url).stdout
