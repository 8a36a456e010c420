"""Database dumps the reference set does not cover: newer schemas, hand-made and odd files.

A newer XenServer/XCP-ng ``state.db`` carries tables and columns our datamodel does not
know, enum values added later, rows without generations and no one-to-many sets. XenCenter's
own test fixtures have no manifest at all. Each must load, serve and round-trip.
"""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import DB_DIR, start_sim
from tests.sim.behaviour_support import NULL, login
from xencenter_py.sim import xmldb
from xencenter_py.sim.seeds import seed
from xencenter_py.sim.store import RELATIONS, Store

NEW_GROUP = "OpaqueRef:5e0d6b6b-0000-4000-8000-00000000a001"


def _rows(root: ET.Element, table: str) -> list[ET.Element]:
    return [r for t in root.iter("table") if t.get("name") == table for r in t.iter("row")]


def newer_dump(path: Path) -> dict[str, str]:
    """Our demo pool rewritten the way a later xapi (schema 5.909) writes it, plus oddities.

    Returns the refs the test checks afterwards.
    """
    store = Store()
    seed(store, "demo")
    xmldb.dump(store, path)
    tree = ET.parse(path)
    root = tree.getroot()
    manifest = root.find("manifest")
    assert manifest is not None
    for pair in manifest.iter("pair"):
        if pair.get("key") == "schema_minor_vsn":
            pair.set("value", "909")
    ET.SubElement(manifest, "pair", key="xapi_build", value="25.6.0")
    # Tables of classes our datamodel has never heard of, one with a row VMs point to.
    group = ET.SubElement(root, "table", name="VM_group")
    ET.SubElement(
        group, "row", ref=NEW_GROUP, _ref=NEW_GROUP, uuid="1b5e", name__label="anti", placement="anti-affinity"
    )
    ET.SubElement(root, "table", name="Driver_variant")
    # Newer xapi does not store one-to-many sets: drop them all.
    sets = {(cls, column) for cls, column, _c, _f in RELATIONS}
    for table in root.iter("table"):
        for row in table.iter("row"):
            for cls, field in sets:
                if table.get("name") == cls:
                    row.attrib.pop(xmldb.column(cls, field), None)
    vms = [r for r in _rows(root, "VM") if r.get("is_a_template") == "false" and r.get("is_control_domain") == "false"]
    halted = next(r for r in vms if r.get("power_state") == "Halted")
    crashed = next(r for r in vms if r.get("power_state") == "Halted" and r is not halted)
    running = next(r for r in vms if r.get("power_state") == "Running")
    halted.set("groups", f"('{NEW_GROUP}')")  # a column we do not know
    halted.set("pending_guidances_recommended", "()")
    halted.set("domain_type", "pvh_shim")  # an enum value added after our datamodel
    halted.attrib.pop("__mtime")
    halted.set("__ctime", "-1")
    crashed.set("power_state", "Crashed")  # a value removed long ago
    running.set("power_state", "running")  # a case the datamodel spells differently
    running.set("start_time", "2025-05-01T10:00:00Z")
    host = _rows(root, "host")[0]
    host.set("latest_synced_updates_applied", "maybe")
    host.set("ssh_enabled", "true")
    host.set("last_software_update", "20250501T10:00:00")
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return {"halted": halted.get("ref", ""), "crashed": crashed.get("ref", ""), "running": running.get("ref", "")}


def test_a_newer_schema_loads_with_unknown_tables_columns_and_values(tmp_path: Path) -> None:
    refs = newer_dump(tmp_path / "newer.xml")
    store = Store()
    xmldb.load(tmp_path / "newer.xml", store)
    halted = store.get("VM", refs["halted"])
    assert halted["domain_type"] == "pvh_shim" and "groups" not in halted
    assert store.get("VM", refs["crashed"])["power_state"] == "Halted"
    running = store.get("VM", refs["running"])
    assert running["power_state"] == "Running" and running["resident_on"] in store.all("host")
    assert refs["running"] in store.get("host", running["resident_on"])["resident_VMs"]
    for ref, vm in store.all("VM").items():  # one-to-many sets rebuilt although none were stored
        assert sorted(vm["VBDs"]) == sorted(r for r, v in store.all("VBD").items() if v["VM"] == ref)
    host = next(iter(store.all("host").values()))
    assert host["latest_synced_updates_applied"] == "maybe"


