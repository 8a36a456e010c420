"""XAPI's XML database format (protocol notes §11): load real dumps, write our own.

:func:`load` reads every table and row of a ``state.db``-style dump (schemas 5.55 onwards),
keeps refs and uuids, decodes each value by its datamodel type (``%`` whitespace escapes,
S-expression sets and maps in either quote style), defaults the fields older schemas lack,
applies xapi's upgrade rules, rebuilds one-to-many sets from the reverse references, and
wakes the pool up (hosts live, storage plugged, metrics present) so its running VMs keep
running and its halted VMs can start. Everything is parsed and checked before the store
is touched, so a damaged file leaves the store as it was and raises :class:`DatabaseError`.

:func:`dump` writes the store in the same format; loading that file gives back the same
refs, uuids and field values.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from xencenter_py.datamodel import NULL_REF, Datamodel, Type, format_datetime, parse_datetime
from xencenter_py.sim.store import RELATIONS, Store

SCHEMA = (5, 780)
"""Schema version written by :func:`dump` (the datamodel generation we implement)."""

# Runtime tables a XAPI database never persists (we keep messages: they are part of a demo).
_NOT_WRITTEN = frozenset({"session", "task", "event", "data_source", "auth", "user", "secret", "role"})


class DatabaseError(Exception):
    """The file is not a XAPI database, or is damaged; the message says what is wrong."""


# Datamodel namespaces that the database joins to the field name with "__".
_NAMESPACES: dict[str, tuple[str, ...]] = {
    "VM": ("HVM", "PV", "VCPUs", "actions", "memory", "name"),
    "VM_metrics": ("VCPUs", "memory"),
    "host": ("API_version", "memory", "name"),
    "host_metrics": ("memory",),
    "PIF_metrics": ("io",),
    "VIF_metrics": ("io",),
    "VBD_metrics": ("io",),
    "VBD": ("qos",),
    "VIF": ("qos",),
}


def column(cls: str, name: str) -> str:
    """The database column of an API field (``name_label`` → ``name__label``; not in pool)."""
    spaces = _NAMESPACES.get(cls, ("name",) if cls != "pool" else ())
    for prefix in spaces:
        if name.startswith(prefix) and name[len(prefix) : len(prefix) + 1] == "_":
            return f"{prefix}__{name[len(prefix) + 1 :]}"
    return name


# ---------------------------------------------------------------------------- decoding
_UNPROTECT = {".": " ", "_": "  ", "t": "\t", "n": "\n", "r": "\r", "%": "%"}
_PROTECTED = re.compile(r"%(.)", re.S)


def unprotect(text: str) -> str:
    """Undo xapi's whitespace protection (current ``%.`` and legacy ``%_`` forms)."""
    if "%" not in text:
        return text
    return _PROTECTED.sub(lambda m: _UNPROTECT.get(m.group(1), m.group(0)), text)


_TOKEN = re.compile(r"""\s*(?:(\()|(\))|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|([^\s()]+))""", re.S)
_ESCAPE = re.compile(r"\\(.)", re.S)


def parse_sexpr(text: str) -> Any:
    """Parse one S-expression: a quoted string, or a parenthesised list of them.

    Both quote styles are accepted (``'a'`` as written now, ``"a"`` in old dumps), with
    backslash escapes; whitespace between tokens is insignificant.
    """
    if text == "()":
        return []
    stack: list[list[Any]] = []
    result: Any = None
    done = False
    pos = 0
    end = len(text.rstrip())
    while pos < end:
        m = _TOKEN.match(text, pos)
        if m is None or done:
            raise ValueError(f"unexpected text at {pos}")
        pos = m.end()
        opening, closing, single, double, bare = m.groups()
        if opening:
            stack.append([])
            continue
        if closing:
            if not stack:
                raise ValueError("unbalanced ')'")
            item: Any = stack.pop()
        elif bare is not None:
            if bare[0] in "'\"":
                raise ValueError("unterminated string")
            item = bare
        else:
            item = single if single is not None else double
            if "\\" in item:
                item = _ESCAPE.sub(r"\1", item)
        if stack:
            stack[-1].append(item)
        else:
            result, done = item, True
    if stack or not done:
        raise ValueError("missing ')'" if stack else "empty value")
    return result


def _bool(text: str) -> bool:
    low = text.strip().lower()
    if low in ("true", "1"):
        return True
    if low in ("false", "0", ""):
        return False
    raise ValueError(f"not a boolean: {text!r}")


