"""Waiting on a connection's notifications (never on the clock)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from xencenter_py.model.connection import Connection


async def wait_until(
    conns: Connection | list[Connection], predicate: Callable[[], bool], timeout: float = 15.0
) -> None:
    """Return once ``predicate()`` holds, re-checking after every cache batch or state change."""
    conns = conns if isinstance(conns, list) else [conns]
    event = asyncio.Event()
    unsubscribe = []
    for c in conns:
        unsubscribe.append(c.cache.subscribe(lambda _batch: event.set()))
        unsubscribe.append(c.on_state(lambda _state: event.set()))
    try:
        async with asyncio.timeout(timeout):
            while True:
                event.clear()
                if predicate():
                    return
                await event.wait()
    finally:
        for u in unsubscribe:
            u()
