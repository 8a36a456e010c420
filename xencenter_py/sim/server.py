"""The simulator's HTTP(S) front end (protocol notes §1.1): XML-RPC at ``/`` and
``/RPC2``, JSON-RPC at ``/jsonrpc``, performance data at ``/rrd_updates`` and friends.

API failures are HTTP 200 with a failure envelope; a body that cannot be parsed is an
HTTP 500 with a short HTML page, as xapi answers; an oversized body is HTTP 413. Large
answers are encoded in a worker thread so one big ``get_all_records`` or initial
``event.from`` does not stall every other connection.

One client never hurts another: a connection that sends no complete request headers
within :data:`REQUEST_TIMEOUT` (idle, or half-sent) is closed, a body must arrive within
the same time (else HTTP 408), and every rejected request is one log line, never a
traceback. Browsers: only the origins given with ``--allow-origin`` get CORS headers, and a
request a browser sends from any other origin is refused (HTTP 403), so a web page cannot
drive a local simulator even when it knows the password.
"""

from __future__ import annotations

import asyncio
import html
import logging
import ssl
from collections.abc import Callable
from typing import Any

from aiohttp import web

from xencenter_py.datamodel import Type
from xencenter_py.sim import codec_jsonrpc, codec_xmlrpc, members, rrd, transfer
from xencenter_py.sim.consoles.hub import ConsoleHub
from xencenter_py.sim.consoles.tunnel import TunnelRunner
from xencenter_py.sim.errors import XapiError
from xencenter_py.sim.simulator import Simulator

log = logging.getLogger(__name__)

MAX_BODY = 32 * 1024 * 1024
"""Largest accepted request body (bytes); larger ones get HTTP 413."""

REQUEST_TIMEOUT = 30.0
"""Default seconds a connection may stay without a complete request (idle, or headers
half-sent), and a request body may take to arrive (``sim --request-timeout``)."""

BIG_ANSWER = 2000
"""Answers with more top-level items than this are encoded off the event loop."""

PORT_ATTEMPTS = 10
"""Ports tried (with port 0) before giving up on one free at every member address."""

SIM_KEY: web.AppKey[Simulator] = web.AppKey("simulator", Simulator)
MAX_BODY_KEY: web.AppKey[int] = web.AppKey("max_body", int)
TIMEOUT_KEY: web.AppKey[float] = web.AppKey("request_timeout", float)
ORIGINS_KEY: web.AppKey[frozenset[str]] = web.AppKey("origins", frozenset)


def _peer(request: web.Request) -> str:
    return str(request.remote or "?")


def reject(request: web.Request, status: int, reason: str) -> None:
    """The one log line of a rejected request (shortened: its content is the client's)."""
    reason = " ".join(reason.split())
    if len(reason) > 160:
        reason = reason[:157] + "..."
    log.warning("rejected %s %s from %s: HTTP %d %s", request.method, request.path[:80], _peer(request), status, reason)


def _cors(request: web.Request) -> dict[str, str]:
    """CORS headers for an allowed browser origin (none for anyone else)."""
    origin = request.headers.get("Origin")
    if origin is None or origin not in request.app[ORIGINS_KEY]:
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Headers": "X-Requested-With, Content-Type",
        "Vary": "Origin",
    }


def _error_page(request: web.Request, status: int, detail: str) -> web.Response:
    reject(request, status, detail)
    body = (
        f"<html><body><h1>HTTP {status} internal error</h1>The request could not be processed."
        f"<h2>Additional information</h2>{html.escape(detail)}</body></html>"
    )
    return web.Response(status=status, text=body, content_type="text/html", headers=_cors(request))


async def _read_body(request: web.Request) -> bytes:
    """The whole body, in time (a client that stops sending is refused)."""
    timeout = request.app[TIMEOUT_KEY]
    try:
        return await asyncio.wait_for(request.read(), timeout)
    except TimeoutError:
        reject(request, 408, f"body not received within {timeout:g} s")
        raise web.HTTPRequestTimeout(headers={"Connection": "close"}) from None


def _size(value: Any) -> int:
    if isinstance(value, (dict, list)):
        if isinstance(value, dict) and "events" in value and isinstance(value["events"], list):
            return len(value["events"])
        return len(value)
    return 0


async def _encode(value: Any, encode: Callable[[Any], bytes]) -> bytes:
    if _size(value) <= BIG_ANSWER:
        return encode(value)
    if isinstance(value, dict) and "events" not in value:
        value = dict(value)  # a live table: freeze its membership before leaving the loop
    return await asyncio.get_running_loop().run_in_executor(None, encode, value)


