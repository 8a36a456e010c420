"""XAPI's XML database format (protocol notes §11): load real dumps, write our own.

:func:`load` streams every table and row of a ``state.db``-style dump (schemas 5.55
onwards, plain or gzip-compressed), keeps refs and uuids, decodes each value by its
datamodel type (``%`` whitespace escapes, S-expression sets and maps in either quote
style), defaults the fields older schemas lack, applies xapi's upgrade rules, rebuilds
one-to-many sets from the reverse references, and wakes the pool up (hosts live, storage
plugged, metrics present) so its running VMs keep running and its halted VMs can start.

Dumps from newer servers than our datamodel load too: unknown tables and columns are
skipped, enum values we do not know are kept verbatim. Hand-made dumps without a manifest
(XenCenter's test fixtures) are accepted, and a missing pool row is made. Everything is
parsed and checked before the store is touched, so a damaged file leaves the store as it
was and raises :class:`DatabaseError` naming the table, row and column. Damage to a field
the simulator works out itself (allowed and current operations, the one-to-many sets, what
waking the pool resets) never refuses a file, as XenCenter loads such databases too: the
field is repaired, with a warning naming table, row and column.

:func:`dump` writes the store in the same format; loading that file gives back the same
refs, uuids and field values.
"""

from __future__ import annotations

import datetime as _dt
import gzip
import logging
import math
import os
import re
import tempfile
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path
from typing import IO, Any

from xencenter_py.datamodel import NULL_REF, ClassDef, Datamodel, Type, format_datetime, parse_datetime
from xencenter_py.sim.store import RELATIONS, Store, new_ref, new_uuid

SCHEMA = (5, 780)
"""Schema version written by :func:`dump` (the datamodel generation we implement)."""

# Runtime tables a XAPI database never persists (we keep messages: they are part of a demo).
_NOT_WRITTEN = frozenset({"session", "task", "event", "data_source", "auth", "user", "secret", "role"})


log = logging.getLogger(__name__)


class DatabaseError(Exception):
    """The file is not a XAPI database, or is damaged; the message says what is wrong."""


DERIVED_FIELDS = frozenset({"allowed_operations", "current_operations"})
"""Fields of every class that the simulator recomputes, so damage to them is repaired."""

DERIVED_BY_CLASS: dict[str, frozenset[str]] = {
    "PBD": frozenset({"currently_attached"}),
    "host_metrics": frozenset({"live", "memory_free"}),
    "VM": frozenset({"scheduled_to_be_resident_on"}),
}
"""Fields of one class that loading recomputes (see :func:`wake_up`)."""


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
    """Decimal ints; a float (``"1."``, or ``"2.5"`` where a later schema made the field a
    float) is rounded; anything that is not a number at all is damage."""
    text = text.strip() or "0"
    try:
        return int(text)
    except ValueError:
        value = float(text)
        if math.isnan(value) or math.isinf(value):
            raise
        return round(value)


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


def _enum(values: tuple[str, ...]) -> Any:
    """Enum values as the datamodel spells them; a value we do not know is kept verbatim."""
    by_lower = {v.lower(): v for v in values}

    def decode_enum(text: str) -> str:
        return text if text in values else by_lower.get(text.lower(), text)

    return decode_enum


def decoder(t: Type, enums: dict[str, tuple[str, ...]] | None = None) -> Any:
    """A function turning an (unprotected) database string into a value of type ``t``."""
    k = t.kind
    if k == "enum" and enums and enums.get(t.name):
        return _enum(enums[t.name])
    if k in _SCALARS:
        return _SCALARS[k]
    if k == "set":
        inner = decoder(t.of or Type("string"), enums)

        def decode_set(text: str) -> list[Any]:
            items = parse_sexpr(text) if text.strip() else []
            if not isinstance(items, list):
                raise ValueError(f"not a set: {text!r}")
            return [inner(_atom(x)) for x in items]

        return decode_set
    if k == "map":
        key, value = decoder(t.key or Type("string"), enums), decoder(t.of or Type("string"), enums)

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
_GZIP_MAGIC = b"\x1f\x8b"