def _int(text: str) -> int:
    """Decimal ints; an integral float (``"1."``) is accepted, anything else is damage."""
    text = text.strip() or "0"
    try:
        return int(text)
    except ValueError:
        value = float(text)
        if not value.is_integer():
            raise
        return int(value)


_NULL_DATE = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_SCALARS: dict[str, Any] = {
    "string": str,
    "enum": str,
    "ref": lambda text: text or NULL_REF,
    "int": _int,
    "float": lambda text: float(text.strip() or "0"),
    "bool": _bool,
    "datetime": lambda text: parse_datetime(text) if text.strip() else _NULL_DATE,
}


def decoder(t: Type) -> Any:
    """A function turning an (unprotected) database string into a value of type ``t``."""
    k = t.kind
    if k in _SCALARS:
        return _SCALARS[k]
    if k == "set":
        inner = decoder(t.of or Type("string"))

        def decode_set(text: str) -> list[Any]:
            items = parse_sexpr(text) if text.strip() else []
            if not isinstance(items, list):
                raise ValueError(f"not a set: {text!r}")
            return [inner(_atom(x)) for x in items]

        return decode_set
    if k == "map":
        key, value = decoder(t.key or Type("string")), decoder(t.of or Type("string"))

        def decode_map(text: str) -> dict[Any, Any]:
            pairs = parse_sexpr(text) if text.strip() else []
            if not isinstance(pairs, list):
                raise ValueError(f"not a map: {text!r}")
            out: dict[Any, Any] = {}
            for pair in pairs:
                if not isinstance(pair, list) or len(pair) != 2:
                    raise ValueError(f"not a key/value pair: {pair!r}")
                out[key(_atom(pair[0]))] = value(_atom(pair[1]))
            return out

        return decode_map
    return str


def _atom(x: Any) -> str:
    if isinstance(x, list):
        raise ValueError("nested list where a value was expected")
    return x


# ---------------------------------------------------------------------------- encoding
def protect(text: str) -> str:
    """xapi's whitespace protection (current form)."""
    return text.replace("%", "%%").replace(" ", "%.").replace("\t", "%t").replace("\n", "%n").replace("\r", "%r")


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def format_float(v: float) -> str:
    """OCaml ``string_of_float`` style: ``1.``, ``0.25``, ``nan``, ``inf``."""
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v.is_integer() and abs(v) < 1e16:
        return f"{int(v)}."
    return repr(v)


def encode(value: Any, t: Type) -> str:
    """The database string for a Python value of type ``t`` (before protection)."""
    k = t.kind
    if k == "bool":
        return "true" if value else "false"
    if k == "int":
        return str(int(value))
    if k == "float":
        return format_float(float(value))
    if k == "datetime":
        return format_datetime(value) if isinstance(value, _dt.datetime) else str(value)
    if k == "set":
        inner = t.of or Type("string")
        return "(" + " ".join(_quote(encode(x, inner)) for x in value) + ")"
    if k == "map":
        kt, vt = t.key or Type("string"), t.of or Type("string")
        return "(" + " ".join(f"({_quote(encode(a, kt))} {_quote(encode(b, vt))})" for a, b in value.items()) + ")"
    return "" if value is None else str(value)


_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _attr(text: str) -> str:
    text = _XML_BAD.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def dump(store: Store, path: str | os.PathLike[str]) -> None:
    """Write the pool as a XAPI XML database (atomically: a temporary file then rename)."""
    dm = store.dm
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<database><manifest>',
        f'<pair key="schema_major_vsn" value="{SCHEMA[0]}"/>',
        f'<pair key="schema_minor_vsn" value="{SCHEMA[1]}"/>',
        f'<pair key="generation_count" value="{store.generation}"/></manifest>',
    ]
    for cls, rows in store.tables.items():
        if cls in _NOT_WRITTEN or not rows:
            parts.append(f'<table name="{cls}"/>')
            continue
        fields = dm.classes[cls].fields
        parts.append(f'<table name="{cls}">')
        for ref, rec in rows.items():
            attrs = [
                f'ref="{_attr(ref)}"',
                f'__ctime="{store.created_generation(ref)}"',
                f'__mtime="{store.modified_generation(ref)}"',
                f'_ref="{_attr(ref)}"',
            ]
            for name, value in rec.items():
                f = fields.get(name)
                if f is None:
                    continue
                attrs.append(f'{column(cls, name)}="{_attr(protect(encode(value, f.type)))}"')
            parts.append("<row " + " ".join(attrs) + "/>")
        parts.append("</table>")
    parts.append("</database>\n")
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".dump-", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("".join(parts))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------- loading
_SKIP_COLUMNS = frozenset({"ref", "_ref", "__ctime", "__mtime"})
_LEGACY_PRIORITIES = {"0": 0, "1": 1, "2": 2, "3": 3}


