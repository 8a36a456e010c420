"""The client side of consoles: the CONNECT tunnel with the session's TLS trust, and the RFB
client reading a simulator's console (plain HTTP and pinned TLS)."""

from __future__ import annotations

import asyncio
import struct
import zlib
from collections.abc import Iterator

import pytest

from tests.conftest import PASSWORD, SimProcess, start_sim
from tests.consoles_support import screen_text
from tests.xapi.conftest import fingerprint
from xencenter_py.xapi import TrustStore, XapiSession
from xencenter_py.xapi.console import ConsoleRefused, open_tunnel
from xencenter_py.xapi.rfb import RfbClient, RfbError, _zrle_tile


@pytest.fixture(scope="module")
def standalone_tls() -> Iterator[SimProcess]:
    sim = start_sim("--seed", "standalone", "--tls", "--speed", "50")
    yield sim
    sim.stop()


async def _host_console(session: XapiSession) -> str:
    hosts = await session.call("host.get_all")
    dom0 = await session.call("host.get_control_domain", hosts[0])
    consoles = await session.call("VM.get_consoles", dom0)
    return str(await session.call("console.get_location", consoles[0]))


async def _screen_until(client: RfbClient, text: str, timeout: float = 20.0) -> list[str]:
    runner = asyncio.ensure_future(client.run())
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            screen = screen_text(bytes(client.pixels), client.width, client.height)
            if any(text in line for line in screen):
                return screen
            assert loop.time() < deadline, "\n".join(screen)
            await asyncio.sleep(0.05)
    finally:
        runner.cancel()


async def test_tunnel_and_rfb_over_pinned_tls(standalone_tls: SimProcess, tmp_path: object) -> None:
    trust = TrustStore(f"{tmp_path}/known.json")
    address = standalone_tls.url.split("//")[1]
    trust.remember(address, fingerprint(standalone_tls))
    session = await XapiSession.login(standalone_tls.url, "root", PASSWORD, trust=trust)
    try:
        location = await _host_console(session)
        assert location.startswith("https://127.0.0.1:")
        reader, writer = await open_tunnel(location, session.ref, session.ssl_context)
        client = RfbClient(reader, writer)
        await client.handshake()
        assert (client.width, client.height, client.version) == (640, 400, "3.8")
        await _screen_until(client, "login:")
        for ch in "root\n":
            client.key(0xFF0D if ch == "\n" else ord(ch), True)
            client.key(0xFF0D if ch == "\n" else ord(ch), False)
        await _screen_until(client, "Password:")
        writer.close()
        with pytest.raises(ConsoleRefused) as refused:
            await open_tunnel(location, "OpaqueRef:bogus", session.ssl_context)
        assert refused.value.status == 401
    finally:
        await session.logout()


async def test_an_https_console_is_never_opened_without_trust(standalone_tls: SimProcess) -> None:
    from xencenter_py.xapi import ConnectionLost

    with pytest.raises(ConnectionLost, match="TLS"):
        await open_tunnel(standalone_tls.url + "/console?uuid=x", "OpaqueRef:x", None)


def _cpixel(b: int, g: int, r: int) -> bytes:
    return bytes([b, g, r])


def test_zrle_palette_and_run_length_tiles() -> None:
    a, b = _cpixel(1, 2, 3), _cpixel(9, 8, 7)
    pa, pb = a + b"\0", b + b"\0"
    # packed palette, 2 colours, 1 bit per pixel, 3x2 tile: rows 101, 010
    data = bytes([2]) + a + b + bytes([0b10100000, 0b01000000])
    tile, pos = _zrle_tile(data, 0, 6, 3)
    assert tile == pb + pa + pb + pa + pb + pa and pos == len(data)
    # plain RLE: 4 of a, 2 of b
    data = bytes([128]) + a + bytes([3]) + b + bytes([1])
    tile, _ = _zrle_tile(data, 0, 6, 3)
    assert tile == pa * 4 + pb * 2
    # palette RLE: index 1 once, index 0 run of 5
    data = bytes([130]) + a + b + bytes([1, 0x80, 4])
    tile, _ = _zrle_tile(data, 0, 6, 3)
    assert tile == pb + pa * 5
    with pytest.raises(RfbError):
        _zrle_tile(bytes([50]), 0, 1, 1)


async def test_rfb_client_refuses_servers_wanting_a_password() -> None:
    async def server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"RFB 003.003\n")
        await reader.readexactly(12)
        writer.write(struct.pack(">I", 2))  # VNC authentication
        await writer.drain()
        writer.close()

    srv = await asyncio.start_server(server, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    with pytest.raises(RfbError, match="security type 2"):
        await RfbClient(reader, writer).handshake()
    writer.close()
    await writer.wait_closed()
    srv.close()
    await srv.wait_closed()


BOMB = zlib.compress(bytes(10_000_000))


async def _serve_once(payload: bytes) -> tuple[asyncio.AbstractServer, int, asyncio.Event]:
    """A server that sends ``payload`` after the handshake; the event is set once it has
    closed its side (after the client hung up)."""
    served = asyncio.Event()

    async def server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(b"RFB 003.008\n")
            await reader.readexactly(12)
            writer.write(b"\x01\x01")
            await reader.readexactly(1)
            writer.write(struct.pack(">I", 0))
            await reader.readexactly(1)
            writer.write(struct.pack(">HH", 64, 64) + bytes(16) + struct.pack(">I", 4) + b"fake")
            writer.write(payload)
            await writer.drain()
            await reader.read()
        finally:
            writer.close()
            served.set()

    srv = await asyncio.start_server(server, "127.0.0.1", 0)
    return srv, srv.sockets[0].getsockname()[1], served


@pytest.mark.parametrize(
    "payload",
    [
        struct.pack(">BxHHHHHi", 0, 1, 0, 0, 8, 8, 16) + struct.pack(">I", 4) + b"junk",  # not zlib
        struct.pack(">BxHHHHHi", 0, 1, 0, 0, 8, 8, 16)
        + struct.pack(">I", len(BOMB))
        + BOMB,  # far more than an 8x8 rectangle
        struct.pack(">BxHHHHHi", 0, 1, 60, 60, 8, 8, 0),  # outside the screen
        struct.pack(">BxHHHHHi", 0, 1, 0, 0, 0, 0, -223),  # a 0x0 screen
        struct.pack(">BxHHHHHi", 0, 1, 0, 0, 8, 8, 5),  # an encoding nobody asked for
        bytes([77]),  # no such message
    ],
)
async def test_rfb_client_refuses_broken_servers(payload: bytes) -> None:
    srv, port, served = await _serve_once(payload)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    client = RfbClient(reader, writer)
    await client.handshake()
    with pytest.raises(RfbError):
        await asyncio.wait_for(client.run(), 10)
    writer.close()
    await writer.wait_closed()
    await asyncio.wait_for(served.wait(), 10)  # both ends closed before the test's loop goes
    srv.close()
    await srv.wait_closed()
