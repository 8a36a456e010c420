"""XAPI XML database import and export (§11): real dumps, round trips, damaged files."""

from __future__ import annotations

import datetime as _dt
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import XenAPI

from tests.conftest import DB_DIR, start_sim
from tests.sim.behaviour_support import NULL, login
from xencenter_py.sim import xmldb
from xencenter_py.sim.seeds import seed
from xencenter_py.sim.store import Store

DUMPS = sorted(p.name for p in DB_DIR.iterdir())


def loaded(name: str) -> Store:
    store = Store()
    xmldb.load(DB_DIR / name, store)
    return store


def raw_rows(name: str) -> dict[str, dict[str, dict[str, str]]]:
    """table → ref → attributes, straight from the XML."""
    root = ET.parse(DB_DIR / name).getroot()
    return {t.get("name", ""): {r.get("ref", ""): dict(r.attrib) for r in t.iter("row")} for t in root.iter("table")}


def test_all_five_reference_dumps_are_present() -> None:
    assert DUMPS == ["boston-db.xml", "cowleyPolicies.xml", "small_vms.xml", "state.db", "tampa_poolofone_40.xml"]


@pytest.mark.parametrize("name", DUMPS)
def test_every_row_loads_with_refs_and_uuids(name: str) -> None:
    store = loaded(name)
    for table, rows in raw_rows(name).items():
        cls = store.dm.cls(table)
        if cls is None or cls.name not in store.tables or cls.name in ("task", "message"):
            continue  # runtime and non-database classes (sessions, secrets) are not kept
        for ref, attrs in rows.items():
            rec = store.get(cls.name, ref)
            if "uuid" in attrs:
                assert rec["uuid"] == attrs["uuid"]
                assert store.ref_by_uuid(cls.name, attrs["uuid"]) == ref
    pool = next(iter(store.all("pool").values()))
    assert pool["master"] in store.all("host")


@pytest.mark.parametrize("name", DUMPS)
def test_one_to_many_sets_are_rebuilt_from_reverse_references(name: str) -> None:
    store = loaded(name)
    for ref, vm in store.all("VM").items():
        assert sorted(vm["VBDs"]) == sorted(r for r, v in store.all("VBD").items() if v["VM"] == ref)
        assert sorted(vm["VIFs"]) == sorted(r for r, v in store.all("VIF").items() if v["VM"] == ref)
    for ref, sr in store.all("SR").items():
        assert sorted(sr["VDIs"]) == sorted(r for r, v in store.all("VDI").items() if v["SR"] == ref)
    for ref, host in store.all("host").items():
        assert sorted(host["resident_VMs"]) == sorted(r for r, v in store.all("VM").items() if v["resident_on"] == ref)


def test_values_are_decoded_by_type() -> None:
    store = loaded("tampa_poolofone_40.xml")
    host = next(iter(store.all("host").values()))
    assert host["cpu_info"]["modelname"] == "Intel(R) Xeon(R) CPU           X3450  @ 2.67GHz"
    assert host["memory_overhead"] == 193867776 and host["enabled"] is True
    assert host["API_version_major"] == 2
    vm = store.get("VM", "OpaqueRef:2691907c-6e32-f1f0-c3eb-4507d1e8c38d")
    assert vm["memory_static_max"] == 671088640 and vm["HVM_shadow_multiplier"] == 1.0
    assert vm["platform"]["viridian"] == "true"
    assert vm["snapshot_time"] == _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
    assert "pool_migrate" in vm["allowed_operations"]
    metrics = store.get("VM_metrics", "OpaqueRef:00088095-5d27-4cf6-605a-5971a2f32e31")
    assert metrics["VCPUs_utilisation"] == {0: 0.0}


def test_old_schema_double_quotes_newlines_and_missing_fields() -> None:
    store = loaded("state.db")  # schema 5.55: double-quoted S-expressions, no one-to-many sets
    gm = store.get("VM_guest_metrics", "OpaqueRef:85cd3e60-4abe-a0f1-4f5f-9630ec95b09d")
    assert gm["os_version"]["name"].startswith("Microsoft Windows XP Professional|C:\\WINDOWS|")
    assert gm["PV_drivers_version"]["build"] == "7870"
    for vm in store.all("VM").values():
        assert vm["has_vendor_device"] is False
        assert vm["domain_type"] == ("hvm" if vm["HVM_boot_policy"] else "pv")
        assert vm["generation_id"] == "0:0" and vm["actions_after_softreboot"] == "soft_reboot"
    boston = loaded("boston-db.xml")  # legacy "%n" protection decodes to real newlines
    assert any("\n" in vm["name_description"] for vm in boston.all("VM").values())


