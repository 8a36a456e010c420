"""What the property tabs call, through the official SDK: SR capabilities from the deck's
table, disks, VIFs, networks, bonds, VLANs and the simulated Active Directory domain."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import XenAPI

from tests.conftest import DB_DIR, PASSWORD, start_sim
from tests.sim.behaviour_support import NULL, GiB, details, host_by_name, vm_by_name


def _vdi_on(x: Any, sr: str, size: int = GiB) -> str:
    return x.VDI.create(
        {
            "SR": sr,
            "virtual_size": str(size),
            "name_label": "tab test disk",
            "type": "user",
            "sharable": False,
            "read_only": False,
            "other_config": {},
        }
    )


def _sr_of_type(x: Any, sr_type: str) -> str:
    return next(r for r, s in x.SR.get_all_records().items() if s["type"] == sr_type)


@pytest.mark.parametrize("sr_type", ["ext", "nfs"])
def test_resize_is_refused_where_the_table_has_no_resize(x: Any, sr_type: str) -> None:
    sr = _sr_of_type(x, sr_type)
    vdi = _vdi_on(x, sr)
    assert "resize" not in x.VDI.get_allowed_operations(vdi)
    with pytest.raises(XenAPI.Failure) as exc:
        x.VDI.resize(vdi, str(2 * GiB))
    assert details(exc) == ["SR_OPERATION_NOT_SUPPORTED", sr]
    assert int(x.VDI.get_virtual_size(vdi)) == GiB
    x.VDI.destroy(vdi)


def test_plain_lvm_resizes_but_neither_snapshots_nor_fast_clones(x: Any) -> None:
    sr = _sr_of_type(x, "lvm")
    vdi = _vdi_on(x, sr)
    # Thick: a new disk takes its whole size at once.
    assert int(x.VDI.get_physical_utilisation(vdi)) == GiB
    x.VDI.resize(vdi, str(3 * GiB))
    assert int(x.VDI.get_virtual_size(vdi)) == 3 * GiB
    for call in (x.VDI.snapshot, x.VDI.clone):
        with pytest.raises(XenAPI.Failure) as exc:
            call(vdi, {})
        assert details(exc) == ["SR_OPERATION_NOT_SUPPORTED", sr]
    x.VDI.destroy(vdi)


@pytest.mark.parametrize("sr_type", ["lvhd", "lvmoiscsi", "lvmohba"])
def test_lvhd_iscsi_and_hba_disks_are_thin(x: Any, sr_type: str) -> None:
    sr = _sr_of_type(x, sr_type)
    vdi = _vdi_on(x, sr, 10 * GiB)
    assert int(x.VDI.get_physical_utilisation(vdi)) < GiB
    x.VDI.resize(vdi, str(20 * GiB))
    x.VDI.destroy(vdi)


def test_a_modern_pool_loaded_from_a_dump_keeps_its_capabilities() -> None:
    sim = start_sim("--from-db", str(DB_DIR / "boston-db.xml"), "--speed", "500")
    try:
        session = XenAPI.Session(sim.url)
        session.xenapi.login_with_password("root", PASSWORD, "2.21", "tabs-tests")
        x = session.xenapi
        sms = {s["type"]: s for s in x.SM.get_all_records().values()}
        assert "VDI_SNAPSHOT" in sms["lvm"]["capabilities"]
        # The deck's table gives plain LVM no snapshot; a modern LVM driver has one.
        srs = [r for r, s in x.SR.get_all_records().items() if s["type"] == "lvm" and s["PBDs"]]
        vdi = _vdi_on(x, srs[0])
        x.VDI.resize(vdi, str(2 * GiB))
        assert int(x.VDI.get_virtual_size(vdi)) == 2 * GiB
        snap = x.VDI.snapshot(vdi, {})
        assert x.VDI.get_is_a_snapshot(snap)
        session.xenapi.session.logout()
    finally:
        sim.stop()


def test_disk_hotplug_needs_tools_and_cd_follows_power_state(x: Any) -> None:
    vm = vm_by_name(x, "CentOS 7 Test")
    assert x.VM.get_power_state(vm) == "Halted"
    vdi = _vdi_on(x, _sr_of_type(x, "nfs"))
    vbd = x.VBD.create(
        {
            "VM": vm,
            "VDI": vdi,
            "userdevice": "autodetect",
            "bootable": False,
            "mode": "RW",
            "type": "Disk",
            "unpluggable": True,
            "empty": False,
            "other_config": {},
            "qos_algorithm_type": "",
            "qos_algorithm_params": {},
        }
    )
    device = x.VBD.get_userdevice(vbd)
    assert device.isdigit()
    with pytest.raises(XenAPI.Failure) as exc:
        x.VBD.create({**x.VBD.get_record(vbd), "userdevice": device, "VDI": vdi})
    assert details(exc)[0] == "DEVICE_ALREADY_EXISTS"
    with pytest.raises(XenAPI.Failure) as exc:
        x.VBD.plug(vbd)
    assert details(exc)[0] == "VM_BAD_POWER_STATE"
    x.VBD.destroy(vbd)
    x.VDI.destroy(vdi)


def test_free_nics_bond_and_vlan(x: Any) -> None:
    host = host_by_name(x, "xs-demo-01")
    pifs = {p["device"]: r for r, p in x.PIF.get_all_records().items() if p["host"] == host and p["VLAN"] == "-1"}
    free = [pifs["eth4"], pifs["eth5"]]
    assert all(x.PIF.get_bond_slave_of(p) == NULL for p in free)
    network = x.network.create({"name_label": "New bond", "name_description": "", "MTU": "1500", "other_config": {}})
    assert x.network.get_bridge(network).startswith("xapi")
    with pytest.raises(XenAPI.Failure) as exc:
        x.Bond.create(network, [free[0]], "", "active-backup", {})
    assert details(exc)[0] == "PIF_BOND_NEEDS_MORE_MEMBERS"
    with pytest.raises(XenAPI.Failure) as exc:
        x.Bond.create(network, [free[0], pifs["eth2"]], "", "active-backup", {})
    assert details(exc)[:2] == ["PIF_ALREADY_BONDED", pifs["eth2"]]
    bond = x.Bond.create(network, free, "", "active-backup", {})
    master = x.Bond.get_master(bond)
    assert x.PIF.get_device(master) == "bond1" and x.PIF.get_network(master) == network
    assert x.PIF.get_VLAN(master) == "-1" and x.PIF.get_bond_master_of(master) == [bond]
    assert set(x.Bond.get_slaves(bond)) == set(free) and x.Bond.get_mode(bond) == "active-backup"
    x.Bond.destroy(bond)
    assert all(x.PIF.get_bond_slave_of(p) == NULL for p in free)
    assert not x.network.get_PIFs(network)
    x.network.destroy(network)

    vlan_net = x.network.create({"name_label": "VLAN 200", "name_description": "", "MTU": "1500", "other_config": {}})
    with pytest.raises(XenAPI.Failure) as exc:
        x.pool.create_VLAN_from_PIF(free[0], vlan_net, "5000")
    assert details(exc)[0] == "VLAN_TAG_INVALID"
    new_pifs = x.pool.create_VLAN_from_PIF(free[0], vlan_net, "200")
    assert len(new_pifs) == 3 and all(x.PIF.get_VLAN(p) == "200" for p in new_pifs)
    with pytest.raises(XenAPI.Failure) as exc:
        x.network.destroy(vlan_net)
    assert details(exc)[0] == "NETWORK_CONTAINS_PIF"
    for p in new_pifs:
        x.VLAN.destroy(x.PIF.get_VLAN_master_of(p))
    x.network.destroy(vlan_net)


def test_vif_create_and_plug(x: Any) -> None:
    vm = vm_by_name(x, "CentOS 7 Test")
    network = x.VIF.get_network(x.VM.get_VIFs(vm)[0])
    vif = x.VIF.create(
        {
            "VM": vm,
            "network": network,
            "device": "3",
            "MAC": "",
            "MTU": "1500",
            "other_config": {},
            "qos_algorithm_type": "",
            "qos_algorithm_params": {},
        }
    )
    assert len(x.VIF.get_MAC(vif)) == 17 and x.VIF.get_MAC_autogenerated(vif)
    with pytest.raises(XenAPI.Failure) as exc:
        x.VIF.create({**x.VIF.get_record(vif), "MAC": ""})
    assert details(exc) == ["DEVICE_ALREADY_EXISTS", "3"]
    with pytest.raises(XenAPI.Failure) as exc:
        x.VIF.plug(vif)
    assert details(exc)[0] == "VM_BAD_POWER_STATE"
    x.VIF.destroy(vif)


@pytest.fixture
def ad_pool() -> Iterator[Any]:
    sim = start_sim("--seed", "demo", "--speed", "400")
    session = XenAPI.Session(sim.url)
    session.xenapi.login_with_password("root", PASSWORD, "2.21", "tabs-tests")
    yield sim, session.xenapi
    sim.stop()


def test_active_directory_join_subjects_roles_and_login(ad_pool: Any) -> None:
    sim, x = ad_pool
    pool = x.pool.get_all()[0]
    with pytest.raises(XenAPI.Failure) as exc:
        x.auth.get_subject_identifier("alice")
    assert details(exc)[0] == "AUTH_IS_DISABLED"
    with pytest.raises(XenAPI.Failure) as exc:
        x.pool.enable_external_auth(pool, {"user": "XENDEMO\\bob", "pass": "dc-pw"}, "xendemo.local", "AD")
    assert details(exc)[0] == "AUTH_ENABLE_FAILED_WRONG_CREDENTIALS"
    x.pool.enable_external_auth(pool, {"user": "XENDEMO\\Administrator", "pass": "dc-pw"}, "xendemo.local", "AD")
    host = x.pool.get_master(pool)
    assert x.host.get_external_auth_type(host) == "AD"
    assert "pass" not in x.host.get_external_auth_configuration(host)

    def login(user: str) -> Any:
        s = XenAPI.Session(sim.url)
        s.xenapi.login_with_password(user, "dc-pw", "2.21", "tabs-tests")
        return s

    with pytest.raises(XenAPI.Failure) as exc:
        login("XENDEMO\\bob")
    assert details(exc)[0] == "SESSION_AUTHORIZATION_FAILED"
    helpdesk = x.auth.get_subject_identifier("XENDEMO\\Helpdesk")
    info = x.auth.get_subject_information_from_identifier(helpdesk)
    assert info["subject-is-group"] == "true"
    read_only = x.role.get_by_name_label("read-only")[0]
    subject = x.subject.create({"subject_identifier": helpdesk, "other_config": info, "roles": [read_only]})
    with pytest.raises(XenAPI.Failure) as exc:
        x.subject.create({"subject_identifier": helpdesk, "other_config": info})
    assert details(exc)[0] == "SUBJECT_ALREADY_EXISTS"
    bob = login("bob@xendemo.local")
    assert bob.xenapi.session.get_rbac_permissions(bob._session)  # a real session
    with pytest.raises(XenAPI.Failure) as exc:
        bob.xenapi.VM.set_name_label(x.VM.get_all()[0], "nope")
    assert details(exc)[0] == "RBAC_PERMISSION_DENIED"
    assert helpdesk not in x.session.get_all_subject_identifiers()
    assert x.auth.get_subject_identifier("bob") in x.session.get_all_subject_identifiers()
    # Change role: a new login gets the new role.
    x.subject.remove_from_roles(subject, read_only)
    x.subject.add_to_roles(subject, x.role.get_by_name_label("vm-admin")[0])
    bob2 = login("XENDEMO\\bob")
    vm = vm_by_name(x, "CentOS 7 Test")
    bob2.xenapi.VM.set_name_description(vm, "set by bob")
    # Log out the user, then remove access.
    bob_sid = x.auth.get_subject_identifier("bob")
    x.session.logout_subject_identifier(bob_sid)
    assert bob_sid not in x.session.get_all_subject_identifiers()
    x.subject.destroy(subject)
    with pytest.raises(XenAPI.Failure) as exc:
        login("bob")
    assert details(exc)[0] == "SESSION_AUTHORIZATION_FAILED"
    x.pool.disable_external_auth(pool, {})
    assert x.host.get_external_auth_type(host) == ""


def test_hotplug_into_a_running_hvm_guest_needs_tools(x: Any) -> None:
    vm = vm_by_name(x, "Ubuntu Desktop (no tools)")  # running HVM, no PV drivers
    network = x.VIF.get_network(x.VM.get_VIFs(vm)[0])
    vif = x.VIF.create(
        {
            "VM": vm,
            "network": network,
            "device": "5",
            "MAC": "",
            "MTU": "1500",
            "other_config": {},
            "qos_algorithm_type": "",
            "qos_algorithm_params": {},
        }
    )
    assert "plug" not in x.VIF.get_allowed_operations(vif)
    with pytest.raises(XenAPI.Failure) as exc:
        x.VIF.plug(vif)
    assert details(exc) == ["VM_MISSING_PV_DRIVERS", vm]
    x.VIF.destroy(vif)
    disk = next(b for b in x.VM.get_VBDs(vm) if x.VBD.get_type(b) == "Disk")
    assert "unplug" not in x.VBD.get_allowed_operations(disk)
    # The CD drive is emulated: media changes need no tools.
    cd = next(b for b in x.VM.get_VBDs(vm) if x.VBD.get_type(b) == "CD")
    assert {"insert", "eject"} & set(x.VBD.get_allowed_operations(cd))


def test_subject_create_refuses_what_it_cannot_resolve(ad_pool: Any) -> None:
    _sim, x = ad_pool
    with pytest.raises(XenAPI.Failure) as exc:
        x.subject.create({"subject_identifier": "S-1-5-21-0-0-0-9999", "other_config": {}})
    assert details(exc)[0] == "SUBJECT_CANNOT_BE_RESOLVED"  # the domain is not joined
    pool = x.pool.get_all()[0]
    x.pool.enable_external_auth(pool, {"user": "Administrator", "pass": "p"}, "XENDEMO", "AD")
    with pytest.raises(XenAPI.Failure) as exc:
        x.pool.enable_external_auth(pool, {"user": "Administrator", "pass": "p"}, "XENDEMO", "AD")
    assert details(exc)[0] == "AUTH_ALREADY_ENABLED"
    sid = x.auth.get_subject_identifier("carol")
    permission = next(r for r, rec in x.role.get_all_records().items() if rec["name_label"] == "VM.start")
    with pytest.raises(XenAPI.Failure) as exc:
        x.subject.create({"subject_identifier": sid, "other_config": {}, "roles": [permission]})
    assert details(exc)[0] == "ROLE_NOT_FOUND"
    subject = x.subject.create({"subject_identifier": sid, "other_config": {}})
    assert [x.role.get_name_label(r) for r in x.subject.get_roles(subject)] == ["pool-admin"]
    assert x.subject.get_other_config(subject)["subject-displayname"] == "Carol Sato"
