"""``/rrd_updates`` parsing (every form xapi has written) and fetching from the simulator."""

from __future__ import annotations

import math

import pytest

from tests.conftest import SimProcess
from xencenter_py.xapi import Legend, ProtocolError, XapiSession, rrd

XML = b"""<?xml version="1.0" encoding="UTF-8"?><xport><meta><start>1213578000</start><step>3600</step>
<end>1213617600</end><rows>2</rows><columns>3</columns><legend>
<entry>AVERAGE:vm:ecd8:cpu0</entry><entry>AVERAGE:vm:ecd8:memory</entry><entry>AVERAGE:host:0bd2:loadavg</entry>
</legend></meta><data><row><t>1213617600</t><v>0.0282</v><v>209715200</v><v>NaN</v></row>
<row><t>1213614000</t><v>0.5</v><v>1.0E8</v><v>-Infinity</v></row></data></xport>"""

CURRENT = b"""{"meta":{"start":"10","step":"5","end":"15","rows":"2","columns":"1",
"legend":["AVERAGE:host:u:cpu0"]},"data":[{"t":"15","values":["0.25"]},{"t":"10","values":["NaN"]}]}"""
TRANSITION = b"""{"meta":{"start":"10","step":"5","end":"15","rows":"2","columns":"1",
"legend":["AVERAGE:host:u:cpu0"],"data":[{"t":"15","values":["0.25"]},{"t":"10","values":["NaN"]}]}}"""
LEGACY = b"""{meta: {start:10,step:5,end:15,rows:2,columns:1,legend:["AVERAGE:host:u:cpu0"]},
data:[{t:15,values:[0.25]},{t:10,values:[NaN]}]}"""


def test_xml_form() -> None:
    u = rrd.parse(XML, "text/xml")
    assert (u.start, u.end, u.step) == (1213578000, 1213617600, 3600)
    assert u.timestamps == [1213614000, 1213617600]  # oldest first
    assert u.series["AVERAGE:vm:ecd8:memory"] == [1e8, 209715200.0]
    load = u.series["AVERAGE:host:0bd2:loadavg"]
    assert load[0] == -math.inf and math.isnan(load[1])
    assert u.legends[2] == Legend("AVERAGE", "host", "0bd2", "loadavg")
    assert u.for_object("ecd8") == {"cpu0": [0.5, 0.0282], "memory": [1e8, 209715200.0]}


@pytest.mark.parametrize("body", [CURRENT, TRANSITION, LEGACY])
def test_json_forms(body: bytes) -> None:
    u = rrd.parse(body)
    assert u.timestamps == [10, 15] and u.step == 5
    cpu = u.series["AVERAGE:host:u:cpu0"]
    assert math.isnan(cpu[0]) and cpu[1] == 0.25


@pytest.mark.parametrize(
    "body",
    [
        b"<xport><meta><legend>",  # truncated
        b"<other/>",
        XML.replace(b"<v>0.5</v>", b""),  # a row with a missing value
        XML.replace(b"<v>0.5</v>", b"<v>fast</v>"),
        XML.replace(b"<entry>AVERAGE:vm:ecd8:cpu0</entry>", b"<entry>cpu0</entry>"),
        XML.replace(b"<columns>3</columns>", b"<columns>4</columns>"),
        b'{"meta": {"legend": ["AVERAGE:host:u:cpu0"]}}',
        b'{"meta": 5, "data": []}',
        b"{meta: {start: oops",
        b'{"meta":{"start":"1","step":"5","end":"1","legend":["AVERAGE:host:u:x"]},"data":[{"t":"1","values":"0"}]}',
        b"\xff\xfe{}",
    ],
)
def test_broken_answers(body: bytes) -> None:
    with pytest.raises(ProtocolError):
        rrd.parse(body)


@pytest.mark.parametrize("json_form", [False, True])
async def test_fetch_from_simulator(pool_sim: SimProcess, json_form: bool) -> None:
    async with await XapiSession.login(pool_sim.url, "root", pool_sim.password) as s:
        host_uuid = (await s.call("host.get_record", s.coordinator))["uuid"]
        updates = await s.rrd_updates(int(s.server_now()) - 60, host=True, interval=5, json_form=json_form)
        assert updates.step == 5 and len(updates.timestamps) >= 10
        assert updates.timestamps == sorted(updates.timestamps)
        assert all(len(v) == len(updates.timestamps) for v in updates.series.values())
        host_series = updates.for_object(host_uuid)
        assert any(name.startswith("cpu") for name in host_series)
        assert all(leg.cf == "AVERAGE" for leg in updates.legends)


async def test_fetch_needs_a_valid_session(pool_sim: SimProcess) -> None:
    s = await XapiSession.login(pool_sim.url, "root", pool_sim.password)
    dup = s.duplicate()
    await s.logout()
    with pytest.raises(ProtocolError, match="HTTP"):
        await dup.rrd_updates(-60)
    await dup.aclose()