def test_legacy_ha_priorities_are_upgraded(tmp_path: Path) -> None:
    tree = ET.parse(DB_DIR / "cowleyPolicies.xml")
    row = next(r for t in tree.getroot().iter("table") if t.get("name") == "VM" for r in t.iter("row"))
    row.set("ha_restart_priority", "2")
    vm = row.get("ref", "")
    tree.write(tmp_path / "ha.xml", encoding="utf-8")
    store = Store()
    xmldb.load(tmp_path / "ha.xml", store)
    assert (store.get("VM", vm)["ha_restart_priority"], store.get("VM", vm)["order"]) == ("restart", 2)


def records(store: Store) -> dict[str, dict[str, Any]]:
    return {cls: dict(rows) for cls, rows in store.tables.items() if cls != "task"}


@pytest.mark.parametrize("source", [*DUMPS, "demo"])
def test_dump_then_load_round_trips_identically(source: str, tmp_path: Path) -> None:
    if source == "demo":
        first = Store()
        seed(first, "demo")
    else:
        first = loaded(source)
    xmldb.dump(first, tmp_path / "out.xml")
    second = Store()
    xmldb.load(tmp_path / "out.xml", second)
    assert records(second) == records(first)
    assert second.generation >= first.generation


def test_special_characters_survive(tmp_path: Path) -> None:
    store = Store()
    seed(store, "demo")
    vm = next(ref for ref, r in store.all("VM").items() if r["name_label"] == "経理システム")
    odd = "tab\there  two  spaces\nnew line 100% <xml> & 'quotes' \"double\" \\ back"
    store.update("VM", vm, {"name_description": odd, "other_config": {"k e y": odd, "%": "%%."}, "tags": [odd, ""]})
    xmldb.dump(store, tmp_path / "odd.xml")
    again = Store()
    xmldb.load(tmp_path / "odd.xml", again)
    assert again.get("VM", vm)["name_description"] == odd
    assert again.get("VM", vm)["other_config"] == {"k e y": odd, "%": "%%."}
    assert again.get("VM", vm)["tags"] == [odd, ""]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("this is not xml", "not well-formed XML"),
        ("<html><body>hello</body></html>", "expected <database>"),
        ("<database/>", "no <manifest>"),
        ('<database><table name="VM"/></database>', "no host"),
        (
            '<database><manifest><pair key="schema_major_vsn" value="4"/></manifest></database>',
            "unsupported database schema",
        ),
        ('<database><manifest><pair key="schema_major_vsn" value="5"/></manifest></database>', "no host"),
    ],
)
def test_not_a_database_is_refused_clearly(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(content, encoding="utf-8")
    store = Store()
    with pytest.raises(xmldb.DatabaseError, match=message):
        xmldb.load(path, store)
    assert not any(store.tables.values())


def test_damaged_value_names_table_row_and_column(tmp_path: Path) -> None:
    text = (DB_DIR / "tampa_poolofone_40.xml").read_text(encoding="utf-8")
    damaged = text.replace('memory__static_max="671088640"', 'memory__static_max="lots"', 1)
    (tmp_path / "damaged.xml").write_text(damaged, encoding="utf-8")
    truncated = tmp_path / "truncated.xml"
    truncated.write_text(text[: len(text) // 2], encoding="utf-8")
    store = Store()
    with pytest.raises(xmldb.DatabaseError, match=r"table VM, row OpaqueRef:\S+: column memory__static_max"):
        xmldb.load(tmp_path / "damaged.xml", store)
    with pytest.raises(xmldb.DatabaseError, match="not well-formed"):
        xmldb.load(truncated, store)
    assert not any(store.tables.values())


def _bootable(x: Any) -> str:
    """A halted VM of the dump, or a fresh one made from a template when it has none."""
    for ref, rec in x.VM.get_all_records().items():
        if rec["power_state"] == "Halted" and not rec["is_a_template"] and not rec["is_control_domain"]:
            try:
                x.VM.assert_can_boot_here(ref, x.pool.get_master(x.pool.get_all()[0]))
            except XenAPI.Failure:
                continue
            return ref
    template = next(r for r, rec in x.VM.get_all_records().items() if rec["is_a_template"] and not rec["is_a_snapshot"])
    vm = x.VM.clone(template, "started from the dump")
    x.VM.set_is_a_template(vm, False)
    # Without its provision spec: this checks booting, not provisioning, which needs room on
    # the dump's SRs (first-boot provisioning is covered by test_behaviour_first_boot.py).
    x.VM.remove_from_other_config(vm, "disks")
    return vm


@pytest.mark.parametrize("name", DUMPS)
def test_each_dump_is_a_live_pool(name: str) -> None:
    sim = start_sim("--from-db", str(DB_DIR / name), "--speed", "500")
    try:
        session = login(sim)
        x = session.xenapi
        raw = raw_rows(name)["VM"]
        for ref, rec in x.VM.get_all_records().items():
            if rec["power_state"] == "Running":
                assert rec["resident_on"] == raw[ref]["resident_on"], rec["name_label"]
                assert ref in x.host.get_resident_VMs(rec["resident_on"])
        for host in x.host.get_all():
            assert x.host_metrics.get_live(x.host.get_metrics(host)) is True
        vm = _bootable(x)
        x.VM.start(vm, False, False)
        assert x.VM.get_power_state(vm) == "Running"
        assert x.VM.get_resident_on(vm) != NULL
        x.VM.clean_shutdown(vm) if "clean_shutdown" in x.VM.get_allowed_operations(vm) else x.VM.hard_shutdown(vm)
        assert x.VM.get_power_state(vm) == "Halted"
    finally:
        sim.stop()


def test_dump_db_writes_a_pool_that_loads_back(tmp_path: Path) -> None:
    path = tmp_path / "demo.xml"
    first = start_sim("--seed", "demo", "--speed", "500", "--dump-db", str(path))
    try:
        x = login(first).xenapi
        vm = x.VM.get_by_name_label("CentOS 7 Test")[0]
        x.VM.start(vm, False, False)
        x.pool.sync_database()
        before = {cls: getattr(x, cls).get_all_records() for cls in ("VM", "host", "SR", "VDI", "VBD", "network")}
    finally:
        first.stop()
    second = start_sim("--from-db", str(path), "--speed", "500")
    try:
        y = login(second).xenapi
        after = {cls: getattr(y, cls).get_all_records() for cls in ("VM", "host", "SR", "VDI", "VBD", "network")}
        assert after == before
        assert y.VM.get_power_state(vm) == "Running"
    finally:
        second.stop()


def test_damaged_dump_stops_the_simulator_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "bad.xml"
    path.write_text("<database><manifest/></database>", encoding="utf-8")
    with pytest.raises(RuntimeError, match="schema"):
        start_sim("--from-db", str(path))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("()", []),
        ("('a' 'b')", ["a", "b"]),
        ('(("order" "dcn"))', [["order", "dcn"]]),
        ("(('k' 'it\\'s'))", [["k", "it's"]]),
        ('(("path" "C:\\\\WINDOWS"))', [["path", "C:\\WINDOWS"]]),
        ("  ( 'a'\n 'b' )  ", ["a", "b"]),
    ],
)
def test_sexpressions_in_both_quote_styles(text: str, value: object) -> None:
    assert xmldb.parse_sexpr(text) == value


@pytest.mark.parametrize("text", ["('a'", "('a' 'b'))", "('unterminated)", "'a' 'b'"])
def test_broken_sexpressions_are_errors(text: str) -> None:
    with pytest.raises(ValueError):
        xmldb.parse_sexpr(text)


def test_whitespace_protection() -> None:
    assert xmldb.unprotect("a%.b%_c%td%ne%rf%%g%xh") == "a b  c\td\ne\rf%g%xh"
    assert xmldb.unprotect(xmldb.protect("a b\tc\n%. d")) == "a b\tc\n%. d"
