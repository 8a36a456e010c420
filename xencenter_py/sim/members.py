"""Pool members as their own endpoints (``sim --members``), so clients meet supporters as
they do in a real pool (protocol notes §2).

Linux routes all of 127.0.0.0/8 to the loopback interface: the coordinator keeps the
``--listen`` address and every other host gets the next loopback address, on the same
port. Which host an address belongs to never changes; which host is the coordinator does
(``pool.designate_new_master``), and the answers follow it:

- at a supporter, a login or a call with a pool session fails with
  ``HOST_IS_SLAVE [coordinator address]`` (a session that does not exist is still
  ``SESSION_INVALID``, as xapi looks the session up first);
- ``session.slave_local_login_with_password`` (emergency mode) works on any member and gives
  a session that only that member accepts;
- sessions are pool-wide, so they stay valid when the coordinator moves; a long-poll
  (``event.from``) that was waiting at the old coordinator ends with ``HOST_IS_SLAVE``.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from xencenter_py.sim.errors import XapiError

if TYPE_CHECKING:
    from xencenter_py.sim.sessions import SessionInfo
    from xencenter_py.sim.simulator import Simulator
    from xencenter_py.sim.store import Store

LOCAL_LOGINS = frozenset({"session.slave_local_login_with_password", "session.slave_local_login"})
"""Logins a supporter serves itself (emergency mode)."""

LONG_POLLS = frozenset({"event.from", "event.next"})
"""Calls that may still be waiting when the coordinator moves away from their address."""

FIRST_MEMBER = "127.0.0.1"
"""The default ``--listen`` address: the first host's address in every seed."""


def member_address(n: int, first: str = FIRST_MEMBER) -> str:
    """The address of the ``n``-th host (from 1) when members are served from ``first`` on:
    seeds give their hosts these, so each host's address is one ``--members`` serves."""
    return str(ipaddress.IPv4Address(first) + n - 1)


def assign_addresses(store: Store, coordinator: str, first: str) -> dict[str, str]:
    """Give each host its own loopback address, ``first`` to the coordinator; returns
    address → host ref. Raises ``ValueError`` for an address that is not IPv4 loopback or
    a pool too large for the addresses after it."""
    hosts = [coordinator, *(h for h in store.tables["host"] if h != coordinator)]
    try:
        start = ipaddress.IPv4Address(first)
        room = start.is_loopback and (start + len(hosts) - 1).is_loopback
    except ValueError:  # not an IPv4 address, or past 255.255.255.255
        room = False
    if not room:
        raise ValueError(f"needs an IPv4 loopback --listen address with room for {len(hosts)} hosts, not {first!r}")
    endpoints: dict[str, str] = {}
    for n, host in enumerate(hosts, start=1):
        address = member_address(n, first)
        store.set("host", host, "address", address)
        for pif in store.get("host", host)["PIFs"]:
            if store.exists("PIF", pif) and store.get("PIF", pif)["management"]:
                store.set("PIF", pif, "IP", address)
        endpoints[address] = host
    return endpoints


def answers(sim: Simulator, host: str) -> bool:
    """Whether a member's address answers at all (a host that is down, failed or gone does not)."""
    from xencenter_py.sim.behaviours.placement import host_is_live

    store = sim.store
    return host not in sim.down_hosts and store.exists("host", host) and host_is_live(store, host)


def host_is_slave(sim: Simulator) -> XapiError:
    """``HOST_IS_SLAVE [coordinator address]``."""
    coordinator = sim.coordinator()
    record = sim.store.tables["host"].get(coordinator, {})
    return XapiError("HOST_IS_SLAVE", record.get("address", ""))


def admit(sim: Simulator, endpoint: str, wire: str, session: SessionInfo | None) -> None:
    """Refuse a call arriving at ``endpoint`` (a host ref) that xapi would refuse there."""
    if session is not None and session.local_host:
        if session.local_host != endpoint:
            raise XapiError("SESSION_INVALID", session.ref)
        return
    if endpoint != sim.coordinator() and wire not in LOCAL_LOGINS:
        raise host_is_slave(sim)


def make_local(sim: Simulator, session: str, endpoint: str) -> None:
    """Bind a session made by an emergency-mode login to the member that made it."""
    sim.sessions.info[session].local_host = endpoint
    record = dict(sim.sessions.records[session])
    record["this_host"] = endpoint
    sim.sessions.records[session] = record