def test_a_newer_schema_serves_starts_and_dumps_back(tmp_path: Path) -> None:
    refs = newer_dump(tmp_path / "newer.xml")
    out = tmp_path / "again.xml"
    sim = start_sim("--from-db", str(tmp_path / "newer.xml"), "--speed", "500", "--dump-db", str(out))
    try:
        x = login(sim).xenapi
        assert x.VM.get_power_state(refs["running"]) == "Running"
        for vm in (refs["halted"], refs["crashed"]):
            x.VM.start(vm, False, False)
            assert x.VM.get_power_state(vm) == "Running" and x.VM.get_resident_on(vm) != NULL
        before = x.VM.get_all_records()
        x.pool.sync_database()
    finally:
        sim.stop()
    again = Store()
    xmldb.load(out, again)
    assert {ref: rec["power_state"] for ref, rec in again.all("VM").items()} == {
        ref: rec["power_state"] for ref, rec in before.items()
    }


def test_a_dump_without_manifest_is_a_hand_made_pool(tmp_path: Path) -> None:
    """XenCenter's test fixtures (licensing pools) have no manifest and no metrics rows."""
    host = "OpaqueRef:28cd367d-f3d8-5dc3-8922-7bb46804b378"
    text = (
        '<?xml version="1.0" encoding="utf-8"?>\n<database>\n  <table name="pool">\n'
        f'    <row ref="OpaqueRef:e380" _ref="OpaqueRef:e380" master="{host}" name_label="Licensing"'
        ' name_description="" uuid="c4924c34" other_config="()" />\n  </table>\n  <table name="host">\n'
        f'    <row ref="{host}" _ref="OpaqueRef:f62b05c2" uuid="b46199c9" name__label="George"   enabled="true"'
        " metrics=\"OpaqueRef:d692\" license_params=\"(('expiry' '20080131T00:00:00Z'))\" />\n"
        '  </table>\n  <table name="VM" />\n  <table name="host_metrics" />\n</database>'
    )
    (tmp_path / "lic.xml").write_text(text, encoding="utf-8")
    store = Store()
    xmldb.load(tmp_path / "lic.xml", store)
    pool = store.get("pool", "OpaqueRef:e380")
    assert pool["name_label"] == "Licensing" and pool["master"] == host
    assert store.get("host", host)["name_label"] == "George"
    assert store.get("host_metrics", store.get("host", host)["metrics"])["live"] is True


def test_a_pool_row_is_made_when_missing_and_a_stale_master_is_repaired(tmp_path: Path) -> None:
    root = ET.parse(DB_DIR / "tampa_poolofone_40.xml").getroot()
    pool_table = next(t for t in root.iter("table") if t.get("name") == "pool")
    pool_table.find("row").set("master", "OpaqueRef:gone")  # type: ignore[union-attr]
    ET.ElementTree(root).write(tmp_path / "stale.xml", encoding="utf-8")
    store = Store()
    xmldb.load(tmp_path / "stale.xml", store)
    assert next(iter(store.all("pool").values()))["master"] in store.all("host")
    root.remove(pool_table)
    ET.ElementTree(root).write(tmp_path / "nopool.xml", encoding="utf-8")
    store = Store()
    xmldb.load(tmp_path / "nopool.xml", store)
    (pool,) = store.all("pool").values()
    assert pool["master"] in store.all("host")


def test_a_gzipped_dump_loads_and_a_damaged_one_is_refused(tmp_path: Path) -> None:
    data = (DB_DIR / "state.db").read_bytes()
    (tmp_path / "state.db.gz").write_bytes(gzip.compress(data))
    store = Store()
    xmldb.load(tmp_path / "state.db.gz", store)
    assert len(store.all("VM")) == 50
    (tmp_path / "cut.gz").write_bytes(gzip.compress(data)[:5000])
    store = Store()
    with pytest.raises(xmldb.DatabaseError, match="not a XAPI database"):
        xmldb.load(tmp_path / "cut.gz", store)
    assert not any(store.tables.values())


@pytest.mark.parametrize(
    ("text", "value"),
    [("running", "Running"), ("HALTED", "Halted"), ("Suspended", "Suspended"), ("Crashed", "Crashed")],
)
def test_enum_values_take_the_datamodel_spelling(text: str, value: str) -> None:
    store = Store()
    convert = xmldb.decoder(store.dm.classes["VM"].fields["power_state"].type, store.dm.enums)
    assert convert(text) == value
