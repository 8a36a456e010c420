"""A tiny HTTP server on a real socket that answers with hand-made (often broken) bytes,
to test how the client copes with answers no correct server would send."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

Reply = Callable[["Request"], Awaitable[bytes | None] | bytes | None]
"""Given the request, the raw bytes to send back (None: close without answering)."""


class Close(bytes):
    """Bytes to send before closing the connection (e.g. half an answer)."""


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class RawServer:
    url: str
    requests: list[Request] = field(default_factory=list)


def http(
    body: bytes | str, status: str = "200 OK", ctype: str = "application/json", length: int | None = None
) -> bytes:
    """A complete HTTP/1.1 answer; ``length`` lets a test lie about Content-Length."""
    data = body.encode() if isinstance(body, str) else body
    n = len(data) if length is None else length
    head = f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {n}\r\n\r\n"
    return head.encode() + data


def jsonrpc_ok(request: Request, result: object) -> bytes:
    return http(json.dumps({"jsonrpc": "2.0", "result": result, "id": request.json()["id"]}))


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return Request(method, path, headers, body)


@contextlib.asynccontextmanager
async def raw_server(reply: Reply) -> AsyncIterator[RawServer]:
    """Serve ``reply`` on 127.0.0.1 (keep-alive until the reply closes the connection)."""
    state = RawServer("")

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while (req := await _read_request(reader)) is not None:
                state.requests.append(req)
                out = reply(req)
                if asyncio.iscoroutine(out):
                    out = await out
                if out is None:
                    break
                writer.write(out)
                await writer.drain()
                if isinstance(out, Close):
                    break
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    state.url = f"http://127.0.0.1:{port}"
    async with server:
        yield state
        server.close()