def _endpoint(request: web.Request) -> str | None:
    """The host whose address received the request (``None`` without ``--members``)."""
    sim = request.app[SIM_KEY]
    if not sim.endpoints or request.transport is None:
        return None
    sockname = request.transport.get_extra_info("sockname")
    return sim.endpoints.get(sockname[0]) if sockname else None


async def _run(request: web.Request, method: str, params: list[Any]) -> tuple[Any, Type] | XapiError:
    sim = request.app[SIM_KEY]
    try:
        return await sim.call(method, params, _endpoint(request))
    except XapiError as e:
        return e
    except Exception as e:  # a simulator bug must not take the connection down
        log.error("call %s failed: %s: %s", method[:80], type(e).__name__, str(e)[:160])
        log.debug("call %s failed", method, exc_info=True)
        return XapiError("INTERNAL_ERROR", f"{type(e).__name__}: {e}")


async def handle_xmlrpc(request: web.Request) -> web.Response:
    body = await _read_body(request)
    try:
        method, params = codec_xmlrpc.parse_call(body)
    except codec_xmlrpc.XmlRpcParseError as e:
        return _error_page(request, 500, str(e))
    outcome = await _run(request, method, params)
    if isinstance(outcome, XapiError):
        data = codec_xmlrpc.failure(outcome.description)
    else:
        value, t = outcome
        data = await _encode(value, lambda v: codec_xmlrpc.success(v, t))
    return web.Response(body=data, content_type="text/xml", charset="utf-8", headers=_cors(request))


async def handle_jsonrpc(request: web.Request) -> web.Response:
    if request.method == "OPTIONS":
        headers = _cors(request)
        if headers:
            headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        return web.Response(status=200, headers={**headers, "Allow": "POST, OPTIONS"})
    body = await _read_body(request)
    try:
        req = codec_jsonrpc.parse_request(body)
    except codec_jsonrpc.JsonRpcParseError as e:
        return _error_page(request, 500, str(e))
    outcome = await _run(request, req.method, req.params)
    if isinstance(outcome, XapiError):
        data = codec_jsonrpc.failure(outcome.description, req.id, req.v2)
    else:
        value, _ = outcome
        data = await _encode(value, lambda v: codec_jsonrpc.success(v, req.id, req.v2))
    return web.Response(body=data, content_type="application/json", charset="utf-8", headers=_cors(request))


def _session_of(request: web.Request) -> str:
    sid = request.query.get("session_id") or request.cookies.get("session_id") or ""
    if not sid and request.headers.get("Authorization", "").startswith("Basic "):
        raise web.HTTPUnauthorized(text="Basic authentication is not supported; pass session_id")
    return sid


def _check_session(request: web.Request) -> Simulator:
    sim = request.app[SIM_KEY]
    try:
        sim.sessions.check(_session_of(request))
    except XapiError:
        raise web.HTTPForbidden(text="SESSION_INVALID") from None
    return sim


def _this_host(request: web.Request) -> str:
    """Whose performance data a request gets by default: the member it reached (each host
    serves its own), else the coordinator."""
    return _endpoint(request) or request.app[SIM_KEY].coordinator()


def _rrd_download(produce: Callable[[Simulator, web.Request], tuple[bytes, str]]) -> Callable[..., Any]:
    """A GET handler for performance data: a valid session, then ``produce``'s answer; a
    bad query is HTTP 400 and an unknown object HTTP 404."""

    async def handle(request: web.Request) -> web.Response:
        sim = _check_session(request)
        try:
            body, ctype = produce(sim, request)
        except rrd.BadRequest as e:
            raise web.HTTPBadRequest(text=str(e)) from None
        except rrd.NotFound as e:
            raise web.HTTPNotFound(text=str(e)) from None
        return web.Response(body=body, content_type=ctype, charset="utf-8")

    return handle


handle_rrd_updates = _rrd_download(
    lambda sim, r: rrd.rrd_updates(sim.store, r.query, _this_host(r), r.headers.get("Accept", ""))
)
handle_host_rrd = _rrd_download(lambda sim, r: rrd.host_rrd(sim.store, r.query, _this_host(r)))
handle_vm_rrd = _rrd_download(lambda sim, r: rrd.vm_rrd(sim.store, r.query))


async def handle_root_page(request: web.Request) -> web.Response:
    """``GET /``: xapi serves a small welcome page there; so do we (browsers, probes)."""
    body = (
        "<html><head><title>XenServer</title></head><body><h1>xencenter-py pool simulator</h1>"
        "<p>This server speaks the XenAPI: XML-RPC at <code>/</code>, JSON-RPC at <code>/jsonrpc</code>.</p>"
        "</body></html>"
    )
    return web.Response(text=body, content_type="text/html")


