"""The RFB (VNC) server side of one console viewer, as xapi's consoles speak it: RFB 3.3,
3.7 or 3.8, security type None (the tunnel already checked the session), Raw, CopyRect,
Zlib and ZRLE rectangles, true-colour pixel formats of 8, 16 or 32 bits, or a colour map.

Work per viewer is bounded: an update is only sent when the viewer asked for one and the
screen changed since, at most one every ``MIN_INTERVAL`` seconds, one in flight at a time;
pending changes collapse into a full-screen update rather than growing without end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from xencenter_py.sim.consoles.framebuffer import Framebuffer, Rect, region

if TYPE_CHECKING:
    from xencenter_py.sim.consoles.hub import Display

log = logging.getLogger(__name__)

RAW, COPYRECT, ZLIB, ZRLE = 0, 1, 6, 16
COMPRESSED = (ZRLE, ZLIB)
"""Rectangle encodings the server can send, best first (Raw always works)."""

MIN_INTERVAL = 0.04
"""Seconds between two framebuffer updates to one viewer (25 per second at most)."""
MAX_RECTS = 32
MAX_COPIES = 8
MAX_CUT_TEXT = 1 << 20
HANDSHAKE_TIMEOUT = 30.0
TILE = 64


class ProtocolViolation(Exception):
    """The viewer sent something RFB does not allow; the connection is closed."""


@dataclass(frozen=True)
class PixelFormat:
    bpp: int = 32
    depth: int = 24
    big_endian: bool = False
    true_colour: bool = True
    red_max: int = 255
    green_max: int = 255
    blue_max: int = 255
    red_shift: int = 16
    green_shift: int = 8
    blue_shift: int = 0

    def pack(self) -> bytes:
        return struct.pack(
            ">BBBBHHHBBBxxx",
            self.bpp,
            self.depth,
            self.big_endian,
            self.true_colour,
            self.red_max,
            self.green_max,
            self.blue_max,
            self.red_shift,
            self.green_shift,
            self.blue_shift,
        )

    @classmethod
    def unpack(cls, data: bytes) -> PixelFormat:
        fields = struct.unpack(">BBBBHHHBBBxxx", data)
        pf = cls(fields[0], fields[1], bool(fields[2]), bool(fields[3]), *fields[4:])
        if pf.bpp not in (8, 16, 32):
            raise ProtocolViolation(f"unsupported bits per pixel {pf.bpp}")
        if pf.true_colour:
            channels = ((pf.red_max, pf.red_shift), (pf.green_max, pf.green_shift), (pf.blue_max, pf.blue_shift))
            if any(m == 0 or (m << shift) >> pf.bpp for m, shift in channels):
                raise ProtocolViolation("colour channels do not fit the pixel")
        return pf


class Translator:
    """Palette indices → the viewer's pixel bytes, via one ``bytes.translate`` table per byte."""

    def __init__(self, pf: PixelFormat, palette: list[tuple[int, int, int]]) -> None:
        self.size = pf.bpp // 8
        order = "big" if pf.big_endian else "little"
        pixels = []
        for i in range(256):
            r, g, b = palette[i] if i < len(palette) else (0, 0, 0)
            if pf.true_colour:
                value = (
                    (r * pf.red_max // 255) << pf.red_shift
                    | (g * pf.green_max // 255) << pf.green_shift
                    | (b * pf.blue_max // 255) << pf.blue_shift
                )
            else:
                value = i  # colour-map mode: the index is the pixel (the map is sent to the viewer)
            pixels.append(value.to_bytes(self.size, order))
        self.tables = [bytes(p[k] for p in pixels) for k in range(self.size)]
        # ZRLE's compact pixel: 3 bytes when a 32-bit pixel's colours fit in three of them.
        positions = list(range(self.size))
        if pf.bpp == 32 and pf.true_colour and pf.depth <= 24:
            mask = pf.red_max << pf.red_shift | pf.green_max << pf.green_shift | pf.blue_max << pf.blue_shift
            if mask < 1 << 24:
                positions = [0, 1, 2] if not pf.big_endian else [1, 2, 3]
            elif mask & 0xFF == 0:
                positions = [1, 2, 3] if not pf.big_endian else [0, 1, 2]
        self.compact_tables = [self.tables[k] for k in positions]

    @staticmethod
    def _convert(indices: bytes, tables: list[bytes]) -> bytes:
        if len(tables) == 1:
            return indices.translate(tables[0])
        out = bytearray(len(indices) * len(tables))
        for k, table in enumerate(tables):
            out[k :: len(tables)] = indices.translate(table)
        return bytes(out)

    def pixels(self, indices: bytes) -> bytes:
        return self._convert(indices, self.tables)

    def compact(self, indices: bytes) -> bytes:
        return self._convert(indices, self.compact_tables)


def _union(a: Rect, b: Rect) -> Rect:
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return x0, y0, x1 - x0, y1 - y0


class Viewer:
    """One RFB client of a console's framebuffer (a :class:`~.framebuffer.Watcher`)."""

    def __init__(self, display: Display, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.display = display
        self.fb: Framebuffer = display.fb
        self.reader = reader
        self.writer = writer
        self.pf = PixelFormat()
        self.translator = Translator(self.pf, self.fb.palette)
        self.encodings: list[int] = [RAW]
        self.dirty: list[Rect] = []
        self.copies: list[tuple[int, int, int]] = []
        self.requested = False
        self._wake = asyncio.Event()
        self._zlib = zlib.compressobj(6)
        self._zrle = zlib.compressobj(6)
        self._closed = False
        self.updates_sent = 0

    # ------------------------------------------------------------------ watcher
    def damaged(self, rect: Rect) -> None:
        if len(self.dirty) >= MAX_RECTS:
            self.dirty = [(0, 0, self.fb.width, self.fb.height)]
            self.copies.clear()
        else:
            self.dirty.append(rect)
        self._wake.set()

    def copied(self, src_y: int, dst_y: int, height: int) -> None:
        if COPYRECT not in self.encodings or len(self.copies) >= MAX_COPIES:
            self.damaged((0, dst_y, self.fb.width, height))
            return
        moved = []
        for x, y, w, h in self.dirty:
            if y < src_y + height and y + h > src_y:  # what was stale there is stale where it lands
                moved.append(_union((x, y, w, h), (x, y + dst_y - src_y, w, h)))
            else:
                moved.append((x, y, w, h))
        self.dirty = [self.fb.clip(*r) for r in moved]
        self.copies.append((src_y, dst_y, height))
        self._wake.set()

    # ------------------------------------------------------------------ session
    async def serve(self) -> None:
        """Handshake, then run until the viewer or the console goes away."""
        try:
            await asyncio.wait_for(self._handshake(), HANDSHAKE_TIMEOUT)
        except (TimeoutError, asyncio.IncompleteReadError, ProtocolViolation, ConnectionError):
            return
        self.fb.watchers.add(self)
        sender = asyncio.get_running_loop().create_task(self._send_updates())
        try:
            await self._read_messages()
        except (asyncio.IncompleteReadError, ConnectionError, ProtocolViolation) as e:
            log.debug("viewer left: %s", e)
        finally:
            self.fb.watchers.discard(self)
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await sender

    def close(self) -> None:
        """End the session (the console went away)."""
        self._closed = True
        self.writer.close()

    async def _handshake(self) -> None:
        self.writer.write(b"RFB 003.008\n")
        version = await self.reader.readexactly(12)
        if not version.startswith(b"RFB 003.") or version[-1:] != b"\n":
            raise ProtocolViolation(f"bad protocol version {version!r}")
        minor = int(version[8:11]) if version[8:11].isdigit() else 0
        if minor < 7:  # 3.3: the server decides; None needs no result
            self.writer.write(struct.pack(">I", 1))
        else:
            self.writer.write(b"\x01\x01")
            chosen = await self.reader.readexactly(1)
            if chosen != b"\x01":
                if minor >= 8:
                    reason = b"only security type None is offered"
                    self.writer.write(struct.pack(">II", 1, len(reason)) + reason)
                raise ProtocolViolation("viewer chose an unoffered security type")
            if minor >= 8:
                self.writer.write(struct.pack(">I", 0))
        await self.reader.readexactly(1)  # ClientInit: shared flag (all sessions share)
        name = self.display.name.encode()
        self.writer.write(struct.pack(">HH", self.fb.width, self.fb.height) + self.pf.pack())
        self.writer.write(struct.pack(">I", len(name)) + name)
        await self.writer.drain()

    async def _read_messages(self) -> None:
        read = self.reader.readexactly
        while not self._closed:
            kind = (await read(1))[0]
            if kind == 0:  # SetPixelFormat
                self.pf = PixelFormat.unpack((await read(19))[3:])
                self.translator = Translator(self.pf, self.fb.palette)
                if not self.pf.true_colour:
                    await self._send_colour_map()
            elif kind == 2:  # SetEncodings
                (count,) = struct.unpack(">xH", await read(3))
                self.encodings = list(struct.unpack(f">{count}i", await read(4 * count)))
            elif kind == 3:  # FramebufferUpdateRequest
                (incremental,) = struct.unpack(">Bxxxxxxxx", await read(9))  # always the whole screen
                if not incremental:
                    self.copies.clear()
                    self.dirty = [(0, 0, self.fb.width, self.fb.height)]
                self.requested = True
                self._wake.set()
            elif kind == 4:  # KeyEvent
                down, key = struct.unpack(">BxxI", await read(7))
                self.display.key(key, bool(down))
            elif kind == 5:  # PointerEvent
                mask, x, y = struct.unpack(">BHH", await read(5))
                self.display.pointer(x, y, mask)
            elif kind == 6:  # ClientCutText
                (length,) = struct.unpack(">xxxI", await read(7))
                if length > MAX_CUT_TEXT:
                    raise ProtocolViolation("clipboard text too long")
                await read(length)
            else:
                raise ProtocolViolation(f"unknown client message {kind}")

    async def _send_colour_map(self) -> None:
        colours = self.fb.palette
        body = b"".join(struct.pack(">HHH", r * 257, g * 257, b * 257) for r, g, b in colours)
        self.writer.write(struct.pack(">BxHH", 1, 0, len(colours)) + body)
        await self.writer.drain()

    async def _send_updates(self) -> None:
        loop = asyncio.get_running_loop()
        last = 0.0
        while True:
            await self._wake.wait()
            self._wake.clear()
            if not (self.requested and (self.dirty or self.copies)):
                continue
            delay = last + MIN_INTERVAL - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            copies, dirty = self.copies, self.dirty
            self.copies, self.dirty, self.requested = [], [], False
            self.writer.write(self._update(copies, dirty))
            self.updates_sent += 1
            await self.writer.drain()
            last = loop.time()

    # ------------------------------------------------------------------ encoding
    def _encoding(self) -> int:
        return next((e for e in self.encodings if e in COMPRESSED or e == RAW), RAW)

    def _update(self, copies: list[tuple[int, int, int]], dirty: list[Rect]) -> bytes:
        rects = [r for r in (self.fb.clip(*d) for d in dirty) if r[2] and r[3]]
        parts = []
        for src_y, dst_y, h in copies:
            parts.append(struct.pack(">HHHHiHH", 0, dst_y, self.fb.width, h, COPYRECT, 0, src_y))
        encoding = self._encoding()
        for rect in rects:
            parts.append(struct.pack(">HHHHi", *rect, encoding) + self._encode(rect, encoding))
        return struct.pack(">BxH", 0, len(parts)) + b"".join(parts)

    def _encode(self, rect: Rect, encoding: int) -> bytes:
        if encoding == RAW:
            return self.translator.pixels(region(self.fb, rect))
        if encoding == ZLIB:
            data = self._zlib.compress(self.translator.pixels(region(self.fb, rect)))
            data += self._zlib.flush(zlib.Z_SYNC_FLUSH)
            return struct.pack(">I", len(data)) + data
        tiles = []
        x, y, w, h = rect
        for ty in range(y, y + h, TILE):
            for tx in range(x, x + w, TILE):
                indices = region(self.fb, (tx, ty, min(TILE, x + w - tx), min(TILE, y + h - ty)))
                if indices.count(indices[0]) == len(indices):
                    tiles.append(b"\x01" + self.translator.compact(indices[:1]))
                else:
                    tiles.append(b"\x00" + self.translator.compact(indices))
        data = self._zrle.compress(b"".join(tiles)) + self._zrle.flush(zlib.Z_SYNC_FLUSH)
        return struct.pack(">I", len(data)) + data
