"""Folders are one thing across pools: the Folders view merges the same path of two pools,
and moving or deleting a folder changes it in both, as XenCenter stores it."""

from __future__ import annotations

from tests.model.waiting import wait_until
from xencenter_py.model import org
from xencenter_py.model.actions import organize
from xencenter_py.model.connection import Connection
from xencenter_py.model.tree import NavigationTree, TreeView


async def test_folders_across_two_pools(sim_factory) -> None:
    sims = [sim_factory("--seed", "demo", "--speed", "50"), sim_factory("--seed", "standalone", "--speed", "50")]
    conns = [Connection(s.url, "root", s.password) for s in sims]
    for conn in conns:
        await conn.connect()
    try:
        vms = [next(v for v in c.cache.all("VM") if v.is_real_vm) for c in conns]
        await organize.move_to_folder(vms, "/Apps")
        await organize.create_folder(conns[0], "/", "Archive")
        await wait_until(
            conns,
            lambda: all(org.folder_of(c.cache.get("VM", v.ref)) == "/Apps" for c, v in zip(conns, vms, strict=True)),
        )
        await wait_until(conns, lambda: org.empty_folders(conns[0].cache.pool) == ["/Archive"])
        tree = NavigationTree(conns, TreeView.FOLDERS)
        lines = tree.render_lines()
        assert lines.count("  Apps\tfolder") == 1  # one folder for both pools
        apps = lines.index("  Apps\tfolder")
        assert sorted(line.strip().split("\t")[0] for line in lines[apps + 1 : apps + 3]) == sorted(v.name for v in vms)

        await organize.move_folder(conns, "/Apps", "/Archive/Apps")
        await wait_until(
            conns,
            lambda: all(
                org.folder_of(c.cache.get("VM", v.ref)) == "/Archive/Apps" for c, v in zip(conns, vms, strict=True)
            ),
        )
        assert "    Apps\tfolder" in tree.render_lines()  # the view followed, below Archive
        await organize.delete_folder(conns, "/Archive")
        await wait_until(
            conns,
            lambda: all("folder" not in c.cache.get("VM", v.ref).other_config for c, v in zip(conns, vms, strict=True)),
        )
        await wait_until(conns, lambda: org.empty_folders(conns[0].cache.pool) == [])
        assert tree.render_lines() == ["Folders\tfolder"]
        tree.close()
    finally:
        for conn in conns:
            await conn.disconnect()
