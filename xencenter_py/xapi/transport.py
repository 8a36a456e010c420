"""HTTP transports for the pool API: JSON-RPC 2.0 at ``/jsonrpc`` and XML-RPC at ``/`` for
servers too old for JSON-RPC.

A transport sends one call and returns the raw (not yet type-decoded) result, or raises:
``Failure`` for an API failure, ``ProtocolError`` for an answer it cannot understand
(malformed, truncated, not UTF-8, wrong envelope, too large), ``ConnectionLost`` when the
server cannot be reached or drops the connection, ``CertificateProblem`` for TLS trust.
Big answers are parsed and decoded in a worker thread so the UI loop keeps painting.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import ssl
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from xencenter_py.xapi import xmlwire
from xencenter_py.xapi.errors import (
    AnswerTooLarge,
    CertificateProblem,
    ConnectionLost,
    Failure,
    ProtocolError,
    RequestTimeout,
)
from xencenter_py.xapi.http11 import ConnectFailed, Http11Pool, HttpError, TooLarge
from xencenter_py.xapi.trust import PinMismatch

DEFAULT_MAX_ANSWER = 256 << 20
"""256 MiB: about six times the largest answer a pool gives (the initial ``event.from`` of
64 hosts and 5,000 VMs, 40,000 objects, is ≈40 MB), checked while the answer arrives."""

THREAD_THRESHOLD = 1 << 20
"""Answers above 1 MiB are parsed in a worker thread."""

USER_AGENT = "xencenter-py/0.1"

Decode = Callable[[Any], Any]


class EndpointMissing(ProtocolError):
    """The server has no JSON-RPC endpoint (HTTP 404/405/501, or a 500 that is not JSON):
    an old server that only speaks XML-RPC."""


def _identity(value: Any) -> Any:
    return value


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__


def _tls_cause(exc: BaseException) -> BaseException | None:
    """Find the TLS error behind a connection failure."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, (PinMismatch, ssl.SSLCertVerificationError)):
            return cur
        cur = cur.__cause__ or cur.__context__
    return None


