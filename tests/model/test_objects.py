"""Derived facts of the object wrappers."""

from __future__ import annotations

from tests.model.records import PoolBuilder
from tests.model.test_tree_rules import demo
from xencenter_py.i18n import set_language


def test_vm_kinds_and_home() -> None:
    b = demo()
    c = b.connection().cache
    vm = c.get("VM", b.running)
    assert vm.is_real_vm and not vm.is_template and vm.home().ref == b.h1
    assert c.get("VM", b.on_local).home().ref == b.h1  # local storage
    assert c.get("VM", b.affine).home().ref == b.h2  # affinity, live host
    assert c.get("VM", b.affine_dead).home() is None  # affinity host not live
    assert c.get("VM", b.halted).home() is None
    snap = c.get("VM", b.snap)
    assert snap.is_snapshot and not snap.is_template and not snap.is_real_vm and snap.home().ref == b.h1
    tmpl = c.get("VM", b.default_tmpl)
    assert tmpl.is_template and tmpl.is_default_template and not tmpl.is_custom_template and tmpl.home() is None
    assert c.get("VM", b.custom_tmpl).is_custom_template
    dom0 = c.get("host", b.h1).control_domain
    assert dom0.is_control_domain and not dom0.is_real_vm and dom0.name == "Control domain on host: host 10"
    assert vm.friendly_power_state == "Running"


def test_sr_facts() -> None:
    b = demo()
    c = b.connection().cache
    local, nfs, iso = c.get("SR", b.local1), c.get("SR", b.nfs), c.get("SR", b.iso)
    assert local.is_local and not local.is_shared and local.home().ref == b.h1
    assert not nfs.is_local and nfs.is_shared and nfs.home() is None and nfs.is_default
    assert not iso.is_local and iso.is_iso and not iso.is_broken()


def test_sr_standard_names_are_localised() -> None:
    b = PoolBuilder("p")
    h = b.host("h1")
    sr = b.sr(
        "Local storage",
        "lvm",
        shared=False,
        hosts=[h],
        other_config={"i18n-key": "local-storage", "i18n-original-value-name_label": "Local storage"},
    )
    renamed = b.sr(
        "My disks",
        "lvm",
        shared=False,
        hosts=[h],
        other_config={"i18n-key": "local-storage", "i18n-original-value-name_label": "Local storage"},
    )
    c = b.connection().cache
    assert c.get("SR", sr).name == "Local storage on h1"
    assert c.get("SR", sr).name_without_host == "Local storage"
    assert c.get("SR", renamed).name == "My disks"  # the user's own name wins
    try:
        set_language("ja")
        assert c.get("VM", c.get("host", h).control_domain.ref).name != ""
    finally:
        set_language("en")


def test_host_facts() -> None:
    b = PoolBuilder("p")
    h = b.host(
        "h1",
        cpu_info={
            "cpu_count": "8",
            "socket_count": "2",
            "modelname": "Xeon",
            "vendor": "GenuineIntel",
            "flags": "fpu vmx ept",
        },
        edition="enterprise",
        license_params={"expiry": "20000101T00:00:00Z"},
        software_version={"platform_version": "3.2.0"},
    )
    h2 = b.host("h2", software_version={"platform_version": "3.1.0"}, license_params={"expiry": "20990101T00:00:00Z"})
    c = b.connection().cache
    host = c.get("host", h)
    assert host.is_coordinator and host.is_live and host.cpu_count == 8 and host.socket_count == 2
    assert host.cpu_model == "Xeon" and host.has_hap and host.license_expired
    assert host.memory_total == 8 << 30 and host.memory_free == 4 << 30 and host.memory_used == 4 << 30
    other = c.get("host", h2)
    assert not other.is_coordinator and not other.license_expired and other.is_older_than_coordinator
    assert c.pool.is_visible and c.pool.is_mixed_versions and c.pool.any_host_unlicensed