def _check_manifest(pairs: dict[str, str]) -> int:
    """The schema minor version of a manifest, or :class:`DatabaseError` for a foreign schema."""
    major = pairs.get("schema_major_vsn")
    if major is None:
        raise DatabaseError("not a XAPI database: the manifest has no schema_major_vsn")
    if major.strip() != "5":
        raise DatabaseError(f"unsupported database schema {major}.{pairs.get('schema_minor_vsn', '?')} (expected 5.x)")
    return _generation(pairs.get("schema_minor_vsn"))


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


class _Table:
    """How to decode the rows of one table: column decoders are worked out once per column."""

    def __init__(self, name: str, c: ClassDef, dm: Datamodel, maintained: set[str]) -> None:
        self.name = name
        self.cls = c
        self.dm = dm
        self.maintained = maintained
        self.template = dm.default_record(c.name)
        self.columns: dict[str, tuple[str, Any, bool] | None] = {}

    def column(self, col: str) -> tuple[str, Any, bool] | None:
        """(field, decoder, is it a maintained one-to-many set?) or None for a column we skip.

        Columns without an API field (internal ones, and fields of newer schemas than our
        datamodel) are skipped; a column whose case differs from the field's is matched.
        """
        entry = self.columns.get(col, False)
        if entry is not False:
            return entry  # type: ignore[return-value]
        entry = None
        if col not in _SKIP_COLUMNS:
            fields = self.cls.fields
            name = col.replace("__", "_")
            f = fields.get(name) or next((g for n, g in fields.items() if n.lower() == name.lower()), None)
            if f is not None:
                entry = (f.name, decoder(f.type, self.dm.enums), f.name in self.maintained)
        self.columns[col] = entry
        return entry


def _decode_row(table: _Table, index: int, attrib: dict[str, str], minor: int, seen: set[str]) -> _Row:
    ref = attrib.get("ref") or attrib.get("_ref")
    if not ref:
        raise DatabaseError(f"table {table.name}: row {index} has no ref")
    if ref in seen:
        raise DatabaseError(f"table {table.name}: ref {ref} appears twice")
    seen.add(ref)
    rec = {k: v.copy() if type(v) in (list, dict) else v for k, v in table.template.items()}
    present: set[str] = set()
    stored: dict[str, list[str]] = {}
    for col, raw in attrib.items():
        entry = table.column(col)
        if entry is None:
            continue  # ref columns, generations, internal or unknown columns
        field_name, convert, is_set = entry
        try:
            value = convert(unprotect(raw))
        except (ValueError, TypeError) as e:
            if not (is_set or field_name in DERIVED_FIELDS or field_name in DERIVED_BY_CLASS.get(table.cls.name, ())):
                raise DatabaseError(
                    f"table {table.name}, row {ref}: column {col} is damaged ({e}): {raw[:80]!r}"
                ) from None
            log.warning(
                "table %s, row %s: column %s is damaged (%s): %.80r; repaired, as it is worked out again",
                table.name,
                ref,
                col,
                e,
                raw,
            )
            continue  # keeps the field's default; loading recomputes it
        if is_set:
            stored[field_name] = value
        rec[field_name] = value
        present.add(field_name)
    _upgrade(table.cls.name, rec, present, minor, table.dm)
    created = max(_generation(attrib.get("__ctime")), 1)
    row = _Row(table.cls.name, ref, rec, created, max(_generation(attrib.get("__mtime")), created))
    row.stored_sets = stored
    return row


def _open(path: str | os.PathLike[str]) -> IO[bytes]:
    """The dump's bytes; a gzip-compressed dump (as backups often are) is read transparently."""
    raw = open(path, "rb")  # noqa: SIM115 - handed to the caller, who closes it
    if raw.read(2) == _GZIP_MAGIC:
        raw.close()  # a GzipFile never closes a file object it was given: let it open its own
        return gzip.open(path, "rb")  # type: ignore[return-value]
    raw.seek(0)
    return raw


def _drop(parent: ET.Element, child: ET.Element) -> None:
    """Free a decoded element (it may sit deeper in an odd file: then it is just cleared)."""
    try:
        parent.remove(child)
    except ValueError:
        child.clear()


