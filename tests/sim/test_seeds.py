"""The seeds: the demo pool of the XenServer 5.5 deck, standalone, empty, and scale pools."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import SimProcess, close_proxy
from tests.sim.behaviour_support import NULL, GiB, login, vm_by_name
from xencenter_py.datamodel import NULL_REF
from xencenter_py.sim.behaviours.allowed_ops import compute
from xencenter_py.sim.behaviours.placement import host_free_memory
from xencenter_py.sim.seeds import scale, seed
from xencenter_py.sim.seeds.common import STORAGE_TABLE
from xencenter_py.sim.store import RELATIONS, Store


@pytest.fixture(scope="module")
def demo(demo_sim: SimProcess) -> Iterator[Any]:
    session = login(demo_sim)
    yield session.xenapi
    session.xenapi.session.logout()
    close_proxy(session)


def built(name: str) -> Store:
    store = Store()
    seed(store, name)
    return store


def assert_consistent(store: Store) -> None:
    """Every reference resolves, every maintained set matches, memory and operations agree."""
    for cls, rows in store.tables.items():
        fields = store.dm.classes[cls].fields
        refs = [n for n, f in fields.items() if f.type.kind == "ref" and f.type.name in store.tables]
        for ref, rec in rows.items():
            for name in refs:
                value = rec[name]
                target = fields[name].type.name
                assert value == NULL_REF or value in store.tables[target], (cls, ref, name, value)
    for pcls, pset, ccls, cfield in RELATIONS:
        if pcls not in store.tables or ccls not in store.tables:
            continue
        for ref, rec in store.tables[pcls].items():
            expected = sorted(r for r, c in store.tables[ccls].items() if c.get(cfield) == ref)
            assert sorted(rec[pset]) == expected, (pcls, pset, ref)
    for host, rec in store.all("host").items():
        free = store.get("host_metrics", rec["metrics"])["memory_free"]
        assert free == host_free_memory(store, host) > 0
    for cls in ("VM", "host", "SR", "VDI", "VBD", "VIF"):
        for ref, rec in store.all(cls).items():
            assert set(rec["allowed_operations"]) == set(compute(store, cls, ref)), (cls, rec.get("name_label"))
    for vm in store.all("VM").values():
        if vm["power_state"] in ("Running", "Paused"):
            assert vm["resident_on"] in store.all("host") and vm["domid"] >= 0
            assert store.get("VM_metrics", vm["metrics"])["memory_actual"] > 0
        else:
            assert vm["resident_on"] == NULL_REF and vm["domid"] == -1, vm["name_label"]
    macs = [v["MAC"] for v in store.all("VIF").values()]
    assert len(macs) == len(set(macs))


@pytest.mark.parametrize("name", ["demo", "standalone", "empty"])
def test_seed_is_consistent(name: str) -> None:
    assert_consistent(built(name))


def test_scale_pool_is_consistent_and_sized() -> None:
    store = Store()
    scale.build(store, 8, 400)
    assert_consistent(store)
    real = [v for v in store.all("VM").values() if not v["is_a_template"] and not v["is_control_domain"]]
    assert len(store.all("host")) == 8 and len(real) == 400
    assert all(v["VBDs"] and v["VIFs"] and v["metrics"] in store.all("VM_metrics") for v in real)
    assert sum(v["power_state"] == "Running" for v in real) > 200
    assert {s["type"] for s in store.all("SR").values()} >= {"lvm", "nfs", "lvmoiscsi"}
    assert any(v["is_default_template"] for v in store.all("VM").values())


def test_scale_pool_serves_its_counts(sim_factory: Any) -> None:
    sim = sim_factory("--pool-size", "4:300", "--speed", "100")
    x = login(sim).xenapi
    vms = x.VM.get_all_records()
    real = [v for v in vms.values() if not v["is_a_template"] and not v["is_control_domain"]]
    assert len(x.host.get_all()) == 4 and len(real) == 300
    halted = next(r for r, v in vms.items() if v in real and v["power_state"] == "Halted")
    x.VM.start(halted, False, False)
    assert x.VM.get_resident_on(halted) == vms[halted]["affinity"]


def test_demo_has_every_sr_type_of_the_deck_table_with_its_capabilities(demo: Any) -> None:
    srs = demo.SR.get_all_records()
    sms = {sm["type"]: sm for sm in demo.SM.get_all_records().values()}
    for row in STORAGE_TABLE:
        sr = next((s for s in srs.values() if s["type"] == row.type), None)
        assert sr is not None, row.label
        caps = set(sms[row.type]["capabilities"])
        assert sr["shared"] is row.shared, row.label
        assert ("THIN_PROVISIONING" in caps) is row.thin, row.label
        assert ("VDI_RESIZE" in caps) is row.resize, row.label
        assert ("VDI_CLONE" in caps) is row.fast_clone, row.label
        assert ("VDI_SNAPSHOT" in caps) is row.snapshot, row.label
        assert all(demo.PBD.get_currently_attached(p) for p in sr["PBDs"])
        assert len(sr["PBDs"]) == (3 if row.shared else 1)
    for capability_list in (sm["capabilities"] for sm in sms.values()):
        assert capability_list == sorted(capability_list)
    assert sms["lvm"]["features"]["VDI_RESET_ON_BOOT"] == "2"


def test_demo_storage_extras(demo: Any) -> None:
    srs = demo.SR.get_all_records()
    by_name: dict[str, list[dict[str, Any]]] = {}
    for sr in srs.values():
        by_name.setdefault(sr["name_label"], []).append(sr)
    assert [s["content_type"] for s in by_name["DVD drives"]] == ["iso"] * 3
    assert [s["content_type"] for s in by_name["Removable storage"]] == ["disk"] * 3
    assert {s["type"] for s in by_name["DVD drives"] + by_name["Removable storage"]} == {"udev"}
    assert by_name["ISO library"][0]["type"] == "iso" and by_name["ISO library"][0]["shared"] is True
    tools = by_name["XenServer Tools"][0]
    assert tools["is_tools_sr"] is True and tools["other_config"]["xensource_internal"] == "true"
    pool = demo.pool.get_record(demo.pool.get_all()[0])
    nfs = next(r for r, s in srs.items() if s["type"] == "nfs")
    assert pool["default_SR"] == pool["suspend_image_SR"] == pool["crash_dump_SR"] == nfs


def test_demo_hosts_match_the_deck(demo: Any) -> None:
    hosts = sorted(demo.host.get_all_records().values(), key=lambda h: h["name_label"])
    assert len(hosts) == 3
    models = [h["cpu_info"]["modelname"] for h in hosts]
    assert ["E5405" in m for m in models] == [True, True, False] and "E5570" in models[2]
    for host in hosts:
        cpus = [demo.host_cpu.get_record(c) for c in host["host_CPUs"]]
        assert int(host["cpu_info"]["cpu_count"]) == len(cpus) >= 8
        ept = "ept" in host["cpu_info"]["flags"].split()
        assert ept is ("E5570" in host["cpu_info"]["modelname"])
        assert all(("ept" in c["flags"].split()) is ept for c in cpus)
        total = int(demo.host_metrics.get_memory_total(host["metrics"]))
        assert 16 * GiB * 0.95 < total <= 32 * GiB
        dom0 = [v for v in host["resident_VMs"] if demo.VM.get_is_control_domain(v)]
        assert len(dom0) == 1 and host["control_domain"] == dom0[0]
        assert host["software_version"]["product_brand"] == "XenServer"
        assert host["edition"] and host["license_params"]["sku_type"] == host["edition"]
        assert int(host["API_version_major"]) == 2 and int(host["API_version_minor"]) >= 6
        assert len(host["PIFs"]) >= 5


def test_demo_vms_match_the_deck(demo: Any) -> None:
    vms = demo.VM.get_all_records()
    real = {r: v for r, v in vms.items() if not v["is_a_template"] and not v["is_control_domain"]}
    names = {v["name_label"] for v in real.values()}
    xenapp = [v for v in real.values() if v["name_label"].startswith("XenApp Server")]
    assert len(xenapp) == 4
    for v in xenapp:
        assert (v["VCPUs_max"], v["memory_static_max"], v["HVM_shadow_multiplier"]) == ("2", str(3584 * 1024**2), 4.0)
    db = vms[vm_by_name(demo, "SQL Database Server")]
    assert (db["VCPUs_max"], db["memory_static_max"]) == ("4", str(7 * GiB))
    assert {"Web Server 1", "Web Server 2", "Web Server 4"} <= names
    assert sorted(v["VCPUs_max"] for v in real.values() if v["name_label"].startswith("Web Server")) == ["1", "2", "4"]
    states = {v["power_state"] for v in real.values()}
    assert states == {"Running", "Halted", "Suspended", "Paused"}
    assert sum(v["power_state"] == "Halted" for v in real.values()) >= 3
    with_tools = [v for v in real.values() if v["guest_metrics"] != NULL]
    without = [v for v in real.values() if v["guest_metrics"] == NULL]
    assert with_tools and without
    windows = [demo.VM_guest_metrics.get_record(v["guest_metrics"]) for v in with_tools]
    assert {g["os_version"].get("distro") for g in windows} >= {"windows", "centos"}
    running_gm = [
        demo.VM_guest_metrics.get_record(v["guest_metrics"]) for v in with_tools if v["power_state"] == "Running"
    ]
    assert all(g["networks"].get("0/ip") and g["PV_drivers_version"]["major"] for g in running_gm)
    assert sum(any(ord(c) > 0x3000 for c in n) for n in names) >= 3
    dev = vm_by_name(demo, "Dev Server")
    snapshots = demo.VM.get_snapshots(dev)
    assert len(snapshots) >= 3
    assert any(demo.VM.get_children(s) for s in snapshots)
    assert demo.VM.get_parent(dev) in snapshots
    for v in real.values():
        assert all(demo.VIF.get_MAC(vif) for vif in v["VIFs"])


def test_demo_templates(demo: Any) -> None:
    templates = [v for v in demo.VM.get_all_records().values() if v["is_a_template"] and not v["is_a_snapshot"]]
    defaults = [t for t in templates if t["is_default_template"]]
    assert all(t["other_config"]["default_template"] == "true" for t in defaults)
    names = " ".join(t["name_label"] for t in defaults)
    for family in ("Windows", "CentOS", "Debian", "Red Hat Enterprise Linux", "Ubuntu", "Other install media"):
        assert family in names
    custom = [t for t in templates if not t["is_default_template"]]
    assert len(custom) >= 2 and all(t["VBDs"] for t in custom)


def test_demo_networks_and_alerts(demo: Any) -> None:
    networks = demo.network.get_all_records()
    bonds = demo.Bond.get_all_records()
    vlans = demo.VLAN.get_all_records()
    assert len(bonds) == 3 and all(len(b["slaves"]) == 2 for b in bonds.values())
    assert len(vlans) == 3 and {v["tag"] for v in vlans.values()} == {"100"}
    internal = [
        n for n in networks.values() if not n["PIFs"] and "is_host_internal_management_network" not in n["other_config"]
    ]
    assert internal and internal[0]["VIFs"]
    management = [p for p in demo.PIF.get_all_records().values() if p["management"]]
    assert len(management) == 3 and all(p["IP"] for p in management)
    messages = demo.message.get_all_records()
    assert len(messages) >= 3 and {m["cls"] for m in messages.values()} >= {"VM", "Host"}


def test_standalone_and_empty(sim_factory: Any) -> None:
    standalone = login(sim_factory("--seed", "standalone")).xenapi
    pool = standalone.pool.get_record(standalone.pool.get_all()[0])
    host = standalone.host.get_record(pool["master"])
    assert pool["name_label"] == "" and len(standalone.host.get_all()) == 1
    assert host["edition"] == "free"
    assert not any(s["shared"] for s in standalone.SR.get_all_records().values())
    empty = login(sim_factory("--seed", "empty")).xenapi
    vms = empty.VM.get_all_records().values()
    assert [v["is_control_domain"] for v in vms] == [True]
    assert len(empty.host.get_all()) == 1 and empty.SR.get_all() == []
