"""Navigation tree rules (xencenter-features.md §3) on hand-built records."""

from __future__ import annotations

from tests.model.records import PoolBuilder
from xencenter_py.model.connection import Connection
from xencenter_py.model.objects import natural_key
from xencenter_py.model.tree import ICONS, NavigationTree, TreeOptions, TreeView


def demo() -> PoolBuilder:
    b = PoolBuilder("Pool A")
    b.h1 = b.host("host 10", coordinator=True)
    b.h2 = b.host("host 9")
    b.h3 = b.host("dead host", live=False)
    b.local1 = b.sr("Local storage", "lvm", shared=False, hosts=[b.h1])
    b.local3 = b.sr("Local storage", "ext", shared=False, hosts=[b.h3])
    b.nfs = b.sr("NFS", "nfs", shared=True, hosts=[b.h1, b.h2, b.h3])
    b.iso = b.sr("ISO library", "iso", shared=True, hosts=[b.h1, b.h2, b.h3], content_type="iso")
    b.tables["pool"][b.pool]["default_SR"] = b.nfs
    b.running = b.vm("web 10", "Running", host=b.h1)
    b.halted = b.vm("web 9")
    b.on_local = b.vm("db", "Suspended")
    b.disk(b.on_local, b.local1)
    b.shared_disk = b.vm("app")
    b.disk(b.shared_disk, b.nfs)
    b.affine = b.vm("pinned", affinity=b.h2)
    b.affine_dead = b.vm("pinned-dead", affinity=b.h3)
    b.on_dead = b.vm("lost", "Running", host=b.h3)
    b.paused = b.vm("frozen", "Paused", host=b.h2)
    b.default_tmpl = b.template("Debian 12", default=True)
    b.custom_tmpl = b.template("golden image")
    b.snap = b.snapshot(b.running, "before upgrade")
    return b


def lines(tree: NavigationTree) -> list[str]:
    return tree.render_lines()


def test_infrastructure_layout_follows_home_rules() -> None:
    b = demo()
    tree = NavigationTree([b.connection()], TreeView.INFRASTRUCTURE)
    assert lines(tree) == [
        "xencenter-py\thome",
        "  Pool A\tpool",
        "    host 10\thost",  # coordinator first
        "      db\tvm-suspended",  # local disk ties it to host 10
        "      web 10\tvm-running",  # running → its host
        "      Local storage\tsr",
        # Not live: its VMs and local SR stay under it, greyed (XenCenter hides them; an
        # administrator looking for a VM whose server is down should still find it).
        "    dead host\thost-disconnected",
        "      lost\tvm-running",
        "      Local storage\tsr",
        "    host 9\thost",
        # Paused stays where it is resident and holds memory (XenCenter moves it to its home).
        "      frozen\tvm-paused",
        "      pinned\tvm-halted",  # affinity to a live host
        "    app\tvm-halted",  # shared storage only → pool level
        "    pinned-dead\tvm-halted",  # affinity host not live → pool level
        "    web 9\tvm-halted",
        "    ISO library\tsr-shared",
        "    NFS\tsr-default",
        "    golden image\ttemplate-custom",  # custom templates on, server templates off
    ]


def test_view_options() -> None:
    b = demo()
    conn = b.connection()
    tree = NavigationTree(
        [conn], options=TreeOptions(show_default_templates=True, show_custom_templates=False, show_local_storage=False)
    )
    text = "\n".join(lines(tree))
    assert "Debian 12\ttemplate" in text
    assert "golden image" not in text
    assert "Local storage" not in text
    # Templates: custom before default at the same level; SRs before templates.
    all_on = NavigationTree([conn], options=TreeOptions(show_default_templates=True))
    pool_children = [n.label for n in all_on.root.children[0].children]
    assert pool_children[-4:] == ["ISO library", "NFS", "golden image", "Debian 12"]


def test_hidden_objects_need_the_option_and_are_marked() -> None:
    b = demo()
    b.vm("secret", other_config={"HideFromXenCenter": "true"})
    b.vm("__gui__temp")
    b.template("internal", other_config={"xensource_internal": "true"})
    b.sr("XenServer Tools", "iso", shared=True, hosts=[b.h1], is_tools_sr=True)
    b.sr("ram", "tmpfs", shared=False, hosts=[b.h1])
    conn = b.connection()
    plain = "\n".join(lines(NavigationTree([conn])))
    assert "secret" not in plain and "__gui__" not in plain and "internal" not in plain
    shown = NavigationTree([conn], options=TreeOptions(show_hidden=True, show_default_templates=True))
    node = next(n for _d, n in shown.walk() if n.label.startswith("secret"))
    assert node.label == "secret (hidden)" and node.grey
    text = "\n".join(lines(shown))
    assert "__gui__" not in text and "internal" not in text and "Tools" not in text and "ram" not in text
    assert "Control domain" not in text