def _read(path: str | os.PathLike[str], dm: Datamodel) -> tuple[dict[str, str], list[_Row]]:
    """Stream the file: the manifest and every decoded row of every known table.

    ``iterparse`` drops each row once decoded, so a state.db of hundreds of megabytes
    never sits in memory as a whole element tree.
    """
    maintained: dict[str, set[str]] = {}
    for pcls, pset, _c, _f in RELATIONS:
        maintained.setdefault(pcls, set()).add(pset)
    rows: list[_Row] = []
    seen: set[str] = set()
    pairs: dict[str, str] = {}
    minor: int | None = None
    root: ET.Element | None = None
    element: ET.Element | None = None  # the table being read
    table: _Table | None = None
    index = 0
    tables = 0
    with _open(path) as source:
        for event, elem in ET.iterparse(source, events=("start", "end")):
            if root is None:
                if elem.tag != "database":
                    raise DatabaseError(f"not a XAPI database: the document is <{elem.tag}>, expected <database>")
                root = elem
                continue
            tag = elem.tag
            if event == "start":
                if tag == "table":
                    tables += 1
                    minor = 0 if minor is None else minor  # no manifest: a hand-made dump, any schema
                    element, index = elem, 0
                    c = dm.cls(elem.get("name", ""))
                    table = None
                    if c is not None and c.name not in _NOT_WRITTEN:
                        table = _Table(elem.get("name", ""), c, dm, maintained.get(c.name, set()))
                continue
            if tag == "pair":
                pairs[elem.get("key", "")] = elem.get("value", "")
            elif tag == "manifest":
                minor = _check_manifest(pairs)
                _drop(root, elem)
            elif tag == "row":
                index += 1
                if table is not None:
                    rows.append(_decode_row(table, index, dict(elem.attrib), minor or 0, seen))
                if element is not None:
                    _drop(element, elem)
            elif tag == "table":
                _drop(root, elem)
                element = table = None
    if minor is None or (not tables and "schema_major_vsn" not in pairs):
        raise DatabaseError("not a XAPI database: there is no <manifest> with the schema version")
    return pairs, rows


def _upgrade(cls: str, rec: dict[str, Any], present: set[str], minor: int, dm: Datamodel) -> None:
    """xapi's database upgrade rules for values older schemas wrote differently."""
    if cls != "VM":
        return
    if "has_vendor_device" not in present:
        rec["has_vendor_device"] = False
    if rec.get("domain_type") in ("unspecified", None):
        rec["domain_type"] = "hvm" if rec["HVM_boot_policy"] else "pv"
    if rec["power_state"] not in dm.enums.get("vm_power_state", (rec["power_state"],)):
        rec["power_state"] = "Halted"  # e.g. the long-gone "Crashed": xapi resets unknown domains
    priority = rec.get("ha_restart_priority", "")
    if priority in _LEGACY_PRIORITIES:
        rec["ha_restart_priority"] = "restart"
        rec["order"] = _LEGACY_PRIORITIES[priority]
    elif minor <= 61 and priority not in ("restart", "best-effort", ""):
        rec["ha_restart_priority"] = ""


def _complete(rows: list[_Row], dm: Datamodel) -> None:
    """Check the pool is whole; repair what hand-made dumps leave out (no pool, a stale master)."""
    hosts = [r for r in rows if r.cls == "host"]
    if not hosts:
        raise DatabaseError("the database has no host")
    pools = [r for r in rows if r.cls == "pool"]
    if len(pools) > 1:
        raise DatabaseError(f"the database has {len(pools)} pool records (expected exactly one)")
    if not pools:
        rec = dm.default_record("pool")
        rec.update(uuid=new_uuid(), master=hosts[0].ref)
        rows.append(_Row("pool", new_ref(), rec, 1, 1))
        return
    pool = pools[0].rec
    if pool["master"] not in {h.ref for h in hosts}:
        pool["master"] = hosts[0].ref


def load(path: str | os.PathLike[str], store: Store) -> None:
    """Fill an empty ``store`` from a XAPI XML database dump, or raise :class:`DatabaseError`."""
    try:
        manifest, rows = _read(path, store.dm)
    except ET.ParseError as e:
        raise DatabaseError(f"not a XAPI database: the file is not well-formed XML ({e})") from None
    except UnicodeDecodeError as e:
        raise DatabaseError(f"not a XAPI database: cannot decode the file ({e})") from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as e:
        raise DatabaseError(f"not a XAPI database: the compressed file is damaged ({e})") from None
    _complete(rows, store.dm)
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
    from xencenter_py.sim.behaviours.runtime import clear_stale_operations, ensure_vm_metrics

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
    clear_stale_operations(store)
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
    for host in hosts:
        refresh_host_memory(store, host)
