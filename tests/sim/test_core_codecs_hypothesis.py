"""Every datamodel type round-trips through both wire codecs (property-based).

Encode a value as the simulator answers, decode it as the simulator reads requests and
as the official SDK's ``xmlrpc.client`` does: the value must come back unchanged (XML-RPC
floats to the 16 significant digits xapi prints).
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import xmlrpc.client
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xencenter_py.datamodel import NULL_REF, Type, load
from xencenter_py.sim import codec_jsonrpc, codec_xmlrpc
from xencenter_py.sim.dispatch import coerce

DM = load()

# XML 1.0 text xapi can carry: no control characters (dropped on output) and no CR
# (XML parsers normalise it to LF); no surrogates.
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r") | st.sampled_from("\t\n"),
    max_size=20,
)


def strategy(t: Type, depth: int = 0) -> st.SearchStrategy[Any]:
    k = t.kind
    if k == "string":
        return TEXT
    if k == "int":
        return st.integers(min_value=-(2**63), max_value=2**63 - 1)
    if k == "float":
        # %.16g (xapi's format) overflows to inf at the very top of the double range.
        return st.floats(allow_nan=True, allow_infinity=True).filter(lambda f: not math.isfinite(f) or abs(f) < 1e308)
    if k == "bool":
        return st.booleans()
    if k == "datetime":
        return st.datetimes(
            min_value=_dt.datetime(1970, 1, 1), max_value=_dt.datetime(2200, 1, 1), timezones=st.just(_dt.UTC)
        ).map(lambda d: d.replace(microsecond=0))
    if k == "ref":
        return st.one_of(st.just(NULL_REF), st.uuids().map(lambda u: f"OpaqueRef:{u}"))
    if k == "enum":
        return st.sampled_from(DM.enums[t.name])
    if k == "set":
        return st.lists(strategy(t.of or Type("string"), depth + 1), max_size=4)
    if k == "map":
        key = t.key or Type("string")
        keys = strategy(key, depth + 1)
        if key.kind == "string":
            keys = TEXT.filter(bool)
        return st.dictionaries(keys, strategy(t.of or Type("string"), depth + 1), max_size=4)
    if k == "option":
        return st.one_of(st.none(), strategy(t.of or Type("string"), depth + 1))
    if k == "record":
        c = DM.cls(t.name)
        assert c is not None
        return st.fixed_dictionaries({name: strategy(f.type, depth + 1) for name, f in c.fields.items()})
    raise AssertionError(f"no strategy for {t}")


def _all_types() -> list[Type]:
    seen: dict[str, Type] = {}
    for c in DM.classes.values():
        for f in c.fields.values():
            seen.setdefault(f.type.text, f.type)
        for m in c.messages.values():
            for _, pt in m.params:
                seen.setdefault(pt.text, pt)
            if m.result.kind != "void":
                seen.setdefault(m.result.text, m.result)
    return [seen[k] for k in sorted(seen)]


TYPES = _all_types()
SCALAR_AND_CONTAINER = [t for t in TYPES if "record" not in t.text and "<" not in t.text]
RECORDS = [t for t in TYPES if t.kind == "record" and DM.cls(t.name) is not None]


def same(a: Any, b: Any, close: bool = False) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a):
            return math.isnan(b)
        if close and math.isfinite(a):
            return math.isclose(a, b, rel_tol=1e-15, abs_tol=0.0)
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], close) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y, close) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def xml_round_trip(value: Any, t: Type) -> Any:
    fragment = codec_xmlrpc.encoder(t)(value)
    decoded = codec_xmlrpc.decode_value(ET.fromstring(fragment))
    # The official SDK's parser must accept the whole answer too.
    xmlrpc.client.loads(codec_xmlrpc.success(value, t).decode())
    return coerce(decoded, t, "value")


def json_round_trip(value: Any, t: Type) -> Any:
    answer = json.loads(codec_jsonrpc.success(value, 1, True))
    assert set(answer) == {"jsonrpc", "result", "id"}
    return coerce(answer["result"], t, "value")


@pytest.mark.parametrize("t", SCALAR_AND_CONTAINER, ids=lambda t: t.text)
def test_round_trip_every_type(t: Type) -> None:
    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(strategy(t))
    def check(value: Any) -> None:
        assert same(value, xml_round_trip(value, t), close=True)
        assert same(value, json_round_trip(value, t))

    check()


@pytest.mark.parametrize("t", RECORDS, ids=lambda t: t.text)
def test_round_trip_every_record(t: Type) -> None:
    @settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(strategy(t))
    def check(value: Any) -> None:
        assert same(value, xml_round_trip(value, t), close=True)
        assert same(value, json_round_trip(value, t))

    check()


def test_xmlrpc_int_forms_xapi_accepts() -> None:
    t = Type("int")
    for text in (
        "<value>42</value>",
        "<value><i4>42</i4></value>",
        "<value><int>42</int></value>",
        "<value><i8>42</i8></value>",
        "<value><string>42</string></value>",
    ):
        assert coerce(codec_xmlrpc.decode_value(ET.fromstring(text)), t, "x") == 42


def test_failure_envelopes() -> None:
    xml = xmlrpc.client.loads(codec_xmlrpc.failure(["HANDLE_INVALID", "VM", "OpaqueRef:x"]).decode())[0][0]
    assert xml == {"Status": "Failure", "ErrorDescription": ["HANDLE_INVALID", "VM", "OpaqueRef:x"]}
    v1 = json.loads(codec_jsonrpc.failure(["SESSION_INVALID", "x"], "i", False))
    assert v1 == {"result": None, "error": ["SESSION_INVALID", "x"], "id": "i"}
    v2 = json.loads(codec_jsonrpc.failure(["EVENTS_LOST"], 3, True))
    assert v2 == {"jsonrpc": "2.0", "error": {"code": 1, "message": "EVENTS_LOST", "data": []}, "id": 3}
