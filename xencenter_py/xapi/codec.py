"""Values on the wire ↔ Python values, driven by the datamodel's types.

One decoder serves both protocols: JSON-RPC already gives native ints, floats and bools,
XML-RPC gives ints as decimal strings; both give datetimes, NaN/Infinity (as bare tokens
or strings) and stringified map keys in several forms. Decoders are built once per type
and per class, and a record decoder checks native values with a cheap class test before
converting anything, so a 40,000-object answer decodes in a fraction of a second.

Decoded values: ``int``, ``float``, ``bool``, ``str`` (strings, refs, enums),
``datetime.datetime`` (UTC-aware), ``list`` (sets), ``dict`` (maps with typed keys and
records). A ref sent as ``""`` becomes ``OpaqueRef:NULL``. Fields missing from an old
server's record are filled with their datamodel default, so callers can rely on every
field being present.
"""

from __future__ import annotations

import datetime as _dt
import xmlrpc.client
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from xencenter_py.datamodel import NULL_REF, Type, format_datetime, load, parse_datetime
from xencenter_py.xapi import xmlwire
from xencenter_py.xapi.errors import ProtocolError

Decoder = Callable[[Any], Any]

_DM = load()


class _Bad(ValueError):
    """A value that does not fit its type (turned into ProtocolError at the top)."""


def _expect(kind: str, value: Any) -> _Bad:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return _Bad(f"expected {kind}, got {shown}")


def _str(v: Any) -> str:
    if v.__class__ is not str:
        raise _expect("string", v)
    return v


def _ref(v: Any) -> str:
    if v.__class__ is not str:
        raise _expect("ref", v)
    return v or NULL_REF


def _int(v: Any) -> int:
    if v.__class__ is int:
        return v
    if v.__class__ is str:
        try:
            return int(v.strip())
        except ValueError:
            pass
    elif isinstance(v, float) and v.is_integer():
        return int(v)
    raise _expect("int", v)


_FLOAT_WORDS = {"nan": "nan", "+nan": "nan", "-nan": "nan", "+infinity": "inf", "infinity": "inf", "-infinity": "-inf"}


def _float(v: Any) -> float:
    if v.__class__ is float:
        return v
    if v.__class__ is int:
        return float(v)
    if v.__class__ is str:
        s = v.strip()
        try:
            return float(_FLOAT_WORDS.get(s.lower(), s))
        except ValueError:
            pass
    raise _expect("float", v)


def _bool(v: Any) -> bool:
    if v.__class__ is bool:
        return v
    if v.__class__ is str and v.lower() in ("true", "false", "1", "0"):
        return v.lower() in ("true", "1")
    if v.__class__ is int and v in (0, 1):
        return bool(v)
    raise _expect("bool", v)


_DATES: dict[str, _dt.datetime] = {}


def _datetime(v: Any) -> _dt.datetime:
    """Parse with a small cache: pools repeat the same timestamps (and the null date) a lot."""
    if v.__class__ is str:
        d = _DATES.get(v)
        if d is None:
            try:
                d = parse_datetime(v)
            except (ValueError, OverflowError, OSError):  # also epoch numbers out of range
                raise _expect("datetime", v) from None
            if len(_DATES) > 8192:
                _DATES.clear()
            _DATES[v] = d
        return d
    if isinstance(v, _dt.datetime):
        return v if v.tzinfo else v.replace(tzinfo=_dt.UTC)
    if v.__class__ in (int, float):
        try:
            return _dt.datetime.fromtimestamp(v, tz=_dt.UTC)
        except (ValueError, OverflowError, OSError):
            pass
    raise _expect("datetime", v)


def _void(v: Any) -> None:
    return None


def _all_str(values: Any) -> bool:
    # str.join runs in C and refuses any non-string: the fastest full check of a string list.
    try:
        "".join(values)
    except TypeError:
        return False
    return True


def _string_set(v: Any) -> list[str]:
    if v.__class__ is not list or not _all_str(v):
        raise _expect("string set", v)
    return v


