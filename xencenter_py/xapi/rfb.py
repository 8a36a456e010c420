"""An RFB (VNC) client for XAPI consoles, over any asyncio stream (the console tunnel).

It speaks RFB 3.3, 3.7 and 3.8 with security type None (the tunnel did the
authentication), asks for 32-bit BGRX pixels (what ``QImage.Format_RGB32`` shows without
conversion) and decodes ZRLE, CopyRect and Raw rectangles plus DesktopSize. The
framebuffer is a ``bytearray`` the caller may read at any time; ``on_damage`` and
``on_resize`` say what changed. Input goes out as X keysyms and pointer events.
"""

from __future__ import annotations

import asyncio
import struct
import zlib
from collections.abc import Callable

from xencenter_py.xapi.errors import ConnectionLost, XapiClientError

RAW, COPYRECT, ZRLE, DESKTOP_SIZE = 0, 1, 16, -223
ENCODINGS = (ZRLE, COPYRECT, RAW, DESKTOP_SIZE)
BYTES_PER_PIXEL = 4
PIXEL_FORMAT = struct.pack(">BBBBHHHBBBxxx", 32, 24, 0, 1, 255, 255, 255, 16, 8, 0)
"""32 bits per pixel, little-endian, 8 bits each of red (<<16), green (<<8), blue: B, G, R, X in memory."""
MAX_SIDE = 8192
MAX_TEXT = 1 << 20
TILE = 64

Rect = tuple[int, int, int, int]


class RfbError(XapiClientError):
    """The console server broke the RFB protocol or refused the viewer."""


