"""XML-RPC bodies as XAPI writes them: untyped ``<value>`` strings, ``<dateTime.iso8601>``
with a trailing ``Z`` (which the standard library cannot parse into a datetime), and a
``{Status, Value | ErrorDescription}`` envelope instead of ``<fault>``."""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Sequence
from typing import Any, ClassVar
from xml.parsers.expat import ExpatError

from xencenter_py.xapi.errors import ProtocolError


class _Unmarshaller(xmlrpc.client.Unmarshaller):
    """Keeps datetimes as their text so the datamodel codec parses every XAPI form."""

    dispatch: ClassVar[dict[str, Any]] = dict(xmlrpc.client.Unmarshaller.dispatch)

    def end_dateTime(self, data: str) -> None:
        self.append(data)
        self._value = 0

    dispatch["dateTime.iso8601"] = end_dateTime


def _parse(body: bytes | str) -> tuple[Any, ...]:
    unmarshaller = _Unmarshaller()
    parser = xmlrpc.client.ExpatParser(unmarshaller)
    try:
        parser.feed(body)
        parser.close()
        return unmarshaller.close()
    except xmlrpc.client.Fault as exc:
        raise ProtocolError(f"unexpected XML-RPC fault {exc.faultCode}: {exc.faultString}") from None
    except (ExpatError, xmlrpc.client.ResponseError, ValueError, TypeError, KeyError, IndexError) as exc:
        raise ProtocolError(f"malformed XML-RPC answer: {exc or type(exc).__name__}") from None


def encode_call(method: str, params: Sequence[Any]) -> bytes:
    """A ``methodCall`` body (parameters already encoded by the codec)."""
    return xmlrpc.client.dumps(tuple(params), method, encoding="utf-8").encode("utf-8")


def decode_response(body: bytes) -> dict[str, Any]:
    """The envelope struct of a ``methodResponse`` (shape checked by the caller)."""
    values = _parse(body)
    if len(values) != 1 or not isinstance(values[0], dict):
        raise ProtocolError("XML-RPC answer is not a single struct")
    return values[0]


def decode_value(fragment: str) -> Any:
    """One ``<value>…</value>`` fragment, e.g. a finished task's ``result``."""
    values = _parse(f"<methodResponse><params><param>{fragment}</param></params></methodResponse>")
    if len(values) != 1:
        raise ProtocolError("expected exactly one XML-RPC value")
    return values[0]