def _ref_set(v: Any) -> list[str]:
    if v.__class__ is not list or not _all_str(v):
        raise _expect("ref set", v)
    return v if all(v) else [x or NULL_REF for x in v]


def _string_map(v: Any) -> dict[str, str]:
    if v.__class__ is not dict or not _all_str(v.values()):
        raise _expect("string map", v)
    return v


@cache
def decoder(t: Type) -> Decoder:
    """The decoder for one datamodel type (built once)."""
    k = t.kind
    if k in ("string", "enum"):
        return _str
    if k == "ref":
        return _ref
    simple = {"int": _int, "float": _float, "bool": _bool, "datetime": _datetime, "void": _void}
    if k in simple:
        return simple[k]
    if k == "set":
        assert t.of is not None
        if t.of.kind in ("string", "enum"):
            return _string_set
        if t.of.kind == "ref":
            return _ref_set
        elem = decoder(t.of)

        def decode_set(v: Any) -> list[Any]:
            if v.__class__ is not list:
                raise _expect("array", v)
            return [elem(x) for x in v]

        return decode_set
    if k == "map":
        assert t.key is not None and t.of is not None
        if t.key.kind in ("string", "enum") and t.of.kind in ("string", "enum"):
            return _string_map
        # Keys are always stringified on the wire (ints as decimal, enums by name).
        key, val = decoder(t.key), decoder(t.of)

        def decode_map(v: Any) -> dict[Any, Any]:
            if v.__class__ is not dict:
                raise _expect("map", v)
            return {key(a): val(b) for a, b in v.items()}

        return decode_map
    if k == "record":
        return record_decoder(t.name) if _DM.cls(t.name) else _any
    if k == "option":
        assert t.of is not None
        inner = decoder(t.of)

        def decode_option(v: Any) -> Any:
            # ocaml-rpc writes None as null or [], Some x as x or [x].
            if v is None or v == []:
                return None
            if v.__class__ is list and len(v) == 1:
                return inner(v[0])
            return inner(v)

        return decode_option
    return _any


def _any(v: Any) -> Any:
    return v


@dataclass(frozen=True)
class _Plan:
    """Fields of one class grouped by how they are checked (see ``record_decoder``)."""

    strings: tuple[str, ...]
    refs: tuple[str, ...]
    ints: tuple[str, ...]
    floats: tuple[str, ...]
    bools: tuple[str, ...]
    string_sets: tuple[str, ...]
    string_maps: tuple[str, ...]
    others: tuple[tuple[str, Decoder], ...]
    defaults: tuple[tuple[str, Any], ...]


def _plan(cls_name: str) -> _Plan:
    c = _DM.cls(cls_name)
    assert c is not None
    groups: dict[str, list[str]] = {
        k: [] for k in ("string", "enum", "ref", "int", "float", "bool", "string_set", "string_map")
    }
    others: list[tuple[str, Decoder]] = []
    defaults: list[tuple[str, Any]] = []
    for f in c.fields.values():
        t = f.type
        if t.kind in groups:
            groups[t.kind].append(f.name)
        elif t.kind == "set" and t.of is not None and t.of.kind in ("string", "enum"):
            groups["string_set"].append(f.name)
        elif (
            t.kind == "map" and t.key is not None and t.of is not None and {t.key.kind, t.of.kind} <= {"string", "enum"}
        ):
            groups["string_map"].append(f.name)
        elif f.type.kind == "record" and f.type.name == "<class>":
            continue  # event.snapshot: decoded by the event's own class
        else:
            others.append((f.name, decoder(f.type)))
        defaults.append((f.name, f.default if f.default is not None else _DM.empty_value(f.type)))
    return _Plan(
        tuple(groups["string"] + groups["enum"]),
        tuple(groups["ref"]),
        tuple(groups["int"]),
        tuple(groups["float"]),
        tuple(groups["bool"]),
        tuple(groups["string_set"]),
        tuple(groups["string_map"]),
        tuple(others),
        tuple(defaults),
    )


def _fill_missing(rec: dict[str, Any], defaults: Sequence[tuple[str, Any]]) -> None:
    for name, default in defaults:
        if name not in rec:
            rec[name] = (
                list(default) if isinstance(default, list) else dict(default) if isinstance(default, dict) else default
            )


