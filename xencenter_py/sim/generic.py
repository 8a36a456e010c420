"""The generic messages every class gets from the datamodel, with no per-class code.

``get_all``, ``get_all_records``, ``get_all_records_where``, ``get_record``,
``get_by_uuid``, ``get_by_name_label``, ``get_<field>``, ``set_<field>``,
``add_to_<map>``/``remove_from_<map>``, ``add_<set>``/``remove_<set>``, ``create`` and
``destroy`` (protocol notes §3.2). Database classes live in the store; the few wire-only
classes with records (``session``, ``role``, ``secret``, ``user``) are tables the simulator
keeps itself (no events, not in the state file: secrets are never broadcast or saved).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from typing import Any

from xencenter_py.datamodel import ClassDef, Message, format_datetime, load
from xencenter_py.sim.dispatch import Handler
from xencenter_py.sim.errors import XapiError
from xencenter_py.sim.operations import Call
from xencenter_py.sim.store import new_ref, new_uuid
from xencenter_py.sim.xmldb import format_float


def table(call: Call, cls: str) -> dict[str, dict[str, Any]]:
    """The records of a class: a store table, or a simulator-kept wire-only table."""
    tables = call.store.tables
    if cls in tables:
        return tables[cls]
    return call.sim.extra_tables.get(cls, {})  # type: ignore[attr-defined]


def record(call: Call, cls: str, ref: str) -> dict[str, Any]:
    rec = table(call, cls).get(ref)
    if rec is None:
        raise XapiError("HANDLE_INVALID", cls, ref)
    return rec


def write(call: Call, cls: str, ref: str, changes: dict[str, Any]) -> None:
    if cls in call.store.tables:
        call.store.update(cls, ref, changes)
    else:
        table(call, cls)[ref].update(changes)


def handler_for(m: Message) -> Handler | None:
    """The generic implementation of ``m``, or None if its name is not a generic one."""
    c = load().classes[m.cls]
    name = m.name
    factory = _FIXED.get(name)
    if factory is not None:
        return factory(m, c)
    for prefix, make in _PREFIXED:
        if name.startswith(prefix):
            fname = name[len(prefix) :]
            f = c.fields.get(fname)
            if f is not None:
                h = make(m, c, fname)
                if h is not None:
                    return h
    return None


# ------------------------------------------------------------------ whole-table messages
def _get_all(m: Message, c: ClassDef) -> Handler:
    async def get_all(call: Call) -> list[str]:
        return list(table(call, c.name))

    return get_all


def _get_all_records(m: Message, c: ClassDef) -> Handler:
    async def get_all_records(call: Call) -> dict[str, dict[str, Any]]:
        return table(call, c.name)

    return get_all_records


def _get_all_records_where(m: Message, c: ClassDef) -> Handler:
    async def get_all_records_where(call: Call, expr: str) -> dict[str, dict[str, Any]]:
        pred = parse_expr(expr)
        return {ref: rec for ref, rec in table(call, c.name).items() if pred(rec)}

    return get_all_records_where


def _get_record(m: Message, c: ClassDef) -> Handler:
    async def get_record(call: Call, ref: str) -> dict[str, Any]:
        return record(call, c.name, ref)

    return get_record


def _get_by_uuid(m: Message, c: ClassDef) -> Handler:
    async def get_by_uuid(call: Call, uuid: str) -> str:
        if c.name in call.store.tables:
            ref = call.store.ref_by_uuid(c.name, uuid)
        else:
            ref = next((r for r, rec in table(call, c.name).items() if rec.get("uuid") == uuid), None)
        if ref is None:
            raise XapiError("UUID_INVALID", c.name, uuid)
        return ref

    return get_by_uuid


def _get_by_name_label(m: Message, c: ClassDef) -> Handler:
    async def get_by_name_label(call: Call, label: str) -> list[str]:
        return [ref for ref, rec in table(call, c.name).items() if rec.get("name_label") == label]

    return get_by_name_label


def _create(m: Message, c: ClassDef) -> Handler | None:
    if len(m.params) != 2 or m.params[1][1].kind != "record":
        return None
    settable = {n for n, f in c.fields.items() if f.qualifier in ("RW", "RO/constructor")}

    async def create(call: Call, args: dict[str, Any]) -> str:
        fields = {k: v for k, v in args.items() if k in settable}
        if c.name in call.store.tables:
            return call.store.add(c.name, fields)
        rec = {**call.store.dm.default_record(c.name), **fields}
        if "uuid" in rec:
            rec["uuid"] = new_uuid()
        ref = new_ref()
        table(call, c.name)[ref] = rec
        return ref

    return create


def _destroy(m: Message, c: ClassDef) -> Handler | None:
    if len(m.params) != 2 or m.params[1][1].kind != "ref":
        return None

    async def destroy(call: Call, ref: str) -> str:
        record(call, c.name, ref)
        if c.name in call.store.tables:
            call.store.delete(c.name, ref)
        else:
            del table(call, c.name)[ref]
        return ""

    return destroy


_FIXED: dict[str, Callable[[Message, ClassDef], Handler | None]] = {
    "get_all": _get_all,
    "get_all_records": _get_all_records,
    "get_all_records_where": _get_all_records_where,
    "get_record": _get_record,
    "get_by_uuid": _get_by_uuid,
    "get_by_name_label": _get_by_name_label,
    "create": _create,
    "destroy": _destroy,
}


# ------------------------------------------------------------------ per-field messages
def _getter(m: Message, c: ClassDef, fname: str) -> Handler | None:
    if len(m.params) != 2:
        return None

    async def get_field(call: Call, ref: str) -> Any:
        return record(call, c.name, ref)[fname]

    return get_field


def _setter(m: Message, c: ClassDef, fname: str) -> Handler | None:
    if len(m.params) != 3:
        return None

    async def set_field(call: Call, ref: str, value: Any) -> str:
        record(call, c.name, ref)
        write(call, c.name, ref, {fname: value})
        return ""

    return set_field


class _DuplicateKey(Exception):
    """``add_to_<map>`` with a key the map already has."""


FieldChange = Callable[..., Any]
"""``change(current, *args)`` → the field's new value, or None to leave it as it is."""


