"""A Windows VM's screen: boot logo, the "Press Ctrl+Alt+Delete" lock screen, a desktop
with the computer's name and a Notepad window that echoes what is typed, and the security
screen Ctrl+Alt+Del opens on the desktop (Lock, or Esc to go back)."""

from __future__ import annotations

import asyncio
import datetime as _dt
import enum

from xencenter_py.sim.consoles import font
from xencenter_py.sim.consoles.framebuffer import VGA
from xencenter_py.sim.consoles.guests import XK_BACKSPACE, XK_ESCAPE, Guest, GuestContext, keysym_char

BLACK, WHITE, GREY, DARK_GREY = 0, 15, 7, 8
BLUE, LOGO, TASKBAR, TITLE, LOCK_BG, SECURITY_BG = 16, 17, 18, 19, 20, 21
WALLPAPER = 32
"""First of 16 wallpaper shades."""

NOTEPAD_COLS, NOTEPAD_ROWS = 60, 14
NOTEPAD_X, NOTEPAD_Y = 120, 104  # the page text on the 8x16 grid
OPTIONS_X, OPTIONS_Y = 304, 176
CANCEL_X, CANCEL_Y = 680, 544
"""Where the security screen's choices are (on the 8x16 character grid)."""
SECURITY_OPTIONS = ("Lock", "Switch user", "Sign out", "Change a password", "Task Manager")


class Screen(enum.Enum):
    BOOT = "boot"
    LOCKED = "locked"
    DESKTOP = "desktop"
    SECURITY = "security"