@cache
def record_decoder(cls_name: str) -> Callable[[Any], dict[str, Any]]:
    """Decode one class's record in place: native values only get a class test; values in
    another form (decimal strings, "NaN", date strings...) are converted."""
    plan = _plan(cls_name)
    n_fields = len(plan.defaults)
    label = _DM.cls(cls_name).name  # type: ignore[union-attr]

    def decode_record(rec: Any) -> dict[str, Any]:
        if rec.__class__ is not dict:
            raise _expect(f"{label} record", rec)
        if len(rec) < n_fields:
            _fill_missing(rec, plan.defaults)
        name = ""
        try:
            for name in plan.strings:
                if rec[name].__class__ is not str:
                    raise _expect("string", rec[name])
            for name in plan.refs:
                v = rec[name]
                if v.__class__ is not str:
                    raise _expect("ref", v)
                if not v:
                    rec[name] = NULL_REF
            for name in plan.ints:
                if rec[name].__class__ is not int:
                    rec[name] = _int(rec[name])
            for name in plan.floats:
                if rec[name].__class__ is not float:
                    rec[name] = _float(rec[name])
            for name in plan.bools:
                if rec[name].__class__ is not bool:
                    rec[name] = _bool(rec[name])
            # Sets and maps of strings are the bulk of a record: checked inline, with the
            # C-speed str.join (it raises TypeError on any non-string).
            for name in plan.string_sets:
                v = rec[name]
                if v.__class__ is not list:
                    raise _expect("string set", v)
                "".join(v)
            for name in plan.string_maps:
                v = rec[name]
                if v.__class__ is not dict:
                    raise _expect("string map", v)
                "".join(v.values())
            for name, dec in plan.others:
                rec[name] = dec(rec[name])
        except KeyError:
            # The length test misses a missing field when the server also sends unknown
            # extra ones: fill the defaults and decode again.
            _fill_missing(rec, plan.defaults)
            return decode_record(rec)
        except TypeError:
            raise _Bad(f"{label}.{name}: expected only strings in {rec[name]!r:.60}") from None
        except _Bad as exc:
            raise _Bad(f"{label}.{name}: {exc}") from None
        return rec

    return decode_record


# --- results ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Event:
    """One ``event.from`` change. ``cls`` is the datamodel's class name (``VM``, ``host``,
    ``VM_metrics``...), or the wire name for a class the datamodel does not know;
    ``snapshot`` is the decoded record for add/mod and None for del."""

    cls: str
    operation: str  # "add" | "mod" | "del"
    ref: str
    snapshot: dict[str, Any] | None
    id: str = ""


@dataclass(frozen=True, slots=True)
class EventBatch:
    """An ``event.from`` answer: the changes, the token for the next call, and the row
    count of every table (lower-case class names) for consistency checks."""

    events: list[Event]
    token: str
    valid_ref_counts: dict[str, int]


def decode_event_batch(value: Any) -> EventBatch:
    """Decode ``event.from``'s result (the datamodel only calls it "an event batch")."""
    if value.__class__ is not dict:
        raise _expect("event batch", value)
    events, token = value.get("events"), value.get("token")
    if events.__class__ is not list:
        raise _expect("event list", events)
    if token.__class__ is not str:
        raise _expect("event token", token)
    counts = value.get("valid_ref_counts", value.get("validRefCounts", {}))
    if counts.__class__ is not dict:
        raise _expect("valid_ref_counts map", counts)
    out: list[Event] = []
    for raw in events:
        if raw.__class__ is not dict:
            raise _expect("event", raw)
        wire_cls, op, ref = raw.get("class"), raw.get("operation"), raw.get("ref")
        if wire_cls.__class__ is not str or op not in ("add", "mod", "del") or ref.__class__ is not str:
            raise _expect("event with class, operation and ref", raw)
        c = _DM.cls(wire_cls)
        snap = raw.get("snapshot")
        if op == "del":
            snap = None
        elif c is not None:
            snap = record_decoder(c.name)(snap)
        elif snap.__class__ is not dict:
            raise _expect("snapshot", snap)
        out.append(Event(c.name if c else wire_cls, op, ref, snap, str(raw.get("id", ""))))
    return EventBatch(out, token, {str(k): _int(v) for k, v in counts.items()})


