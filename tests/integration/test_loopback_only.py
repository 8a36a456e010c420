"""Nothing leaves the machine: seeds give hosts served loopback addresses, and a pool
reached on loopback is never searched outside it (the suite's guard fails any attempt)."""

from __future__ import annotations

import asyncio
import logging

from tests.conftest import DB_DIR, start_sim
from xencenter_py.model.connection import MEMBER_SEARCH_AFTER, Connection, ConnectionState, is_loopback


async def test_a_loopback_pool_is_never_searched_outside_loopback() -> None:
    # A real dump: its two hosts have their real 10.80.x addresses, never this machine's.
    sim = start_sim("--from-db", str(DB_DIR / "boston-db.xml"), "--speed", "50")
    conn = Connection(sim.url, "root", sim.password, max_backoff=0.05, login_timeout=2.0)
    tried: list[str] = []
    enough = asyncio.Event()
    loop = asyncio.get_running_loop()

    class Tries(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.msg.startswith("reconnect to"):
                tried.append(str(record.args[0]))  # type: ignore[index]
                if len(tried) > MEMBER_SEARCH_AFTER + 2:
                    loop.call_soon_threadsafe(enough.set)

    logger = logging.getLogger("xencenter_py.model.connection")
    handler = Tries(logging.INFO)
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        await conn.connect()
        addresses = {h.address for h in conn.cache.all("host")}
        assert len(addresses) == 2 and not any(is_loopback(a) for a in addresses)
        sim.stop()
        # Rounds past MEMBER_SEARCH_AFTER are where the members are searched.
        async with asyncio.timeout(30):
            await enough.wait()
        assert conn.state is ConnectionState.RECONNECTING
        assert set(tried) == {sim.url}
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        await conn.disconnect()


def test_is_loopback() -> None:
    for text in ("127.0.0.1", "127.0.0.3:8080", "http://127.0.0.2:80", "https://[::1]:443", "[::1]", "localhost"):
        assert is_loopback(text), text
    for text in ("10.80.224.75", "http://192.168.10.11:8080", "example.com", "[fe80::1]", "", "::ffff:10.0.0.1"):
        assert not is_loopback(text), text