def _manifest(root: ET.Element) -> dict[str, str]:
    manifest = root.find("manifest")
    if manifest is None:
        raise DatabaseError("not a XAPI database: there is no <manifest> with the schema version")
    pairs = {p.get("key", ""): p.get("value", "") for p in manifest.iter("pair")}
    major = pairs.get("schema_major_vsn")
    if major is None:
        raise DatabaseError("not a XAPI database: the manifest has no schema_major_vsn")
    if major != "5":
        raise DatabaseError(f"unsupported database schema {major}.{pairs.get('schema_minor_vsn', '?')} (expected 5.x)")
    return pairs


def _generation(text: str | None) -> int:
    try:
        return int(text or "0")
    except ValueError:
        return 0


class _Row:
    __slots__ = ("cls", "created", "modified", "rec", "ref", "stored_sets")

    def __init__(self, cls: str, ref: str, rec: dict[str, Any], created: int, modified: int) -> None:
        self.cls = cls
        self.ref = ref
        self.rec = rec
        self.created = created
        self.modified = modified
        self.stored_sets: dict[str, list[str]] = {}


def _column_entry(fields: dict[str, Any], col: str, maintained: set[str]) -> tuple[str, Any, bool] | None:
    """(field name, decoder, is it a maintained one-to-many set?) for a column, or None to skip it."""
    name = col.replace("__", "_")
    f = fields.get(name)
    if f is None or col in _SKIP_COLUMNS:
        return None
    return name, decoder(f.type), name in maintained


def _read_rows(root: ET.Element, dm: Datamodel, minor: int) -> list[_Row]:
    """Decode every row of every known table (all checks happen here, before any write)."""
    maintained: dict[str, set[str]] = {}
    for pcls, pset, _c, _f in RELATIONS:
        maintained.setdefault(pcls, set()).add(pset)
    rows: list[_Row] = []
    seen: set[str] = set()
    for table in root.iter("table"):
        name = table.get("name", "")
        c = dm.cls(name)
        if c is None or c.name in _NOT_WRITTEN:
            continue
        columns: dict[str, tuple[str, Any, bool] | None] = {}
        class_sets = maintained.get(c.name, set())
        template = dm.default_record(c.name)
        for index, row in enumerate(table.iter("row"), start=1):
            ref = row.get("ref") or row.get("_ref")
            if not ref:
                raise DatabaseError(f"table {name}: row {index} has no ref")
            if ref in seen:
                raise DatabaseError(f"table {name}: ref {ref} appears twice")
            seen.add(ref)
            rec = {k: v.copy() if type(v) in (list, dict) else v for k, v in template.items()}
            present: set[str] = set()
            stored: dict[str, list[str]] = {}
            for col, raw in row.attrib.items():
                if col not in columns:
                    columns[col] = _column_entry(c.fields, col, class_sets)
                entry = columns[col]
                if entry is None:
                    continue  # ref columns, generations, internal columns without an API field
                field_name, convert, is_set = entry
                try:
                    value = convert(unprotect(raw))
                except (ValueError, TypeError) as e:
                    raise DatabaseError(
                        f"table {name}, row {ref}: column {col} is damaged ({e}): {raw[:80]!r}"
                    ) from None
                if is_set:
                    stored[field_name] = value
                rec[field_name] = value
                present.add(field_name)
            _upgrade(c.name, rec, present, minor)
            created = max(_generation(row.get("__ctime")), 1)
            r = _Row(c.name, ref, rec, created, max(_generation(row.get("__mtime")), created))
            r.stored_sets = stored
            rows.append(r)
    return rows


def _upgrade(cls: str, rec: dict[str, Any], present: set[str], minor: int) -> None:
    """xapi's database upgrade rules for values older schemas wrote differently."""
    if cls != "VM":
        return
    if "has_vendor_device" not in present:
        rec["has_vendor_device"] = False
    if rec.get("domain_type") in ("unspecified", None):
        rec["domain_type"] = "hvm" if rec["HVM_boot_policy"] else "pv"
    priority = rec.get("ha_restart_priority", "")
    if priority in _LEGACY_PRIORITIES:
        rec["ha_restart_priority"] = "restart"
        rec["order"] = _LEGACY_PRIORITIES[priority]
    elif minor <= 61 and priority not in ("restart", "best-effort", ""):
        rec["ha_restart_priority"] = ""


