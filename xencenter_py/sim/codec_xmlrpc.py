"""XML-RPC exactly as xapi writes and reads it (protocol notes §1.2, §3.3).

Output follows xapi's ocaml-rpc encoder: strings, refs and enums as *untyped* values,
64-bit ints as untyped decimal strings, floats as ``<double>`` (``%.16g``), booleans,
``dateTime.iso8601`` and structs. Encoders are compiled once per datamodel type, so a
``get_all_records`` of tens of thousands of objects costs one Python call per field.
Input accepts everything xapi accepts (``<string>``, ``<i4>/<int>/<i8>``, bare values).
"""

from __future__ import annotations

import base64
import datetime as _dt
import re
from collections.abc import Callable
from functools import cache
from typing import Any
from xml.etree import ElementTree as ET

from xencenter_py.datamodel import Type, format_datetime, load

Encoder = Callable[[Any], str]

ANY = Type("any")
"""Pseudo type: encode by the Python value's own type (used for event batches)."""


class I4(int):
    """An int that xapi sends as ``<i4>`` (internal int32 values such as ``valid_ref_counts``)."""


class Typed:
    """A value to be encoded with a known datamodel type inside an ``ANY`` structure."""

    __slots__ = ("type", "value")

    def __init__(self, value: Any, type_: Type) -> None:
        self.value = value
        self.type = type_


class XmlRpcParseError(ValueError):
    """A request body that is not a well-formed XML-RPC method call."""


# ------------------------------------------------------------------ escaping
_SPECIAL = re.compile(r"[<>&\"\x00-\x08\x0b\x0c\x0e-\x1f]")
_ESCAPES = {"<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;"}


def _esc_char(m: re.Match[str]) -> str:
    return _ESCAPES.get(m.group(), "")  # control characters other than TAB/LF/CR are dropped


def escape(text: str) -> str:
    if _SPECIAL.search(text) is None:
        return text
    return _SPECIAL.sub(_esc_char, text)


# ------------------------------------------------------------------ encoding
def _str(v: Any) -> str:
    if type(v) is not str:
        v = "" if v is None else str(v)
    return "<value>" + escape(v) + "</value>" if _SPECIAL.search(v) else "<value>" + v + "</value>"


def _int(v: Any) -> str:
    if type(v) is int:
        return f"<value>{v}</value>"
    try:
        return f"<value>{int(v)}</value>"
    except (TypeError, ValueError):
        return _str(v)


def format_double(v: float) -> str:
    """``%.16g`` as xapi prints floats (``1`` for 1.0, ``nan``, ``inf``, ``-inf``)."""
    return f"{v:.16g}"


def _float(v: Any) -> str:
    try:
        return "<value><double>" + f"{float(v):.16g}" + "</double></value>"
    except (TypeError, ValueError):
        return _str(v)


def _bool(v: Any) -> str:
    return "<value><boolean>1</boolean></value>" if v else "<value><boolean>0</boolean></value>"


def _datetime(v: Any) -> str:
    text = format_datetime(v) if isinstance(v, _dt.datetime) else str(v)
    return "<value><dateTime.iso8601>" + text + "</dateTime.iso8601></value>"


def _void(v: Any) -> str:
    return "<value></value>"


def _key_text(k: Any) -> str:
    if isinstance(k, _dt.datetime):
        return format_datetime(k)
    if type(k) is bool:
        return "true" if k else "false"
    return escape(str(k))


