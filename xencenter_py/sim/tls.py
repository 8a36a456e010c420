"""A self-signed certificate for ``--tls``, made once and kept next to the state file.

Real hosts present a self-signed certificate too, so clients must pin it by fingerprint;
keeping it with the state means a restarted simulator keeps its identity.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import os
import socket
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def self_signed(hostname: str, *, local: bool = False) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A key and a ten-year self-signed certificate for ``hostname``, as a host makes at
    installation; ``local`` also names this machine (``localhost`` and loopback)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = _dt.datetime.now(_dt.UTC)
    names: list[x509.GeneralName] = [x509.DNSName(hostname)]
    if local:
        names += [
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.IPAddress(ipaddress.ip_address("::1")),
        ]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _dt.timedelta(days=1))
        .not_valid_after(now + _dt.timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _generate(cert_path: Path, key_path: Path, hostname: str) -> None:
    key, cert = self_signed(hostname, local=True)
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key_bytes)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def fingerprint(cert_path: Path) -> str:
    """SHA-256 of the DER certificate as ``AA:BB:...`` (what clients pin)."""
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return ":".join(f"{b:02X}" for b in cert.fingerprint(hashes.SHA256()))


def server_context(directory: Path, stem: str = "simulator") -> tuple[ssl.SSLContext, str]:
    """Load (or create on first use) ``<stem>-cert.pem``/``<stem>-key.pem`` in
    ``directory``; return the server context and the certificate's fingerprint."""
    directory.mkdir(parents=True, exist_ok=True)
    cert_path = directory / f"{stem}-cert.pem"
    key_path = directory / f"{stem}-key.pem"
    if not (cert_path.exists() and key_path.exists()):
        _generate(cert_path, key_path, socket.gethostname() or "localhost")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert_path, key_path)
    return ctx, fingerprint(cert_path)
