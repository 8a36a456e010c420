"""Alerts (``message`` objects): create, read since a time or for one object, delete many.

XenCenter's alert list and scripts that raise their own alerts use these; ``message``
records are ordinary objects here, so every change still reaches ``event.from``.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from xencenter_py.sim.behaviours.common import now
from xencenter_py.sim.operations import Call, implements
from xencenter_py.sim.store import Store

# The API class name of each ``cls`` enum value (message.cls names an object's class).
_CLASSES = {"Pool": "pool", "Host": "host"}


def _object_exists(call: Call, cls: str, obj_uuid: str) -> bool:
    table = _CLASSES.get(cls, cls)
    return any(rec.get("uuid") == obj_uuid for rec in call.store.all(table).values())


@implements("message.create")
async def create(call: Call, name: str, priority: int, cls: str, obj_uuid: str, body: str) -> str:
    if not name:
        call.fail("INVALID_VALUE", "name", name)
    if not _object_exists(call, cls, obj_uuid):
        call.fail("UUID_INVALID", cls, obj_uuid)
    return call.store.add(
        "message",
        {"name": name, "priority": priority, "cls": cls, "obj_uuid": obj_uuid, "body": body, "timestamp": now()},
    )


def _since(call: Call, since: _dt.datetime) -> dict[str, dict[str, Any]]:
    if since.tzinfo is None:
        since = since.replace(tzinfo=_dt.UTC)
    return {ref: rec for ref, rec in call.store.all("message").items() if rec["timestamp"] > since}


@implements("message.get_since")
async def get_since(call: Call, since: _dt.datetime) -> dict[str, dict[str, Any]]:
    return _since(call, since)


@implements("message.get")
async def get(call: Call, cls: str, obj_uuid: str, since: _dt.datetime) -> dict[str, dict[str, Any]]:
    return {ref: rec for ref, rec in _since(call, since).items() if rec["cls"] == cls and rec["obj_uuid"] == obj_uuid}


@implements("message.destroy_many")
async def destroy_many(call: Call, messages: list[str]) -> str:
    for ref in messages:
        if call.store.exists("message", ref):
            call.store.delete("message", ref)
    return ""


def alert(store: Store, name: str, priority: int, cls: str, ref: str, body: str) -> str:
    """Raise an alert about an object as xapi itself does (``cls`` is the message's class
    name: ``Host``, ``Pool``, ``VM``...)."""
    obj_uuid = store.get(_CLASSES.get(cls, cls), ref)["uuid"]
    return store.add(
        "message",
        {"name": name, "priority": priority, "cls": cls, "obj_uuid": obj_uuid, "body": body, "timestamp": now()},
    )
