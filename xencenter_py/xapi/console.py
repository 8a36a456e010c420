"""Opening a VM's or server's console through XAPI's tunnel: ``CONNECT`` to the console
record's ``location`` with the session, over the connection's own TLS trust; what comes
back after ``200 OK`` is the console's RFB stream (:mod:`xencenter_py.xapi.rfb`)."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from typing import Any
from urllib.parse import quote, urlsplit

from xencenter_py.xapi.errors import ConnectionLost, XapiClientError

MAX_HEAD = 16 * 1024


class ConsoleRefused(XapiClientError):
    """The server answered the tunnel request with an HTTP error."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"console refused: HTTP {status} {reason}")
        self.status = status
        self.reason = reason


async def open_tunnel(
    location: str, session_ref: str, ssl_context: ssl.SSLContext | None, *, timeout: float = 20.0
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connect to ``location`` and ask for the console; returns the raw stream once the
    server said ``200``. ``ssl_context`` is the session's (pinned fingerprint or system
    trust); an https location without one is refused rather than trusted blindly."""
    url = urlsplit(location)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise ConnectionLost(f"unusable console location {location!r}")
    if url.scheme == "https" and ssl_context is None:
        raise ConnectionLost("the console is served over TLS but the connection has no TLS trust")
    port = url.port or (443 if url.scheme == "https" else 80)
    ctx = ssl_context if url.scheme == "https" else None
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(url.hostname, port, ssl=ctx, server_hostname=url.hostname if ctx else None),
            timeout,
        )
    except (OSError, ssl.SSLError, TimeoutError) as e:
        raise ConnectionLost(f"cannot reach the console at {url.hostname}:{port}: {e}") from None
    query = "&".join(p for p in (url.query, f"session_id={quote(session_ref, safe=':')}") if p)
    writer.write(f"CONNECT {url.path or '/console'}?{query} HTTP/1.0\r\n\r\n".encode())
    try:
        status, reason = await asyncio.wait_for(_read_head(reader), timeout)
    except BaseException:
        await close_quietly(writer)
        raise
    if status != 200:
        await close_quietly(writer)
        raise ConsoleRefused(status, reason)
    return reader, writer


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, str]:
    try:
        line = await reader.readline()
        parts = line.decode("latin-1").split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise ConnectionLost(f"not an HTTP answer: {line[:80]!r}")
        size = len(line)
        while True:
            header = await reader.readline()
            size += len(header)
            if header in (b"\r\n", b"\n", b""):
                break
            if size > MAX_HEAD:
                raise ConnectionLost("the console answer's head is too long")
    except (OSError, ssl.SSLError, ValueError) as e:
        raise ConnectionLost(f"the console connection failed: {e}") from None
    return int(parts[1]), parts[2].strip() if len(parts) > 2 else ""


async def close_quietly(writer: Any) -> None:
    writer.close()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(writer.wait_closed(), 2)