@cache
def encoder(t: Type) -> Encoder:
    """A function turning a decoded value of type ``t`` into its ``<value>`` text."""
    k = t.kind
    if k in ("string", "ref", "enum"):
        return _str
    if k == "int":
        return _int
    if k == "float":
        return _float
    if k == "bool":
        return _bool
    if k == "datetime":
        return _datetime
    if k == "void":
        return _void
    if k == "set":
        if t.of is not None and t.of.kind in _TEXT_KINDS:
            return _enc_text_set
        item = encoder(t.of or ANY)

        def enc_set(v: Any) -> str:
            return "<value><array><data>" + "".join([item(x) for x in v]) + "</data></array></value>"

        return enc_set
    if k == "map":
        if t.of is not None and t.of.kind in _TEXT_KINDS and t.key is not None and t.key.kind in _TEXT_KINDS:
            return _enc_text_map
        val = encoder(t.of or ANY)

        def enc_map(v: Any) -> str:
            return (
                "<value><struct>"
                + "".join([f"<member><name>{_key_text(a)}</name>{val(b)}</member>" for a, b in v.items()])
                + "</struct></value>"
            )

        return enc_map
    if k == "record":
        return _record_encoder(t.name)
    if k == "option":
        # ocaml-rpc's option form: an empty array for None, a one-element array otherwise.
        inner = encoder(t.of or ANY)
        return lambda v: "<value><array><data>" + ("" if v is None else inner(v)) + "</data></array></value>"
    return encode_any


_TEXT_KINDS = frozenset({"string", "ref", "enum"})


def _text(v: Any) -> str:
    if type(v) is not str:
        v = "" if v is None else str(v)
    return v if _SPECIAL.search(v) is None else escape(v)


def _enc_text_set(v: Any) -> str:
    # The hot path of big answers (ref sets): one join, no call per element.
    return "<value><array><data>" + "".join(["<value>" + _text(x) + "</value>" for x in v]) + "</data></array></value>"


def _enc_text_map(v: Any) -> str:
    return (
        "<value><struct>"
        + "".join([f"<member><name>{_text(a)}</name><value>{_text(b)}</value></member>" for a, b in v.items()])
        + "</struct></value>"
    )


def _record_encoder(cls_name: str) -> Encoder:
    c = load().cls(cls_name)
    # name -> (is a text field, "<member><name>n</name>", encoder)
    members: dict[str, tuple[bool, str, Encoder]] = {}
    if c is not None:
        for name, f in c.fields.items():
            members[name] = (f.type.kind in _TEXT_KINDS, f"<member><name>{escape(name)}</name>", encoder(f.type))

    def enc_record(v: Any) -> str:
        parts = ["<value><struct>"]
        append = parts.append
        for name, x in v.items():
            m = members.get(name)
            if m is None:
                append(f"<member><name>{_key_text(name)}</name>{encode_any(x)}</member>")
            elif m[0] and type(x) is str:
                append(m[1] + "<value>" + (x if _SPECIAL.search(x) is None else escape(x)) + "</value></member>")
            else:
                append(m[1] + m[2](x) + "</member>")
        append("</struct></value>")
        return "".join(parts)

    return enc_record


def encode_any(v: Any) -> str:
    """Encode by the Python type of the value (``ANY``)."""
    tv = type(v)
    if tv is str:
        return _str(v)
    if tv is bool:
        return _bool(v)
    if tv is I4:
        return f"<value><i4>{int(v)}</i4></value>"
    if tv is int:
        return f"<value>{v}</value>"
    if tv is float:
        return _float(v)
    if v is None:
        return _void(v)
    if isinstance(v, Typed):
        return encoder(v.type)(v.value)
    if isinstance(v, dict):
        return (
            "<value><struct>"
            + "".join(
                [
                    f"<member><name>{_text(a) if type(a) is str else _key_text(a)}</name>{encode_any(b)}</member>"
                    for a, b in v.items()
                ]
            )
            + "</struct></value>"
        )
    if isinstance(v, (list, tuple, set, frozenset)):
        return "<value><array><data>" + "".join([encode_any(x) for x in v]) + "</data></array></value>"
    if isinstance(v, _dt.datetime):
        return _datetime(v)
    return _str(v)


_HEAD = '<?xml version="1.0"?><methodResponse><params><param>'
_TAIL = "</param></params></methodResponse>"


def success(value: Any, t: Type) -> bytes:
    """The whole success response: ``{Status: Success, Value: ...}``."""
    return "".join(
        (
            _HEAD,
            "<value><struct><member><name>Status</name><value>Success</value></member><member><name>Value</name>",
            encoder(t)(value),
            "</member></struct></value>",
            _TAIL,
        )
    ).encode("utf-8")


