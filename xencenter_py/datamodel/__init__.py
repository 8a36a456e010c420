"""The XAPI datamodel, loaded from the compact copy of the official ``xenapi.json``.

Everything that depends on class names, field types, defaults, enums, message signatures
or roles reads it from here, so the simulator and the client never hand-write per-class code.
Regenerate the data with ``tools/gen_datamodel.py``.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

NULL_REF = "OpaqueRef:NULL"
NULL_DATE = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)

ROLES = ("pool-admin", "pool-operator", "vm-power-admin", "vm-admin", "vm-operator", "read-only")
"""Built-in roles from the most to the least privileged (``client-cert`` is not a user role)."""


@dataclass(frozen=True)
class Type:
    """A parsed XAPI type: ``kind`` is one of string, int, float, bool, datetime, ref,
    enum, set, map, record, option, void; ``name`` names the class or enum where relevant."""

    kind: str
    name: str = ""
    of: Type | None = None  # element of set/option, value of map
    key: Type | None = None  # key of map

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        k = self.kind
        if k in ("ref", "record"):
            return f"{self.name} {k}"
        if k == "enum":
            return f"enum {self.name}"
        if k in ("set", "option"):
            return f"{self.of} {k}"
        if k == "map":
            return f"({self.key} -> {self.of}) map"
        return k


_SCALARS = {"string", "int", "float", "bool", "datetime", "void"}


@cache
def parse_type(text: str) -> Type:
    """Parse the datamodel's type syntax, e.g. ``(string -> enum vm_operations) map``."""
    t = text.strip()
    if t in _SCALARS:
        return Type(t)
    if t.endswith(" set"):
        return Type("set", of=parse_type(t[:-4]))
    if t.endswith(" option"):
        return Type("option", of=parse_type(t[:-7]))
    if t.endswith(" map"):
        inner = t[:-4].strip()
        if inner.startswith("(") and inner.endswith(")"):
            inner = inner[1:-1]
        depth = 0
        for i, ch in enumerate(inner):
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            elif depth == 0 and inner.startswith("->", i):
                return Type("map", key=parse_type(inner[:i]), of=parse_type(inner[i + 2 :]))
        raise ValueError(f"bad map type {text!r}")
    if t.startswith("enum "):
        return Type("enum", name=t[5:].strip())
    if t.endswith(" ref"):
        return Type("ref", name=t[:-4].strip())
    if t.endswith(" record"):
        return Type("record", name=t[:-7].strip())
    # Message results sometimes carry prose ("an event batch"); treat as opaque strings.
    return Type("string")


@dataclass(frozen=True)
class Field:
    name: str
    type: Type
    qualifier: str  # "RW", "RO/constructor" or "RO/runtime"
    default: Any  # decoded Python value, or None when the datamodel gives none
    removed: bool = False

    @property
    def writable(self) -> bool:
        return self.qualifier == "RW"


@dataclass(frozen=True)
class Message:
    cls: str
    name: str
    params: tuple[tuple[str, Type], ...]
    result: Type
    roles: frozenset[str]
    implicit: bool
    errors: tuple[str, ...]

    @property
    def wire_name(self) -> str:
        return f"{self.cls}.{self.name}"


@dataclass
class ClassDef:
    name: str
    fields: dict[str, Field] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)

    @property
    def has_uuid(self) -> bool:
        return "uuid" in self.fields

    @property
    def has_name_label(self) -> bool:
        return "name_label" in self.fields


@dataclass
class Datamodel:
    classes: dict[str, ClassDef]
    enums: dict[str, tuple[str, ...]]

    def __post_init__(self) -> None:
        self._by_lower = {name.lower(): c for name, c in self.classes.items()}

    def cls(self, name: str) -> ClassDef | None:
        """Look a class up by name, case-insensitively (wire and DB dumps vary)."""
        return self.classes.get(name) or self._by_lower.get(name.lower())

    def message(self, wire_name: str) -> Message | None:
        cls_name, _, msg = wire_name.partition(".")
        c = self.cls(cls_name)
        return c.messages.get(msg) if c else None

    def empty_value(self, t: Type) -> Any:
        """The type's zero value, used where the datamodel gives no default."""
        return {
            "string": "",
            "int": 0,
            "float": 0.0,
            "bool": False,
            "datetime": NULL_DATE,
            "ref": NULL_REF,
            "set": [],
            "map": {},
            "option": None,
            "void": "",
            "record": {},
        }.get(t.kind, self.enums[t.name][0] if t.kind == "enum" and self.enums.get(t.name) else "")

    def default_record(self, cls_name: str) -> dict[str, Any]:
        """A record with every field at its datamodel default (or the type's zero value)."""
        c = self.classes[cls_name]
        rec: dict[str, Any] = {}
        for f in c.fields.values():
            d = f.default if f.default is not None else self.empty_value(f.type)
            rec[f.name] = _copy(d)
        return rec


