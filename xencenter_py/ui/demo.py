"""Demo mode: run the embedded simulator as child processes and connect to them.

The simulators are started with asyncio subprocesses and their ``listening on URL`` line is
read asynchronously, so the window keeps painting while they start. Each gets a random
password that exists only in memory: it reaches the child through its standard input,
never its command line (which every user can read with ``ps``).

The console holds each child's standard input open for the child's whole life: when the
console goes, however it goes (closed, ``kill -9``, a crash), the pipe closes and the
simulator stops cleanly. The children run in their own session, so a Ctrl+C in the
terminal reaches only the console, which then closes and stops them in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sys
from dataclasses import dataclass

# seed -> extra options: the demo pool serves each member on its own loopback address, so
# every host address the console learns (and asks, for performance data) is one it can reach.
DEMO_SEEDS: dict[str, tuple[str, ...]] = {"demo": ("--members",), "standalone": ()}
START_TIMEOUT = 60.0


class DemoError(RuntimeError):
    """The simulator did not start."""


@dataclass
class DemoServer:
    """A running simulator child process."""

    seed: str
    url: str
    password: str
    process: asyncio.subprocess.Process
    _drain: asyncio.Task[None] | None = None

    async def stop(self) -> None:
        """Close the child's standard input (it stops cleanly), wait for it; killed after 5 s."""
        if self.process.stdin is not None and not self.process.stdin.is_closing():
            self.process.stdin.close()
        if self.process.returncode is None:
            try:
                await asyncio.wait_for(self.process.wait(), 5)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self._drain is not None:
            self._drain.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._drain


async def _drain(stream: asyncio.StreamReader) -> None:
    """Keep reading the child's output so its pipe never fills up."""
    while await stream.readline():
        pass


async def start_simulator(seed: str, *extra: str) -> DemoServer:
    """Start ``xencenter-py sim --port 0 --seed SEED`` and wait for its URL."""
    password = secrets.token_urlsafe(16)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "xencenter_py",
        "sim",
        "--port",
        "0",
        "--seed",
        seed,
        "--password-stdin",
        "--stop-with-stdin",
        *extra,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(password.encode() + b"\n")
    seen: list[str] = []

    async def wait_url() -> str:
        while True:
            raw = await process.stdout.readline()
            if not raw:
                raise DemoError("\n".join(seen[-10:]) or f"simulator exited with code {process.returncode}")
            line = raw.decode(errors="replace").strip()
            seen.append(line)
            if line.startswith("listening on "):
                return line.removeprefix("listening on ").split()[0]

    try:
        url = await asyncio.wait_for(wait_url(), START_TIMEOUT)
    except BaseException:
        if process.returncode is None:
            process.kill()
            await process.wait()
        raise
    server = DemoServer(seed, url, password, process)
    server._drain = asyncio.ensure_future(_drain(process.stdout))
    return server


async def start_demo(*extra: str) -> list[DemoServer]:
    """The demo pool and a standalone server, started in parallel."""
    results = await asyncio.gather(
        *(start_simulator(seed, *options, *extra) for seed, options in DEMO_SEEDS.items()), return_exceptions=True
    )
    servers = [r for r in results if isinstance(r, DemoServer)]
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        for server in servers:
            await server.stop()
        raise errors[0]
    return servers