def result_type(wire_name: str) -> Type | None:
    """The datamodel result type of a call (``Async.*`` calls return a task ref)."""
    if wire_name.startswith("Async."):
        return Type("ref", name="task")
    m = _DM.message(wire_name)
    return m.result if m else None


def decode_result(wire_name: str, value: Any) -> Any:
    """Decode a call's result by its datamodel type; unknown calls come back as sent."""
    try:
        if wire_name == "event.from":
            return decode_event_batch(value)
        t = result_type(wire_name)
        return decoder(t)(value) if t is not None else value
    except _Bad as exc:
        raise ProtocolError(f"{wire_name}: {exc}") from None


def decode_value(t: Type, value: Any, context: str = "") -> Any:
    """Decode one value of type ``t``, reporting a mismatch as :class:`ProtocolError`."""
    try:
        return decoder(t)(value)
    except _Bad as exc:
        raise ProtocolError(f"{context}: {exc}" if context else str(exc)) from None


def decode_task_result(wire_name: str, text: str) -> Any:
    """A finished task's ``result`` is an XML-RPC ``<value>`` fragment whatever the
    protocol; decode it by the call's result type (XenCenter falls back to the raw text
    when it is not XML, and so do we)."""
    t = result_type(wire_name.removeprefix("Async."))
    if not text:
        return None if t is None or t.kind == "void" else decode_value(t, "", wire_name)
    try:
        value = xmlwire.decode_value(text)
    except ProtocolError:
        return text
    return decode_value(t, value, wire_name) if t is not None else value


# --- encoding --------------------------------------------------------------------------


def _encode(t: Type | None, v: Any, xml: bool) -> Any:
    """Encode one argument: int64 as decimal strings for XML-RPC (Python's XML-RPC would
    refuse values ≥ 2³¹), datetimes in XAPI's form, map keys stringified."""
    if isinstance(v, bool):
        return v
    if isinstance(v, _dt.datetime):
        s = format_datetime(v if v.tzinfo else v.replace(tzinfo=_dt.UTC))
        return xmlrpc.client.DateTime(s) if xml else s
    if isinstance(v, int):
        if t is not None and t.kind == "float":
            return float(v)
        if t is not None and t.kind in ("string", "enum"):
            return str(v)
        return str(v) if xml else v
    if isinstance(v, float):
        if t is not None and t.kind == "int" and v.is_integer():
            return str(int(v)) if xml else int(v)
        return v
    if isinstance(v, (list, tuple, set, frozenset)):
        elem = t.of if t is not None and t.kind == "set" else None
        return [_encode(elem, x, xml) for x in v]
    if isinstance(v, dict):
        if t is not None and t.kind == "record" and (c := _DM.cls(t.name)) is not None:
            return {k: _encode(c.fields[k].type if k in c.fields else None, x, xml) for k, x in v.items()}
        vt = t.of if t is not None and t.kind == "map" else None
        return {_map_key(k): _encode(vt, x, xml) for k, x in v.items()}
    if v is None:
        if t is not None and t.kind == "ref":
            return NULL_REF
        raise TypeError("None is not a XAPI value")
    return v


def _map_key(k: Any) -> str:
    """Map keys are strings on the wire (XML-RPC structs; JSON objects)."""
    if isinstance(k, bool):
        return "true" if k else "false"
    if isinstance(k, _dt.datetime):
        return format_datetime(k)
    return str(k)


def encode_args(wire_name: str, args: Sequence[Any], *, xml: bool) -> list[Any]:
    """Encode positional arguments (session first when the call takes one) by the call's
    parameter types; arguments beyond the known parameters are encoded by their value."""
    m = _DM.message(wire_name.removeprefix("Async."))
    types: Sequence[Type | None] = [p for _, p in m.params] if m else []
    return [_encode(types[i] if i < len(types) else None, a, xml) for i, a in enumerate(args)]
