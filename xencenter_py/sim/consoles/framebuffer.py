"""A console's screen: palette-indexed pixels plus the changes viewers must be told about.

Screens are drawn with at most 256 colours, one byte per pixel, so converting a region to
whatever pixel format a viewer asked for is a table lookup done by ``bytes.translate``.
Viewers (:class:`Watcher`) hear of every damaged rectangle and of every vertical copy (a
scrolling terminal), so an update can be sent as CopyRect plus the few new rows.
"""

from __future__ import annotations

from typing import Protocol

from xencenter_py.sim.consoles import font

Rect = tuple[int, int, int, int]
"""x, y, width, height."""

VGA = [
    (0, 0, 0),
    (0, 0, 170),
    (0, 170, 0),
    (0, 170, 170),
    (170, 0, 0),
    (170, 0, 170),
    (170, 85, 0),
    (170, 170, 170),
    (85, 85, 85),
    (85, 85, 255),
    (85, 255, 85),
    (85, 255, 255),
    (255, 85, 85),
    (255, 85, 255),
    (255, 255, 85),
    (255, 255, 255),
]
"""The sixteen text-mode colours (indices 0-15 of every palette)."""


class Watcher(Protocol):
    def damaged(self, rect: Rect) -> None: ...

    def copied(self, src_y: int, dst_y: int, height: int) -> None: ...


class Framebuffer:
    """``width`` x ``height`` palette indices; drawing calls report what they changed."""

    def __init__(self, width: int, height: int, palette: list[tuple[int, int, int]] | None = None) -> None:
        self.width = width
        self.height = height
        self.palette = list(palette or VGA)
        if len(self.palette) > 256:
            raise ValueError("a console palette holds at most 256 colours")
        self.pixels = bytearray(width * height)
        self.watchers: set[Watcher] = set()
        self._glyph_rows: dict[tuple[int, int], list[bytes]] = {}

    # ------------------------------------------------------------------ notifications
    def _damage(self, rect: Rect) -> None:
        for w in tuple(self.watchers):
            w.damaged(rect)

    # ------------------------------------------------------------------ drawing
    def fill(self, x: int, y: int, w: int, h: int, colour: int) -> None:
        x, y, w, h = self.clip(x, y, w, h)
        if w <= 0 or h <= 0:
            return
        row = bytes([colour]) * w
        for yy in range(y, y + h):
            start = yy * self.width + x
            self.pixels[start : start + w] = row
        self._damage((x, y, w, h))

    def clip(self, x: int, y: int, w: int, h: int) -> Rect:
        x0, y0 = max(x, 0), max(y, 0)
        x1, y1 = min(x + w, self.width), min(y + h, self.height)
        return x0, y0, max(x1 - x0, 0), max(y1 - y0, 0)

    def _rows_of(self, fg: int, bg: int) -> list[bytes]:
        """Row byte → 8 pixels, for one colour pair."""
        key = (fg, bg)
        rows = self._glyph_rows.get(key)
        if rows is None:
            rows = [bytes(fg if bits >> i & 1 else bg for i in range(8)) for bits in range(256)]
            self._glyph_rows[key] = rows
        return rows

    def text(self, x: int, y: int, s: str, fg: int, bg: int, *, scale: int = 1, damage: bool = True) -> int:
        """Draw ``s`` with its top-left corner at (x, y); returns the width drawn. ``scale``
        multiplies the glyphs (titles on graphical screens)."""
        rows = self._rows_of(fg, bg)
        cw, ch = font.WIDTH * scale, font.HEIGHT * scale
        drawn = 0
        for i, c in enumerate(s):
            cx = x + i * cw
            if cx + cw > self.width or y + ch > self.height or cx < 0 or y < 0:
                break
            for r, bits in enumerate(font.glyph(c)):
                line = rows[bits]
                if scale > 1:
                    line = bytes(p for p in line for _ in range(scale))
                for rep in range(2 * scale):
                    start = (y + r * 2 * scale + rep) * self.width + cx
                    self.pixels[start : start + cw] = line
            drawn += cw
        if damage and drawn:
            self._damage((x, y, drawn, ch))
        return drawn

    def scroll_up(self, top: int, bottom: int, dy: int, colour: int) -> None:
        """Move rows ``[top + dy, bottom)`` up by ``dy`` and clear the rows left behind."""
        if dy <= 0 or bottom - top <= dy:
            self.fill(0, top, self.width, bottom - top, colour)
            return
        w = self.width
        self.pixels[top * w : (bottom - dy) * w] = self.pixels[(top + dy) * w : bottom * w]
        for watcher in tuple(self.watchers):
            watcher.copied(top + dy, top, bottom - top - dy)
        self.fill(0, bottom - dy, w, dy, colour)


def region(fb: Framebuffer, rect: Rect) -> bytes:
    """The palette indices of ``rect``, row after row."""
    x, y, w, h = rect
    if x == 0 and w == fb.width:
        return bytes(fb.pixels[y * fb.width : (y + h) * fb.width])
    return b"".join(bytes(fb.pixels[(y + r) * fb.width + x : (y + r) * fb.width + x + w]) for r in range(h))
