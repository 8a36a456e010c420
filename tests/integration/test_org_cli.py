"""A pool organised through the API as XenCenter stores it (tags, folders, custom fields,
vApps, a saved search): the model's views and `xencenter-py tree --view ... / --search-file`
print the same trees; a vApp starts and shuts down as one call."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import SimProcess
from tests.integration.test_tree_sim import check_well_formed, tree_cli
from tests.model.waiting import wait_until
from xencenter_py.model import org
from xencenter_py.model import search as searching
from xencenter_py.model.connection import Connection
from xencenter_py.model.tree import NavigationTree, TreeView

SEARCH_FILE = Path(__file__).parent.parent / "data" / "xensearch" / "halted-web-vms.xensearch"


def vm(conn: Connection, name: str) -> str:
    return next(v.ref for v in conn.cache.all("VM") if v.name == name)


async def test_organisation_views_and_search_file(sim_factory) -> None:
    sim: SimProcess = sim_factory("--seed", "demo", "--speed", "50")
    conn = Connection(sim.url, "root", sim.password)
    await conn.connect()
    try:
        dev, staging = vm(conn, "Dev Server"), vm(conn, "Windows Server 2019 Staging")
        pool = conn.cache.pool.ref
        await conn.call("VM.add_tags", dev, "web")
        await conn.call("VM.add_tags", staging, "web")
        await conn.call("VM.add_tags", staging, "本番")
        await conn.call("VM.add_to_other_config", dev, "folder", "/Production/Web")
        await conn.call("pool.add_to_other_config", pool, "EMPTY_FOLDERS", "/Archive")
        fields = org.custom_fields_xml([org.CustomFieldDefinition("Owner")])
        await conn.call("pool.add_to_gui_config", pool, org.CUSTOM_FIELDS_KEY, fields)
        await conn.call("VM.add_to_other_config", staging, "XenCenter.CustomFields.Owner", "山田")
        appliance = await conn.call(
            "VM_appliance.create", {"name_label": "Web tier", "name_description": "", "VMs": []}
        )
        await conn.call("VM.set_appliance", dev, appliance)
        await conn.call("VM.set_appliance", staging, appliance)
        await conn.call("VM.set_order", staging, 1)
        [saved] = searching.parse_search_file(SEARCH_FILE.read_text(encoding="utf-8"))
        await conn.call("pool.add_to_gui_config", pool, saved.key, searching.search_xml(saved))
        await wait_until(conn, lambda: len((conn.cache.record("VM_appliance", appliance) or {}).get("VMs") or ()) == 2)
        await wait_until(conn, lambda: saved.key in conn.cache.pool["gui_config"])

        tags = NavigationTree([conn], TreeView.TAGS).render_lines()
        web = tags.index("  web\ttag")
        assert tags[web + 1 : web + 3] == ["    Dev Server\tvm-running", "    Windows Server 2019 Staging\tvm-halted"]
        assert tags[tags.index("  本番\ttag") + 1] == "    Windows Server 2019 Staging\tvm-halted"
        for view in ("tags", "folders", "custom-fields", "vapps"):
            out = tree_cli("--server", sim.url, "--view", view, password=sim.password)
            assert out.returncode == 0, out.stderr
            check_well_formed(out.stdout.splitlines())
            assert out.stdout.splitlines() == NavigationTree([conn], TreeView(view)).render_lines()
        folders = tree_cli("--server", sim.url, "--view", "folders", password=sim.password).stdout.splitlines()
        assert "  Archive\tfolder" in folders and "      Dev Server\tvm-running" in folders
        # The search stored in the pool is the one in the file.
        [stored] = searching.saved_searches(conn.cache.pool)
        assert searching.search_xml(stored) == searching.search_xml(saved)
        out = tree_cli("--server", sim.url, "--search-file", str(SEARCH_FILE), password=sim.password)
        assert out.returncode == 0, out.stderr
        assert out.stdout.splitlines() == NavigationTree([conn], TreeView.SEARCH, saved_search=saved).render_lines()
        bad = tree_cli("--server", sim.url, "--search-file", str(SEARCH_FILE.parent), password=sim.password)
        assert bad.returncode == 1 and "saved search" in bad.stderr and len(bad.stderr.splitlines()) == 1

        # A vApp is shut down and started as one operation, in its VMs' order.
        await conn.call("VM_appliance.shutdown", appliance)
        await wait_until(conn, lambda: conn.cache.record("VM", dev)["power_state"] == "Halted")
        await conn.call("VM_appliance.start", appliance, False)
        await wait_until(
            conn,
            lambda: all(conn.cache.record("VM", r)["power_state"] == "Running" for r in (dev, staging)),
        )
        metrics = [conn.cache.record("VM", r)["metrics"] for r in (dev, staging)]
        started = [conn.cache.record("VM_metrics", m)["start_time"] for m in metrics]
        assert started[0] <= started[1]  # order 0 before order 1
    finally:
        await conn.disconnect()
