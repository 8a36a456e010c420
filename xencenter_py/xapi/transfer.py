"""VM export and import over XAPI's HTTP handlers (``GET /export``, ``PUT /import``).

As XenCenter does: create a task with ``task.create``, pass it with the session in the
query, stream the file, follow the task's progress through events, and read the outcome
from the task (the new VMs for an import). Cancelling the awaiting coroutine cancels the
task, closes the transfer and removes a partly written file.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx

from xencenter_py.xapi import codec
from xencenter_py.xapi.client import XapiSession
from xencenter_py.xapi.errors import ConnectionLost, Failure, ProtocolError

ProgressCallback = Callable[[float], None]
_BLOCK = 1 << 20
_REFUSAL_WAIT = 10.0


class _Refused(Exception):
    """The handler answered with an HTTP error; the task (when it got that far) says why."""


def _client(session: XapiSession) -> httpx.AsyncClient:
    ctx = session.ssl_context
    return httpx.AsyncClient(
        verify=ctx if ctx is not None else False,
        timeout=httpx.Timeout(None, connect=30.0),
        trust_env=False,
        follow_redirects=False,
    )


async def _transfer(
    session: XapiSession,
    label: str,
    run: Callable[[httpx.AsyncClient, str], Any],
    progress: ProgressCallback | None,
) -> dict[str, Any]:
    """Create the task, run the HTTP request ``run(client, task)`` beside the task's
    follower, and return the finished task's record (raise ``Failure`` when it failed)."""
    task = await session.call("task.create", label, "")
    follower = asyncio.ensure_future(session._follow_task(task, progress))
    cancelled = False
    try:
        async with _client(session) as client:
            try:
                await run(client, task)
            except _Refused as e:
                try:
                    await asyncio.wait_for(asyncio.shield(follower), _REFUSAL_WAIT)
                except TimeoutError:
                    raise ProtocolError(f"{label}: {e}") from None
            except httpx.TransportError as e:
                if not follower.done():
                    raise ConnectionLost(f"{label}: {e}") from None
        record = await follower
    except asyncio.CancelledError:
        cancelled = True
        raise
    finally:
        follower.cancel()
        with contextlib.suppress(Exception):
            if cancelled:
                await asyncio.shield(session.call("task.cancel", task))
        with contextlib.suppress(Exception):
            await asyncio.shield(session.call("task.destroy", task))
    if record["status"] != "success":
        info = record["error_info"] or ["TASK_CANCELLED", task]
        raise Failure.from_description(info)
    return record


async def export_vm(
    session: XapiSession, vm: str, path: str | os.PathLike[str], progress: ProgressCallback | None = None
) -> None:
    """Write VM (or snapshot) ``vm`` as an XVA file at ``path``."""
    target = Path(path)
    partial = target.with_name(target.name + ".part")

    async def run(client: httpx.AsyncClient, task: str) -> None:
        params = {"session_id": session.ref, "task_id": task, "ref": vm}
        async with client.stream("GET", session.url.rstrip("/") + "/export", params=params) as r:
            if r.status_code != 200:
                text = (await r.aread())[:300].decode("utf-8", "replace")
                raise _Refused(f"HTTP {r.status_code}: {text}")
            with partial.open("wb") as out:
                async for block in r.aiter_bytes(_BLOCK):
                    await asyncio.to_thread(out.write, block)

    try:
        await _transfer(session, "Export VM", run, progress)
        partial.replace(target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()


async def _file_blocks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as f:
        while True:
            block = await asyncio.to_thread(f.read, _BLOCK)
            if not block:
                return
            yield block


async def import_vm(
    session: XapiSession,
    path: str | os.PathLike[str],
    sr: str,
    progress: ProgressCallback | None = None,
) -> list[str]:
    """Import the XVA at ``path`` with its disks on ``sr``; return the new VMs' refs."""
    source = Path(path)
    size = source.stat().st_size

    async def run(client: httpx.AsyncClient, task: str) -> None:
        params = {"session_id": session.ref, "task_id": task, "sr_id": sr}
        headers = {"Content-Length": str(size), "Content-Type": "application/octet-stream"}
        r = await client.put(
            session.url.rstrip("/") + "/import", params=params, content=_file_blocks(source), headers=headers
        )
        if r.status_code not in (200, 204):
            raise _Refused(f"HTTP {r.status_code}: {r.text[:300]}")

    record = await _transfer(session, "Import VM", run, progress)
    return list(codec.decode_task_result("VM.import", record["result"]) or [])
