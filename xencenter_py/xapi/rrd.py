"""Performance data from a host's ``/rrd_updates`` handler (XML ``xport`` and the three
JSON shapes xapi has used) and the full archives of ``/host_rrds`` and ``/vm_rrds``
(rrdtool's dump format), turned into timestamped series for the graphs.

Series are keyed by the legend entry, e.g. ``AVERAGE:host:<uuid>:cpu0``; rows come from
the server newest first and are returned oldest first.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from xencenter_py.xapi.errors import ProtocolError
from xencenter_py.xapi.transport import HttpChannel


class Legend(NamedTuple):
    """One column of an RRD answer: ``CF:kind:uuid:metric``."""

    cf: str  # AVERAGE, MIN, MAX, LAST
    obj_type: str  # host, vm, sr
    uuid: str
    metric: str  # e.g. cpu0, memory_free_kib, vif_0_rx

    @classmethod
    def parse(cls, entry: str) -> Legend:
        parts = entry.split(":", 3)
        if len(parts) != 4 or not all(parts):
            raise ProtocolError(f"RRD legend entry {entry!r} is not CF:kind:uuid:name")
        return cls(*parts)


@dataclass(frozen=True)
class RrdUpdates:
    """Parsed ``/rrd_updates``: ``timestamps`` ascending (epoch seconds) and, per column,
    one value per timestamp (NaN where the server has no data)."""

    start: int
    end: int
    step: int
    columns: list[str]
    timestamps: list[int]
    series: dict[str, list[float]]
    legends: list[Legend] = field(default_factory=list)

    def for_object(self, uuid: str) -> dict[str, list[float]]:
        """The series of one host/VM/SR, keyed by metric name (for the first CF present)."""
        out: dict[str, list[float]] = {}
        for name, legend in zip(self.columns, self.legends, strict=True):
            if legend.uuid == uuid:
                out.setdefault(legend.metric, self.series[name])
        return out


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool):
        raise ProtocolError(f"RRD {what}: expected a number, got {value!r}")
    try:
        return float(value)  # also "NaN", "Infinity", "-Infinity"
    except (TypeError, ValueError):
        raise ProtocolError(f"RRD {what}: expected a number, got {value!r:.40}") from None


def _integer(value: Any, what: str) -> int:
    number = _number(value, what)
    if number != number or number in (float("inf"), float("-inf")):
        raise ProtocolError(f"RRD {what}: expected an integer, got {value!r}")
    return int(number)


def _build(meta: dict[str, Any], rows: list[tuple[Any, list[Any]]]) -> RrdUpdates:
    legend = meta.get("legend")
    if not isinstance(legend, list) or not all(isinstance(x, str) for x in legend):
        raise ProtocolError("RRD answer has no legend")
    width = len(legend)
    declared = meta.get("columns")
    if declared is not None and _integer(declared, "columns") != width:
        raise ProtocolError(f"RRD answer declares {declared} columns but its legend has {width}")
    parsed: list[tuple[int, list[float]]] = []
    for t, values in rows:
        if len(values) != width:
            raise ProtocolError(f"RRD row at {t} has {len(values)} values, expected {width}")
        parsed.append((_integer(t, "timestamp"), [_number(v, "value") for v in values]))
    parsed.sort(key=lambda row: row[0])
    series = {name: [row[1][i] for row in parsed] for i, name in enumerate(legend)}
    return RrdUpdates(
        start=_integer(meta.get("start"), "start"),
        end=_integer(meta.get("end"), "end"),
        step=_integer(meta.get("step"), "step"),
        columns=list(legend),
        timestamps=[row[0] for row in parsed],
        series=series,
        legends=[Legend.parse(x) for x in legend],
    )


def parse_xml(body: bytes) -> RrdUpdates:
    """The ``<xport>`` form (what XenCenter requests)."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise ProtocolError(f"malformed RRD XML: {exc}") from None
    meta_el = root.find("meta")
    if root.tag != "xport" or meta_el is None:
        raise ProtocolError("RRD XML answer is not an <xport>")
    meta: dict[str, Any] = {child.tag: (child.text or "").strip() for child in meta_el if child.tag != "legend"}
    meta["legend"] = [(e.text or "").strip() for e in meta_el.iterfind("legend/entry")]
    rows = [(row.findtext("t"), [v.text or "" for v in row.iterfind("v")]) for row in root.iterfind("data/row")]
    return _build(meta, rows)


