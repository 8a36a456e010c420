"""JSON-RPC 1.0 and 2.0 exactly as xapi speaks it at ``/jsonrpc`` (protocol notes §1.3).

v1 answers always carry ``result`` and ``error``; v2 answers carry ``jsonrpc`` and exactly
one of them, errors being ``{code: 1, message: CODE, data: [params]}``. Floats that are
NaN or infinite go out as the bare tokens ``NaN``/``Infinity``/``-Infinity`` (as Yojson
writes them). Records are already plain JSON-able Python values except datetimes, which
the C encoder hands to :func:`_default`, so even huge answers serialise at C speed.

A big event batch (a console's initial ``event.from``: 40,000 objects, 40 MB) reuses the
JSON text of every snapshot unchanged since an earlier batch: the next console (or the
same one reloading) gets its answer in a fraction of the time. The text is keyed by the
object's ref and the generation the event reports, which changes with any change.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any

from xencenter_py.datamodel import format_datetime
from xencenter_py.sim.codec_xmlrpc import Typed
from xencenter_py.sim.dispatch import encodable


class JsonRpcParseError(ValueError):
    """A body that is not an acceptable JSON-RPC request (answered with HTTP 500)."""


@dataclass(frozen=True)
class Request:
    method: str
    params: list[Any]
    id: Any
    v2: bool


def parse_request(body: bytes) -> Request:
    """Validate and decode one JSON-RPC request the way xapi does."""
    try:
        obj = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise JsonRpcParseError(f"Jsonrpc.Malformed_method_request({e})") from None
    except RecursionError:
        raise JsonRpcParseError("Jsonrpc.Malformed_method_request(nested too deeply)") from None
    if isinstance(obj, list):
        raise JsonRpcParseError("Jsonrpc.Malformed_method_request(batch requests are not supported)")
    if not isinstance(obj, dict):
        raise JsonRpcParseError("Jsonrpc.Malformed_method_request(not an object)")
    v2 = obj.get("jsonrpc") == "2.0"
    method = obj.get("method")
    if not isinstance(method, str) or not method:
        raise JsonRpcParseError("Jsonrpc.Malformed_method_request(missing method)")
    params = obj.get("params")
    if params is None and v2:
        params = []
    if not isinstance(params, list):
        raise JsonRpcParseError("Jsonrpc.Malformed_method_request(params must be an array)")
    rid = obj.get("id")
    if rid is None or isinstance(rid, bool) or not isinstance(rid, (int, str)):
        raise JsonRpcParseError("Jsonrpc.Malformed_method_request(id must be an int or a string)")
    if not (encodable(method) and encodable(rid)):
        # Echoed in the answer, so they must be valid Unicode (the parameters are checked
        # by type, with the message's parameter names).
        raise JsonRpcParseError("Jsonrpc.Malformed_method_request(invalid Unicode in method or id)")
    return Request(method, params, rid, v2)


def _default(v: Any) -> Any:
    if isinstance(v, _dt.datetime):
        return format_datetime(v)
    if isinstance(v, Typed):
        return v.value
    if isinstance(v, (set, frozenset, tuple)):
        return list(v)
    raise TypeError(f"cannot encode {type(v).__name__}")


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_default, allow_nan=True).encode


SPLICE_FROM = 1000
"""Event batches with at least this many events are assembled from cached snapshot texts."""

_snapshots: dict[str, tuple[str, str]] = {}
"""ref → (event id, JSON text of the snapshot at that generation)."""


def _event_text(ev: dict[str, Any]) -> str:
    snapshot = ev.get("snapshot")
    ref, ident = ev["ref"], ev["id"]
    head = (
        f'{{"id":{encode_basestring(ident)},"timestamp":{encode_basestring(ev["timestamp"])},'
        f'"class":{encode_basestring(ev["class"])},"operation":{encode_basestring(ev["operation"])},'
        f'"ref":{encode_basestring(ref)}'
    )
    if snapshot is None:
        return head + "}"
    cached = _snapshots.get(ref)
    if cached is None or cached[0] != ident:
        cached = (ident, _dumps(snapshot))
        _snapshots[ref] = cached
    return head + ',"snapshot":' + cached[1] + "}"


def _batch_text(batch: dict[str, Any]) -> str | None:
    """The JSON text of a big event batch, or None when it is not one."""
    events = batch.get("events")
    if type(events) is not list or len(events) < SPLICE_FROM or batch.keys() != {"events", "valid_ref_counts", "token"}:
        return None
    if any(type(ev) is not dict or ev.keys() - _EVENT_KEYS for ev in events):
        return None
    if len(_snapshots) > 4 * len(events):
        _snapshots.clear()  # refs long deleted: start afresh rather than grow forever
    body = ",".join(_event_text(ev) for ev in events)
    counts = _dumps(batch["valid_ref_counts"])
    return f'{{"events":[{body}],"valid_ref_counts":{counts},"token":{_dumps(batch["token"])}}}'


_EVENT_KEYS = frozenset({"id", "timestamp", "class", "operation", "ref", "snapshot"})


def success(result: Any, request_id: Any, v2: bool) -> bytes:
    batch = result.value if isinstance(result, Typed) else result
    text = _batch_text(batch) if type(batch) is dict else None
    if text is not None:
        if v2:
            return f'{{"jsonrpc":"2.0","result":{text},"id":{_dumps(request_id)}}}'.encode()
        return f'{{"result":{text},"error":null,"id":{_dumps(request_id)}}}'.encode()
    if v2:
        obj = {"jsonrpc": "2.0", "result": result, "id": request_id}
    else:
        obj = {"result": result, "error": None, "id": request_id}
    return _dumps(obj).encode("utf-8")


def failure(description: list[str], request_id: Any, v2: bool) -> bytes:
    if v2:
        error: Any = {"code": 1, "message": description[0], "data": description[1:]}
        obj = {"jsonrpc": "2.0", "error": error, "id": request_id}
    else:
        obj = {"result": None, "error": description, "id": request_id}
    return _dumps(obj).encode("utf-8")


def dumps(value: Any) -> str:
    """Plain JSON text of a decoded value (datetimes in xapi's form, NaN bare)."""
    return _dumps(value)
