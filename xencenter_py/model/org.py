"""What XenCenter stores in a pool to organise it, in XenCenter's own keys and formats.

* Folders: an object's ``other_config["folder"]`` is its folder path (``/a/b``); folders
  with nothing in them are kept in the pool's ``other_config["EMPTY_FOLDERS"]``, paths
  separated by ``;``.
* Custom fields: the definitions are the pool's ``gui_config["XenCenter.CustomFields"]``,
  an XML document ``<CustomFieldDefinitions><CustomFieldDefinition name=".." type="String"
  defaultValue="" /></CustomFieldDefinitions>`` (types ``String`` and ``Date``); an object's
  value is its ``other_config["XenCenter.CustomFields.<name>"]``, dates written in UTC as
  ``yyyy-MM-dd HH:mm:ssZ`` (.NET's invariant "u" format).
* Performance alerts: ``other_config["perfmon"]``, XAPI's perfmon XML
  ``<config><variable><name value="cpu_usage"/><alarm_trigger_level value="0.9"/>...``.

Pure functions: no I/O, no Qt. A malformed value never raises: it reads as nothing (as in
XenCenter), so a pool edited by hand cannot break the console.
"""

from __future__ import annotations

import datetime as _dt
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

FOLDER_KEY = "folder"
EMPTY_FOLDERS_KEY = "EMPTY_FOLDERS"
FOLDER_SEPARATOR = "/"
EMPTY_FOLDERS_SEPARATOR = ";"

CUSTOM_FIELDS_KEY = "XenCenter.CustomFields"
CUSTOM_FIELD_PREFIX = CUSTOM_FIELDS_KEY + "."
FIELD_TYPES = ("String", "Date")
DATE_FORMAT = "%Y-%m-%d %H:%M:%SZ"

PERFMON_KEY = "perfmon"

FOLDER_CLASSES = ("pool", "host", "VM", "SR", "VDI", "network")
"""The classes XenCenter files into folders and gives custom fields."""


# -- folders ------------------------------------------------------------------------------
def folder_parts(path: str | None) -> list[str]:
    """The names along a folder path ("/a/b" → ["a", "b"]; "" or "/" → [])."""
    return [p for p in (path or "").strip().split(FOLDER_SEPARATOR) if p]


def folder_path(parts: Iterable[str]) -> str:
    """The path of folder names (["a", "b"] → "/a/b"); the root is "/"."""
    return FOLDER_SEPARATOR + FOLDER_SEPARATOR.join(parts)


def normalise_folder(path: str) -> str:
    """A path as XenCenter writes it ("a//b/" → "/a/b"); "" for no folder."""
    parts = folder_parts(path)
    return folder_path(parts) if parts else ""


def folder_of(obj: Any) -> str:
    """The object's folder path, normalised ("" when it is in no folder)."""
    return normalise_folder((obj.get("other_config") or {}).get(FOLDER_KEY, ""))


def empty_folders(pool: Any) -> list[str]:
    """The pool's empty folders (only entries that are paths, as XenCenter reads them)."""
    raw = (pool.get("other_config") or {}).get(EMPTY_FOLDERS_KEY, "") if pool is not None else ""
    return sorted({normalise_folder(p) for p in raw.split(EMPTY_FOLDERS_SEPARATOR) if p.startswith("/")} - {""})


def join_empty_folders(paths: Iterable[str]) -> str:
    return EMPTY_FOLDERS_SEPARATOR.join(sorted({normalise_folder(p) for p in paths} - {""}))


def folder_ancestors(path: str) -> list[str]:
    """Every folder from the top down to ``path`` ("/a/b" → ["/a", "/a/b"])."""
    parts = folder_parts(path)
    return [folder_path(parts[: i + 1]) for i in range(len(parts))]


