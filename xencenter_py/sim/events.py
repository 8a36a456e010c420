"""Events: ``event.from`` with generation tokens, and the legacy register/next API (§4).

Every store change wakes the waiters once per loop iteration (changes are coalesced);
a woken waiter lets ~50 ms pass to batch a burst, as xapi does. Waiting costs no task
and no thread, so hundreds of blocked ``event.from`` calls never delay other calls.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from xencenter_py.datamodel import Type
from xencenter_py.sim.codec_xmlrpc import ANY, I4, Typed
from xencenter_py.sim.dispatch import core
from xencenter_py.sim.errors import XapiError
from xencenter_py.sim.operations import Call
from xencenter_py.sim.store import Change, StoreError

if TYPE_CHECKING:
    from xencenter_py.sim.simulator import Simulator

BATCH_DELAY = 0.05
MAX_LEGACY_BACKLOG = 100_000
"""Pending changes after which ``event.next`` answers ``EVENTS_LOST`` (xapi: a ~10 MB queue)."""


@cache
def _record_type(cls: str) -> Type:
    return Type("record", name=cls)


@dataclass(frozen=True)
class Subscription:
    """Parsed ``classes`` argument: everything, some classes, or single objects."""

    everything: bool = False
    classes: frozenset[str] = frozenset()
    objects: frozenset[tuple[str, str]] = frozenset()

    def matches(self, ch: Change) -> bool:
        if self.everything:
            return True
        low = ch.cls.lower()
        return low in self.classes or (low, ch.ref) in self.objects


def parse_subscription(entries: list[str]) -> Subscription:
    everything = False
    classes: set[str] = set()
    objects: set[tuple[str, str]] = set()
    for entry in entries:
        parts = entry.split("/")
        if entry == "*":
            everything = True
        elif len(parts) == 1:
            classes.add(entry.lower())
        elif len(parts) == 2 and parts[1]:
            objects.add((parts[0].lower(), parts[1]))
        else:
            raise XapiError("EVENT_SUBSCRIPTION_PARSE_FAILURE", entry)
    return Subscription(everything, frozenset(classes), frozenset(objects))


def parse_token(token: str) -> int:
    """The DB generation in a token (``""`` = from the beginning)."""
    if token == "":
        return 0
    try:
        first = token.split(",", 1)[0] if "," in token else token
        value = int(first)
    except ValueError:
        raise XapiError("EVENT_FROM_TOKEN_PARSE_FAILURE", token) from None
    if value < 0:
        raise XapiError("EVENT_FROM_TOKEN_PARSE_FAILURE", token)
    return value


def make_token(generation: int) -> str:
    return f"{generation:020d},{0:020d}"


@dataclass
class Registration:
    """A session's legacy ``event.register`` state."""

    subscription: Subscription
    position: int
    entries: set[str] = field(default_factory=set)