class WindowsGuest(Guest):
    width = 800
    height = 600

    def __init__(self, ctx: GuestContext, os_name: str) -> None:
        super().__init__(ctx)
        self.os_name = os_name
        self.screen = Screen.BOOT
        self.notepad: list[str] = [""]

    def palette(self) -> list[tuple[int, int, int]]:
        extra = [(0, 120, 215), (0, 164, 239), (32, 32, 32), (240, 240, 240), (10, 40, 80), (0, 90, 160)]
        pad = [(0, 0, 0)] * (WALLPAPER - len(VGA) - len(extra))
        shades = [(0, 40 + 4 * i, 90 + 8 * i) for i in range(16)]
        return [*VGA, *extra, *pad, *shades]

    # ------------------------------------------------------------------ screens
    async def run(self) -> None:
        self.screen = Screen.BOOT
        fb = self.fb
        fb.fill(0, 0, fb.width, fb.height, BLACK)
        cx, cy = fb.width // 2, fb.height // 2 - 60
        for dx, dy in ((-42, -42), (2, -42), (-42, 2), (2, 2)):
            fb.fill(cx + dx, cy + dy, 40, 40, LOGO)
        self._centred(cy + 80, "Starting Windows", WHITE, BLACK)
        for step in range(12):
            dots = "." * (step % 4)
            self._centred(cy + 110, dots.ljust(3), WHITE, BLACK)
            await self.pause(0.15)
        self.show_locked()
        while True:  # the clocks tick
            await asyncio.sleep(30)
            if self.screen is Screen.LOCKED:
                self.show_locked()
            elif self.screen is Screen.DESKTOP:
                self._taskbar()

    def _centred(self, y: int, text: str, fg: int, bg: int, scale: int = 1) -> None:
        w = len(text) * font.WIDTH * scale
        x = (self.fb.width - w) // 2 // font.WIDTH * font.WIDTH  # on the character grid
        self.fb.text(x, y, text, fg, bg, scale=scale)

    def _wallpaper(self) -> None:
        band = self.fb.height // 16 + 1
        for i in range(16):
            self.fb.fill(0, i * band, self.fb.width, band, WALLPAPER + i)

    def show_locked(self) -> None:
        self.screen = Screen.LOCKED
        fb = self.fb
        fb.fill(0, 0, fb.width, fb.height, LOCK_BG)
        now = _dt.datetime.now()
        fb.text(60, 380, now.strftime("%H:%M"), WHITE, LOCK_BG, scale=4)
        fb.text(64, 450, now.strftime("%A, %B %d"), WHITE, LOCK_BG, scale=2)
        self._centred(528, "Press Ctrl+Alt+Delete to unlock.", WHITE, LOCK_BG)
        self._centred(32, self.ctx.name, GREY, LOCK_BG)

    def show_desktop(self) -> None:
        self.screen = Screen.DESKTOP
        fb = self.fb
        self._wallpaper()
        fb.fill(24, 24, 32, 32, WHITE)
        fb.fill(28, 28, 24, 24, GREY)
        fb.text(8, 60, "Recycle Bin", WHITE, WALLPAPER + 1)
        info = (f"Computer Name: {self.ctx.name}", f"OS: {self.os_name}", f"Host: {self.ctx.hostname}")
        for i, line in enumerate(info):
            y = 20 + i * 18
            band = WALLPAPER + y * 16 // fb.height
            fb.text(fb.width - 16 - len(line) * font.WIDTH, y, line, WHITE, band)
        self._notepad()
        self._taskbar()

    def _taskbar(self) -> None:
        fb = self.fb
        y = fb.height - 40
        fb.fill(0, y, fb.width, 40, TASKBAR)
        for dx, dy in ((12, 10), (22, 10), (12, 20), (22, 20)):
            fb.fill(dx, y + dy, 9, 9, LOGO)
        fb.fill(48, y + 4, 32, 32, BLUE)
        fb.text(52, y + 12, "txt", WHITE, BLUE)
        clock = _dt.datetime.now().strftime("%H:%M")
        fb.text(fb.width - 16 - len(clock) * font.WIDTH, y + 12, clock, WHITE, TASKBAR)

    def _notepad(self) -> None:
        fb = self.fb
        w = NOTEPAD_COLS * font.WIDTH + 16
        h = NOTEPAD_ROWS * font.HEIGHT + 60
        x, y = NOTEPAD_X, NOTEPAD_Y
        fb.fill(x - 1, y - 1, w + 2, h + 2, DARK_GREY)
        fb.fill(x, y, w, 28, TITLE)
        fb.text(x + 8, y + 8, "Untitled - Notepad", BLACK, TITLE)  # on the 8x16 grid
        fb.text(x + w - 26, y + 6, "X", BLACK, TITLE)
        fb.fill(x, y + 28, w, 22, TITLE)
        fb.text(x + 8, y + 31, "File  Edit  Format  View  Help", BLACK, TITLE)
        fb.fill(x, y + 50, w, h - 50, WHITE)
        self._notepad_text()

    def _notepad_text(self, rows: range | None = None) -> None:
        visible = self.notepad[-NOTEPAD_ROWS:]
        for r in rows if rows is not None else range(NOTEPAD_ROWS):
            line = visible[r] if r < len(visible) else ""
            shown = (line + ("_" if r == len(visible) - 1 else "")).ljust(NOTEPAD_COLS)
            self.fb.text(NOTEPAD_X + 8, NOTEPAD_Y + 56 + r * font.HEIGHT, shown, BLACK, WHITE)

    def show_security(self) -> None:
        self.screen = Screen.SECURITY
        fb = self.fb
        fb.fill(0, 0, fb.width, fb.height, SECURITY_BG)
        for i, option in enumerate(SECURITY_OPTIONS):
            fb.text(OPTIONS_X, OPTIONS_Y + i * 48, option, WHITE, SECURITY_BG, scale=2 if i == 0 else 1)
        fb.text(CANCEL_X, CANCEL_Y, "Cancel", WHITE, SECURITY_BG)

    # ------------------------------------------------------------------ input
    def ctrl_alt_del(self) -> None:
        if self.screen is Screen.LOCKED:
            self.show_desktop()
        elif self.screen is Screen.DESKTOP:
            self.show_security()

    def pressed(self, keysym: int, control: bool) -> None:
        if self.screen is Screen.SECURITY:
            if keysym == XK_ESCAPE:
                self.show_desktop()
            elif keysym in (ord("l"), ord("L")):
                self.show_locked()
            return
        if self.screen is not Screen.DESKTOP:
            return
        before = len(self.notepad[-NOTEPAD_ROWS:])
        ch = keysym_char(keysym, control)
        if keysym == XK_BACKSPACE:
            if self.notepad[-1]:
                self.notepad[-1] = self.notepad[-1][:-1]
            elif len(self.notepad) > 1:
                self.notepad.pop()
        elif ch == "\r":
            self.notepad.append("")
        elif ch and ch >= " " and ch != "\x7f":
            if len(self.notepad[-1]) >= NOTEPAD_COLS - 1:
                self.notepad.append("")
            self.notepad[-1] += ch if ord(ch) < 0x7F else "?"
        else:
            return
        del self.notepad[: -NOTEPAD_ROWS * 4]
        visible = len(self.notepad[-NOTEPAD_ROWS:])
        if visible == before == NOTEPAD_ROWS and ch == "\r":
            self._notepad_text()  # scrolled
        else:
            last = visible - 1
            self._notepad_text(range(max(last - 1, 0), min(max(before, visible) + 1, NOTEPAD_ROWS)))

    def pointer(self, x: int, y: int, buttons: int) -> None:
        if not buttons & 1 or self.screen is not Screen.SECURITY:
            return
        if OPTIONS_X <= x < OPTIONS_X + 2 * font.WIDTH * 4 and OPTIONS_Y <= y < OPTIONS_Y + 2 * font.HEIGHT:
            self.show_locked()
        elif CANCEL_X <= x < CANCEL_X + 6 * font.WIDTH and CANCEL_Y <= y < CANCEL_Y + font.HEIGHT:
            self.show_desktop()
