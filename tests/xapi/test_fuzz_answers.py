"""Hypothesis-generated answers over a real socket: whatever the server sends, the client
either returns a decoded value or raises one of its own errors — never anything else."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.xapi.rawserver import Request, http, raw_server
from xencenter_py.datamodel import load
from xencenter_py.xapi import codec
from xencenter_py.xapi.errors import Failure, ProtocolError
from xencenter_py.xapi.transport import HttpChannel, JsonRpcTransport, XmlRpcTransport

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


class Replay:
    """One server on one loop for all examples; each example sets the next body."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.body = b""
        self._cm = raw_server(self._reply)
        self.server = self.loop.run_until_complete(self._cm.__aenter__())

    def _reply(self, req: Request) -> bytes:
        return self.body if self.body.startswith(b"HTTP/") else http(self.body)

    def call(self, body: bytes, method: str, *, xml: bool = False) -> object:
        self.body = body

        async def go() -> object:
            channel = HttpChannel(self.server.url, ssl_context=None, timeout=5.0)
            t = XmlRpcTransport(channel) if xml else JsonRpcTransport(channel)
            try:
                return await t.call(method, ["OpaqueRef:s"], lambda v: codec.decode_result(method, v))
            finally:
                await channel.aclose()

        return self.loop.run_until_complete(go())

    def close(self) -> None:
        self.loop.run_until_complete(self._cm.__aexit__(None, None, None))
        self.loop.close()


@pytest.fixture(scope="module")
def replay() -> Iterator[Replay]:
    r = Replay()
    yield r
    r.close()


def _expect_clean(replay: Replay, body: bytes, method: str, *, xml: bool = False) -> None:
    with contextlib.suppress(ProtocolError, Failure):
        replay.call(body, method, xml=xml)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


@FUZZ
@given(body=st.binary(max_size=300))
def test_random_bytes(replay: Replay, body: bytes) -> None:
    _expect_clean(replay, body, "VM.get_all")
    _expect_clean(replay, body, "VM.get_all", xml=True)


@FUZZ
@given(
    result=json_values,
    method=st.sampled_from(["VM.get_record", "event.from", "VM.get_all_records", "host.get_servertime"]),
)
def test_random_results(replay: Replay, result: object, method: str) -> None:
    _expect_clean(replay, json.dumps({"jsonrpc": "2.0", "id": 1, "result": result}).encode(), method)


_VM = load().default_record("VM")
_VM_FIELDS = sorted(_VM)


@FUZZ
@given(field=st.sampled_from(_VM_FIELDS), value=json_values)
def test_one_wrong_field_in_a_record(replay: Replay, field: str, value: object) -> None:
    record = {k: (v.strftime("%Y%m%dT%H:%M:%SZ") if hasattr(v, "strftime") else v) for k, v in _VM.items()}
    record[field] = value
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "result": record}).encode()
    try:
        decoded = replay.call(body, "VM.get_record")
    except ProtocolError as exc:
        assert field in str(exc)
    else:
        assert isinstance(decoded, dict) and field in decoded


@FUZZ
@given(cut=st.integers(min_value=0, max_value=2000))
def test_any_truncation_of_a_valid_answer(replay: Replay, cut: int) -> None:
    record = {k: (v.strftime("%Y%m%dT%H:%M:%SZ") if hasattr(v, "strftime") else v) for k, v in _VM.items()}
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "result": record}).encode()
    if cut < len(body):
        with pytest.raises(ProtocolError):
            replay.call(body[:cut], "VM.get_record")