def is_within(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or below it."""
    return path == folder or path.startswith(folder.rstrip(FOLDER_SEPARATOR) + FOLDER_SEPARATOR)


def moved_path(path: str, old: str, new: str) -> str:
    """``path`` after the folder ``old`` became ``new`` (paths below move along)."""
    return new + path[len(old) :] if is_within(path, old) else path


# -- custom fields --------------------------------------------------------------------------
@dataclass(frozen=True)
class CustomFieldDefinition:
    name: str
    type: str = "String"

    @property
    def key(self) -> str:
        """The other_config key holding an object's value."""
        return CUSTOM_FIELD_PREFIX + self.name

    @property
    def is_date(self) -> bool:
        return self.type == "Date"


def parse_custom_fields(xml: str | None) -> list[CustomFieldDefinition]:
    """The definitions in XenCenter's XML (unknown types and broken XML are skipped)."""
    return list(_parse_custom_fields(xml or ""))


@lru_cache(maxsize=64)
def _parse_custom_fields(xml: str) -> tuple[CustomFieldDefinition, ...]:
    """Parsed once per distinct document: searching reads it for every object."""
    if not xml.strip():
        return ()
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return ()
    out: list[CustomFieldDefinition] = []
    for node in root.iter("CustomFieldDefinition"):
        name, kind = node.get("name"), node.get("type")
        if name and kind in FIELD_TYPES and all(d.name != name for d in out):
            out.append(CustomFieldDefinition(name, kind))
    return tuple(out)


def custom_fields_xml(definitions: Iterable[CustomFieldDefinition]) -> str:
    """The definitions as XenCenter writes them (``XmlDocument.OuterXml``: no declaration)."""
    root = ET.Element("CustomFieldDefinitions")
    for d in definitions:
        ET.SubElement(root, "CustomFieldDefinition", {"name": d.name, "type": d.type, "defaultValue": ""})
    return ET.tostring(root, encoding="unicode", short_empty_elements=True)


def custom_field_definitions(pool: Any) -> list[CustomFieldDefinition]:
    return parse_custom_fields((pool.get("gui_config") or {}).get(CUSTOM_FIELDS_KEY)) if pool is not None else []


def format_date_value(value: _dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(_dt.UTC)
    return value.strftime(DATE_FORMAT)


def parse_date_value(text: str) -> _dt.datetime | None:
    """A date value as XenCenter wrote it (also plain ISO forms); None when unreadable."""
    text = text.strip()
    for fmt in (DATE_FORMAT, "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d"):
        try:
            return _dt.datetime.strptime(text, fmt).replace(tzinfo=_dt.UTC)
        except ValueError:
            continue
    try:
        parsed = _dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=_dt.UTC)


def custom_field_value(obj: Any, definition: CustomFieldDefinition) -> Any:
    """The object's value of a field: text, a UTC datetime, or None when unset or unreadable."""
    raw = (obj.get("other_config") or {}).get(definition.key, "")
    if not raw:
        return None
    return parse_date_value(raw) if definition.is_date else raw


def custom_field_values(obj: Any) -> list[tuple[CustomFieldDefinition, Any]]:
    """The object's set custom fields, in definition order."""
    pool = obj.cache.pool if getattr(obj, "cache", None) is not None else None
    out = []
    for d in custom_field_definitions(pool):
        value = custom_field_value(obj, d)
        if value is not None:
            out.append((d, value))
    return out


def value_text(definition: CustomFieldDefinition, value: Any) -> str:
    """A value as stored (dates in XenCenter's invariant UTC form)."""
    if value is None or value == "":
        return ""
    return format_date_value(value) if definition.is_date else str(value)


# -- performance alerts ---------------------------------------------------------------------
@dataclass(frozen=True)
class PerfmonDefinition:
    """One perfmon variable: alarm when the value passes ``level`` for ``period`` seconds,
    then stay quiet for ``inhibit`` seconds."""

    name: str
    level: float
    period: int = 60
    inhibit: int = 3600


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def parse_perfmon(xml: str | None) -> dict[str, PerfmonDefinition]:
    if not xml or not xml.strip():
        return {}
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return {}
    out: dict[str, PerfmonDefinition] = {}
    for var in root.iter("variable"):
        values = {child.tag: child.get("value") for child in var}
        name, level = values.get("name"), _number(values.get("alarm_trigger_level"))
        if not name or level is None:
            continue
        period = _number(values.get("alarm_trigger_period"))
        inhibit = _number(values.get("alarm_auto_inhibit_period"))
        out[name] = PerfmonDefinition(
            name, level, int(period) if period is not None else 60, int(inhibit) if inhibit is not None else 3600
        )
    return out


def _invariant(value: float) -> str:
    """A number as .NET's invariant culture writes a decimal (no trailing ".0")."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def perfmon_xml(definitions: Iterable[PerfmonDefinition]) -> str:
    root = ET.Element("config")
    for d in definitions:
        var = ET.SubElement(root, "variable")
        ET.SubElement(var, "name", {"value": d.name})
        ET.SubElement(var, "alarm_trigger_level", {"value": _invariant(d.level)})
        ET.SubElement(var, "alarm_trigger_period", {"value": _invariant(d.period)})
        ET.SubElement(var, "alarm_auto_inhibit_period", {"value": _invariant(d.inhibit)})
    return ET.tostring(root, encoding="unicode")


def perfmon_of(obj: Any) -> dict[str, PerfmonDefinition]:
    return parse_perfmon((obj.get("other_config") or {}).get(PERFMON_KEY))


# -- tags ------------------------------------------------------------------------------------
def all_tags(caches: Iterable[Any]) -> list[str]:
    """Every tag in use on the tree's objects of the caches, sorted."""
    tags: set[str] = set()
    for cache in caches:
        for cls in FOLDER_CLASSES:
            for obj in cache.all(cls):
                tags.update(obj.get("tags") or ())
    return sorted(tags, key=str.casefold)
