"""Real XAPI databases with a damaged derived field still load (as in XenCenter): the
field is repaired with a warning naming table, row and column; damage to the pool's facts
still refuses the file."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from tests.conftest import DB_DIR
from xencenter_py.sim import xmldb
from xencenter_py.sim.behaviours.allowed_ops import refresh_all
from xencenter_py.sim.store import Store

DUMP = DB_DIR / "small_vms.xml"


def vm_rows(text: str) -> list[str]:
    table = re.search(r'<table name="VM">.*?</table>', text, re.S)
    assert table is not None
    return re.findall(r"<row [^>]*/>", table.group(0))


def damage(tmp_path: Path, column: str, value: str) -> tuple[Path, str]:
    """A copy of a real dump with ``column`` of its first non-template VM set to ``value``."""
    text = DUMP.read_text()
    row = next(r for r in vm_rows(text) if 'is_a_template="false"' in r and 'is_control_domain="false"' in r)
    ref = re.search(r' ref="([^"]+)"', row).group(1)  # type: ignore[union-attr]
    damaged = re.sub(rf' {column}="[^"]*"', f' {column}="{value}"', row, count=1)
    assert damaged != row
    path = tmp_path / "damaged.xml"
    path.write_text(text.replace(row, damaged))
    return path, ref


@pytest.mark.parametrize(
    "column,value",
    [
        ("allowed_operations", "(&apos;destroy&apos; &apos;export&apos; &apos;revert&apos; "),
        ("current_operations", "((&apos;OpaqueRef:x&apos;"),
        ("VBDs", "(&apos;OpaqueRef:"),
    ],
)
def test_a_damaged_derived_field_is_repaired_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, column: str, value: str
) -> None:
    path, ref = damage(tmp_path, column, value)
    store = Store()
    with caplog.at_level(logging.WARNING, logger="xencenter_py.sim.xmldb"):
        xmldb.load(path, store)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("table VM" in w and ref in w and f"column {column}" in w for w in warnings), warnings
    vm = store.get("VM", ref)
    refresh_all(store)  # as the simulator does at start-up
    assert vm["current_operations"] == {} and "start" in store.get("VM", ref)["allowed_operations"]
    assert vm["VBDs"] == [r for r, rec in store.tables["VBD"].items() if rec["VM"] == ref]


def test_damage_to_a_fact_still_refuses_the_file(tmp_path: Path) -> None:
    path, ref = damage(tmp_path, "memory__static_max", "lots")
    with pytest.raises(xmldb.DatabaseError, match=f"table VM, row {ref}: column memory__static_max"):
        xmldb.load(path, Store())
