"""A lean HTTP/1.1 client for the pool API: keep-alive connections on asyncio streams.

Why not a general HTTP library: a pool API call is one small POST and one answer, and the
console makes thousands of them. Measured on the simulator, httpx spent most of a simple
call in its own layers (anyio, h11, the pool) and sent headers and body in two writes, each
waking the server: about half the official SDK's synchronous rate. Here a request is one
write, an answer is read straight off the stream (``Content-Length``, chunked, or to the
end), its size is checked while it arrives, and the whole exchange is bounded by one
deadline. TLS uses the caller's ``ssl.SSLContext`` (pinned certificates included).

Errors are plain: :class:`HttpError` for an answer that is not HTTP, :class:`TooLarge`;
``OSError``/``ssl.SSLError`` from the network, ``TimeoutError`` past the deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import Sequence
from urllib.parse import urlencode, urlsplit

MAX_HEAD = 64 * 1024
"""Largest status line plus headers accepted."""


class HttpError(Exception):
    """The server's answer is not well-formed HTTP/1.1."""


class TooLarge(Exception):
    """The answer is bigger than the limit (raised before it is all read)."""


class EarlyClose(ConnectionError):
    """The server closed the connection before sending any byte of the answer."""


class ConnectFailed(ConnectionError):
    """No connection could be made (refused, unreachable, name unknown, timed out, TLS
    handshake failed); ``__cause__`` holds the original error."""