def test_standalone_server_has_no_pool_node() -> None:
    b = PoolBuilder("")
    h = b.host("lonely")
    b.sr("Local storage", "lvm", shared=False, hosts=[h])
    b.sr("NFS", "nfs", shared=True, hosts=[h])
    b.vm("vm-a")
    b.vm("vm-b", "Running", host=h)
    tree = NavigationTree([b.connection()])
    assert lines(tree) == [
        "xencenter-py\thome",
        "  lonely\thost",
        "    vm-a\tvm-halted",
        "    vm-b\tvm-running",
        "    Local storage\tsr",
        "    NFS\tsr-shared",
    ]


def test_disconnected_connection_shows_as_a_server() -> None:
    conn = Connection("10.1.2.3", "root", "pw")
    b = demo()
    tree = NavigationTree([b.connection("A"), conn])
    assert lines(tree)[-1] == "  10.1.2.3\thost-disconnected"
    objects = NavigationTree([conn], TreeView.OBJECTS)
    assert lines(objects) == [
        "Objects by Type\tobjects",
        "  Disconnected Servers\thost-disconnected",
        "    10.1.2.3\thost-disconnected",
    ]


def test_objects_view_groups_by_type() -> None:
    b = demo()
    b.network("Pool-wide network")
    b.network("HIMN", other_config={"is_guest_installer_network": "true"})
    tree = NavigationTree([b.connection()], TreeView.OBJECTS)
    groups = [n.label for n in tree.root.children]
    assert groups == [
        "Pools",
        "Servers",
        "VMs",
        "Snapshots",
        "Custom Templates",
        "Remote Storage Repositories",
        "Local Storage Repositories",
        "Virtual Disks",
        "Networks",
    ]
    vms = [n.label for n in tree.root.children[2].children]  # "lost" runs on a dead host: greyed
    assert vms == ["app", "db", "frozen", "lost", "pinned", "pinned-dead", "web 9", "web 10"]  # natural order
    assert [n.label for n in tree.root.children[2].children if n.grey] == ["lost"]
    assert [n.label for n in tree.root.children[-1].children] == ["Pool-wide network"]
    # a snapshot sits in Snapshots only
    assert "before upgrade" not in "\n".join(line for line in lines(tree) if "vm-" in line)


def test_icons_are_from_the_vocabulary() -> None:
    b = demo()
    b.vm("busy", "Halted", current_operations={"OpaqueRef:t": "start"})
    b.snapshot(b.halted, "with memory", power_state="Suspended")
    for view in TreeView:
        tree = NavigationTree([b.connection()], view, TreeOptions(show_default_templates=True, show_hidden=True))
        for _d, node in tree.walk():
            assert node.icon in ICONS, node
    objects = NavigationTree([b.connection()], TreeView.OBJECTS)
    icons = {n.label: n.icon for _d, n in objects.walk()}
    assert icons["busy"] == "vm-starting"
    assert icons["with memory"] == "snapshot-memory"


def test_search_keeps_ancestors_of_matches() -> None:
    b = demo()
    tree = NavigationTree([b.connection()], search="PINNED")
    assert lines(tree) == [
        "xencenter-py\thome",
        "  Pool A\tpool",
        "    host 9\thost",
        "      pinned\tvm-halted",
        "    pinned-dead\tvm-halted",
    ]
    tree.set_search("frozen nothing-else")  # any word may match
    assert lines(tree) == ["xencenter-py\thome", "  Pool A\tpool", "    host 9\thost", "      frozen\tvm-paused"]
    tree.set_search("dead")
    assert lines(tree) == [
        "xencenter-py\thome",
        "  Pool A\tpool",
        "    dead host\thost-disconnected",
        "    pinned-dead\tvm-halted",
    ]


def test_natural_sort() -> None:
    names = ["VM 10", "vm 9", "VM 1", "a", "B", "VM 1b", "007", "7", "x2y10", "x2y9"]
    assert sorted(names, key=natural_key) == ["7", "007", "a", "B", "VM 1", "VM 1b", "vm 9", "VM 10", "x2y9", "x2y10"]


def test_very_long_names_are_cut() -> None:
    b = demo()
    b.vm("x" * 5000)
    tree = NavigationTree([b.connection()], TreeView.OBJECTS)
    assert any(n.label == "x" * 1000 + "…" for _d, n in tree.walk())
