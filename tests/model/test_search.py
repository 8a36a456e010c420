"""Saved searches: XenCenter's XML (a ``.xensearch`` export and the pool's ``gui_config``
value) read, written back and applied to a pool, with the seven built-in searches."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.model.test_org_views import organised
from xencenter_py.model import search as searching
from xencenter_py.model.tree import NavigationTree, TreeView

DATA = Path(__file__).parent.parent / "data" / "xensearch"


def test_xensearch_file_round_trip() -> None:
    text = (DATA / "halted-web-vms.xensearch").read_text(encoding="utf-8")
    [search] = searching.parse_search_file(text)
    assert search.name == "Web VMs by power state" and search.uuid == "9b6ab5d6-2c4e-4b5e-9a55-5d2f0c1b7e01"
    assert search.scope == ("VM", "UserTemplate") and search.show_expanded
    assert search.columns == [("name", 260), ("cpu", 120), ("ip", 100)]  # "state" no longer exists
    assert search.key == "xensearch.Search-9b6ab5d6-2c4e-4b5e-9a55-5d2f0c1b7e01"
    exported = searching.search_file_xml([search])
    assert exported.startswith('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE XenSearch')
    [again] = searching.parse_search_file(exported)
    assert searching.search_xml(again) == searching.search_xml(search)
    stored = searching.search_xml(search)
    assert stored.startswith('<Search uuid="9b6ab5d6-2c4e-4b5e-9a55-5d2f0c1b7e01" name="Web VMs by power state"')
    assert '<StringListContainsQuery property="tags" contains="yes" query="web" />' in stored
    assert searching.search_xml(searching.parse_search(stored)) == stored


def test_search_results_grouped_in_the_tree() -> None:
    conn = organised().connection()
    [search] = searching.parse_search_file((DATA / "halted-web-vms.xensearch").read_text(encoding="utf-8"))
    tree = NavigationTree([conn], TreeView.SEARCH, saved_search=search)
    assert tree.render_lines() == [
        "Web VMs by power state\tsaved-search",
        "  Halted\tvm-halted",
        "    web 9\tvm-halted",
        "  Running\tvm-running",
        "    web 10\tvm-running",
    ]
    tree.set_search("10")
    assert [n.label for _d, n in tree.walk()] == ["Web VMs by power state", "Running", "web 10"]


def test_default_searches() -> None:
    conn = organised().connection()
    defaults = {s.uuid: s for s in searching.default_searches()}
    assert [s.name for s in defaults.values()] == [
        "VMs by Operating System",
        "VMs without XenServer VM Tools",
        "VMs by Power State",
        "VMs by Network",
        "VMs by vApp",
        "Resources by Tag",
        "VMs and Snapshots",
    ]
    by_tag = NavigationTree([conn], TreeView.SEARCH, saved_search=defaults["dead-beef-1234-objbytags"])
    assert by_tag.render_lines()[1:] == [
        "  critical\ttag",
        "    host 10\thost",
        "    web 10\tvm-running",
        "  web\ttag",
        "    web 9\tvm-halted",
        "    web 10\tvm-running",
    ]
    by_vapp = NavigationTree([conn], TreeView.SEARCH, saved_search=defaults["dead-beef-1234-vmsbyappliance"])
    assert by_vapp.render_lines()[1:] == ["  Web tier\tvapp", "    web 9\tvm-halted", "    web 10\tvm-running"]
    snapshots = NavigationTree([conn], TreeView.SEARCH, saved_search=defaults["dead-beef-1234-snapshotsbyvm"])
    lines = snapshots.render_lines()
    assert lines[:2] == ["VMs and Snapshots\tsaved-search", "  Pool A\tpool"]
    # pool > host > the VM itself as the group of its snapshots
    assert lines[lines.index("      web 10\tvm-running") + 1] == "        before upgrade\tsnapshot"
    without_tools = NavigationTree([conn], TreeView.SEARCH, saved_search=defaults["dead-beef-1234-vmswotools"])
    # "lost" runs on a dead server: shown greyed, not hidden (see tree_rules._home_offline)
    assert [n.label for _d, n in without_tools.walk()][1:] == ["Not optimized", "lost", "web 10"]


def test_bad_search_files_are_refused_with_a_reason() -> None:
    with pytest.raises(searching.SearchFormatError):
        searching.parse_search_file("<Searches><Search")
    with pytest.raises(searching.SearchFormatError, match="no saved search"):
        searching.parse_search_file("<Searches/>")
    with pytest.raises(searching.SearchFormatError, match="newer version"):
        searching.parse_search_file('<Search name="x" major_version="3"><Query/></Search>')


@pytest.mark.parametrize("dump", sorted(p for p in (DATA.parent / "db").iterdir() if p.is_file()), ids=lambda p: p.name)
def test_every_view_and_built_in_search_on_real_dumps(dump: Path) -> None:
    from xencenter_py.model.connection import Connection
    from xencenter_py.sim import xmldb
    from xencenter_py.sim.store import Store

    store = Store()
    xmldb.load(str(dump), store)
    conn = Connection.from_records(dump.name, {cls: store.all(cls) for cls in store.tables})
    for view in TreeView:
        if view is TreeView.SEARCH:
            continue
        tree = NavigationTree([conn], view)
        for text in ("a", "local 1", "10.", "", "xyz-none"):
            tree.set_search(text)  # typed: the same tree as one built for the text
            assert tree.render_lines() == NavigationTree([conn], view, search=text).render_lines(), (view, text)
    for saved in searching.default_searches():
        lines = NavigationTree([conn], TreeView.SEARCH, saved_search=saved).render_lines()
        assert lines[0] == f"{saved.name}\tsaved-search"