def _copy(v: Any) -> Any:
    if isinstance(v, list):
        return list(v)
    if isinstance(v, dict):
        return dict(v)
    return v


_DATE_RE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):?(\d{2}):?(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")


def parse_datetime(text: str) -> _dt.datetime:
    """Parse every datetime form XAPI and its SDKs use (see the protocol notes §3.3)."""
    s = text.strip()
    m = _DATE_RE.match(s)
    if m:
        y, mo, d, h, mi, se, tz = m.groups()
        tzinfo = _dt.UTC
        if tz and tz != "Z":
            sign = 1 if tz[0] == "+" else -1
            digits = tz[1:].replace(":", "")
            tzinfo = _dt.timezone(sign * _dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        return _dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(se), tzinfo=tzinfo)
    try:
        return _dt.datetime.fromtimestamp(float(s), tz=_dt.UTC)
    except ValueError:
        raise ValueError(f"not a XAPI datetime: {text!r}") from None


def format_datetime(value: _dt.datetime) -> str:
    """XAPI's wire form: ``20240420T12:00:00Z`` in UTC."""
    if value.tzinfo is not None:
        value = value.astimezone(_dt.UTC)
    return value.strftime("%Y%m%dT%H:%M:%SZ")


def _decode_default(t: Type, text: str | None, enums: dict[str, tuple[str, ...]]) -> Any:
    """Decode the datamodel's default-value notation ('""', '{}', 'Null', '1.', 'Halted' ...)."""
    if text is None:
        return None
    s = text.strip()
    k = t.kind
    if k in ("set", "map"):
        if s in ("{}", "[]", "()", ""):
            return [] if k == "set" else {}
        try:
            v = json.loads(s.replace("(", "[").replace(")", "]"))
            if k == "set" and isinstance(v, list):
                return [str(x) for x in v]
            if k == "map" and isinstance(v, dict):
                return {str(a): str(b) for a, b in v.items()}
        except (ValueError, TypeError):
            pass
        return [] if k == "set" else {}
    if k == "ref":
        return NULL_REF
    if k in ("string", "option"):
        return s[1:-1] if len(s) >= 2 and s[0] == s[-1] == '"' else s
    if k == "int":
        try:
            return int(s)
        except ValueError:
            return 0
    if k == "float":
        try:
            return float(s)
        except ValueError:
            return 0.0
    if k == "bool":
        return s.lower() == "true"
    if k == "datetime":
        try:
            return parse_datetime(s)
        except ValueError:
            return NULL_DATE
    if k == "enum":
        values = enums.get(t.name, ())
        return s if s in values else (values[0] if values else s)
    return None


@cache
def load() -> Datamodel:
    """Load the packaged datamodel (parsed once per process)."""
    raw = json.loads(resources.files(__package__).joinpath("xenapi-compact.json").read_text(encoding="utf-8"))
    enums = {name: tuple(values) for name, values in raw["enums"].items()}
    role_sets = [frozenset(r) for r in raw["role_sets"]]
    classes: dict[str, ClassDef] = {}
    for cname, c in raw["classes"].items():
        cd = ClassDef(cname)
        for f in c["fields"]:
            t = parse_type(f["type"])
            cd.fields[f["name"]] = Field(
                f["name"], t, f["qualifier"], _decode_default(t, f["default"], enums), f["removed"]
            )
        for m in c["messages"]:
            cd.messages[m["name"]] = Message(
                cname,
                m["name"],
                tuple((p, parse_type(pt)) for p, pt in m["params"]),
                parse_type(m["result"]),
                role_sets[m["roles"]],
                m["implicit"],
                tuple(m["errors"]),
            )
        classes[cname] = cd
    return Datamodel(classes, enums)
