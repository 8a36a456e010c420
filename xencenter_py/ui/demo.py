"""Demo mode: run the embedded simulator as child processes and connect to them.

The simulators are started with asyncio subprocesses and their ``listening on URL`` line is
read asynchronously, so the window keeps painting while they start. Each gets a random
password that exists only in memory (and on the child's command line).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sys
from dataclasses import dataclass

DEMO_SEEDS = ("demo", "standalone")
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
        """Terminate the child and wait for it (killed if it does not exit in 5 s)."""
        if self.process.returncode is None:
            self.process.terminate()
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
        "--password",
        password,
        *extra,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
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
    results = await asyncio.gather(*(start_simulator(seed, *extra) for seed in DEMO_SEEDS), return_exceptions=True)
    servers = [r for r in results if isinstance(r, DemoServer)]
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        for server in servers:
            await server.stop()
        raise errors[0]
    return servers