def failure(description: list[str]) -> bytes:
    """``{Status: Failure, ErrorDescription: [code, params...]}``, every element a string."""
    items = "".join(_str(x) for x in description)
    return (
        _HEAD
        + "<value><struct><member><name>Status</name><value>Failure</value></member>"
        + "<member><name>ErrorDescription</name><value><array><data>"
        + items
        + "</data></array></value></member></struct></value>"
        + _TAIL
    ).encode("utf-8")


def value_fragment(value: Any, t: Type) -> str:
    """A bare ``<value>`` fragment, as xapi stores an async task's ``result``."""
    return encoder(t)(value)


# ------------------------------------------------------------------ decoding
def parse_call(body: bytes) -> tuple[str, list[Any]]:
    """Decode a ``methodCall`` into its method name and positional parameters."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        raise XmlRpcParseError(f"Xmlrpc.Parse_error({e})") from None
    if root.tag != "methodCall":
        raise XmlRpcParseError(f"Xmlrpc.Parse_error(expected methodCall, got {root.tag})")
    name_el = root.find("methodName")
    if name_el is None or not (name_el.text or "").strip():
        raise XmlRpcParseError("Xmlrpc.Parse_error(missing methodName)")
    params: list[Any] = []
    params_el = root.find("params")
    if params_el is not None:
        for p in params_el:
            if p.tag != "param":
                raise XmlRpcParseError(f"Xmlrpc.Parse_error(unexpected {p.tag})")
            v = p.find("value")
            if v is None:
                raise XmlRpcParseError("Xmlrpc.Parse_error(param without value)")
            try:
                params.append(decode_value(v))
            except RecursionError:
                raise XmlRpcParseError("Xmlrpc.Parse_error(nested too deeply)") from None
    return (name_el.text or "").strip(), params


class DateTimeText(str):
    """The text of a ``<dateTime.iso8601>`` value (decoded by type later)."""


def decode_value(el: ET.Element) -> Any:
    """One ``<value>`` element to a Python value (ints stay ints, untyped stays str)."""
    if len(el) == 0:
        return el.text or ""
    if len(el) != 1:
        raise XmlRpcParseError("Xmlrpc.Parse_error(value with several children)")
    child = el[0]
    tag = child.tag
    text = child.text or ""
    if tag == "string":
        return text
    if tag in ("i4", "int", "i8"):
        try:
            return int(text.strip())
        except ValueError:
            raise XmlRpcParseError(f"Xmlrpc.Parse_error(bad int {text!r})") from None
    if tag == "boolean":
        s = text.strip()
        if s not in ("0", "1"):
            raise XmlRpcParseError(f"Xmlrpc.Parse_error(bad boolean {text!r})")
        return s == "1"
    if tag == "double":
        try:
            return float(text.strip())
        except ValueError:
            raise XmlRpcParseError(f"Xmlrpc.Parse_error(bad double {text!r})") from None
    if tag == "dateTime.iso8601":
        return DateTimeText(text.strip())
    if tag == "array":
        data = child.find("data")
        if data is None:
            return []
        return [decode_value(v) for v in data if v.tag == "value"]
    if tag == "struct":
        out: dict[str, Any] = {}
        for m in child:
            if m.tag != "member":
                continue
            n = m.find("name")
            v = m.find("value")
            if n is None or v is None:
                raise XmlRpcParseError("Xmlrpc.Parse_error(struct member without name or value)")
            out[n.text or ""] = decode_value(v)
        return out
    if tag == "nil":
        return None
    if tag == "base64":
        try:
            return base64.b64decode(text).decode("utf-8", "replace")
        except ValueError:
            raise XmlRpcParseError("Xmlrpc.Parse_error(bad base64)") from None
    raise XmlRpcParseError(f"Xmlrpc.Parse_error(unknown value type {tag})")
