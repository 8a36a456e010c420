"""Human messages for pool failures (translated through i18n; sizes formatted)."""

from __future__ import annotations

import pytest

from xencenter_py.i18n import set_language
from xencenter_py.xapi import Failure


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