class RfbClient:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.width = 0
        self.height = 0
        self.name = ""
        self.version = ""
        self.pixels = bytearray()
        self._zrle = zlib.decompressobj()
        self.on_damage: Callable[[Rect], None] = lambda rect: None
        self.on_resize: Callable[[int, int], None] = lambda w, h: None

    # ------------------------------------------------------------------ setup
    async def handshake(self) -> None:
        w = self.writer
        greeting = await self._read(12)
        if not greeting.startswith(b"RFB ") or not greeting[4:7].isdigit() or not greeting[8:11].isdigit():
            raise RfbError(f"not an RFB server: {greeting!r}")
        major, minor = int(greeting[4:7]), int(greeting[8:11])
        minor = 8 if (major, minor) >= (3, 8) else 7 if (major, minor) == (3, 7) else 3
        self.version = f"3.{minor}"
        w.write(b"RFB 003.%03d\n" % minor)
        if minor == 3:
            (kind,) = struct.unpack(">I", await self._read(4))
            if kind == 0:
                raise RfbError(await self._reason())
            if kind != 1:
                raise RfbError(f"the console asks for security type {kind}; only None is supported")
        else:
            count = (await self._read(1))[0]
            if count == 0:
                raise RfbError(await self._reason())
            offered = await self._read(count)
            if 1 not in offered:
                raise RfbError(f"the console offers security types {list(offered)}; only None is supported")
            w.write(b"\x01")
            if minor == 8:
                (result,) = struct.unpack(">I", await self._read(4))
                if result != 0:
                    raise RfbError(await self._reason())
        w.write(b"\x01")  # shared: other viewers stay connected
        width, height = struct.unpack(">HH", await self._read(4))
        await self._read(16)  # the server's pixel format: ours is set below
        (length,) = struct.unpack(">I", await self._read(4))
        if length > MAX_TEXT:
            raise RfbError("desktop name too long")
        self.name = (await self._read(length)).decode("utf-8", "replace")
        self._resize(width, height)
        w.write(b"\x00\x00\x00\x00" + PIXEL_FORMAT)
        w.write(struct.pack(f">BxH{len(ENCODINGS)}i", 2, len(ENCODINGS), *ENCODINGS))
        self.request(incremental=False)
        await w.drain()

    async def _reason(self) -> str:
        (length,) = struct.unpack(">I", await self._read(4))
        return (await self._read(min(length, MAX_TEXT))).decode("utf-8", "replace")

    async def _read(self, n: int) -> bytes:
        try:
            return await self.reader.readexactly(n)
        except asyncio.IncompleteReadError:
            raise ConnectionLost("the console connection closed") from None
        except OSError as e:
            raise ConnectionLost(f"the console connection failed: {e}") from None

    def _resize(self, width: int, height: int) -> None:
        if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
            raise RfbError(f"unusable screen size {width}x{height}")
        self.width, self.height = width, height
        self.pixels = bytearray(width * height * BYTES_PER_PIXEL)
        self.on_resize(width, height)

    # ------------------------------------------------------------------ input
    def request(self, incremental: bool = True) -> None:
        self.writer.write(struct.pack(">BBHHHH", 3, incremental, 0, 0, self.width, self.height))

    def key(self, keysym: int, down: bool) -> None:
        self.writer.write(struct.pack(">BBxxI", 4, down, keysym & 0xFFFFFFFF))

    def pointer(self, x: int, y: int, buttons: int) -> None:
        x = min(max(x, 0), max(self.width - 1, 0))
        y = min(max(y, 0), max(self.height - 1, 0))
        self.writer.write(struct.pack(">BBHH", 5, buttons & 0xFF, x, y))

    # ------------------------------------------------------------------ updates
    async def run(self) -> None:
        """Read the server's messages until the stream ends (raises ``ConnectionLost``)."""
        while True:
            kind = (await self._read(1))[0]
            if kind == 0:
                await self._update()
                self.request()
            elif kind == 1:  # colour map entries: unused with true colour
                _, count = struct.unpack(">xHH", await self._read(5))
                await self._read(6 * count)
            elif kind == 2:  # bell
                pass
            elif kind == 3:  # server cut text
                (length,) = struct.unpack(">xxxI", await self._read(7))
                if length > MAX_TEXT:
                    raise RfbError("clipboard text too long")
                await self._read(length)
            else:
                raise RfbError(f"unknown server message {kind}")

    async def _update(self) -> None:
        (count,) = struct.unpack(">xH", await self._read(3))
        for _ in range(count):
            x, y, w, h, encoding = struct.unpack(">HHHHi", await self._read(12))
            if encoding == DESKTOP_SIZE:
                self._resize(w, h)
                continue
            if x + w > self.width or y + h > self.height:
                raise RfbError("rectangle outside the screen")
            if encoding == RAW:
                self._put(x, y, w, h, await self._read(w * h * BYTES_PER_PIXEL))
            elif encoding == COPYRECT:
                sx, sy = struct.unpack(">HH", await self._read(4))
                if sx + w > self.width or sy + h > self.height:
                    raise RfbError("copy source outside the screen")
                self._copy(sx, sy, x, y, w, h)
            elif encoding == ZRLE:
                (length,) = struct.unpack(">I", await self._read(4))
                self._zrle_rect(x, y, w, h, self._inflate(await self._read(length), w, h))
            else:
                raise RfbError(f"unrequested encoding {encoding}")
            self.on_damage((x, y, w, h))

    def _inflate(self, data: bytes, w: int, h: int) -> bytes:
        """A rectangle's ZRLE data, refusing more than any honest encoding of it needs."""
        tiles = -(-w // TILE) * -(-h // TILE)
        limit = w * h * BYTES_PER_PIXEL + tiles * 512 + 1024
        try:
            out = self._zrle.decompress(data, limit)
        except zlib.error as e:
            raise RfbError(f"corrupt ZRLE data: {e}") from None
        if self._zrle.unconsumed_tail:
            raise RfbError("ZRLE data larger than its rectangle")
        return out

    def _put(self, x: int, y: int, w: int, h: int, data: bytes | bytearray) -> None:
        stride, row = self.width * BYTES_PER_PIXEL, w * BYTES_PER_PIXEL
        for i in range(h):
            start = (y + i) * stride + x * BYTES_PER_PIXEL
            self.pixels[start : start + row] = data[i * row : (i + 1) * row]

    def _copy(self, sx: int, sy: int, x: int, y: int, w: int, h: int) -> None:
        stride, row = self.width * BYTES_PER_PIXEL, w * BYTES_PER_PIXEL
        rows = [
            bytes(self.pixels[(sy + i) * stride + sx * BYTES_PER_PIXEL :][:row]) for i in range(h)
        ]  # read all before writing: source and destination may overlap
        for i, data in enumerate(rows):
            start = (y + i) * stride + x * BYTES_PER_PIXEL
            self.pixels[start : start + row] = data

    def _zrle_rect(self, x: int, y: int, w: int, h: int, data: bytes) -> None:
        pos = 0
        try:
            for ty in range(y, y + h, TILE):
                for tx in range(x, x + w, TILE):
                    tw, th = min(TILE, x + w - tx), min(TILE, y + h - ty)
                    tile, pos = _zrle_tile(data, pos, tw * th, tw)
                    self._put(tx, ty, tw, th, tile)
        except IndexError:
            raise RfbError("truncated ZRLE data") from None


def _cpixels(data: bytes, pos: int, count: int) -> tuple[bytearray, int]:
    """``count`` 3-byte compact pixels → 4-byte BGRX pixels."""
    end = pos + 3 * count
    if end > len(data):
        raise IndexError
    out = bytearray(4 * count)
    for k in range(3):
        out[k::4] = data[pos + k : end : 3]
    return out, end


def _run_length(data: bytes, pos: int) -> tuple[int, int]:
    length = 1
    while data[pos] == 255:
        length += 255
        pos += 1
    return length + data[pos], pos + 1


def _zrle_tile(data: bytes, pos: int, count: int, width: int) -> tuple[bytes | bytearray, int]:
    sub = data[pos]
    pos += 1
    if sub == 0:
        return _cpixels(data, pos, count)
    if sub == 1:
        pixel, pos = _cpixels(data, pos, 1)
        return bytes(pixel) * count, pos
    if 2 <= sub <= 16:
        palette, pos = _cpixels(data, pos, sub)
        colours = [bytes(palette[4 * i : 4 * i + 4]) for i in range(sub)]
        bits = 1 if sub == 2 else 2 if sub <= 4 else 4
        per_byte = 8 // bits
        mask = (1 << bits) - 1
        row_bytes = (width * bits + 7) // 8
        out = []
        for _row in range(count // width):
            line = data[pos : pos + row_bytes]
            if len(line) < row_bytes:
                raise IndexError
            for i in range(width):
                byte = line[i // per_byte]
                out.append(colours[byte >> (8 - bits * (i % per_byte + 1)) & mask])
            pos += row_bytes
        return b"".join(out), pos
    if sub == 128:
        parts, filled = [], 0
        while filled < count:
            pixel, pos = _cpixels(data, pos, 1)
            length, pos = _run_length(data, pos)
            parts.append(bytes(pixel) * length)
            filled += length
        return b"".join(parts)[: 4 * count], pos
    if sub >= 130:
        palette, pos = _cpixels(data, pos, sub - 128)
        colours = [bytes(palette[4 * i : 4 * i + 4]) for i in range(sub - 128)]
        parts, filled = [], 0
        while filled < count:
            index = data[pos]
            pos += 1
            length = 1
            if index & 128:
                length, pos = _run_length(data, pos)
            parts.append(colours[index & 127] * length)
            filled += length
        return b"".join(parts)[: 4 * count], pos
    raise RfbError(f"invalid ZRLE tile subencoding {sub}")