_BARE_KEY = re.compile(r"([{,]\s*)([A-Za-z_][A-Za-z0-9_]*)\s*:")


def parse_json(body: bytes) -> RrdUpdates:
    """The JSON forms: current (numbers as strings), the 2023 transition (``data`` inside
    ``meta``) and legacy xcp-rrd (a JavaScript literal with unquoted keys)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError("RRD answer is not valid UTF-8") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        try:
            doc = json.loads(_BARE_KEY.sub(r'\1"\2":', text))
        except json.JSONDecodeError as exc:
            raise ProtocolError(f"malformed RRD JSON: {exc.msg}") from None
    meta = doc.get("meta") if isinstance(doc, dict) else None
    if not isinstance(meta, dict):
        raise ProtocolError("RRD JSON answer has no meta object")
    data = doc.get("data", meta.get("data"))
    if not isinstance(data, list):
        raise ProtocolError("RRD JSON answer has no data list")
    rows = []
    for row in data:
        if not isinstance(row, dict) or not isinstance(row.get("values"), list):
            raise ProtocolError("RRD JSON row is not {t, values}")
        rows.append((row.get("t"), row["values"]))
    return _build(meta, rows)


def parse(body: bytes, content_type: str = "") -> RrdUpdates:
    """Parse either form, by content type or by the first character."""
    head = body.lstrip()[:1]
    if "json" in content_type.lower() or head == b"{":
        return parse_json(body)
    return parse_xml(body)


async def fetch_updates(
    channel: HttpChannel,
    session_ref: str,
    start: int,
    *,
    host: bool = True,
    vm_uuids: tuple[str, ...] | list[str] = (),
    sr_uuids: tuple[str, ...] | list[str] = (),
    cf: str | None = "AVERAGE",
    interval: int = 5,
    json_form: bool = False,
) -> RrdUpdates:
    """``GET /rrd_updates`` from the host behind ``channel`` (data of that host and of the
    VMs resident on it). ``start`` is in server epoch seconds (negative: relative to now)."""
    params: list[tuple[str, str]] = [("session_id", session_ref), ("start", str(int(start)))]
    if cf:
        params.append(("cf", cf))
    params.append(("interval", str(int(interval))))
    if host:
        params.append(("host", "true"))
    params += [("vm_uuid", u) for u in vm_uuids] + [("sr_uuid", u) for u in sr_uuids]
    if json_form:
        params.append(("json", "true"))
    status, ctype, body = await channel.request("GET", "/rrd_updates", params=params)
    if status != 200:
        snippet = body[:200].decode("utf-8", "replace").strip()
        raise ProtocolError(f"/rrd_updates answered HTTP {status}: {snippet}")
    return parse(body, ctype)


@dataclass(frozen=True)
class FullArchive:
    """A parsed ``/host_rrds`` or ``/vm_rrds`` dump: per AVERAGE archive (keyed by seconds
    per row), ascending timestamps and one value list per data source."""

    step: int
    lastupdate: int
    names: list[str]
    archives: dict[int, tuple[list[int], dict[str, list[float]]]]


def _archive_rows(
    names: list[str], step: int, last: int, rras: list[tuple[str, Any, list[list[Any]]]]
) -> dict[int, tuple[list[int], dict[str, list[float]]]]:
    out: dict[int, tuple[list[int], dict[str, list[float]]]] = {}
    for cf, pdp_text, rows in rras:
        if cf != "AVERAGE":
            continue
        span = step * _integer(pdp_text, "pdp_per_row")
        if span <= 0:
            raise ProtocolError("RRD archive with a non-positive row interval")
        top = last - last % span
        times = [top - (len(rows) - 1 - i) * span for i in range(len(rows))]
        series: dict[str, list[float]] = {n: [] for n in names}
        for row in rows:
            if len(row) != len(names):
                raise ProtocolError(f"RRD archive row has {len(row)} values, expected {len(names)}")
            for name, v in zip(names, row, strict=True):
                series[name].append(_number(v, "value"))
        out.setdefault(span, (times, series))
    return out


def parse_full_xml(body: bytes) -> FullArchive:
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise ProtocolError(f"malformed RRD archive XML: {exc}") from None
    if root.tag != "rrd":
        raise ProtocolError("RRD archive XML is not an <rrd>")
    step = _integer(root.findtext("step"), "step")
    last = _integer(root.findtext("lastupdate"), "lastupdate")
    names = [(ds.findtext("name") or "").strip() for ds in root.iterfind("ds")]
    rras = [
        (
            (rra.findtext("cf") or "").strip(),
            rra.findtext("pdp_per_row"),
            [[v.text or "" for v in row.iterfind("v")] for row in rra.iterfind("database/row")],
        )
        for rra in root.iterfind("rra")
    ]
    return FullArchive(step, last, names, _archive_rows(names, step, last, rras))


def parse_full_json(body: bytes) -> FullArchive:
    try:
        doc = json.loads(body)
        step = _integer(doc["step"], "step")
        last = _integer(doc["lastupdate"], "lastupdate")
        names = [str(ds["name"]) for ds in doc["ds"]]
        rras = [(str(r["cf"]), r["pdp_per_row"], list(r["database"])) for r in doc["rra"]]
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as exc:
        raise ProtocolError(f"malformed RRD archive JSON: {exc}") from None
    return FullArchive(step, last, names, _archive_rows(names, step, last, rras))


def parse_full(body: bytes) -> FullArchive:
    """Either form of a full archive, by its first character."""
    return parse_full_json(body) if body.lstrip()[:1] == b"{" else parse_full_xml(body)


async def fetch_full_body(
    channel: HttpChannel, session_ref: str, *, vm_uuid: str | None = None, host_uuid: str | None = None
) -> bytes:
    """The raw body of ``GET /vm_rrds?uuid=`` (a VM) or ``GET /host_rrds`` (the host behind
    ``channel``; ``host_uuid`` is the simulator's way to name it on a shared address)."""
    params = [("session_id", session_ref)]
    if vm_uuid:
        params.append(("uuid", vm_uuid))
    elif host_uuid:
        params.append(("uuid", host_uuid))
    path = "/vm_rrds" if vm_uuid else "/host_rrds"
    status, _ctype, body = await channel.request("GET", path, params=params)
    if status != 200:
        snippet = body[:200].decode("utf-8", "replace").strip()
        raise ProtocolError(f"{path} answered HTTP {status}: {snippet}")
    return body


async def fetch_updates_body(
    channel: HttpChannel,
    session_ref: str,
    start: int,
    *,
    host: bool,
    vm_uuids: tuple[str, ...] | list[str] = (),
    interval: int = 5,
    host_uuid: str | None = None,
) -> tuple[bytes, str]:
    """The raw ``/rrd_updates`` answer (body, content type), for callers that parse it off
    the event loop. ``host_uuid`` names the answering host on a shared simulator address.

    The JSON form is asked for (``json`` for older xapi, the ``Accept`` header for newer):
    it parses ten times faster than the XML one, which matters when a whole pool is
    watched. :func:`parse` reads whichever form comes back."""
    params: list[tuple[str, str]] = [
        ("session_id", session_ref),
        ("start", str(int(start))),
        ("cf", "AVERAGE"),
        ("interval", str(int(interval))),
    ]
    if host:
        params.append(("host", "true"))
    if host_uuid:
        params.append(("host_uuid", host_uuid))
    params += [("vm_uuid", u) for u in vm_uuids]
    params.append(("json", "true"))
    status, ctype, body = await channel.request(
        "GET", "/rrd_updates", params=params, headers={"Accept": "application/json"}
    )
    if status != 200:
        snippet = body[:200].decode("utf-8", "replace").strip()
        raise ProtocolError(f"/rrd_updates answered HTTP {status}: {snippet}")
    return body, ctype
