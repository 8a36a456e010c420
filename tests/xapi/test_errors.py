"""Human messages for pool failures (translated through i18n; sizes formatted)."""

from __future__ import annotations

import pytest

from tests.conftest import SimProcess
from xencenter_py.i18n import set_language
from xencenter_py.xapi import Failure, XapiSession


@pytest.fixture(autouse=True)
def english():
    set_language("en")
    yield
    set_language("en")


def test_known_codes_read_naturally() -> None:
    memory = Failure("HOST_NOT_ENOUGH_FREE_MEMORY", ["4294967296", "1073741824"])
    text = memory.message()
    assert "4" in text and "GB" in text and "1" in text and "4294967296" not in text
    power = Failure("VM_BAD_POWER_STATE", ["OpaqueRef:vm", "halted", "running"]).message()
    assert "halted" in power and "running" in power
    assert "coordinator" in Failure("HOST_IS_SLAVE", ["10.0.0.1"]).message()
    assert "10.0.0.1" in Failure("HOST_IS_SLAVE", ["10.0.0.1"]).message()
    assert "password" in Failure("SESSION_AUTHENTICATION_FAILED", ["root", "Authentication failure"]).message()
    for code in (
        "NO_HOSTS_AVAILABLE",
        "OPERATION_NOT_ALLOWED",
        "RBAC_PERMISSION_DENIED",
        "OTHER_OPERATION_IN_PROGRESS",
        "VM_REQUIRES_SR",
        "HANDLE_INVALID",
        "SESSION_INVALID",
        "VM_MISSING_PV_DRIVERS",
        "VM_IS_TEMPLATE",
        "TASK_CANCELLED",
    ):
        assert code not in Failure(code, ["a", "b", "c", "d"]).message()


def test_unknown_code_and_odd_params_fall_back_to_raw_form() -> None:
    assert Failure("SOMETHING_NEW", ["x", "y"]).message() == "The server reported an error: SOMETHING_NEW (x, y)"
    assert "SOMETHING_NEW" in Failure("SOMETHING_NEW").message()
    # Sizes that are not numbers, or too few parameters, must not break the message.
    assert "SR_FULL" in Failure("SR_FULL", ["lots"]).message()
    assert "HOST_NOT_ENOUGH_FREE_MEMORY" in Failure("HOST_NOT_ENOUGH_FREE_MEMORY").message()


def test_description_round_trip() -> None:
    f = Failure.from_description(["VM_BAD_POWER_STATE", "OpaqueRef:v", "halted", "running"])
    assert f.code == "VM_BAD_POWER_STATE" and f.params == ["OpaqueRef:v", "halted", "running"]
    assert f.description == ["VM_BAD_POWER_STATE", "OpaqueRef:v", "halted", "running"]
    assert str(f) == "VM_BAD_POWER_STATE OpaqueRef:v halted running"
    assert Failure.from_description([]).code == "INTERNAL_ERROR"


async def test_class_names_read_as_translated_type_names(demo_sim: SimProcess) -> None:
    """The pool names the XAPI class ("host", "VM"); users read "server", "サーバー"."""
    async with await XapiSession.login(demo_sim.url, "root", demo_sim.password) as s:
        with pytest.raises(Failure) as no_host:
            await s.call("host.get_by_uuid", "00000000-0000-0000-0000-000000000000")
        with pytest.raises(Failure) as no_sr:
            await s.call("SR.get_record", "OpaqueRef:00000000-0000-0000-0000-000000000000")
    assert no_host.value.code == "UUID_INVALID" and no_host.value.param(0) == "host"
    assert no_host.value.message() == "No server has the UUID 00000000-0000-0000-0000-000000000000."
    assert no_sr.value.code == "HANDLE_INVALID" and no_sr.value.param(0) == "SR"
    assert "(storage repository OpaqueRef:" in no_sr.value.message()
    busy = Failure("OTHER_OPERATION_IN_PROGRESS", ["VDI", "OpaqueRef:d", "destroy"])
    assert "on this virtual disk." in busy.message()
    # The language in use when the message is shown counts, not the one at import time.
    set_language("ja")
    assert "サーバー" in no_host.value.message() and "host" not in no_host.value.message()
    assert "ストレージ リポジトリ" in no_sr.value.message() and "SR " not in no_sr.value.message()
    assert "仮想ディスク" in busy.message() and "VDI" not in busy.message()
    # A rare class keeps its raw name rather than losing it.
    assert "PVS_site" in Failure("UUID_INVALID", ["PVS_site", "u"]).message()


def test_license_is_spelled_as_everywhere_else() -> None:
    text = Failure("LICENCE_RESTRICTION", ["VMSS"]).message()
    assert text == "Your license does not allow this feature (VMSS)."
