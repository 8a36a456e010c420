"""Bad input is answered with XAPI error codes only, never ``INTERNAL_ERROR``: every message
of the datamodel is called with wrong-but-well-typed arguments (null refs, refs of the wrong
class, negative and huge numbers, empty strings, empty maps and sets)."""

from __future__ import annotations

import asyncio
import re
import traceback
from typing import Any

import pytest

from xencenter_py.datamodel import NULL_REF, Message, Type, load
from xencenter_py.sim.errors import XapiError
from xencenter_py.sim.seeds import seed
from xencenter_py.sim.simulator import Simulator
from xencenter_py.sim.store import Store

SKIPPED = frozenset({"session.logout", "session.local_logout"})
"""Calls that end the fuzzing session itself (it logs in again anyway when one does)."""

XAPI_CODE = re.compile(r"[A-Z][A-Z0-9_]+")


def bad_value(t: Type, ref: Any, number: int, text: str) -> Any:
    k = t.kind
    if k == "ref":
        return ref(t.name)
    if k == "int":
        return number
    if k == "float":
        return float(number)
    if k == "bool":
        return False
    if k == "enum":
        return (load().enums.get(t.name) or [""])[0]
    if k == "datetime":
        return "19700101T00:00:00Z"
    if k == "set":
        return []
    if k in ("map", "record"):
        return {}
    if k == "option":
        return None
    return text


def messages() -> list[Message]:
    dm = load()
    found = [m for c in dm.classes.values() for m in c.messages.values() if m.wire_name not in SKIPPED]
    return sorted(found, key=lambda m: m.wire_name)


async def fuzz(variant: str, number: int, text: str) -> dict[str, str]:
    store = Store()
    seed(store, "demo")
    sim = Simulator(store, speed=1e6, users={"root": ("pw", "pool-admin")})
    await sim.start()
    tables = store.tables

    def ref(cls: str) -> str:
        if variant == "null":
            return NULL_REF
        if variant == "wrong class":
            return next(iter(tables["pool" if cls != "pool" else "host"]))
        return next(iter(tables.get(cls) or {NULL_REF: None}))

    bad: dict[str, str] = {}
    session = await sim.login("root", "pw")
    try:
        for m in messages():
            if session not in sim.sessions.info:
                session = await sim.login("root", "pw")
            params = [
                session if i == 0 and name == "session_id" else bad_value(t, ref, number, text)
                for i, (name, t) in enumerate(m.params)
            ]
            try:
                await asyncio.wait_for(sim.call(m.wire_name, params), 2)
            except XapiError as e:
                if e.code == "INTERNAL_ERROR" or not XAPI_CODE.fullmatch(e.code):
                    bad[m.wire_name] = " ".join(e.description)
            except TimeoutError:
                pass  # a call that waits (event.next, a long poll) is not an error
            except Exception as e:  # what the server would turn into INTERNAL_ERROR
                bad[m.wire_name] = "".join(traceback.format_exception_only(e)).strip()
    finally:
        await sim.stop()
    return bad


@pytest.mark.parametrize(
    "variant,number,text",
    [
        ("null", -1, ""),
        ("wrong class", -1, ""),
        ("right class", -1, ""),
        ("right class", 2**63 - 1, "x" * 4096),
    ],
)
async def test_every_message_answers_bad_arguments_with_a_xapi_error(variant: str, number: int, text: str) -> None:
    assert await fuzz(variant, number, text) == {}
