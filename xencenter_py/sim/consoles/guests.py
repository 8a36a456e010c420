"""What runs behind a console: a server's dom0 login and shell, a Linux guest's boot and
login. (Windows guests are in :mod:`.windows`.) Each guest draws on its own framebuffer,
reacts to keys and the pointer, and runs as one asyncio task that ends with the console.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as _dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from xencenter_py.sim.consoles import xe
from xencenter_py.sim.consoles.framebuffer import Framebuffer
from xencenter_py.sim.consoles.terminal import Terminal

if TYPE_CHECKING:
    from xencenter_py.sim.simulator import Simulator

log = logging.getLogger(__name__)

KEY_QUEUE = 512
"""Keys a guest holds before it drops more (a viewer pasting a novel)."""

# X keysyms (RFB sends X11 keysyms).
XK_BACKSPACE, XK_TAB, XK_RETURN, XK_ESCAPE, XK_DELETE = 0xFF08, 0xFF09, 0xFF0D, 0xFF1B, 0xFFFF
XK_KP_ENTER, XK_KP_0, XK_KP_9 = 0xFF8D, 0xFFB0, 0xFFB9
CONTROL_KEYS = frozenset({0xFFE3, 0xFFE4})
ALT_KEYS = frozenset({0xFFE9, 0xFFEA, 0xFFE7, 0xFFE8})
DELETE_KEYS = frozenset({XK_DELETE, 0xFF9F})  # Delete, KP_Delete


@dataclass
class GuestContext:
    """What a guest may know about its domain."""

    sim: Simulator
    vm: str
    name: str
    hostname: str

    @property
    def speed(self) -> float:
        return self.sim.speed


def keysym_char(keysym: int, control: bool) -> str:
    """The character a key press types in a text console ("" for none)."""
    if keysym in (XK_RETURN, XK_KP_ENTER):
        return "\r"
    if keysym == XK_BACKSPACE:
        return "\b"
    if keysym == XK_TAB:
        return "\t"
    if keysym == XK_ESCAPE:
        return "\x1b"
    if XK_KP_0 <= keysym <= XK_KP_9:
        return chr(ord("0") + keysym - XK_KP_0)
    if 0x20 <= keysym <= 0x7E:
        ch = chr(keysym)
        if control and ch.isalpha():
            return chr(ord(ch.lower()) - 0x60)
        return ch
    if 0xA0 <= keysym <= 0xFF:
        return chr(keysym)
    if 0x01000100 <= keysym <= 0x0110FFFF:  # Unicode keysyms
        return chr(keysym - 0x01000000)
    return ""


class Guest:
    """Base of every console program."""

    width = 640
    height = 400

    def __init__(self, ctx: GuestContext) -> None:
        self.ctx = ctx
        self.fb = Framebuffer(self.width, self.height, self.palette())
        self._held: set[int] = set()
        self._task: asyncio.Task[None] | None = None

    def palette(self) -> list[tuple[int, int, int]] | None:
        return None

    # ------------------------------------------------------------------ life
    def start(self) -> None:
        """Begin (or begin again, after a reboot) from power-on."""
        self.stop()
        self._task = asyncio.get_running_loop().create_task(self._guarded())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _guarded(self) -> None:
        try:
            await self.run()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("console program of %s failed", self.ctx.name)

    async def run(self) -> None:
        raise NotImplementedError

    async def pause(self, seconds: float) -> None:
        await asyncio.sleep(seconds / self.ctx.speed)

    # ------------------------------------------------------------------ input
    def key(self, keysym: int, down: bool) -> None:
        if not down:
            self._held.discard(keysym)
            return
        self._held.add(keysym)
        control = bool(self._held & CONTROL_KEYS)
        if control and self._held & ALT_KEYS and keysym in DELETE_KEYS:
            self.ctrl_alt_del()
            return
        if keysym in CONTROL_KEYS or keysym in ALT_KEYS:
            return
        self.pressed(keysym, control)

    def pressed(self, keysym: int, control: bool) -> None:
        """A key went down (not a modifier, not Ctrl+Alt+Del)."""

    def pointer(self, x: int, y: int, buttons: int) -> None:
        """The pointer moved or a button changed."""

    def ctrl_alt_del(self) -> None:
        """Ctrl+Alt+Del was pressed."""


class TextGuest(Guest):
    """A text console: keys become characters read line by line."""

    def __init__(self, ctx: GuestContext) -> None:
        super().__init__(ctx)
        self.term = Terminal(self.fb)
        self._chars: asyncio.Queue[str] = asyncio.Queue(KEY_QUEUE)

    def start(self) -> None:
        self._chars = asyncio.Queue(KEY_QUEUE)
        self.term.clear()
        super().start()

    def pressed(self, keysym: int, control: bool) -> None:
        ch = keysym_char(keysym, control)
        if ch:
            with contextlib.suppress(asyncio.QueueFull):
                self._chars.put_nowait(ch)

    async def read_line(self, prompt: str, *, echo: bool = True) -> str | None:
        """A line typed after ``prompt`` (None when abandoned with Ctrl+C or Ctrl+D on an
        empty line)."""
        self.term.write(prompt)
        line: list[str] = []
        while True:
            ch = await self._chars.get()
            if ch == "\r":
                self.term.write("\n")
                return "".join(line)
            if ch == "\x03":
                self.term.write("^C\n")
                return None
            if ch == "\x04" and not line:
                self.term.write("\n")
                return None
            if ch == "\x15":  # Ctrl+U: kill the line
                if echo:
                    self.term.write("\b" * len(line))
                line.clear()
            elif ch == "\x0c":  # Ctrl+L: clear the screen, keep the line
                self.term.clear()
                self.term.write(prompt + ("".join(line) if echo else ""))
            elif ch == "\b":
                if line:
                    line.pop()
                    if echo:
                        self.term.write("\b")
            elif ch >= " " and ch != "\x7f" and len(line) < 1024:
                line.append(ch)
                if echo:
                    self.term.write(ch if ord(ch) < 0x7F else "?")

    async def login_loop(self, banner: Callable[[], str], check: Callable[[str, str], bool], shell: Shell) -> None:
        while True:
            self.term.write(banner())
            user = await self.read_line(f"{self.ctx.hostname} login: ")
            if not user:
                continue
            password = await self.read_line("Password: ", echo=False)
            if password is not None and check(user, password):
                await shell.run(user)
                self.term.clear()
            else:
                await self.pause(0.5)
                self.term.write("Login incorrect\n\n")


Command = Callable[[list[str]], Awaitable[str]]


class Shell:
    """A small bash look-alike: a prompt, a few commands, ``exit``."""

    def __init__(self, guest: TextGuest, commands: dict[str, Command]) -> None:
        self.guest = guest
        self.commands = commands

    async def run(self, user: str) -> None:
        term = self.guest.term
        host = self.guest.ctx.hostname.split(".")[0]
        sign = "#" if user == "root" else "$"
        while True:
            line = await self.guest.read_line(f"[{user}@{host} ~]{sign} ")
            if line is None:
                continue
            words = line.split()
            if not words:
                continue
            name = words[0]
            if name in ("exit", "logout"):
                return
            if name == "clear":
                term.clear()
                continue
            command = self.commands.get(name)
            if command is None:
                term.write(f"-bash: {name}: command not found\n")
                continue
            try:
                output = await command(words[1:])
            except Exception as e:
                log.exception("console command %r failed", line)
                output = f"{name}: {type(e).__name__}\n"
            term.write(output)


def _common_commands(ctx: GuestContext, kernel: str) -> dict[str, Command]:
    async def uname(args: list[str]) -> str:
        if "-a" in args:
            return f"Linux {ctx.hostname} {kernel} #1 SMP x86_64 x86_64 x86_64 GNU/Linux\n"
        return "Linux\n"

    async def hostname(args: list[str]) -> str:
        return ctx.hostname + "\n"

    async def date(args: list[str]) -> str:
        return _dt.datetime.now(_dt.UTC).strftime("%a %b %d %H:%M:%S UTC %Y") + "\n"

    async def echo(args: list[str]) -> str:
        return " ".join(args) + "\n"

    return {"uname": uname, "hostname": hostname, "date": date, "echo": echo}


class HostConsole(TextGuest):
    """A server's control-domain console: the dom0 login, then a shell that answers ``xe``."""

    KERNEL = "4.19.0+1"

    def __init__(self, ctx: GuestContext, product: str) -> None:
        super().__init__(ctx)
        self.product = product

    def _banner(self) -> str:
        return f"\n{self.product}\nKernel {self.KERNEL} on an x86_64\n\n"

    def _check(self, user: str, password: str) -> bool:
        return user == "root" and xe.root_password_matches(self.ctx.sim, password)

    async def run(self) -> None:
        commands = _common_commands(self.ctx, self.KERNEL)
        commands["xe"] = lambda args: xe.run(self.ctx.sim, args)
        await self.login_loop(self._banner, self._check, Shell(self, commands))


