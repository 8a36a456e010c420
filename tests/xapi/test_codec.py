"""Decoding and encoding by datamodel type: every wire form XAPI and its SDK fixtures use."""

from __future__ import annotations

import datetime as dt
import math
import xmlrpc.client

import pytest

from xencenter_py.datamodel import NULL_REF, load
from xencenter_py.xapi import codec
from xencenter_py.xapi.errors import ProtocolError

UTC = dt.UTC
APRIL = dt.datetime(2024, 4, 20, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text", ["20240420T12:00:00Z", "20240420T12:00:00", "2024-04-20T12:00:00Z", "1713614400.", "1713614400"]
)
def test_datetimes_in_every_form(text: str) -> None:
    assert codec.decode_result("VM.get_snapshot_time", text) == APRIL


def test_datetime_from_number_and_xmlrpc_text() -> None:
    assert codec.decode_result("VM.get_snapshot_time", 1713614400) == APRIL
    assert codec.decode_result("host.get_servertime", "19700101T00:00:00Z") == dt.datetime(1970, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("wire", "check"),
    [
        ("NaN", math.isnan),
        (float("nan"), math.isnan),
        ("+Infinity", lambda v: v == math.inf),
        ("Infinity", lambda v: v == math.inf),
        ("-Infinity", lambda v: v == -math.inf),
        ("inf", lambda v: v == math.inf),
        ("2.5", lambda v: v == 2.5),
        (3, lambda v: v == 3.0 and isinstance(v, float)),
        ("1.", lambda v: v == 1.0),
    ],
)
def test_floats(wire: object, check) -> None:
    assert check(codec.decode_result("VM.query_data_source", wire))


def test_ints_from_decimal_strings_and_natives() -> None:
    assert codec.decode_result("VM.get_memory_static_max", "8589934592") == 8589934592
    assert codec.decode_result("VM.get_memory_static_max", 8589934592) == 8589934592
    for bad in ("12abc", True, [1], None, 1.5):
        with pytest.raises(ProtocolError):
            codec.decode_result("VM.get_memory_static_max", bad)


def test_bools() -> None:
    assert codec.decode_result("VM.get_is_a_template", True) is True
    assert codec.decode_result("VM.get_is_a_template", "false") is False
    with pytest.raises(ProtocolError):
        codec.decode_result("VM.get_is_a_template", "maybe")


def test_refs_empty_string_is_null() -> None:
    assert codec.decode_result("VM.get_resident_on", "") == NULL_REF
    assert codec.decode_result("VM.get_all", ["OpaqueRef:a", ""]) == ["OpaqueRef:a", NULL_REF]
    with pytest.raises(ProtocolError):
        codec.decode_result("VM.get_all", "OpaqueRef:a")


def test_maps_with_stringified_int_keys() -> None:
    m = codec.decode_result("VM_metrics.get_VCPUs_utilisation", {"0": "0.5", "1": 0.25})
    assert m == {0: 0.5, 1: 0.25}
    flags = codec.decode_result("VM_metrics.get_VCPUs_flags", {"0": ["a", "b"]})
    assert flags == {0: ["a", "b"]}


def test_enum_keyed_map_and_unknown_enum_values_kept() -> None:
    assert codec.decode_result("VM.get_blocked_operations", {"start": "reason"}) == {"start": "reason"}
    # A newer server's enum value must not break an older client.
    assert codec.decode_result("VM.get_power_state", "Hibernating") == "Hibernating"


def test_record_set_and_map_of_sets() -> None:
    sources = codec.decode_result(
        "VM.get_data_sources",
        [
            {
                "enabled": True,
                "max": 2.6,
                "min": 0.0,
                "name_description": "d",
                "name_label": "memory",
                "standard": True,
                "units": "B",
                "value": "NaN",
            }
        ],
    )
    assert sources[0]["name_label"] == "memory" and math.isnan(sources[0]["value"])
    wlb = codec.decode_result("VM.retrieve_wlb_recommendations", {"OpaqueRef:h": ["host0"]})
    assert wlb == {"OpaqueRef:h": ["host0"]}


def test_old_server_record_gets_defaults_for_missing_fields() -> None:
    vm = codec.decode_result("VM.get_record", {"uuid": "u", "name_label": "old", "memory_static_max": "268435456"})
    assert vm["name_label"] == "old" and vm["memory_static_max"] == 268435456
    assert vm["resident_on"] == NULL_REF and vm["tags"] == [] and vm["other_config"] == {}
    assert vm["snapshot_time"] == dt.datetime(1970, 1, 1, tzinfo=UTC)
    assert set(load().cls("VM").fields) <= set(vm)


