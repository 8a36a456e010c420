"""Codes XAPI stores are shown as XenCenter names them, in the user's language."""

from __future__ import annotations

from tests.model.records import PoolBuilder
from xencenter_py.i18n import set_language
from xencenter_py.model.display_names import content_type_name, edition_name


def test_editions_have_their_product_names() -> None:
    set_language("en")
    assert type(edition_name("premium")) is str and edition_name("premium") == "Premium Edition"
    assert edition_name("free") == "XenServer (free)"
    assert edition_name("enterprise-per-socket") == "Enterprise Per Socket"  # unknown: readable, not raw
    assert edition_name("") == "Unknown"
    set_language("ja")
    try:
        assert edition_name("platinum") == "Platinum エディション"
    finally:
        set_language("en")


def test_content_types_are_words() -> None:
    set_language("en")
    assert content_type_name("user") == "User"
    assert content_type_name("iso") == "ISO"
    assert content_type_name("") == "(None)"


def test_windows_os_name_loses_the_boot_volume_suffix() -> None:
    b = PoolBuilder("p")
    h = b.host("h1", coordinator=True)
    gm = b.add(
        "VM_guest_metrics",
        os_version={"name": "Microsoft Windows Server 2019 Standard|C:\\Windows|\\Device\\Harddisk0\\Partition2"},
    )
    vm = b.vm("win", "Running", host=h, guest_metrics=gm)
    assert b.connection().cache.get("VM", vm).os_name == "Microsoft Windows Server 2019 Standard"
