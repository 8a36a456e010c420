"""The tree follows cache batches with fine-grained deltas that always equal a rebuild."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.model.records import PoolBuilder
from tests.model.shadow import ShadowTree
from tests.model.test_tree_rules import demo
from xencenter_py.model import tree as tree_module
from xencenter_py.model.connection import Connection, ConnectionState
from xencenter_py.model.tree import NavigationTree, TreeOptions, TreeView


def ev(op: str, cls: str, ref: str, snap: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"class": cls.lower(), "operation": op, "ref": ref, "snapshot": snap}


def mod(conn: Connection, cls: str, ref: str, **changes: Any) -> dict[str, Any]:
    rec = dict(conn.cache.record(cls, ref))
    rec.update(changes)
    return ev("mod", cls, ref, rec)


def same_as_rebuild(tree: NavigationTree, conns: list[Connection]) -> None:
    fresh = NavigationTree(conns, tree.view, tree.options, tree.search)
    assert tree.render_lines() == fresh.render_lines()
    assert [n.key for _d, n in tree.walk()] == [n.key for _d, n in fresh.walk()]
    for (_d1, a), (_d2, b) in zip(tree.walk(), fresh.walk(), strict=True):
        assert (a.label, a.icon, a.kind, a.grey) == (b.label, b.icon, b.kind, b.grey)
    fresh.close()


def test_vm_start_moves_the_node_from_pool_to_host() -> None:
    b = demo()
    conn = b.connection()
    tree = NavigationTree([conn])
    shadow = ShadowTree(tree)
    key = tree.key_for(conn, b.halted)
    pool_key, host_key = tree.key_for(conn, b.pool), tree.key_for(conn, b.h2)
    old_row = tree.node(key).row
    # The server first marks the operation (orange icon), then the VM runs on host 9.
    conn.cache.apply_events([mod(conn, "VM", b.halted, current_operations={"OpaqueRef:t1": "start"})])
    assert shadow.log == [("changed", key)]
    assert tree.node(key).icon == "vm-starting"
    conn.cache.apply_events([mod(conn, "VM", b.halted, current_operations={}, power_state="Running", resident_on=b.h2)])
    new_row = tree.node(key).row
    assert shadow.log[1:] == [("moved", pool_key, old_row, host_key, new_row, key), ("changed", key)]
    assert tree.node(key).parent.key == host_key and tree.node(key).icon == "vm-running"
    assert shadow.matches(tree)
    same_as_rebuild(tree, [conn])


def test_rename_reorders_within_parent() -> None:
    b = demo()
    conn = b.connection()
    tree = NavigationTree([conn])
    shadow = ShadowTree(tree)
    conn.cache.apply_events([mod(conn, "VM", b.halted, name_label="aaa first")])
    kinds = [e[0] for e in shadow.log]
    assert kinds == ["moved", "changed"]
    assert shadow.matches(tree)
    same_as_rebuild(tree, [conn])


def test_add_and_delete() -> None:
    b = demo()
    conn = b.connection()
    tree = NavigationTree([conn])
    shadow = ShadowTree(tree)
    rec = dict(conn.cache.record("VM", b.halted), name_label="new vm", uuid="u-new")
    conn.cache.apply_events([ev("add", "VM", "OpaqueRef:new", rec)])
    assert shadow.log[-1][0] == "inserted" and tree.node(tree.key_for(conn, "OpaqueRef:new")) is not None
    conn.cache.apply_events([ev("del", "VM", "OpaqueRef:new")])
    assert shadow.log[-1][0] == "removed" and tree.node(tree.key_for(conn, "OpaqueRef:new")) is None
    assert shadow.matches(tree)


def test_heartbeat_mod_produces_nothing() -> None:
    b = demo()
    conn = b.connection()
    tree = NavigationTree([conn])
    shadow = ShadowTree(tree)
    batches: list[Any] = []
    conn.cache.subscribe(batches.append)
    conn.cache.apply_events([mod(conn, "pool", b.pool)])
    assert batches == [] and shadow.log == []


def test_host_going_down_greys_its_vms_and_local_srs() -> None:
    b = demo()
    conn = b.connection()
    tree = NavigationTree([conn])
    shadow = ShadowTree(tree)
    assert not tree.node(tree.key_for(conn, b.running)).grey
    metrics = conn.cache.record("host", b.h1)["metrics"]
    conn.cache.apply_events([mod(conn, "host_metrics", metrics, live=False)])
    text = "\n".join(tree.render_lines())
    assert "    host 10\thost-disconnected\n      db\tvm-suspended\n      web 10\tvm-running" in text
    assert tree.node(tree.key_for(conn, b.running)).grey and tree.node(tree.key_for(conn, b.local1)).grey
    assert shadow.matches(tree)
    same_as_rebuild(tree, [conn])


def test_sr_becoming_shared_moves_its_vms() -> None:
    b = demo()
    conn = b.connection()
    tree = NavigationTree([conn])
    shadow = ShadowTree(tree)
    conn.cache.apply_events([mod(conn, "SR", b.local1, shared=True)])
    db = tree.node(tree.key_for(conn, b.on_local))
    assert db.parent.kind == "pool"
    assert shadow.matches(tree)
    same_as_rebuild(tree, [conn])


def test_connection_state_and_search_changes_are_deltas() -> None:
    b = demo()
    conn = b.connection()
    other = Connection("10.9.9.9", "root", "pw")
    tree = NavigationTree([conn, other], search="web")
    shadow = ShadowTree(tree)
    tree.set_search("")
    tree.set_options(TreeOptions(show_default_templates=True, show_hidden=True))
    tree.set_search("pinned")
    assert shadow.matches(tree)
    same_as_rebuild(tree, [conn, other])
    tree.remove_connection(conn)
    assert shadow.matches(tree)
    assert tree.render_lines() == ["xencenter-py\thome"]  # "pinned" matches nothing left


# -- property: any sequence of changes leaves the tree equal to a fresh build ---------------------
POWER = ["Halted", "Running", "Suspended", "Paused"]


@st.composite
def change(draw: st.DrawFn, b: PoolBuilder) -> tuple[str, ...]:
    vms = [r for r, v in b.tables["VM"].items() if not v["is_control_domain"]]
    kind = draw(
        st.sampled_from(
            [
                "power",
                "rename",
                "hide",
                "affinity",
                "live",
                "shared",
                "delete",
                "add",
                "pool-name",
                "default-sr",
                "host-enabled",
                "host-licence",
                "pbd",
            ]
        )
    )
    return (
        kind,
        draw(st.sampled_from(vms)),
        draw(st.sampled_from(POWER)),
        draw(st.sampled_from([b.h1, b.h2, b.h3])),
        draw(st.sampled_from(["VM 1", "vm 10", "b", "Z 2"])),
        draw(st.sampled_from([b.local1, b.nfs, b.iso])),
    )


def apply(conn: Connection, b: PoolBuilder, c: tuple[str, ...], n: int) -> None:
    kind, vm, power, host, name, sr = c
    cache = conn.cache
    if cache.record("VM", vm) is None:
        return
    if kind == "power":
        events = [mod(conn, "VM", vm, power_state=power, resident_on=host if power != "Halted" else "OpaqueRef:NULL")]
    elif kind == "rename":
        events = [mod(conn, "VM", vm, name_label=name)]
    elif kind == "hide":
        events = [mod(conn, "VM", vm, other_config={"HideFromXenCenter": "true"})]
    elif kind == "affinity":
        events = [mod(conn, "VM", vm, affinity=host)]
    elif kind == "live":
        metrics = cache.record("host", host)["metrics"]
        events = [mod(conn, "host_metrics", metrics, live=not cache.record("host_metrics", metrics)["live"])]
    elif kind == "shared":
        events = [mod(conn, "SR", sr, shared=not cache.record("SR", sr)["shared"])]
    elif kind == "delete":
        events = [ev("del", "VM", vm)]
    elif kind == "add":
        new_ref = f"OpaqueRef:added-{n}"
        rec = dict(cache.record("VM", vm), name_label=name, snapshots=[], VBDs=[])
        events = [ev("add", "VM", new_ref, rec)]
        parent = rec["snapshot_of"]
        if rec["is_a_snapshot"] and cache.record("VM", parent) is not None:
            # XAPI keeps both sides of a relation: the parent lists its new snapshot.
            events.append(mod(conn, "VM", parent, snapshots=[*cache.record("VM", parent)["snapshots"], new_ref]))
    elif kind == "pool-name":
        events = [mod(conn, "pool", b.pool, name_label="" if cache.pool.get("name_label") else "P")]
    elif kind == "host-enabled":
        events = [mod(conn, "host", host, enabled=not cache.record("host", host)["enabled"])]
    elif kind == "host-licence":
        expiry = "20000101T00:00:00Z" if power in ("Halted", "Paused") else "20990101T00:00:00Z"
        events = [mod(conn, "host", host, license_params={"expiry": expiry})]
    elif kind == "pbd":
        pbd = cache.record("SR", sr)["PBDs"][0]
        events = [mod(conn, "PBD", pbd, currently_attached=not cache.record("PBD", pbd)["currently_attached"])]
    else:
        events = [mod(conn, "pool", b.pool, default_SR=sr)]
    cache.apply_events(events)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(), view=st.sampled_from(list(TreeView)), search=st.sampled_from(["", "web", "1"]), hidden=st.booleans()
)
def test_random_changes_equal_rebuild(data: st.DataObject, view: TreeView, search: str, hidden: bool) -> None:
    b = demo()
    conn = b.connection()
    tree = NavigationTree([conn], view, TreeOptions(show_hidden=hidden), search)
    shadow = ShadowTree(tree)
    for n in range(data.draw(st.integers(1, 12))):
        apply(conn, b, data.draw(change(b)), n)
        assert shadow.matches(tree)
    same_as_rebuild(tree, [conn])


# -- a big pool that has just connected is laid out in slices ------------------------------------
def _loading(b: PoolBuilder, monkeypatch: pytest.MonkeyPatch) -> Connection:
    """The demo pool as while it loads (the tree lays it out in slices of two objects)."""
    monkeypatch.setattr(tree_module, "SLICED_BUILD_THRESHOLD", 0)
    monkeypatch.setattr(tree_module, "BUILD_SLICE", 2)
    conn = b.connection()
    conn.state = ConnectionState.CONNECTING
    return conn


async def _ticks(n: int) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


def test_sliced_build_attaches_the_pool_in_one_insert(monkeypatch: pytest.MonkeyPatch) -> None:
    b = demo()
    conn = _loading(b, monkeypatch)
    tree = NavigationTree([conn])
    shadow = ShadowTree(tree)

    async def connect() -> None:
        conn._set_state(ConnectionState.CONNECTED)
        assert [n.kind for _d, n in tree.walk()] == ["root", "connection"]  # still loading
        await _ticks(100)

    asyncio.run(connect())
    assert [e[0] for e in shadow.log] == ["inserted", "removed"]  # the pool with all below it; the placeholder
    assert shadow.log[0][3] == f"0/{b.pool}"
    assert shadow.matches(tree)
    same_as_rebuild(tree, [conn])


def test_disconnect_while_laying_out_and_removal_in_one_delta(monkeypatch: pytest.MonkeyPatch) -> None:
    b = demo()
    conn = _loading(b, monkeypatch)
    tree = NavigationTree([conn])
    shadow = ShadowTree(tree)

    async def flap() -> None:
        conn._set_state(ConnectionState.CONNECTED)
        await _ticks(2)
        conn.cache.replace({})
        conn._set_state(ConnectionState.DISCONNECTED)
        await _ticks(100)
        assert shadow.matches(tree)
        same_as_rebuild(tree, [conn])
        conn.cache.replace(b.tables)
        conn._set_state(ConnectionState.CONNECTED)
        await _ticks(100)
        assert shadow.matches(tree)
        same_as_rebuild(tree, [conn])
        del shadow.log[:]
        conn.cache.replace({})  # the user disconnects: the pool goes with one removal
        assert [e[0] for e in shadow.log] == ["inserted", "removed"]
        assert shadow.log[1][3] == f"0/{b.pool}"

    asyncio.run(flap())
    assert shadow.matches(tree)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    data=st.data(), view=st.sampled_from(list(TreeView)), search=st.sampled_from(["", "web", "1"]), hidden=st.booleans()
)
def test_changes_while_laying_out_equal_rebuild(
    monkeypatch: pytest.MonkeyPatch, data: st.DataObject, view: TreeView, search: str, hidden: bool
) -> None:
    """Batches that arrive while a pool is laid out slice by slice are applied after it is
    attached: the result is the same as building at once from the final cache."""
    b = demo()
    conn = _loading(b, monkeypatch)
    tree = NavigationTree([conn], view, TreeOptions(show_hidden=hidden), search)
    shadow = ShadowTree(tree)
    changes = [(data.draw(change(b)), data.draw(st.integers(0, 3))) for _ in range(data.draw(st.integers(1, 12)))]

    async def connect() -> None:
        conn._set_state(ConnectionState.CONNECTED)
        for n, (c, pause) in enumerate(changes):
            apply(conn, b, c, n)
            await _ticks(pause)
        await _ticks(100)

    asyncio.run(connect())
    assert shadow.matches(tree)
    same_as_rebuild(tree, [conn])
