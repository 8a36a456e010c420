"""The navigation tree over a live simulator, and the `xencenter-py tree` command."""

from __future__ import annotations

import os
import subprocess
import sys
from xml.etree import ElementTree

import pytest

from tests.conftest import DB_DIR, SimProcess, start_sim
from tests.model.shadow import ShadowTree
from tests.model.waiting import wait_until
from tests.xapi.conftest import fingerprint
from xencenter_py.model.connection import Connection
from xencenter_py.model.tree import ICONS, NavigationTree, TreeView
from xencenter_py.xapi.trust import normalize

DUMPS = sorted(p for p in DB_DIR.iterdir() if p.is_file())


def tree_cli(*args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("XENCENTER_PASSWORD", None)
    if password is not None:
        env["XENCENTER_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, "-m", "xencenter_py", "tree", *args], capture_output=True, text=True, env=env, timeout=120
    )


def check_well_formed(lines: list[str]) -> None:
    depth = 0
    for i, line in enumerate(lines):
        label, sep, icon = line.rpartition("\t")
        assert sep and icon in ICONS, line
        indent = len(label) - len(label.lstrip(" "))
        assert indent % 2 == 0 and indent // 2 <= depth + 1, line
        assert (indent == 0) == (i == 0), line
        depth = indent // 2


async def test_vm_start_moves_the_node_to_its_host(sim_factory) -> None:
    sim = sim_factory("--seed", "demo", "--speed", "50")
    conn = Connection(sim.url, "root", sim.password)
    await conn.connect()
    try:
        tree = NavigationTree([conn])
        shadow = ShadowTree(tree)
        # A halted VM that only affinity ties to a host: clearing it moves the VM to the pool.
        vm = next(
            v
            for v in conn.cache.all("VM")
            if v.is_real_vm
            and v.power_state == "Halted"
            and v.storage_host() is None
            and "start" in v.allowed_operations
            and v.memory_static_max <= 8 << 30
        )
        key = tree.key_for(conn, vm.ref)
        pool_key = tree.key_for(conn, conn.cache.pool.ref)
        await conn.call("VM.set_affinity", vm.ref, "OpaqueRef:NULL")
        await wait_until(conn, lambda: tree.node(key).parent.key == pool_key)
        node = tree.node(key)
        await conn.run_task("VM.start", node.ref, False, False)
        await wait_until(conn, lambda: tree.node(key).parent.kind == "host" and tree.node(key).icon == "vm-running")
        host_key = tree.node(key).parent.key
        moves = [e for e in shadow.log if e[0] == "moved" and e[-1] == key]
        assert moves and moves[-1][1] == pool_key and moves[-1][3] == host_key
        assert host_key == tree.key_for(conn, conn.cache.get("VM", node.ref).record["resident_on"])
        assert shadow.matches(tree)
        assert tree.render_lines() == NavigationTree([conn]).render_lines()  # sorted like a rebuild
        await conn.run_task("VM.hard_shutdown", node.ref)
        await wait_until(conn, lambda: tree.node(key).icon == "vm-halted")
        assert shadow.matches(tree) and tree.render_lines() == NavigationTree([conn]).render_lines()
    finally:
        await conn.disconnect()


def test_tree_command_on_the_demo_pool(demo_sim: SimProcess) -> None:
    result = tree_cli("--server", demo_sim.url, password=demo_sim.password)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    check_well_formed(lines)
    assert lines[0] == "xencenter-py\thome" and lines[1].endswith("\tpool")
    assert sum(1 for line in lines if line.startswith("    ") and line.endswith("\thost")) >= 2
    assert not any("\ttemplate\t" in line or line.endswith("\ttemplate") for line in lines)  # server templates off
    with_templates = tree_cli(
        "--server", demo_sim.url, "--show-default-templates", "--no-show-local-storage", password=demo_sim.password
    ).stdout.splitlines()
    check_well_formed(with_templates)
    assert any(line.endswith("\ttemplate") for line in with_templates)
    # local SRs (lvm, ext, udev...) go; a non-shared SR of another type is "remote" for XenCenter
    sr_labels = {line.strip() for line in with_templates if line.endswith(("\tsr", "\tsr-shared", "\tsr-default"))}
    assert "Local storage\tsr" in {line.strip() for line in lines}
    assert not {"Local storage\tsr", "Local EXT storage\tsr", "DVD drives\tsr"} & sr_labels
    assert "NFS virtual disk storage\tsr-default" in sr_labels
    objects_en = tree_cli("--server", demo_sim.url, "--view", "objects", "--lang", "en", password=demo_sim.password)
    objects_ja = tree_cli("--server", demo_sim.url, "--view", "objects", "--lang", "ja", password=demo_sim.password)
    en, ja = objects_en.stdout.splitlines(), objects_ja.stdout.splitlines()
    check_well_formed(ja)
    assert en[0] == "Objects by Type\tobjects" and ja[0] != en[0]  # fixed labels are translated
    assert [line.split("\t")[1] for line in ja] == [line.split("\t")[1] for line in en]
    assert "  Snapshots\tsnapshot" in en


async def test_tree_command_matches_the_model(demo_sim: SimProcess) -> None:
    conn = Connection(demo_sim.url, "root", demo_sim.password)
    await conn.connect()
    try:
        for view in TreeView:
            if view is TreeView.SEARCH:
                continue  # a saved search comes from --search-file (test_org_cli.py)
            expected = NavigationTree([conn], view).render_lines()
            out = tree_cli("--server", demo_sim.url, "--view", view.value, password=demo_sim.password)
            assert out.stdout.splitlines() == expected
    finally:
        await conn.disconnect()


def test_tree_command_errors_are_one_line(demo_sim: SimProcess, tmp_path) -> None:
    wrong = tree_cli("--server", demo_sim.url, password="nope")
    assert wrong.returncode == 1 and wrong.stdout == ""
    assert len(wrong.stderr.strip().splitlines()) == 1 and "password" in wrong.stderr.lower()
    missing = tree_cli("--server", demo_sim.url)
    assert missing.returncode == 1 and "XENCENTER_PASSWORD" in missing.stderr
    unreachable = tree_cli("--server", "http://127.0.0.1:1", password="x")
    assert unreachable.returncode == 1 and len(unreachable.stderr.strip().splitlines()) == 1
    pw = tmp_path / "pw"
    pw.write_text(demo_sim.password + "\n")
    ok = tree_cli("--server", demo_sim.url, "--password-file", str(pw))
    assert ok.returncode == 0 and ok.stdout.startswith("xencenter-py\thome")


def test_tree_command_over_tls_needs_the_fingerprint(sim_factory) -> None:
    sim = sim_factory("--seed", "standalone", "--tls")
    printed = fingerprint(sim)
    untrusted = tree_cli("--server", sim.url, password=sim.password)
    assert untrusted.returncode == 1 and "--trust-fingerprint" in untrusted.stderr
    assert normalize(untrusted.stderr.strip().split()[-1]) == normalize(printed)  # the user can check it
    wrong = tree_cli("--server", sim.url, "--trust-fingerprint", "AA:" * 31 + "AA", password=sim.password)
    assert wrong.returncode == 1 and len(wrong.stderr.strip().splitlines()) == 1
    trusted = tree_cli("--server", sim.url, "--trust-fingerprint", printed, password=sim.password)
    assert trusted.returncode == 0, trusted.stderr
    check_well_formed(trusted.stdout.splitlines())


def hosts_in_dump(path) -> int:
    root = ElementTree.parse(path).getroot()
    return sum(len(t.findall("row")) for t in root.iter("table") if t.get("name") == "host")


@pytest.mark.parametrize("dump", DUMPS, ids=lambda p: p.name)
def test_tree_for_real_database_dumps(dump) -> None:
    """Served by the simulator (dump → API → client → cache → tree) equals the tree read
    straight from the dump, in both views; every host of the dump is a server node."""
    sim = start_sim("--from-db", str(dump), "--speed", "50")
    try:
        for view in ("infrastructure", "objects"):
            options = ("--view", view, "--show-default-templates", "--show-hidden")
            served = tree_cli("--server", sim.url, *options, password=sim.password)
            assert served.returncode == 0, served.stderr
            lines = served.stdout.splitlines()
            check_well_formed(lines)
            offline = tree_cli("--from-db", str(dump), *options)
            assert offline.returncode == 0, offline.stderr
            assert offline.stdout == served.stdout
            if view == "objects":
                host_lines = [line for line in lines if line.startswith("    ") and "\thost" in line]
                assert len(host_lines) == hosts_in_dump(dump)
    finally:
        sim.stop()


def test_tree_from_a_broken_dump_is_one_clear_error(tmp_path) -> None:
    bad = tmp_path / "broken.xml"
    bad.write_text("<database><table name='host'><row ")
    result = tree_cli("--from-db", str(bad))
    assert result.returncode == 1 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "broken.xml" in result.stderr