def test_special_values_fixture() -> None:
    """The SDK's vm_special_value.json cases: Infinity forms and odd snapshot_time forms."""
    records = {
        f"OpaqueRef:{i}": {"HVM_shadow_multiplier": mult, "snapshot_time": when}
        for i, (mult, when) in enumerate(
            [
                (float("inf"), "1627478400."),
                ("+Infinity", "20240420T12:00:00"),
                ("-Infinity", "20240420T12:00:00Z"),
                (1.0, "2024-04-20T12:00:00Z"),
            ]
        )
    }
    out = codec.decode_result("VM.get_all_records", records)
    assert [r["HVM_shadow_multiplier"] for r in out.values()] == [math.inf, math.inf, -math.inf, 1.0]
    assert [r["snapshot_time"] for r in out.values()][1:] == [APRIL] * 3


def test_event_batch_real_and_mock_shapes() -> None:
    real = {
        "events": [
            {
                "id": "4366",
                "timestamp": "0.0",
                "class": "vm",
                "operation": "mod",
                "ref": "OpaqueRef:v",
                "snapshot": {"name_label": "web", "power_state": "Running", "memory_static_max": "1024"},
            },
            {"id": "4367", "timestamp": "0.0", "class": "vm_metrics", "operation": "del", "ref": "OpaqueRef:m"},
            {"id": "1", "class": "not_a_class", "operation": "add", "ref": "OpaqueRef:x", "snapshot": {"a": 1}},
        ],
        "valid_ref_counts": {"vm": 64, "host": "2"},
        "token": "00000000000000004367,00000000000000000000",
    }
    batch = codec.decode_result("event.from", real)
    assert batch.token.startswith("0000")
    assert batch.valid_ref_counts == {"vm": 64, "host": 2}
    vm, metrics, unknown = batch.events
    assert (vm.cls, vm.operation, vm.snapshot["memory_static_max"]) == ("VM", "mod", 1024)
    assert (metrics.cls, metrics.operation, metrics.snapshot) == ("VM_metrics", "del", None)
    assert unknown.cls == "not_a_class" and unknown.snapshot == {"a": 1}
    mock = {
        "token": "t",
        "validRefCounts": {"ref": 6},
        "events": [{"ref": "r", "class": "vm", "operation": "add", "id": 10, "snapshot": {}}],
    }
    assert codec.decode_result("event.from", mock).events[0].id == "10"


@pytest.mark.parametrize(
    "bad",
    [
        [],
        {"events": [], "token": 5},
        {"events": {}, "token": "t"},
        {"events": [{"class": "vm", "operation": "explode", "ref": "r"}], "token": "t"},
        {"events": [{"class": "vm", "operation": "add", "ref": "r", "snapshot": "nope"}], "token": "t"},
    ],
)
def test_broken_event_batches(bad: object) -> None:
    with pytest.raises(ProtocolError):
        codec.decode_result("event.from", bad)


def test_async_calls_return_task_refs() -> None:
    assert codec.decode_result("Async.VM.start", "OpaqueRef:t") == "OpaqueRef:t"


@pytest.mark.parametrize(
    ("method", "text", "expected"),
    [
        ("VM.clone", "<value>OpaqueRef:new</value>", "OpaqueRef:new"),
        ("VM.start", "<value></value>", None),
        ("VM.start", "", None),
        ("VM.import", "<value><array><data><value>OpaqueRef:a</value></data></array></value>", ["OpaqueRef:a"]),
        ("VM.get_memory_static_max", "<value>42</value>", 42),
        ("VM.clone", "not <xml", "not <xml"),
    ],
)
def test_task_results(method: str, text: str, expected: object) -> None:
    assert codec.decode_task_result(method, text) == expected


def test_encoding_for_each_protocol() -> None:
    args = ["OpaqueRef:s", "OpaqueRef:vm", 8589934592]
    assert codec.encode_args("VM.set_memory_static_max", args, xml=False) == args
    assert codec.encode_args("VM.set_memory_static_max", args, xml=True)[2] == "8589934592"
    body = codec.encode_args("VM.set_HVM_shadow_multiplier", ["s", "vm", 2], xml=False)
    assert body[2] == 2.0 and isinstance(body[2], float)
    # Map keys are stringified; datetimes in XAPI's form.
    when = codec.encode_args("message.get_since", ["s", APRIL], xml=False)
    assert when[1] == "20240420T12:00:00Z"
    xml_when = codec.encode_args("message.get_since", ["s", APRIL], xml=True)[1]
    assert isinstance(xml_when, xmlrpc.client.DateTime) and xml_when.value == "20240420T12:00:00Z"
    record = codec.encode_args(
        "VM.create", ["s", {"name_label": "x", "memory_static_max": 1 << 33, "VCPUs_params": {}}], xml=True
    )[1]
    assert record["memory_static_max"] == str(1 << 33)


def test_xmlrpc_body_round_trip() -> None:
    from xencenter_py.xapi import xmlwire

    body = xmlwire.encode_call(
        "VM.set_memory_static_max", codec.encode_args("VM.set_memory_static_max", ["s", "vm", 1 << 40], xml=True)
    )
    params, method = xmlrpc.client.loads(body)
    assert method == "VM.set_memory_static_max" and params[2] == str(1 << 40)
