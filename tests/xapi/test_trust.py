"""Known-servers file and fingerprint pinning (the handshake check itself is exercised
against a TLS server on a real socket)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
from pathlib import Path

import pytest

from tests.xapi.rawserver import http
from xencenter_py.sim.tls import server_context
from xencenter_py.xapi.errors import CertificateChanged
from xencenter_py.xapi.transport import HttpChannel, JsonRpcTransport
from xencenter_py.xapi.trust import TrustStore, fingerprint_of, host_key, normalize, peer_fingerprint, pinned_context


def test_store_round_trip_and_atomic_file(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "known_servers.json"
    store = TrustStore(path)
    assert store.fingerprint("pool1:443") is None
    store.remember("pool1:443", "AA:BB")
    store.remember("[::1]:8443", "CC:DD")
    again = TrustStore(path)
    assert again.fingerprint("pool1:443") == "AA:BB" and again.fingerprint("[::1]:8443") == "CC:DD"
    again.forget("pool1:443")
    assert TrustStore(path).fingerprint("pool1:443") is None
    assert sorted(p.name for p in path.parent.iterdir()) == ["known_servers.json"]  # no temp files left


def test_corrupt_file_is_kept_aside_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "known_servers.json"
    path.write_text("{ this is not json", encoding="utf-8")
    store = TrustStore(path)
    assert store.fingerprint("x:443") is None
    store.remember("x:443", "AA")
    assert (tmp_path / "known_servers.json.corrupt").read_text(encoding="utf-8") == "{ this is not json"
    assert json.loads(path.read_text(encoding="utf-8"))["servers"] == {"x:443": "AA"}


def test_fingerprint_forms() -> None:
    fp = fingerprint_of(b"certificate bytes")
    assert len(fp) == 95 and fp.count(":") == 31 and fp == fp.upper()
    assert normalize(fp.lower().replace(":", "")) == normalize(fp)
    assert host_key("::1", 443) == "[::1]:443" and host_key("pool", 80) == "pool:80"


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[ssl.SSLContext, str]:
    return server_context(tmp_path)


async def _tls_raw_server(ctx: ssl.SSLContext):
    """The raw test server, wrapped in TLS (asyncio server with an SSL context)."""

    requests: list[bytes] = []
    handlers: set[asyncio.Task[None]] = set()  # connections being served, until their TLS close is done

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        handlers.add(task)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            requests.append(head)
            length = int(next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")).split(b":")[1])
            body = json.loads(await reader.readexactly(length))
            writer.write(http(json.dumps({"jsonrpc": "2.0", "id": body["id"], "result": []})))
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(OSError, ssl.SSLError):
                await writer.wait_closed()
            handlers.discard(task)

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=ctx)
    return server, requests, handlers


async def test_pinned_connection_checks_every_handshake(tls_files: tuple[ssl.SSLContext, str]) -> None:
    server_ctx, fp = tls_files
    server, requests, handlers = await _tls_raw_server(server_ctx)
    port = server.sockets[0].getsockname()[1]
    url = f"https://127.0.0.1:{port}"
    try:
        assert await peer_fingerprint("127.0.0.1", port) == fp
        good = JsonRpcTransport(
            HttpChannel(url, ssl_context=pinned_context(fp), timeout=5, host_key=f"127.0.0.1:{port}")
        )
        assert await good.call("VM.get_all", ["s"]) == []
        await good.channel.aclose()
        assert len(requests) == 1
        wrong = "00:" * 31 + "00"
        bad = JsonRpcTransport(
            HttpChannel(url, ssl_context=pinned_context(wrong), timeout=5, host_key=f"127.0.0.1:{port}")
        )
        with pytest.raises(CertificateChanged) as exc:
            await bad.call("session.login_with_password", ["root", "secret"])
        await bad.channel.aclose()
        assert exc.value.old_fingerprint == wrong and normalize(exc.value.new_fingerprint) == normalize(fp)
        assert len(requests) == 1, "nothing (no password) may be sent to an unpinned server"
    finally:
        server.close()
        await server.wait_closed()
        # Python 3.11's wait_closed does not wait for the connections still being served.
        await asyncio.wait_for(asyncio.gather(*handlers, return_exceptions=True), 10)