def _collection_message(
    kind: str, params: int, change: FieldChange
) -> Callable[[Message, ClassDef, str], Handler | None]:
    """A factory for the messages that rewrite one map or set field through ``change``."""

    def make(m: Message, c: ClassDef, fname: str) -> Handler | None:
        if c.fields[fname].type.kind != kind or len(m.params) != params:
            return None

        async def update(call: Call, ref: str, *args: Any) -> str:
            rec = record(call, c.name, ref)
            try:
                new = change(rec[fname], *args)
            except _DuplicateKey:
                raise XapiError("MAP_DUPLICATE_KEY", c.name, fname, rec.get("uuid", ref), args[0]) from None
            if new is not None:
                write(call, c.name, ref, {fname: new})
            return ""

        return update

    return make


def _map_add(current: dict[Any, Any], key: Any, value: Any) -> dict[Any, Any]:
    if key in current:
        raise _DuplicateKey
    return {**current, key: value}


def _map_remove(current: dict[Any, Any], key: Any) -> dict[Any, Any] | None:
    return {k: v for k, v in current.items() if k != key} if key in current else None


def _set_add(current: list[Any], value: Any) -> list[Any] | None:
    return None if value in current else [*current, value]


def _set_remove(current: list[Any], value: Any) -> list[Any] | None:
    return [x for x in current if x != value] if value in current else None