LINUX_BOOT = (
    "Booting `{distro}'",
    "",
    "[    0.000000] Linux version {kernel} (mockbuild@builder) #1 SMP",
    "[    0.000000] Command line: ro root=/dev/xvda1 console=hvc0 quiet",
    "[    0.000000] Hypervisor detected: Xen HVM",
    "[    0.012000] Memory: {memory}K available",
    "[    0.240000] xen:events: Using FIFO-based ABI",
    "[    0.380000] blkfront: xvda: flush diskcache: enabled; persistent grants: enabled",
    "[    0.410000]  xvda: xvda1 xvda2",
    "[    0.520000] xen_netfront: Initialising Xen virtual ethernet driver",
    "[    1.020000] EXT4-fs (xvda1): mounted filesystem with ordered data mode",
    "[  OK  ] Started Journal Service.",
    "[  OK  ] Reached target Local File Systems.",
    "[  OK  ] Started Network Manager.",
    "[  OK  ] Started OpenSSH server daemon.",
    "[  OK  ] Reached target Multi-User System.",
)


class LinuxGuest(TextGuest):
    """A Linux VM: boot messages, then a login prompt (the guest's passwords are unknown to
    the pool, so logins fail, as they would for a stranger)."""

    KERNEL = "5.14.0-362.el9.x86_64"

    def __init__(self, ctx: GuestContext, distro: str, memory_kib: int) -> None:
        super().__init__(ctx)
        self.distro = distro
        self.memory_kib = memory_kib

    async def run(self) -> None:
        for line in LINUX_BOOT:
            self.term.write(line.format(distro=self.distro, kernel=self.KERNEL, memory=self.memory_kib) + "\n")
            await self.pause(0.08)

        def banner() -> str:
            return f"\n{self.distro}\nKernel {self.KERNEL} on an x86_64\n\n"

        await self.login_loop(banner, lambda _u, _p: False, Shell(self, _common_commands(self.ctx, self.KERNEL)))

    def ctrl_alt_del(self) -> None:
        """Linux reboots on Ctrl+Alt+Del (systemd's ctrl-alt-del.target)."""
        from xencenter_py.sim.behaviours.runtime import rebooted

        store = self.ctx.sim.store
        if store.exists("VM", self.ctx.vm) and store.get("VM", self.ctx.vm)["power_state"] == "Running":
            rebooted(store, self.ctx.vm)  # the console sees the new domain and boots again
