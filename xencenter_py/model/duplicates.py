"""One connection per pool, as in XenCenter: a server is refused when the console already
talks to it, whether the user typed the same address again or the address of another
member (or the coordinator) of a pool that is already connected.

Two checks: the address before logging in, and the pool's identity (uuid and reference)
right after logging in, before the whole pool is loaded a second time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from xencenter_py.model.connection import ConnectionState

if TYPE_CHECKING:
    from xencenter_py.model.connection import Connection

ACTIVE = frozenset({ConnectionState.CONNECTING, ConnectionState.CONNECTED, ConnectionState.RECONNECTING})
"""States in which a connection already serves its pool (or is about to)."""

LOGOUT_TIMEOUT = 5.0


class AlreadyConnected(Exception):
    """The pool behind a new connection is already served by ``existing``."""

    def __init__(self, existing: Connection) -> None:
        super().__init__(existing.friendly_name)
        self.existing = existing


def address_key(address: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an address as the client reads it: a plain ``host`` or
    ``host:port`` means https, and a missing port is the scheme's default."""
    text = address.strip()
    if "://" not in text:
        text = f"https://{text}"
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    default = 80 if scheme == "http" else 443
    return scheme, (parts.hostname or "").lower().rstrip("."), port or default


def same_address(a: str, b: str) -> bool:
    return address_key(a) == address_key(b)


def find_by_address(connections: Iterable[Connection], address: str) -> Connection | None:
    """The listed connection for ``address`` (connected or not), if any."""
    for conn in connections:
        if conn.address and same_address(conn.address, address):
            return conn
    return None


def serving_pool(
    connections: Iterable[Connection], pool_ref: str, pool_uuid: str, *, exclude: Connection | None = None
) -> Connection | None:
    """A connected connection (other than ``exclude``) whose pool has this uuid or reference."""
    for conn in connections:
        if conn is exclude or conn.state not in ACTIVE:
            continue
        pool = conn.cache.pool
        if pool is None:
            continue
        if (pool_uuid and pool.get("uuid") == pool_uuid) or (pool_ref and pool.ref == pool_ref):
            return conn
    return None


async def refuse_duplicate(session: Any, connections: Iterable[Connection], new: Connection) -> None:
    """Raise ``AlreadyConnected`` when the pool ``session`` just logged in to is already served
    by one of ``connections``; the new session is logged out first, so nothing is left open."""
    pool_ref = str(getattr(session, "pool", "") or "")
    pool_uuid = ""
    if pool_ref:
        with contextlib.suppress(Exception):
            pool_uuid = str(await session.call("pool.get_uuid", pool_ref))
    existing = serving_pool(connections, pool_ref, pool_uuid, exclude=new)
    if existing is None:
        return
    with contextlib.suppress(Exception):
        await asyncio.wait_for(session.logout(), LOGOUT_TIMEOUT)
    raise AlreadyConnected(existing)
