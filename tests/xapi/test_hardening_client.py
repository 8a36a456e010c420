"""The client's limits: the timeout bounds the whole call, an answer's size is checked while
it streams in, and a kept-alive connection the server closed is replaced transparently."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from tests.conftest import SimProcess
from xencenter_py.xapi import XapiSession
from xencenter_py.xapi.errors import AnswerTooLarge, RequestTimeout
from xencenter_py.xapi.transport import DEFAULT_MAX_ANSWER, HttpChannel, JsonRpcTransport

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def server(handle: Handler) -> AsyncIterator[str]:
    """A raw server for the test; on exit every connection it accepted is closed, however its
    handler was left (a trickling handler is still sleeping when the client gives up)."""
    writers: list[asyncio.StreamWriter] = []

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        await handle(reader, writer)

    srv = await asyncio.start_server(tracked, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{srv.sockets[0].getsockname()[1]}"
    finally:
        srv.close()
        for writer in writers:
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 2)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(srv.wait_closed(), 2)


async def read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
    )
    return await reader.readexactly(length)


async def test_the_timeout_bounds_the_whole_call_not_each_read() -> None:
    async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request_id = json.loads(await read_request(reader))["id"]
        body = json.dumps({"jsonrpc": "2.0", "id": request_id, "result": "x" * 50}).encode()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body))
        with contextlib.suppress(ConnectionError):
            for byte in body:  # one byte every 0.2 s: each read is quick, the whole is not
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(0.2)

    async with server(trickle) as url:
        transport = JsonRpcTransport(HttpChannel(url, ssl_context=None, timeout=1.0))
        started = time.monotonic()
        with pytest.raises(RequestTimeout):
            await transport.call("pool.get_all", ["s"])
        assert time.monotonic() - started < 3.0
        await transport.channel.aclose()


async def test_a_chunked_answer_is_refused_while_it_streams() -> None:
    sent = 0

    async def endless(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal sent
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n%s\r\n" % (1 << 16, b"[" * (1 << 16))
        with contextlib.suppress(ConnectionError):
            while sent < 64 << 20:
                writer.write(chunk)
                await writer.drain()
                sent += 1 << 16

    async with server(endless) as url:
        transport = JsonRpcTransport(HttpChannel(url, ssl_context=None, timeout=30.0, max_answer=1 << 20))
        with pytest.raises(AnswerTooLarge):
            await transport.call("pool.get_all", ["s"])
        await transport.channel.aclose()
    assert sent < 16 << 20  # refused long before the server was done
    assert DEFAULT_MAX_ANSWER <= 256 << 20


async def test_a_closed_keep_alive_connection_is_replaced() -> None:
    served = 0

    async def one_answer_per_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal served
        request_id = json.loads(await read_request(reader))["id"]
        body = json.dumps({"jsonrpc": "2.0", "id": request_id, "result": ["OpaqueRef:p"]}).encode()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        served += 1
        await writer.drain()
        writer.close()  # without saying so (no "Connection: close")
        await writer.wait_closed()

    async with server(one_answer_per_connection) as url:
        transport = JsonRpcTransport(HttpChannel(url, ssl_context=None, timeout=5.0))
        for _ in range(3):
            assert await transport.call("pool.get_all", ["s"]) == ["OpaqueRef:p"]
        await transport.channel.aclose()
    assert served == 3


async def test_one_session_works_against_the_simulator_over_both_protocols(demo_sim: SimProcess) -> None:
    for protocol in ("jsonrpc", "xmlrpc"):
        async with await XapiSession.login(demo_sim.url, "root", demo_sim.password, protocol=protocol) as s:
            assert await s.call("pool.get_name_label", s.pool) is not None
            hosts = await s.call("host.get_all_records")
            assert len(hosts) == 3
