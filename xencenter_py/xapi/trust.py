"""Deciding whether a server's TLS certificate can be trusted, as XenCenter does.

A certificate that verifies against the system store is accepted as usual. Pools mostly
use self-signed certificates, so otherwise trust is by SHA-256 fingerprint, remembered per
``host:port`` in a known-servers file. An unknown or a changed certificate is reported to
the caller (the UI asks the user), never accepted silently; once pinned, every new
connection checks the fingerprint during the handshake, before any request (and so any
password) is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import ssl
import tempfile
import threading
from pathlib import Path

from xencenter_py.xapi.errors import CertificateChanged, CertificateUnknown, ConnectionLost, RequestTimeout


def fingerprint_of(der: bytes) -> str:
    """SHA-256 of a DER certificate as ``AA:BB:…`` (the form the simulator and OpenSSL print)."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def normalize(fingerprint: str) -> str:
    """Compare fingerprints whatever their case or separators."""
    return "".join(ch for ch in fingerprint.upper() if ch in "0123456789ABCDEF")


def host_key(host: str, port: int) -> str:
    """The known-servers key: ``host:port`` (IPv6 literals in brackets)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class TrustStore:
    """Known servers: ``host:port`` → accepted SHA-256 fingerprint, in a JSON file.

    Writes are atomic (temporary file + rename). A file that cannot be read is never
    overwritten: it is kept aside as ``<name>.corrupt`` before the next write.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._corrupt = False
        self._known: dict[str, str] = self._load()

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            self._corrupt = True
            return {}
        servers = data.get("servers") if isinstance(data, dict) else None
        if not isinstance(servers, dict):
            self._corrupt = True
            return {}
        return {str(k): str(v) for k, v in servers.items() if isinstance(v, str)}

    def fingerprint(self, host: str) -> str | None:
        """The accepted fingerprint for ``host`` (a ``host:port`` key), if any."""
        return self._known.get(host)

    def remember(self, host: str, fingerprint: str) -> None:
        """Accept ``fingerprint`` for ``host`` (replacing an older one) and save."""
        with self._lock:
            self._known[host] = fingerprint
            self._save()

    def forget(self, host: str) -> None:
        with self._lock:
            if self._known.pop(host, None) is not None:
                self._save()

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self._corrupt and self.path.exists():
            os.replace(self.path, self.path.with_name(self.path.name + ".corrupt"))
            self._corrupt = False
        text = json.dumps({"version": 1, "servers": dict(sorted(self._known.items()))}, indent=2)
        fd, tmp = tempfile.mkstemp(prefix=self.path.name, suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


class PinMismatch(ssl.SSLError):
    """Raised inside the TLS handshake when the peer's fingerprint is not the pinned one."""

    def __init__(self, expected: str, actual: str) -> None:
        super().__init__(f"certificate fingerprint {actual} is not the accepted {expected}")
        self.expected = expected
        self.actual = actual

    def as_problem(self, host: str) -> CertificateChanged:
        return CertificateChanged(host, self.expected, self.actual)


class _PinnedSSLObject(ssl.SSLObject):
    """Checks the peer certificate's fingerprint as soon as the handshake completes
    (asyncio creates its TLS objects through ``wrap_bio``)."""

    def do_handshake(self) -> None:
        super().do_handshake()
        expected = getattr(self.context, "pinned_fingerprint", "")
        der = self.getpeercert(binary_form=True) or b""
        actual = fingerprint_of(der)
        if normalize(actual) != normalize(expected):
            raise PinMismatch(expected, actual)


def pinned_context(fingerprint: str) -> ssl.SSLContext:
    """A client context that accepts exactly the certificate with ``fingerprint``."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.sslobject_class = _PinnedSSLObject
    ctx.pinned_fingerprint = fingerprint  # type: ignore[attr-defined]
    return ctx


def system_context() -> ssl.SSLContext:
    """The normal, fully verifying context (system certificate store, host name check)."""
    return ssl.create_default_context()


async def _handshake(host: str, port: int, ctx: ssl.SSLContext, timeout: float) -> bytes:
    """Connect, complete a TLS handshake and return the peer's DER certificate."""
    try:
        _reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=ctx, server_hostname=host, ssl_handshake_timeout=timeout),
            timeout,
        )
    except TimeoutError as exc:
        raise RequestTimeout(
            f"cannot connect to {host_key(host, port)}: timed out", server=host_key(host, port), connecting=True
        ) from exc
    except ssl.SSLCertVerificationError:
        raise
    except (OSError, ssl.SSLError) as exc:
        raise ConnectionLost(
            f"cannot connect to {host_key(host, port)}: {exc}", server=host_key(host, port), connecting=True
        ) from exc
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        return ssl_object.getpeercert(binary_form=True) or b""
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()


async def peer_fingerprint(host: str, port: int, timeout: float = 15.0) -> str:
    """Read the server's certificate without trusting it (only to compare fingerprints)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return fingerprint_of(await _handshake(host, port, ctx, timeout))


async def context_for(host: str, port: int, trust: TrustStore | None, timeout: float = 15.0) -> ssl.SSLContext:
    """The TLS context to talk to ``host:port``, or a ``CertificateProblem`` to ask the user about."""
    try:
        await _handshake(host, port, system_context(), timeout)
        return system_context()
    except ssl.SSLCertVerificationError:
        pass
    key = host_key(host, port)
    actual = await peer_fingerprint(host, port, timeout)
    known = trust.fingerprint(key) if trust is not None else None
    if known is None:
        raise CertificateUnknown(key, actual)
    if normalize(known) != normalize(actual):
        raise CertificateChanged(key, known, actual)
    return pinned_context(known)