# Longest prefixes first: "add_to_" must win over "add_".
_PREFIXED: tuple[tuple[str, Callable[[Message, ClassDef, str], Handler | None]], ...] = (
    ("remove_from_", _collection_message("map", 3, _map_remove)),
    ("add_to_", _collection_message("map", 4, _map_add)),
    ("remove_", _collection_message("set", 3, _set_remove)),
    ("add_", _collection_message("set", 3, _set_add)),
    ("get_", _getter),
    ("set_", _setter),
)


# ------------------------------------------------------------------ get_all_records_where
_TOKEN = re.compile(r'\s*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|(=)|([A-Za-z_]+))')

Predicate = Callable[[dict[str, Any]], bool]


def _text(v: Any) -> str:
    """A field as the database writes it, which is what xapi's filters compare against."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return format_float(v)
    if isinstance(v, _dt.datetime):
        return format_datetime(v)
    return str(v)


def _field(rec: dict[str, Any], name: str) -> Any:
    """Filters name database columns (``name__label``); the API spelling is accepted too."""
    if name in rec:
        return rec[name]
    return rec.get(name.replace("__", "_"), "")


def parse_expr(expr: str) -> Predicate:
    """Parse xapi's DB filter syntax: ``field "a"="b"``, ``true``, ``false``, ``not``,
    ``and``/``or`` (infix, parenthesised) — raise ``INVALID_VALUE`` otherwise."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    s = expr.strip()
    while pos < len(s):
        mt = _TOKEN.match(s, pos)
        if mt is None or mt.end() == pos:
            raise XapiError("INVALID_VALUE", "expr", expr)
        lp, rp, quoted, eq, word = mt.groups()
        if lp:
            tokens.append(("(", lp))
        elif rp:
            tokens.append((")", rp))
        elif quoted is not None:
            tokens.append(("str", quoted.replace('\\"', '"').replace("\\\\", "\\")))
        elif eq:
            tokens.append(("=", eq))
        else:
            tokens.append(("word", word.lower()))
        pos = mt.end()
        while pos < len(s) and s[pos].isspace():
            pos += 1
    i = 0

    def peek() -> tuple[str, str] | None:
        return tokens[i] if i < len(tokens) else None

    def take(kind: str) -> str:
        nonlocal i
        tok = peek()
        if tok is None or tok[0] != kind:
            raise XapiError("INVALID_VALUE", "expr", expr)
        i += 1
        return tok[1]

    def operand() -> Any:
        tok = peek()
        if tok and tok[0] == "word" and tok[1] == "field":
            take("word")
            name = take("str")
            return ("field", name)
        return ("lit", take("str"))

    def value(side: Any, rec: dict[str, Any]) -> str:
        return _text(_field(rec, side[1])) if side[0] == "field" else side[1]

    def primary() -> Predicate:
        tok = peek()
        if tok is None:
            raise XapiError("INVALID_VALUE", "expr", expr)
        if tok[0] == "(":
            take("(")
            p = disjunction()
            take(")")
            return p
        if tok == ("word", "true"):
            take("word")
            return lambda rec: True
        if tok == ("word", "false"):
            take("word")
            return lambda rec: False
        if tok == ("word", "not"):
            take("word")
            inner = primary()
            return lambda rec: not inner(rec)
        left = operand()
        take("=")
        right = operand()
        return lambda rec: value(left, rec) == value(right, rec)

    def joined(term: Callable[[], Predicate], word: str) -> Predicate:
        """Terms joined by ``and`` (all must hold) or ``or`` (one must)."""
        terms = [term()]
        while peek() == ("word", word):
            take("word")
            terms.append(term())
        if len(terms) == 1:
            return terms[0]
        holds = all if word == "and" else any
        return lambda rec: holds(t(rec) for t in terms)

    def conjunction() -> Predicate:
        return joined(primary, "and")

    def disjunction() -> Predicate:
        return joined(conjunction, "or")

    pred = disjunction()
    if i != len(tokens):
        raise XapiError("INVALID_VALUE", "expr", expr)
    return pred