class _Connection:
    __slots__ = ("idle_since", "reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.idle_since = 0.0

    def usable(self, now: float, expiry: float) -> bool:
        return not self.reader.at_eof() and not self.writer.is_closing() and now - self.idle_since < expiry

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


class Http11Pool:
    """Keep-alive connections to one ``http(s)://host:port``."""

    def __init__(
        self,
        base_url: str,
        *,
        ssl_context: ssl.SSLContext | None,
        user_agent: str,
        max_idle: int = 8,
        max_connections: int = 32,
        keepalive_expiry: float = 20.0,
    ) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or ""
        self.https = parts.scheme == "https"
        self.port = parts.port or (443 if self.https else 80)
        self.ssl_context = ssl_context if self.https else None
        if self.https and self.ssl_context is None:
            self.ssl_context = ssl.create_default_context()
            self.ssl_context.check_hostname = False
            self.ssl_context.verify_mode = ssl.CERT_NONE
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.https else 80
        self._host_header = host if self.port == default else f"{host}:{self.port}"
        self._user_agent = user_agent
        self._idle: list[_Connection] = []
        self._max_idle = max_idle
        self._expiry = keepalive_expiry
        self._slots = asyncio.Semaphore(max_connections)
        self._closed = False

    async def aclose(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
        for conn in idle:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.writer.wait_closed(), 1.0)

    async def request(
        self,
        method: str,
        path: str,
        *,
        content: bytes | None = None,
        params: Sequence[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        connect_timeout: float,
        max_answer: int,
    ) -> tuple[int, dict[str, str], bytes]:
        """One exchange: (status, lower-cased headers, body). The caller bounds the time."""
        target = path + ("?" + urlencode(list(params)) if params else "")
        head = self._head(method, target, content, headers)
        async with self._slots:  # at most max_connections exchanges at once
            return await self._request(head, content, method, connect_timeout, max_answer)

    async def _request(
        self, head: bytes, content: bytes | None, method: str, connect_timeout: float, max_answer: int
    ) -> tuple[int, dict[str, str], bytes]:
        conn, reused = await self._connection(connect_timeout)
        try:
            try:
                return await self._exchange(conn, head, content, method, max_answer)
            except EarlyClose:
                if not reused:
                    raise
            # A kept-alive connection the server had closed meanwhile: the request never
            # reached it, so sending it again on a new connection is safe.
            conn.close()
            conn, _ = await self._connection(connect_timeout, fresh=True)
            return await self._exchange(conn, head, content, method, max_answer)
        except BaseException:
            conn.close()
            raise

    def _head(self, method: str, target: str, content: bytes | None, headers: dict[str, str] | None) -> bytes:
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self._host_header}", f"User-Agent: {self._user_agent}"]
        if headers:
            lines.extend(f"{k}: {v}" for k, v in headers.items())
        if content is not None or method == "POST":
            lines.append(f"Content-Length: {len(content or b'')}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def _connection(self, connect_timeout: float, *, fresh: bool = False) -> tuple[_Connection, bool]:
        if self._closed:
            raise ConnectionError("the client is closed")
        now = time.monotonic()
        while self._idle and not fresh:
            conn = self._idle.pop()
            if conn.usable(now, self._expiry):
                return conn, True
            conn.close()
        try:
            async with asyncio.timeout(connect_timeout):
                reader, writer = await asyncio.open_connection(
                    self.host,
                    self.port,
                    ssl=self.ssl_context,
                    server_hostname=self.host if self.ssl_context is not None else None,
                    limit=MAX_HEAD,
                )
        except TimeoutError as exc:
            raise ConnectFailed("timed out") from exc
        except OSError as exc:  # ssl.SSLError included
            raise ConnectFailed(str(exc) or type(exc).__name__) from exc
        return _Connection(reader, writer), False

    def _release(self, conn: _Connection) -> None:
        if self._closed or len(self._idle) >= self._max_idle:
            conn.close()
            return
        conn.idle_since = time.monotonic()
        self._idle.append(conn)

    async def _exchange(
        self, conn: _Connection, head: bytes, content: bytes | None, method: str, max_answer: int
    ) -> tuple[int, dict[str, str], bytes]:
        conn.writer.write(head + content if content else head)  # one write: one wake-up
        reader = conn.reader
        while True:
            version, status, headers = await self._read_head(reader)
            if not 100 <= status < 200:
                break
        connection = headers.get("connection", "").lower()
        keep = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
        if method == "HEAD" or status in (204, 304):
            body = b""
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            body = await self._read_chunked(reader, max_answer)
        elif "content-length" in headers:
            text = headers["content-length"].strip()
            if not text.isdigit():
                raise HttpError(f"bad Content-Length {text[:20]!r}")
            length = int(text)
            if length > max_answer:
                raise TooLarge(f"answer of {length} bytes exceeds the limit of {max_answer}")
            try:
                body = await reader.readexactly(length)
            except asyncio.IncompleteReadError as exc:
                raise ConnectionResetError(f"answer cut off after {len(exc.partial)} of {length} bytes") from None
        else:
            body = await self._read_to_end(reader, max_answer)
            keep = False
        if keep:
            self._release(conn)
        else:
            conn.close()
        return status, headers, body

    @staticmethod
    async def _read_head(reader: asyncio.StreamReader) -> tuple[str, int, dict[str, str]]:
        try:
            raw = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            if not exc.partial:
                raise EarlyClose("server closed the connection without sending an answer") from None
            raise ConnectionResetError("server closed the connection in the middle of the answer headers") from None
        except asyncio.LimitOverrunError:
            raise HttpError("answer headers too long") from None
        lines = raw[:-4].decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit() or len(parts[1]) != 3:
            raise HttpError(f"not an HTTP answer: {lines[0][:60]!r}")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep or not name or name != name.strip():
                raise HttpError(f"malformed header line {line[:60]!r}")
            key = name.lower()
            value = value.strip()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        return parts[0], int(parts[1]), headers

    @staticmethod
    async def _read_chunked(reader: asyncio.StreamReader, max_answer: int) -> bytes:
        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                line = await reader.readuntil(b"\r\n")
                text = line[:-2].split(b";", 1)[0].strip()
                try:
                    n = int(text, 16)
                except ValueError:
                    raise HttpError(f"bad chunk size {text[:20]!r}") from None
                if n == 0:
                    while await reader.readuntil(b"\r\n") != b"\r\n":
                        pass  # trailers
                    return b"".join(chunks)
                size += n
                if size > max_answer:
                    raise TooLarge(f"answer exceeds the limit of {max_answer} bytes")
                chunks.append(await reader.readexactly(n))
                if await reader.readexactly(2) != b"\r\n":
                    raise HttpError("chunk not followed by CRLF")
        except asyncio.IncompleteReadError:
            raise ConnectionResetError("server closed the connection in the middle of the answer") from None
        except asyncio.LimitOverrunError:
            raise HttpError("chunk header too long") from None

    @staticmethod
    async def _read_to_end(reader: asyncio.StreamReader, max_answer: int) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while chunk := await reader.read(1 << 16):
            size += len(chunk)
            if size > max_answer:
                raise TooLarge(f"answer exceeds the limit of {max_answer} bytes")
            chunks.append(chunk)
        return b"".join(chunks)
