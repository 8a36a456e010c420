"""HTTPS against the simulator: a pinned fingerprint, an unknown certificate, a changed
one, and a certificate the system store vouches for."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SimProcess
from tests.xapi.conftest import fingerprint
from xencenter_py.xapi import CertificateChanged, CertificateUnknown, TrustStore, XapiSession, parse_address
from xencenter_py.xapi.trust import normalize


@pytest.fixture
def store(tmp_path: Path) -> TrustStore:
    return TrustStore(tmp_path / "known_servers.json")


async def test_unknown_certificate_then_accepted(tls_sim: SimProcess, store: TrustStore) -> None:
    printed = fingerprint(tls_sim)
    with pytest.raises(CertificateUnknown) as exc:
        await XapiSession.login(tls_sim.url, "root", tls_sim.password, trust=store)
    assert exc.value.host == parse_address(tls_sim.url).key
    assert normalize(exc.value.fingerprint) == normalize(printed)
    assert printed in str(exc.value)
    # The user accepts: the next login pins the certificate.
    store.remember(exc.value.host, exc.value.fingerprint)
    async with await XapiSession.login(tls_sim.url, "root", tls_sim.password, trust=store) as s:
        assert s.url.startswith("https://")
        assert await s.call("pool.get_all") == [s.pool]
        batch = await s.event_from(["pool"], "", 5.0)  # the long-poll connection is pinned too
        assert [e.ref for e in batch.events] == [s.pool]
        dup = s.duplicate()
        assert await dup.call("pool.get_all") == [s.pool]
        await dup.aclose()


async def test_no_trust_store_means_unknown(tls_sim: SimProcess) -> None:
    with pytest.raises(CertificateUnknown):
        await XapiSession.login(tls_sim.url, "root", tls_sim.password, trust=None)


async def test_changed_certificate_is_refused(tls_sim: SimProcess, store: TrustStore) -> None:
    key = parse_address(tls_sim.url).key
    old = "12:" * 31 + "34"
    store.remember(key, old)
    with pytest.raises(CertificateChanged) as exc:
        await XapiSession.login(tls_sim.url, "root", tls_sim.password, trust=store)
    assert exc.value.host == key and exc.value.old_fingerprint == old
    assert normalize(exc.value.new_fingerprint) == normalize(fingerprint(tls_sim))
    assert store.fingerprint(key) == old  # never replaced silently


async def test_certificate_trusted_by_the_system_store(
    sim_factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: TrustStore
) -> None:
    sim = sim_factory("--seed", "empty", "--tls", "--state", str(tmp_path / "pool"))
    # OpenSSL's default verify paths honour SSL_CERT_FILE: make the simulator's
    # certificate the system's only authority.
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "pool-cert.pem"))
    async with await XapiSession.login(sim.url, "root", sim.password, trust=store) as s:
        assert s.ssl_context.check_hostname
        assert await s.call("pool.get_all") == [s.pool]
    assert store.fingerprint(parse_address(sim.url).key) is None  # nothing needed pinning
