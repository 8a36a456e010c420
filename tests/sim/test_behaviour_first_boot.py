"""A VM cloned from a default template provisions its disks when it first starts, as XAPI's
templates say ("Clones of this template will automatically provision their storage when
first booted"); a refused provisioning leaves the VM halted and unchanged."""

from __future__ import annotations

from typing import Any

import pytest
import XenAPI

from tests.sim.behaviour_support import GiB, details, vm_by_name


def test_first_start_provisions_the_disks(x: Any) -> None:
    new = x.VM.clone(vm_by_name(x, "Debian Bullseye 11"), "first boot")
    x.VM.set_is_a_template(new, False)
    assert "disks" in x.VM.get_other_config(new) and not x.VM.get_VBDs(new)
    x.VM.start(new, False, False)
    vbds = [x.VBD.get_record(b) for b in x.VM.get_VBDs(new)]
    assert [(v["type"], int(x.VDI.get_virtual_size(v["VDI"]))) for v in vbds] == [("Disk", 10 * GiB)]
    assert "disks" not in x.VM.get_other_config(new)
    x.VM.hard_shutdown(new)
    x.VM.start(new, False, False)  # the second start creates nothing more
    assert len(x.VM.get_VBDs(new)) == 1
    x.VM.hard_shutdown(new)


def test_a_spec_the_pool_cannot_meet_refuses_the_start(x: Any) -> None:
    new = x.VM.clone(vm_by_name(x, "Debian Bullseye 11"), "too big")
    x.VM.set_is_a_template(new, False)
    other = x.VM.get_other_config(new)
    other["disks"] = f'<provision><disk device="0" size="{1 << 55}" sr="" bootable="true" type="system"/></provision>'
    x.VM.set_other_config(new, other)
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.start(new, False, False)
    assert details(err)[0] == "SR_FULL"
    assert x.VM.get_power_state(new) == "Halted" and not x.VM.get_VBDs(new)
