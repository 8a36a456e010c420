"""Test helpers for consoles: read the text on a console screen back from its pixels by
matching 8x16 cells against the simulator's font (what a person reads on the screen), and a
deliberately small, independent RFB client (CONNECT tunnel, RFB 3.3/3.8, Raw, CopyRect,
Zlib, ZRLE) to talk to the simulator the way any VNC viewer would."""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
import struct
import zlib
from urllib.parse import urlsplit

from xencenter_py.sim.consoles import font

GLYPHS = {font.glyph(chr(c)): chr(c) for c in range(font.LAST, font.FIRST - 1, -1)}
"""Row bitmaps → character (space wins for the empty cell)."""


def screen_text(pixels: bytes, width: int, height: int, background: bytes = b"\0\0\0") -> list[str]:
    """The text of a 32-bit framebuffer (B, G, R, X per pixel) drawn with the console font:
    one string per 16-pixel row of cells, trailing blanks removed."""
    stride = width * 4
    rows = []
    for cy in range(height // font.HEIGHT):
        line = []
        for cx in range(width // font.WIDTH):
            bits = bytearray(8)
            for r in range(8):
                y = cy * font.HEIGHT + 2 * r
                base = y * stride + cx * font.WIDTH * 4
                value = 0
                for i in range(8):
                    if pixels[base + 4 * i : base + 4 * i + 3] != background:
                        value |= 1 << i
                bits[r] = value
            line.append(GLYPHS.get(bytes(bits), "?"))
        rows.append("".join(line).rstrip())
    return rows


class RfbProbe:
    """A minimal viewer: 32-bit little-endian BGRX pixels, one framebuffer in memory."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.width = self.height = 0
        self.name = ""
        self.pixels = bytearray()
        self._zrle = zlib.decompressobj()
        self._zlib = zlib.decompressobj()
        self.rect_encodings: list[int] = []

    @classmethod
    async def open(
        cls, location: str, session: str, *, version: bytes = b"RFB 003.008\n", encodings: tuple[int, ...] = (16, 1, 0)
    ) -> RfbProbe:
        reader, writer = await tunnel(location, f"session_id={session}")
        status = await reader.readline()
        assert status.startswith(b"HTTP/1.1 200"), status
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        probe = cls(reader, writer)
        await probe.handshake(version)
        writer.write(struct.pack(f">BxH{len(encodings)}i", 2, len(encodings), *encodings))
        return probe

    async def handshake(self, version: bytes) -> None:
        r, w = self.reader, self.writer
        assert (await r.readexactly(12)).startswith(b"RFB 003.")
        w.write(version)
        if version == b"RFB 003.003\n":
            assert struct.unpack(">I", await r.readexactly(4))[0] == 1
        else:
            count = (await r.readexactly(1))[0]
            assert 1 in await r.readexactly(count)
            w.write(b"\x01")
            if version == b"RFB 003.008\n":
                assert struct.unpack(">I", await r.readexactly(4))[0] == 0
        w.write(b"\x01")
        self.width, self.height = struct.unpack(">HH", await r.readexactly(4))
        await r.readexactly(16)
        (n,) = struct.unpack(">I", await r.readexactly(4))
        self.name = (await r.readexactly(n)).decode()
        self.pixels = bytearray(self.width * self.height * 4)

    def request(self, incremental: bool = True) -> None:
        self.writer.write(struct.pack(">BBHHHH", 3, incremental, 0, 0, self.width, self.height))

    def key(self, keysym: int, down: bool | None = None) -> None:
        for d in (True, False) if down is None else (down,):
            self.writer.write(struct.pack(">BBxxI", 4, d, keysym))

    def type(self, text: str) -> None:
        for ch in text:
            self.key(0xFF0D if ch == "\n" else ord(ch))

    async def update(self) -> None:
        """Read one FramebufferUpdate (skipping other server messages)."""
        r = self.reader
        while True:
            kind = (await r.readexactly(1))[0]
            if kind == 0:
                break
            assert kind in (1, 2, 3), kind
        (count,) = struct.unpack(">xH", await r.readexactly(3))
        for _ in range(count):
            x, y, w, h, enc = struct.unpack(">HHHHi", await r.readexactly(12))
            self.rect_encodings.append(enc)
            if enc == 0:
                data = await r.readexactly(w * h * 4)
                self._put(x, y, w, h, data)
            elif enc == 1:
                sx, sy = struct.unpack(">HH", await r.readexactly(4))
                rows = [self._get(sx, sy + i, w) for i in range(h)]
                for i, row in enumerate(rows):
                    self._put(x, y + i, w, 1, row)
            elif enc == 6:
                (n,) = struct.unpack(">I", await r.readexactly(4))
                self._put(x, y, w, h, self._zlib.decompress(await r.readexactly(n)))
            elif enc == 16:
                (n,) = struct.unpack(">I", await r.readexactly(4))
                self._zrle_rect(x, y, w, h, self._zrle.decompress(await r.readexactly(n)))
            else:
                raise AssertionError(f"unexpected encoding {enc}")

    def _get(self, x: int, y: int, w: int) -> bytes:
        start = (y * self.width + x) * 4
        return bytes(self.pixels[start : start + w * 4])

    def _put(self, x: int, y: int, w: int, h: int, data: bytes) -> None:
        for i in range(h):
            start = ((y + i) * self.width + x) * 4
            self.pixels[start : start + w * 4] = data[i * w * 4 : (i + 1) * w * 4]

    def _zrle_rect(self, x: int, y: int, w: int, h: int, data: bytes) -> None:
        pos = 0
        for ty in range(y, y + h, 64):
            for tx in range(x, x + w, 64):
                tw, th = min(64, x + w - tx), min(64, y + h - ty)
                sub = data[pos]
                pos += 1
                if sub == 1:
                    pixel = data[pos : pos + 3] + b"\0"
                    pos += 3
                    for i in range(th):
                        self._put(tx, ty + i, tw, 1, pixel * tw)
                elif sub == 0:
                    raw = data[pos : pos + tw * th * 3]
                    pos += tw * th * 3
                    out = bytearray(tw * th * 4)
                    for k in range(3):
                        out[k::4] = raw[k::3]
                    self._put(tx, ty, tw, th, bytes(out))
                else:
                    raise AssertionError(f"unexpected ZRLE subencoding {sub}")

    def text(self, background: bytes = b"\0\0\0") -> list[str]:
        return screen_text(bytes(self.pixels), self.width, self.height, background)

    async def wait_for(self, pattern: str, timeout: float = 20.0, background: bytes = b"\0\0\0") -> list[str]:
        """Read updates until a screen line matches ``pattern``; returns the screen."""

        async def loop() -> list[str]:
            while True:
                screen = self.text(background)
                if any(re.search(pattern, line) for line in screen):
                    return screen
                self.request()
                await self.update()

        try:
            return await asyncio.wait_for(loop(), timeout)
        except TimeoutError:
            raise AssertionError(f"{pattern!r} never appeared; screen:\n" + "\n".join(self.text(background))) from None

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            await self.writer.wait_closed()


async def tunnel(location: str, query: str, *, cookie: str = "") -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Open ``location`` (loopback only) and send the CONNECT request with ``query`` added."""
    url = urlsplit(location)
    assert url.hostname is not None and url.hostname.startswith("127."), location
    ctx = None
    if url.scheme == "https":
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    port = url.port or (443 if url.scheme == "https" else 80)
    reader, writer = await asyncio.open_connection(url.hostname, port, ssl=ctx)
    target = url.path + "?" + "&".join(p for p in (url.query, query) if p)
    head = f"CONNECT {target} HTTP/1.0\r\n"
    if cookie:
        head += f"Cookie: {cookie}\r\n"
    writer.write((head + "\r\n").encode())
    return reader, writer


async def http_status(location: str, query: str, *, cookie: str = "") -> int:
    reader, writer = await tunnel(location, query, cookie=cookie)
    try:
        line = await asyncio.wait_for(reader.readline(), 10)
    finally:
        writer.close()
    return int(line.split()[1]) if line else 0
