"""Where to ask for a host's performance data: each host serves its own (and its resident
VMs'), so a request goes to the host's own address with the pool session, falling back to
the coordinator when that address cannot be reached.

A pool reached over loopback (the simulator) is never asked anything off the machine: a
member whose address is not loopback is asked through the coordinator instead, naming
the host (``host_uuid``, which xapi ignores and a simulator without ``--members`` needs).
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from xencenter_py.xapi.errors import ProtocolError, XapiClientError
from xencenter_py.xapi.transport import HttpChannel

log = logging.getLogger(__name__)
T = TypeVar("T")

Work = Callable[[HttpChannel, "str | None"], Awaitable[T]]
"""``work(channel, host_uuid_to_name_or_None)``."""


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


class HostRoutes:
    """HTTP channels to the members of one connection's pool, reused across requests."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.requests: list[str] = []  # the last base URLs asked (diagnostics and tests)
        self._channels: dict[str, HttpChannel] = {}
        self._unreachable: set[str] = set()

    def base_for(self, host: Any) -> tuple[str, bool]:
        """(base URL to ask, whether it is the host's own address); None = coordinator."""
        base = self.connection.session.url
        if host is None or getattr(host, "is_coordinator", False):
            return base, True
        address = str(host.get("address", "") or "")
        parts = urlsplit(base)
        if not address or address in self._unreachable:
            return base, False
        if is_loopback(parts.hostname or "") and not is_loopback(address):
            return base, False
        netloc = f"[{address}]" if ":" in address else address
        return f"{parts.scheme}://{netloc}:{parts.port or (443 if parts.scheme == 'https' else 80)}", True

    def channel(self, base: str) -> HttpChannel:
        channel = self._channels.get(base)
        if channel is None:
            session = self.connection.session
            channel = HttpChannel(base, ssl_context=session.ssl_context, timeout=20.0, host_key=urlsplit(base).netloc)
            self._channels[base] = channel
        return channel

    async def ask(self, host: Any, work: Work[T]) -> T:
        """Run ``work`` at ``host`` (None: the coordinator), falling back to the coordinator
        when the host's own address cannot be reached."""
        base, own = self.base_for(host)
        named = None if own or host is None else host.uuid
        self.requests = [*self.requests, base][-8:]
        try:
            return await work(self.channel(base), named)
        except ProtocolError:
            raise
        except XapiClientError:
            session = self.connection.session
            if not own or session is None or base == session.url:
                raise
            address = str(host.get("address", ""))
            log.info("performance data: %s unreachable, asking the coordinator", address)
            self._unreachable.add(address)
            self.requests = [*self.requests, session.url][-8:]
            return await work(self.channel(session.url), host.uuid)

    async def aclose(self) -> None:
        channels, self._channels = self._channels, {}
        for channel in channels.values():
            with contextlib.suppress(Exception):
                await channel.aclose()