@web.middleware
async def _robust(request: web.Request, handler: Callable[[web.Request], Any]) -> web.StreamResponse:
    """Every failure becomes an HTTP answer; the server itself never goes down."""
    endpoint = _endpoint(request)
    if endpoint is not None and not members.answers(request.app[SIM_KEY], endpoint):
        # A member that is down does not answer at all.
        assert request.transport is not None
        request.transport.close()
        raise ConnectionResetError
    origin = request.headers.get("Origin")
    if origin is not None and origin not in request.app[ORIGINS_KEY]:
        # A browser sends Origin; a page from anywhere else must not drive the pool.
        reject(request, 403, f"origin {origin!r} is not allowed (see --allow-origin)")
        raise web.HTTPForbidden(text="origin not allowed")
    limit = request.app[MAX_BODY_KEY]
    if request.content_length is not None and request.content_length > limit and request.path != "/import":
        # Refuse before reading: a client announcing a huge body must not hold the connection.
        reject(request, 413, f"body of {request.content_length} bytes announced")
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    try:
        return await handler(request)  # type: ignore[no-any-return]
    except web.HTTPRequestEntityTooLarge as e:
        reject(request, e.status, "body too large")
        raise
    except web.HTTPException:
        raise
    except (ConnectionResetError, asyncio.CancelledError):
        raise
    except Exception as e:
        log.debug("request %s %s failed", request.method, request.path, exc_info=True)
        return _error_page(request, 500, f"{type(e).__name__}")


def make_app(
    sim: Simulator,
    *,
    max_body: int = MAX_BODY,
    origins: frozenset[str] = frozenset(),
    request_timeout: float = REQUEST_TIMEOUT,
) -> web.Application:
    app = web.Application(client_max_size=max_body, middlewares=[_robust])
    app[SIM_KEY] = sim
    app[MAX_BODY_KEY] = max_body
    app[TIMEOUT_KEY] = request_timeout
    app[ORIGINS_KEY] = origins
    for path in ("/", "/RPC2", "/json"):
        app.router.add_post(path, handle_xmlrpc)
    app.router.add_get("/", handle_root_page)
    app.router.add_route("POST", "/jsonrpc", handle_jsonrpc)
    app.router.add_route("OPTIONS", "/jsonrpc", handle_jsonrpc)
    app.router.add_get("/rrd_updates", handle_rrd_updates)
    for path in ("/host_rrd", "/host_rrds"):
        app.router.add_get(path, handle_host_rrd)
    for path in ("/vm_rrd", "/vm_rrds"):
        app.router.add_get(path, handle_vm_rrd)
    transfer.register(app)
    return app


async def serve(
    sim: Simulator,
    host: str,
    port: int,
    ssl_context: ssl.SSLContext | None = None,
    member_addresses: tuple[str, ...] = (),
    origins: frozenset[str] = frozenset(),
    request_timeout: float = REQUEST_TIMEOUT,
) -> tuple[web.AppRunner, int]:
    """Start listening on ``host`` and, on the same port, on every address in ``member_addresses``;
    return the runner (for cleanup) and the bound port. With port 0 the port is chosen
    again when a member address already has it in use."""
    attempts = 0
    while True:
        hub = ConsoleHub(sim)  # CONNECT /console tunnels are accepted beside the routes below
        runner = TunnelRunner(
            make_app(sim, origins=origins, request_timeout=request_timeout),
            hub,
            head_timeout=request_timeout,
            access_log=None,
            handle_signals=False,
            shutdown_timeout=1.0,
            keepalive_timeout=request_timeout,  # also closes connections that never finish a request
        )
        await runner.setup()
        try:
            bound = await _start_site(runner, host, port, ssl_context)
            for address in member_addresses:
                await _start_site(runner, address, bound, ssl_context)
        except OSError:
            await runner.cleanup()
            attempts += 1
            if port != 0 or attempts == PORT_ATTEMPTS:
                raise
            continue
        hub.publish("https" if ssl_context else "http", host, bound)
        return runner, bound


async def _start_site(runner: web.AppRunner, host: str, port: int, ssl_context: ssl.SSLContext | None) -> int:
    site = web.TCPSite(runner, host, port, ssl_context=ssl_context, backlog=1024, reuse_address=True)
    await site.start()
    server = site._server
    if server is not None and getattr(server, "sockets", None):
        return int(server.sockets[0].getsockname()[1])
    return port
