"""Full archives (``/host_rrds``, ``/vm_rrds``) as the simulator serves them, in both forms,
and malformed or truncated answers refused with a ProtocolError (never another error)."""

from __future__ import annotations

import pytest

from xencenter_py.sim import rrd as sim_rrd
from xencenter_py.sim.seeds import demo
from xencenter_py.sim.store import Store
from xencenter_py.xapi import rrd
from xencenter_py.xapi.errors import ProtocolError

NOW = 1_780_000_003.0


@pytest.fixture(scope="module")
def store() -> Store:
    s = Store()
    demo.build(s)
    return s


def _vm(store: Store, name: str) -> str:
    return next(ref for ref, rec in store.tables["VM"].items() if rec.get("name_label") == name)


@pytest.mark.parametrize("as_json", [False, True])
def test_vm_archive_has_four_resolutions(store: Store, as_json: bool) -> None:
    uuid = store.tables["VM"][_vm(store, "SQL Database Server")]["uuid"]
    query = {"uuid": uuid, **({"json": "true"} if as_json else {})}
    body, _ctype = sim_rrd.vm_rrd(store, query, now=NOW)
    full = rrd.parse_full(body)
    assert full.step == 5 and full.lastupdate == int(NOW)
    assert sorted(full.archives) == [5, 60, 3600, 86400]
    times, series = full.archives[86400]
    assert len(times) == 366 and times[-1] == int(NOW) // 86400 * 86400
    assert times == sorted(times) and times[1] - times[0] == 86400
    assert {"cpu0", "cpu3", "memory", "memory_internal_free", "vbd_xvda_read"} <= set(series)
    assert all(0.0 <= v <= 1.0 for v in series["cpu0"])


def test_host_archive_keeps_only_average(store: Store) -> None:
    host = next(iter(store.tables["host"]))
    body, _ = sim_rrd.host_rrd(store, {}, host, now=NOW)
    full = rrd.parse_full(body)
    assert sorted(full.archives) == [5, 60, 3600, 86400]
    assert len(full.archives[3600][0]) == 168


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<rrd><version>0003</version><step>5</step><lastupdate>17",
        b"<rrd><step>5</step><lastupdate>100</lastupdate><ds><name>cpu0</name></ds><rra><cf>AVERAGE</cf>"
        b"<pdp_per_row>1</pdp_per_row><database><row><v>0.1</v><v>0.2</v></row></database></rra></rrd>",
        b"<rrd><step>five</step><lastupdate>100</lastupdate></rrd>",
        b"<xport/>",
        b'{"step": "5", "lastupdate": "100", "ds": [{"name": "cpu0"}], "rra": [{"cf": "AVERAGE", '
        b'"pdp_per_row": "1", "database": [["x"]]}]}',
        b'{"step": "5"',
        b"\xff\xfe<rrd>",
    ],
)
def test_malformed_archives_are_protocol_errors(body: bytes) -> None:
    with pytest.raises(ProtocolError):
        rrd.parse_full(body)
