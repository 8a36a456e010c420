"""The pool-API client: sessions, typed calls, tasks, events, TLS trust and RRD data."""

from xencenter_py.xapi.client import InvalidAddress, ServerAddress, XapiSession, parse_address
from xencenter_py.xapi.codec import Event, EventBatch
from xencenter_py.xapi.errors import (
    AnswerTooLarge,
    CertificateChanged,
    CertificateProblem,
    CertificateUnknown,
    ConnectionLost,
    Failure,
    ProtocolError,
    RequestTimeout,
    XapiClientError,
)
from xencenter_py.xapi.rrd import Legend, RrdUpdates
from xencenter_py.xapi.trust import TrustStore

__all__ = [
    "AnswerTooLarge",
    "CertificateChanged",
    "CertificateProblem",
    "CertificateUnknown",
    "ConnectionLost",
    "Event",
    "EventBatch",
    "Failure",
    "InvalidAddress",
    "Legend",
    "ProtocolError",
    "RequestTimeout",
    "RrdUpdates",
    "ServerAddress",
    "TrustStore",
    "XapiClientError",
    "XapiSession",
    "parse_address",
]