class HttpChannel:
    """Keep-alive HTTP/1.1 connections to a server's base URL, with the size limit, one
    deadline for the whole call, and the mapping of network failures to the client's
    error types."""

    def __init__(
        self,
        base_url: str,
        *,
        ssl_context: ssl.SSLContext | None,
        timeout: float,
        max_answer: int = DEFAULT_MAX_ANSWER,
        host_key: str = "",
        user_agent: str = USER_AGENT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.max_answer = max_answer
        self.host_key = host_key
        self._timeout = timeout
        self._pool = Http11Pool(self.base_url, ssl_context=ssl_context, user_agent=user_agent)

    async def aclose(self) -> None:
        await self._pool.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        content: bytes | None = None,
        params: Sequence[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> tuple[int, str, bytes]:
        """Send one request; return (status, content type, body) with the body read in full.
        ``timeout`` (default: the channel's) bounds the whole call, however slowly the
        server trickles its answer."""
        limit = self._timeout if timeout is None else timeout
        try:
            async with asyncio.timeout(limit):
                status, answer_headers, body = await self._pool.request(
                    method,
                    path,
                    content=content,
                    params=params,
                    headers=headers,
                    connect_timeout=min(limit, self._timeout, 30.0),
                    max_answer=self.max_answer,
                )
        except ConnectFailed as exc:
            raise self._connect_error(exc) from exc  # the cause tells refused, unknown name, TLS...
        except TooLarge as exc:
            raise AnswerTooLarge(str(exc)) from None
        except HttpError as exc:
            raise ProtocolError(f"{self.base_url}: malformed HTTP answer ({exc})") from None
        except TimeoutError:
            raise RequestTimeout(
                f"{self.base_url}: no complete answer within {limit:g} s", server=self._server
            ) from None
        except OSError as exc:
            raise ConnectionLost(f"connection to {self.base_url} lost: {_describe(exc)}", server=self._server) from exc
        return status, answer_headers.get("content-type", ""), body

    def _connect_error(self, exc: ConnectFailed) -> Exception:
        cause = exc.__cause__
        tls = _tls_cause(exc)
        if isinstance(tls, PinMismatch):
            return tls.as_problem(self.host_key)
        if tls is not None:
            return CertificateProblem(self.host_key, f"{self.host_key}: certificate not trusted ({_describe(tls)})")
        return ConnectionLost(
            f"cannot connect to {self.base_url}: {_describe(cause or exc)}", server=self._server, connecting=True
        )

    @property
    def _server(self) -> str:
        """The server as the user knows it (``host:port``), for messages."""
        return self.host_key or self.base_url


_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_was_enabled = False


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a big answer becomes Python objects.

    Parsing 40,000 records allocates millions of containers; the collector would scan the
    growing heap again and again (measured: 0.74 s → 0.29 s for a 40 MB answer). The
    answer holds no cycles, so nothing is lost; overlapping pauses are counted.
    """
    global _gc_pausers, _gc_was_enabled
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled:
                gc.enable()


def _parse_big(parse: Callable[[bytes], Any], body: bytes) -> Any:
    with _gc_paused():
        result = parse(body)
        # Millions of young objects would make the next collections scan them all (a
        # 0.2 s stall of the UI thread each time). They are long-lived pool data without
        # cycles: move them out of the collector's way (refcounting still frees them).
        gc.freeze()
        return result


async def _parse(body: bytes, parse: Callable[[bytes], Any]) -> Any:
    """Small answers are parsed at once; big ones in a worker thread, so the loop (and
    the UI) keeps running."""
    if len(body) > THREAD_THRESHOLD:
        return await asyncio.to_thread(_parse_big, parse, body)
    return parse(body)


class Transport(Protocol):
    """What the session needs from a protocol."""

    channel: HttpChannel
    name: str

    async def call(
        self, method: str, params: Sequence[Any], decode: Decode = _identity, *, timeout: float | None = None
    ) -> Any: ...


class JsonRpcTransport:
    """JSON-RPC 2.0 over ``POST /jsonrpc`` (also understands v1 answers)."""

    name = "jsonrpc"

    def __init__(self, channel: HttpChannel) -> None:
        self.channel = channel
        self._next_id = 0

    def encode(self, method: str, params: Sequence[Any], request_id: int) -> bytes:
        return json.dumps(
            {"jsonrpc": "2.0", "method": method, "params": list(params), "id": request_id},
            ensure_ascii=False,
        ).encode("utf-8")

    async def call(
        self, method: str, params: Sequence[Any], decode: Decode = _identity, *, timeout: float | None = None
    ) -> Any:
        self._next_id += 1
        request_id = self._next_id
        status, ctype, body = await self.channel.request(
            "POST",
            "/jsonrpc",
            content=self.encode(method, params, request_id),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            timeout=timeout,
        )
        if status != 200:
            self._check_status(status, ctype, body)
        return await _parse(body, lambda b: decode(_unwrap_json(b, request_id)))

    def _check_status(self, status: int, ctype: str, body: bytes) -> None:
        if status in (404, 405, 501):
            raise EndpointMissing(f"HTTP {status}: the server has no JSON-RPC endpoint")
        if status == 500 and "json" not in ctype.lower():
            raise EndpointMissing(f"HTTP 500: {_snippet(body)}")
        if status >= 300:
            raise ProtocolError(f"unexpected HTTP status {status}: {_snippet(body)}")


def _snippet(body: bytes) -> str:
    text = body[:200].decode("utf-8", "replace").strip()
    return text or "(empty body)"


def _let_others_run(obj: dict[str, Any]) -> dict[str, Any]:
    """A Python-level hook per JSON object: the parser otherwise holds the GIL for the
    whole answer (0.3-0.5 s for 40 MB), freezing the UI thread; entering Python code
    lets the interpreter hand the GIL over (measured: longest UI stall 0.53 s → 0.11 s)."""
    return obj


def _loads_json(body: bytes) -> Any:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(f"answer is not valid UTF-8 (byte {exc.start})") from None
    try:
        # Python's json accepts the bare NaN/Infinity/-Infinity tokens xapi writes for floats.
        return json.loads(text, object_hook=_let_others_run if len(body) > THREAD_THRESHOLD else None)
    except json.JSONDecodeError as exc:
        what = "truncated" if exc.pos >= len(text.rstrip()) else "malformed"
        raise ProtocolError(f"{what} JSON answer: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise ProtocolError("JSON answer nested too deeply") from None


def _unwrap_json(body: bytes, request_id: int) -> Any:
    """Check the envelope (v2: ``result`` xor ``error``; v1: both keys) and return the result."""
    doc = _loads_json(body)
    if not isinstance(doc, dict):
        raise ProtocolError("JSON-RPC answer is not an object")
    if "id" not in doc:
        raise ProtocolError("JSON-RPC answer has no id")
    if doc["id"] != request_id and doc["id"] != str(request_id):
        raise ProtocolError(f"JSON-RPC answer is for request {doc['id']!r}, not {request_id}")
    error = doc.get("error")
    if doc.get("jsonrpc") == "2.0":
        if error is not None:
            raise _v2_failure(error)
        if "result" not in doc:
            raise ProtocolError("JSON-RPC answer has neither result nor error")
        return doc["result"]
    if "result" not in doc or "error" not in doc:
        raise ProtocolError("JSON-RPC 1.0 answer must carry both result and error")
    if error is not None:
        if isinstance(error, list) and error and all(isinstance(x, str) for x in error):
            raise Failure.from_description(error)
        raise ProtocolError(f"JSON-RPC 1.0 error has the wrong shape: {error!r:.100}")
    return doc["result"]


def _v2_failure(error: Any) -> Exception:
    """xapi: ``{code: 1, message: CODE, data: [params]}``; ``data`` may also be a bare string."""
    if not isinstance(error, dict):
        return ProtocolError(f"JSON-RPC error is not an object: {error!r:.100}")
    code, message, data = error.get("code"), error.get("message"), error.get("data")
    if not isinstance(code, int) or isinstance(code, bool) or not isinstance(message, str) or not message:
        return ProtocolError(f"JSON-RPC error has the wrong shape: {error!r:.100}")
    if data is None:
        params: list[str] = []
    elif isinstance(data, str):
        params = [data]
    elif isinstance(data, list) and all(isinstance(x, str) for x in data):
        params = data
    else:
        return ProtocolError(f"JSON-RPC error data has the wrong shape: {data!r:.100}")
    return Failure(message, params)


class XmlRpcTransport:
    """XML-RPC over ``POST /``: ``{Status, Value | ErrorDescription}`` envelopes."""

    name = "xmlrpc"

    def __init__(self, channel: HttpChannel) -> None:
        self.channel = channel

    async def call(
        self, method: str, params: Sequence[Any], decode: Decode = _identity, *, timeout: float | None = None
    ) -> Any:
        status, _ctype, body = await self.channel.request(
            "POST",
            "/",
            content=xmlwire.encode_call(method, params),
            headers={"Content-Type": "text/xml"},
            timeout=timeout,
        )
        if status != 200:
            raise ProtocolError(f"unexpected HTTP status {status}: {_snippet(body)}")
        return await _parse(body, lambda b: decode(_unwrap_xml(b)))


def _unwrap_xml(body: bytes) -> Any:
    envelope = xmlwire.decode_response(body)
    status = envelope.get("Status")
    if status == "Success":
        if "Value" not in envelope:
            raise ProtocolError("XML-RPC success without a Value")
        return envelope["Value"]
    if status == "Failure":
        desc = envelope.get("ErrorDescription")
        if isinstance(desc, list) and desc and all(isinstance(x, (str, int)) for x in desc):
            raise Failure.from_description(desc)
        raise ProtocolError(f"XML-RPC failure has the wrong shape: {desc!r:.100}")
    raise ProtocolError(f"XML-RPC answer has no valid Status: {status!r:.50}")
