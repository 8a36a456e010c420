"""An 80x25 text terminal drawn on a :class:`Framebuffer` (what vncterm shows for a dom0
or a PV guest's text console): printable characters, newline, carriage return, backspace,
tab, a cursor, and scrolling that viewers receive as CopyRect."""

from __future__ import annotations

from xencenter_py.sim.consoles import font
from xencenter_py.sim.consoles.framebuffer import Framebuffer

COLS = 80
ROWS = 25
GREY = 7
BLACK = 0


class Terminal:
    def __init__(self, fb: Framebuffer | None = None, cols: int = COLS, rows: int = ROWS) -> None:
        self.cols = cols
        self.rows = rows
        self.fb = fb or Framebuffer(cols * font.WIDTH, rows * font.HEIGHT)
        self.fg = GREY
        self.bg = BLACK
        self.col = 0
        self.row = 0
        self.cursor_visible = True

    def clear(self) -> None:
        self.fb.fill(0, 0, self.fb.width, self.fb.height, self.bg)
        self.col = self.row = 0
        self._draw_cursor()

    def write(self, s: str) -> None:
        self._erase_cursor()
        for ch in s:
            if ch == "\n":
                self.col = 0
                self._line_feed()
            elif ch == "\r":
                self.col = 0
            elif ch == "\b":
                if self.col > 0:
                    self.col -= 1
                    self._put(" ")
            elif ch == "\t":
                for _ in range(8 - self.col % 8):
                    self._advance(" ")
            elif ch >= " ":
                self._advance(ch)
        self._draw_cursor()

    def _advance(self, ch: str) -> None:
        if self.col >= self.cols:
            self.col = 0
            self._line_feed()
        self._put(ch)
        self.col += 1

    def _put(self, ch: str) -> None:
        self.fb.text(self.col * font.WIDTH, self.row * font.HEIGHT, ch, self.fg, self.bg)

    def _line_feed(self) -> None:
        if self.row < self.rows - 1:
            self.row += 1
        else:
            self.fb.scroll_up(0, self.rows * font.HEIGHT, font.HEIGHT, self.bg)

    def _show_cursor(self, colour: int) -> None:
        # An underline in the empty cell after the text (none past the last column, where
        # it would cover a character).
        if self.cursor_visible and self.col < self.cols:
            self.fb.fill(self.col * font.WIDTH, self.row * font.HEIGHT + font.HEIGHT - 2, font.WIDTH, 2, colour)

    def _draw_cursor(self) -> None:
        self._show_cursor(self.fg)

    def _erase_cursor(self) -> None:
        self._show_cursor(self.bg)