def _validate(rows: list[_Row]) -> None:
    by_cls: dict[str, int] = {}
    refs = {r.ref: r for r in rows}
    for r in rows:
        by_cls[r.cls] = by_cls.get(r.cls, 0) + 1
    if not by_cls.get("host"):
        raise DatabaseError("the database has no host")
    pools = [r for r in rows if r.cls == "pool"]
    if len(pools) != 1:
        raise DatabaseError(f"the database has {len(pools)} pool records (expected exactly one)")
    master = refs.get(pools[0].rec["master"])
    if master is None or master.cls != "host":
        raise DatabaseError(f"the pool's master {pools[0].rec['master']} is not a host of the database")


def load(path: str | os.PathLike[str], store: Store) -> None:
    """Fill an empty ``store`` from a XAPI XML database dump, or raise :class:`DatabaseError`."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        raise DatabaseError(f"not a XAPI database: the file is not well-formed XML ({e})") from None
    except UnicodeDecodeError as e:
        raise DatabaseError(f"not a XAPI database: cannot decode the file ({e})") from None
    if root.tag != "database":
        raise DatabaseError(f"not a XAPI database: the document is <{root.tag}>, expected <database>")
    manifest = _manifest(root)
    minor = _generation(manifest.get("schema_minor_vsn"))
    rows = _read_rows(root, store.dm, minor)
    _validate(rows)
    # Nothing below can fail on the file's content: the store is written in one go.
    for r in rows:
        store.restore(r.cls, r.ref, r.rec, r.created, r.modified)
    store.rebuild_relations()
    for r in rows:
        for name, stored in r.stored_sets.items():
            if len(stored) == len(r.rec[name]) and set(stored) == set(r.rec[name]):
                r.rec[name] = stored
    store.finish_restore(_generation(manifest.get("generation_count")))
    wake_up(store)
    store.dirty.update(r.ref for r in rows)


def wake_up(store: Store) -> None:
    """Make a loaded pool alive: hosts live, storage plugged, metrics present, no stale operations."""
    from xencenter_py.sim.behaviours.placement import refresh_host_memory, vm_target
    from xencenter_py.sim.behaviours.runtime import ensure_vm_metrics

    hosts = store.all("host")
    for host, rec in list(hosts.items()):
        if not store.exists("host_metrics", rec["metrics"]):
            metrics = store.add("host_metrics", {"memory_total": 64 * 1024**3, "live": True})
            store.set("host", host, "metrics", metrics)
        metrics = store.get("host", host)["metrics"]
        store.update("host_metrics", metrics, {"live": True})
        if store.get("host_metrics", metrics)["memory_total"] <= 0:
            store.set("host_metrics", metrics, "memory_total", 64 * 1024**3)
    for pbd in store.all("PBD"):
        store.set("PBD", pbd, "currently_attached", True)
    for cls in ("VM", "host", "SR", "VDI", "VBD", "VIF", "pool", "network", "PIF", "PBD"):
        for ref, rec in list(store.all(cls).items()):
            if rec.get("current_operations"):
                store.set(cls, ref, "current_operations", {})
    for vm, rec in list(store.all("VM").items()):
        if rec["is_a_template"] and not rec["is_a_snapshot"]:
            continue
        ensure_vm_metrics(store, vm)
        rec = store.get("VM", vm)
        if rec["power_state"] in ("Running", "Paused"):
            if rec["resident_on"] not in hosts:
                store.update("VM", vm, {"power_state": "Halted", "resident_on": NULL_REF, "domid": -1})
                continue
            metrics = rec["metrics"]
            if store.get("VM_metrics", metrics)["memory_actual"] <= 0:
                store.update(
                    "VM_metrics",
                    metrics,
                    {"memory_actual": vm_target(rec), "VCPUs_number": rec["VCPUs_at_startup"]},
                )
        if rec["scheduled_to_be_resident_on"] != NULL_REF:
            store.set("VM", vm, "scheduled_to_be_resident_on", NULL_REF)
    for host in hosts:
        refresh_host_memory(store, host)
