"""Hand-made broken answers over a real socket: every one must end in a clear
ProtocolError / ConnectionLost / Failure, never a crash or a hang."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.xapi.rawserver import Close, Request, http, jsonrpc_ok, raw_server
from xencenter_py.xapi import codec
from xencenter_py.xapi.errors import AnswerTooLarge, ConnectionLost, Failure, ProtocolError, RequestTimeout
from xencenter_py.xapi.transport import EndpointMissing, HttpChannel, JsonRpcTransport, XmlRpcTransport


def _json_transport(url: str, **kw: object) -> JsonRpcTransport:
    return JsonRpcTransport(HttpChannel(url, ssl_context=None, timeout=kw.pop("timeout", 5.0), **kw))  # type: ignore[arg-type]


async def _call_json(reply, method: str = "VM.get_all", **kw: object):
    async with raw_server(reply) as srv:
        t = _json_transport(srv.url, **kw)
        try:
            return await t.call(method, ["OpaqueRef:s"], lambda v: codec.decode_result(method, v))
        finally:
            await t.channel.aclose()


def _envelope(req: Request, **fields: object) -> bytes:
    return http(json.dumps({"id": req.json()["id"], **fields}))


async def test_good_answer_decodes() -> None:
    assert await _call_json(lambda r: jsonrpc_ok(r, ["OpaqueRef:a", ""])) == ["OpaqueRef:a", "OpaqueRef:NULL"]


async def test_truncated_json_is_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="truncated"):
        await _call_json(lambda r: http('{"jsonrpc": "2.0", "result": ["OpaqueRef:a"'))


async def test_non_utf8_body_is_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="UTF-8"):
        await _call_json(lambda r: http(b'{"jsonrpc":"2.0","id":1,"result":["\xff\xfe"]}'))


@pytest.mark.parametrize(
    "body",
    [
        "[1, 2, 3]",
        '"just a string"',
        '{"jsonrpc": "2.0", "result": []}',  # no id
        '{"jsonrpc": "2.0", "id": 999, "result": []}',  # someone else's id
        '{"jsonrpc": "2.0", "id": 1}',  # neither result nor error
        '{"id": 1, "result": []}',  # v1 without the error key
        '{"jsonrpc": "2.0", "id": 1, "error": {"code": "abcd", "message": 123456, "data": 2.0}, "result": {}}',
        '{"jsonrpc": "2.0", "id": 1, "error": {"code": 1, "message": "X", "data": [1, 2]}}',
        '{"jsonrpc": "2.0", "id": 1, "error": "HANDLE_INVALID"}',
        '{"id": 1, "result": null, "error": {"not": "a list"}}',
    ],
)
async def test_wrong_envelope_is_protocol_error(body: str) -> None:
    with pytest.raises(ProtocolError):
        await _call_json(lambda r: http(body))


async def test_v2_error_data_may_be_array_or_bare_string() -> None:
    def array(r: Request) -> bytes:
        return _envelope(
            r, jsonrpc="2.0", error={"code": 1, "message": "HANDLE_INVALID", "data": ["VM", "OpaqueRef:x"]}
        )

    def bare(r: Request) -> bytes:
        return _envelope(r, jsonrpc="2.0", error={"code": 1, "message": "HANDLE_INVALID", "data": "OpaqueRef:x"})

    with pytest.raises(Failure) as a:
        await _call_json(array)
    assert a.value.description == ["HANDLE_INVALID", "VM", "OpaqueRef:x"]
    with pytest.raises(Failure) as b:
        await _call_json(bare)
    assert b.value.code == "HANDLE_INVALID" and b.value.params == ["OpaqueRef:x"]


async def test_v1_answers_are_understood() -> None:
    assert await _call_json(lambda r: _envelope(r, result=["OpaqueRef:a"], error=None)) == ["OpaqueRef:a"]
    with pytest.raises(Failure) as f:
        await _call_json(lambda r: _envelope(r, result=None, error=["SESSION_INVALID", "OpaqueRef:s"]))
    assert f.value.code == "SESSION_INVALID"


async def test_wrong_value_type_names_the_field() -> None:
    def reply(r: Request) -> bytes:
        return jsonrpc_ok(r, {"uuid": "u", "memory_static_max": "lots"})

    with pytest.raises(ProtocolError, match=r"VM\.memory_static_max"):
        await _call_json(reply, "VM.get_record")


async def test_huge_answer_is_refused() -> None:
    big = json.dumps({"jsonrpc": "2.0", "id": 1, "result": ["x" * 100] * 100})
    with pytest.raises(AnswerTooLarge):
        await _call_json(lambda r: http(big), max_answer=1000)
    # Without a Content-Length (chunked), the limit applies while reading.
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in [big.encode()[i : i + 500] for i in range(0, len(big), 500)])
        + b"0\r\n\r\n"
    )
    with pytest.raises(AnswerTooLarge):
        await _call_json(lambda r: chunked, max_answer=1000)


async def test_connection_closed_mid_answer_is_connection_lost() -> None:
    full = http(json.dumps({"jsonrpc": "2.0", "id": 1, "result": ["OpaqueRef:a"] * 50}))
    with pytest.raises(ConnectionLost):
        await _call_json(lambda r: Close(full[: len(full) // 2]))


async def test_connection_closed_without_answer_is_connection_lost() -> None:
    with pytest.raises(ConnectionLost):
        await _call_json(lambda r: None)


async def test_refused_connection_is_connection_lost() -> None:
    async with raw_server(lambda r: None) as srv:
        url = srv.url
    t = _json_transport(url)
    with pytest.raises(ConnectionLost, match="cannot connect"):
        await t.call("VM.get_all", ["s"])
    await t.channel.aclose()


async def test_server_that_stops_answering_times_out() -> None:
    async def never(r: Request) -> bytes:
        await asyncio.Event().wait()
        return b""

    with pytest.raises(RequestTimeout):
        await _call_json(never, timeout=0.5)


async def test_garbage_instead_of_http_is_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        await _call_json(lambda r: Close(b"SSH-2.0-OpenSSH_9.6\r\nnot http at all\r\n\r\n"))


@pytest.mark.parametrize(("status", "ctype"), [("404 Not Found", "text/html"), ("500 Internal Error", "text/html")])
async def test_missing_jsonrpc_endpoint_is_reported_for_fallback(status: str, ctype: str) -> None:
    with pytest.raises(EndpointMissing):
        await _call_json(lambda r: http("<html>Xmlrpc.Parse_error</html>", status, ctype))


async def _call_xml(reply, method: str = "VM.get_all"):
    async with raw_server(reply) as srv:
        t = XmlRpcTransport(HttpChannel(srv.url, ssl_context=None, timeout=5.0))
        try:
            return await t.call(method, ["OpaqueRef:s"], lambda v: codec.decode_result(method, v))
        finally:
            await t.channel.aclose()


def _xml(inner: str) -> bytes:
    return http(
        f"<?xml version='1.0'?><methodResponse><params><param><value>{inner}</value></param></params></methodResponse>",
        ctype="text/xml",
    )


def _struct(**members: str) -> str:
    body = "".join(f"<member><name>{k}</name><value>{v}</value></member>" for k, v in members.items())
    return f"<struct>{body}</struct>"


async def test_xmlrpc_values_decode_by_type() -> None:
    ok = _xml(_struct(Status="Success", Value="8589934592"))
    assert await _call_xml(lambda r: ok, "VM.get_memory_static_max") == 8589934592
    arr = _xml(_struct(Status="Success", Value="<array><data><value>OpaqueRef:a</value></data></array>"))
    assert await _call_xml(lambda r: arr) == ["OpaqueRef:a"]


async def test_xmlrpc_failure_envelope() -> None:
    fail = _xml(
        _struct(
            Status="Failure",
            ErrorDescription="<array><data><value>SESSION_INVALID</value><value>OpaqueRef:s</value></data></array>",
        )
    )
    with pytest.raises(Failure) as f:
        await _call_xml(lambda r: fail)
    assert f.value.description == ["SESSION_INVALID", "OpaqueRef:s"]


@pytest.mark.parametrize(
    "body",
    [
        b"<?xml version='1.0'?><methodResponse><params><param><value><struct>",  # truncated
        b"not xml at all",
        b"<?xml version='1.0' encoding='utf-8'?><methodResponse><params><param><value>\xff\xfe</value></param></params></methodResponse>",
        b"<?xml version='1.0'?><methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1</int></value></member><member><name>faultString</name><value>x</value></member></struct></value></fault></methodResponse>",
        _xml("<string>no envelope</string>").split(b"\r\n\r\n", 1)[1],
        _xml(_struct(Status="Maybe")).split(b"\r\n\r\n", 1)[1],
        _xml(_struct(Status="Failure", ErrorDescription="<array><data></data></array>")).split(b"\r\n\r\n", 1)[1],
        _xml(_struct(Status="Success", Value="<boolean>7</boolean>")).split(b"\r\n\r\n", 1)[1],
    ],
)
async def test_broken_xmlrpc_is_protocol_error(body: bytes) -> None:
    with pytest.raises(ProtocolError):
        await _call_xml(lambda r: http(body, ctype="text/xml"))
