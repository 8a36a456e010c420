"""From a wire call to a handler: method lookup, parameter counts, types and defaults.

xapi checks a call in this order, and so do we: the method must exist
(``MESSAGE_METHOD_UNKNOWN``), the parameter count must fit
(``MESSAGE_PARAMETER_COUNT_MISMATCH [method, expected, received]``), the session must be
valid, every argument must decode as its datamodel type (``FIELD_TYPE_ERROR [param]``),
and the session's role must be allowed (``RBAC_PERMISSION_DENIED``).
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any

from xencenter_py.datamodel import NULL_REF, Message, Type, load, parse_datetime, parse_type
from xencenter_py.sim.errors import XapiError
from xencenter_py.sim.store import NON_DB_CLASSES

Handler = Callable[..., Awaitable[Any]]

_CORE: dict[str, Handler] = {}

_EXTENSIONS: dict[str, Message] = {}
"""``simulator.*`` calls: simulator extensions real XAPI lacks (docs/SIMULATOR-EXTENSIONS.md)."""

# Trailing parameters added in later API versions: older clients may leave them out and
# xapi fills in these defaults (only the listed names, only as a trailing run).
OPTIONAL_TRAILING: dict[str, dict[str, Any]] = {
    "session.login_with_password": {"version": "1.1", "originator": ""},
    "host.evacuate": {"network": NULL_REF, "evacuate_batch_size": 0},
    "VM.snapshot": {"ignore_vdis": []},
    "VM.migrate_send": {"vgpu_map": {}},
    "VM.assert_can_migrate": {"vgpu_map": {}},
    "VDI.copy": {"base_vdi": NULL_REF, "into_vdi": NULL_REF},
    "VM.import": {"force": False},
    "Bond.create": {"mode": "balance-slb", "properties": {}},
    "VM.create_new_blob": {"public": False},
    "host.create_new_blob": {"public": False},
    "pool.create_new_blob": {"public": False},
    "network.create_new_blob": {"public": False},
    "SR.create_new_blob": {"public": False},
}

SESSION_TYPE = parse_type("session ref")


def core(*wire_names: str) -> Callable[[Handler], Handler]:
    """Register a simulator-core handler (sessions, events, tasks) for wire names."""

    def register(handler: Handler) -> Handler:
        for name in wire_names:
            _CORE[name] = handler
        return handler

    return register


def core_handler(wire_name: str) -> Handler | None:
    return _CORE.get(wire_name)


def extension(
    name: str, params: tuple[tuple[str, str], ...], result: str = "void", roles: tuple[str, ...] = ("pool-admin",)
) -> None:
    """Declare ``simulator.<name>``: a call with a session, typed parameters (datamodel type
    syntax, e.g. ``"host ref"``) and the roles allowed to make it. Its handler registers
    with ``@implements("simulator.<name>")`` like any behaviour."""
    _EXTENSIONS[name] = Message(
        "simulator",
        name,
        (("session_id", SESSION_TYPE), *((p, parse_type(t)) for p, t in params)),
        parse_type(result),
        frozenset(roles),
        False,
        (),
    )
    lookup.cache_clear()


def extensions() -> list[str]:
    """The wire names of every declared ``simulator.*`` call."""
    return sorted(f"simulator.{name}" for name in _EXTENSIONS)


@cache
def lookup(wire_name: str) -> Message | None:
    """The datamodel message for an exact wire name (``Class.msg`` or ``Class_msg``),
    plus the hidden ``get_all_records_where`` of every database class."""
    dm = load()
    cls_name, dot, msg = wire_name.partition(".")
    if cls_name == "simulator":
        return _EXTENSIONS.get(msg)
    if not dot:
        for c in dm.classes:
            if wire_name.startswith(c + "_"):
                found = lookup(f"{c}.{wire_name[len(c) + 1 :]}")
                if found:
                    return found
        return None
    c = dm.classes.get(cls_name)
    if c is None:
        return None
    m = c.messages.get(msg)
    if (
        m is None
        and msg == "get_all_records_where"
        and cls_name not in NON_DB_CLASSES
        and "get_all_records" in c.messages
    ):
        base = c.messages["get_all_records"]
        m = Message(
            cls_name,
            "get_all_records_where",
            (("session_id", SESSION_TYPE), ("expr", Type("string"))),
            base.result,
            base.roles,
            True,
            (),
        )
    return m


def needs_session(m: Message) -> bool:
    return bool(m.params) and m.params[0][1] == SESSION_TYPE and m.params[0][0] == "session_id"


def fill_arguments(m: Message, wire_name: str, params: list[Any]) -> list[Any]:
    """Check the parameter count (allowing xapi's optional trailing parameters) and
    return the full parameter list with defaults filled in."""
    expected = len(m.params)
    got = len(params)
    if got == expected:
        return params
    optional = OPTIONAL_TRAILING.get(m.wire_name, {})
    if got < expected and optional:
        missing = m.params[got:]
        if all(name in optional for name, _ in missing):
            return [*params, *(optional[name] for name, _ in missing)]
    raise XapiError("MESSAGE_PARAMETER_COUNT_MISMATCH", wire_name, expected, got)


# ------------------------------------------------------------------ text that can be stored
MAX_NESTING = 32
"""Deepest nesting of lists and structs accepted in a parameter (XAPI's types nest a few levels)."""


def _text_ok(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def encodable(value: Any) -> bool:
    """Whether every string in a wire value (keys included) can be written as UTF-8, and it
    nests no deeper than :data:`MAX_NESTING`. JSON can carry a lone UTF-16 surrogate
    (``"\\ud800"``) that no answer, log or state file could hold: such a value must never
    get past the protocol boundary. Iterative, so no nesting can exhaust the stack."""
    stack = [(value, 0)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, str):
            if not _text_ok(v):
                return False
        elif isinstance(v, (list, dict)):
            if depth >= MAX_NESTING:
                return False
            if isinstance(v, dict):
                stack.extend((k, depth + 1) for k in v)
                stack.extend((x, depth + 1) for x in v.values())
            else:
                stack.extend((x, depth + 1) for x in v)
    return True


def check_encodable(m: Message, params: list[Any]) -> None:
    """``FIELD_TYPE_ERROR [param]`` (xapi's type error) for the first parameter holding text
    that is not valid Unicode, or nested absurdly deep."""
    for value, (name, _) in zip(params, m.params, strict=False):
        if not encodable(value):
            raise XapiError("FIELD_TYPE_ERROR", name)


# ------------------------------------------------------------------ decoding by type
def coerce(value: Any, t: Type, name: str) -> Any:
    """Decode a wire value as datamodel type ``t`` or fail with ``FIELD_TYPE_ERROR [name]``."""
    try:
        return _coerce(value, t)
    except (TypeError, ValueError, OverflowError, KeyError):
        raise XapiError("FIELD_TYPE_ERROR", name) from None


def _coerce(v: Any, t: Type) -> Any:
    k = t.kind
    tv = type(v)
    if k in ("string", "ref"):
        if tv is str or isinstance(v, str):
            if k == "ref" and v == "":
                return NULL_REF
            return str(v)
        raise TypeError
    if k == "int":
        if tv is int:
            n = v
        elif isinstance(v, str):
            n = int(v.strip())
        elif tv is float and v.is_integer():
            n = int(v)
        else:
            raise TypeError
        if not -(2**63) <= n < 2**63:
            raise OverflowError
        return n
    if k == "float":
        if tv is float:
            return v
        if tv is int:
            return float(v)
        if isinstance(v, str):
            s = v.strip()
            low = s.lower().lstrip("+")
            if low in ("nan", "inf", "infinity", "-inf", "-infinity"):
                return float(low.replace("infinity", "inf"))
            f = float(s)
            if math.isnan(f) and s.lower() != "nan":
                raise ValueError
            return f
        raise TypeError
    if k == "bool":
        if tv is bool:
            return v
        raise TypeError
    if k == "datetime":
        if isinstance(v, _dt.datetime):
            return v
        if isinstance(v, str):
            return parse_datetime(v)
        raise TypeError
    if k == "enum":
        if not isinstance(v, str):
            raise TypeError
        values = load().enums.get(t.name)
        if values and v not in values:
            # xapi matches enum names case-insensitively on input.
            low = v.lower()
            for candidate in values:
                if candidate.lower() == low:
                    return candidate
            raise ValueError
        return str(v)
    if k == "set":
        if not isinstance(v, list):
            raise TypeError
        inner = t.of or Type("string")
        return [_coerce(x, inner) for x in v]
    if k == "map":
        if not isinstance(v, dict):
            raise TypeError
        kt = t.key or Type("string")
        vt = t.of or Type("string")
        out: dict[Any, Any] = {}
        for a, b in v.items():
            key = _coerce(a, kt)
            if key in out:
                raise ValueError
            out[key] = _coerce(b, vt)
        return out
    if k == "record":
        if not isinstance(v, dict):
            raise TypeError
        c = load().cls(t.name)
        if c is None:
            return dict(v)
        rec: dict[str, Any] = {}
        for fname, x in v.items():
            f = c.fields.get(fname)
            if f is not None:
                rec[fname] = _coerce(x, f.type)
        return rec
    if k == "option":
        if isinstance(v, list):  # XML-RPC form: [] or [value]
            if len(v) > 1:
                raise ValueError
            v = v[0] if v else None
        return None if v is None else _coerce(v, t.of or Type("string"))
    if k == "void":
        return v
    return v


def decode_arguments(m: Message, params: list[Any]) -> list[Any]:
    """Every parameter decoded by its datamodel type (session included)."""
    return [coerce(v, t, name) for v, (name, t) in zip(params, m.params, strict=True)]
