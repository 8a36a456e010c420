"""XAPI secrets (``secret.create``, ``get_uuid``, ``get_by_uuid``, ``get_value``, ``destroy``),
as a host's power-on password uses them (``power_on_config["power_on_password_secret"]``).

The simulator keeps secrets in memory only, per store: they are never written to the
state file or a database dump, and never sent in events.
"""

from __future__ import annotations

import uuid
import weakref
from typing import Any

from xencenter_py.sim.operations import Call, implements
from xencenter_py.sim.store import Store, new_ref

_SECRETS: weakref.WeakKeyDictionary[Store, dict[str, dict[str, Any]]] = weakref.WeakKeyDictionary()


def _table(store: Store) -> dict[str, dict[str, Any]]:
    return _SECRETS.setdefault(store, {})


def _record(call: Call, ref: str) -> dict[str, Any]:
    rec = _table(call.store).get(ref)
    if rec is None:
        call.fail("HANDLE_INVALID", "secret", ref)
    return rec


@implements("secret.create")
async def create(call: Call, args: dict[str, Any]) -> str:
    ref = new_ref()
    _table(call.store)[ref] = {
        "uuid": str(uuid.uuid4()),
        "value": str(args.get("value", "")),
        "other_config": dict(args.get("other_config") or {}),
    }
    return ref


@implements("secret.get_uuid")
async def get_uuid(call: Call, ref: str) -> str:
    return str(_record(call, ref)["uuid"])


@implements("secret.get_value")
async def get_value(call: Call, ref: str) -> str:
    return str(_record(call, ref)["value"])


@implements("secret.get_by_uuid")
async def get_by_uuid(call: Call, secret_uuid: str) -> str:
    for ref, rec in _table(call.store).items():
        if rec["uuid"] == secret_uuid:
            return ref
    call.fail("UUID_INVALID", "secret", secret_uuid)


@implements("secret.destroy")
async def destroy(call: Call, ref: str) -> str:
    _record(call, ref)
    del _table(call.store)[ref]
    return ""
