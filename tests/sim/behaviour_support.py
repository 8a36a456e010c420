"""Helpers for the behaviour tests: XenAPI sessions on a simulator and waiting on events."""

from __future__ import annotations

import time
from typing import Any

import XenAPI

from tests.conftest import PASSWORD, SimProcess

NULL = "OpaqueRef:NULL"
GiB = 1024**3


def login(sim: SimProcess) -> Any:
    """An official-SDK session (XML-RPC) as root; ``.xenapi`` is the API proxy."""
    session = XenAPI.Session(sim.url)
    session.xenapi.login_with_password("root", PASSWORD, "2.21", "behaviour-tests")
    return session


def vm_by_name(x: Any, name: str) -> str:
    refs = x.VM.get_by_name_label(name)
    assert len(refs) == 1, f"{name!r}: {refs}"
    return refs[0]


def host_by_name(x: Any, name: str) -> str:
    refs = x.host.get_by_name_label(name)
    assert len(refs) == 1, f"{name!r}: {refs}"
    return refs[0]


def sr_by_name(x: Any, name: str) -> str:
    refs = x.SR.get_by_name_label(name)
    assert refs, name
    return refs[0]


def free_memory(x: Any, host: str) -> int:
    """``host_metrics.memory_free`` (XML-RPC carries 64-bit ints as strings)."""
    return int(x.host_metrics.get_memory_free(x.host.get_metrics(host)))


def details(exc: Any) -> list[str]:
    return list(exc.value.details)


def wait_until(x: Any, cls: str, ref: str, predicate: Any, timeout: float = 15.0) -> dict[str, Any]:
    """Follow ``event.from`` on one object until ``predicate(record)`` holds."""
    record = getattr(x, cls).get_record(ref)
    if predicate(record):
        return record
    token = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch = getattr(x.event, "from")([f"{cls}/{ref}"], token, 2.0)
        token = batch["token"]
        for event in batch["events"]:
            snapshot = event.get("snapshot")
            if snapshot and predicate(snapshot):
                return snapshot
    raise AssertionError(f"{cls} {ref} never reached the expected state")


def wait_task(x: Any, task: str, timeout: float = 30.0) -> dict[str, Any]:
    """The task record once it is no longer pending."""
    return wait_until(x, "task", task, lambda r: r["status"] not in ("pending", "cancelling"), timeout)