class Events:
    """Wakes waiters on store changes; keeps legacy registrations."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self._changed: asyncio.Future[None] | None = None
        self._scheduled = False
        self.registrations: dict[str, Registration] = {}
        sim.store.subscribe(self._on_change)

    def _on_change(self, op: str, cls: str, ref: str) -> None:
        self.wake()

    def wake(self) -> None:
        """Wake every waiter at the next loop iteration (many changes, one wake-up)."""
        if self._scheduled or self._changed is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._scheduled = True
        loop.call_soon(self._fire)

    def _fire(self) -> None:
        self._scheduled = False
        fut, self._changed = self._changed, None
        if fut is not None and not fut.done():
            fut.set_result(None)

    async def wait(self, timeout: float) -> None:
        """Return after the next change (or wake-up), or after ``timeout`` seconds."""
        if self._changed is None:
            self._changed = asyncio.get_running_loop().create_future()
        await asyncio.wait((self._changed,), timeout=timeout)

    def event_record(self, ch: Change, *, legacy: bool = False) -> dict[str, Any]:
        store = self.sim.store
        ev: dict[str, Any] = {
            "id": str(ch.generation),
            "timestamp": f"{int(time.time())}." if legacy else "0.0",
            "class": ch.cls.lower(),
            "operation": ch.op,
            "ref": ch.ref,
        }
        if ch.op != "del":
            ev["snapshot"] = Typed(store.tables[ch.cls][ch.ref], _record_type(ch.cls))
        return ev

    def counts(self) -> dict[str, I4]:
        return {k: I4(v) for k, v in self.sim.store.counts().items()}


def _events(call: Call) -> Events:
    return call.sim.events  # type: ignore[attr-defined,no-any-return]


async def _collect(call: Call, sub: Subscription, since: int, timeout: float) -> tuple[list[Change], int]:
    """Wait until changes matching ``sub`` exist after ``since`` (or the timeout)."""
    sim = call.sim
    events = _events(call)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max(0.0, timeout)
    waited = False
    while True:
        sim.sessions.check(call.session)  # type: ignore[attr-defined]
        changes = [ch for ch in sim.store.changes_since(since) if sub.matches(ch)]
        if changes:
            if waited:
                await asyncio.sleep(BATCH_DELAY)  # let a burst of changes arrive together
                sim.sessions.check(call.session)  # type: ignore[attr-defined]
                changes = [ch for ch in sim.store.changes_since(since) if sub.matches(ch)]
            return changes, sim.store.generation
        # Nothing of interest up to now: later scans can start here.
        since = sim.store.generation
        remaining = deadline - loop.time()
        if remaining <= 0:
            return [], since
        await events.wait(remaining)
        waited = True


@core("event.from")
async def event_from(call: Call, classes: list[str], token: str, timeout: float) -> Typed:
    sub = parse_subscription(classes)
    since = parse_token(token)
    changes, generation = await _collect(call, sub, since, timeout)
    events = _events(call)
    batch = {
        "events": [events.event_record(ch) for ch in changes],
        "valid_ref_counts": events.counts(),
        "token": make_token(generation),
    }
    return Typed(batch, ANY)


@core("event.register")
async def register(call: Call, classes: list[str]) -> str:
    events = _events(call)
    reg = events.registrations.get(call.session)
    entries = set(classes) | (reg.entries if reg else set())
    sub = parse_subscription(sorted(entries))
    if reg is None:
        events.registrations[call.session] = Registration(sub, call.store.generation, entries)
    else:
        reg.subscription, reg.entries = sub, entries
    return ""


@core("event.unregister")
async def unregister(call: Call, classes: list[str]) -> str:
    events = _events(call)
    reg = events.registrations.get(call.session)
    if reg is not None:
        reg.entries -= set(classes)
        if reg.entries:
            reg.subscription = parse_subscription(sorted(reg.entries))
        else:
            del events.registrations[call.session]
    return ""


@core("event.next")
async def next_events(call: Call) -> Typed:
    events = _events(call)
    reg = events.registrations.get(call.session)
    if reg is None:
        raise XapiError("SESSION_NOT_REGISTERED", call.session)
    if call.store.generation - reg.position > MAX_LEGACY_BACKLOG:
        raise XapiError("EVENTS_LOST")
    changes: list[Change] = []
    while not changes:
        changes, generation = await _collect(call, reg.subscription, reg.position, 3600.0)
        if events.registrations.get(call.session) is not reg:
            raise XapiError("SESSION_NOT_REGISTERED", call.session)
        reg.position = generation
    return Typed([events.event_record(ch, legacy=True) for ch in changes], ANY)


@core("event.inject")
async def inject(call: Call, cls: str, ref: str) -> str:
    store = call.store
    try:
        name = store.canonical(cls)
    except StoreError:
        raise XapiError("HANDLE_INVALID", cls, ref) from None
    if not store.exists(name, ref):
        raise XapiError("HANDLE_INVALID", name, ref)
    token = make_token(store.generation)
    store.touch(name, ref)
    return token


@core("event.get_current_id")
async def get_current_id(call: Call) -> int:
    return call.store.generation
