"""Finding and creating storage over the SDK: probes of the fake NFS filer, iSCSI array and
FC LUNs answer as the SM drivers do, SR.create checks device_config with their errors, and
a forgotten SR is found again and reattached (SR.introduce, PBD.create, PBD.plug)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
import XenAPI

from tests.sim.behaviour_support import details

FILER, ARRAY = "filer.storage.localhost", "iscsi.storage.localhost"


def coordinator(x: Any) -> str:
    return x.pool.get_master(x.pool.get_all()[0])


def test_nfs_probe_lists_exports_then_the_srs_in_one(x: Any) -> None:
    host = coordinator(x)
    with pytest.raises(XenAPI.Failure) as err:
        x.SR.probe(host, {"server": FILER}, "nfs", {})
    code, _, _, xml = details(err)
    assert code == "SR_BACKEND_FAILURE_38"
    assert [e.text for e in ET.fromstring(xml).iter("Path")] == ["/vol/xenserver", "/vol/archive", "/vol/iso"]
    found = ET.fromstring(x.SR.probe(host, {"server": FILER, "serverpath": "/vol/archive"}, "nfs", {}))
    assert [e.text for e in found.iter("name_label")] == ["Archive NFS storage"]
    # The filer's export holds only the SRs made on it (none in the seed; another test may make one).
    made_there = {
        x.SR.get_uuid(x.PBD.get_SR(pbd))
        for pbd, rec in x.PBD.get_all_records().items()
        if rec["device_config"].get("server") in (FILER, "127.0.50.10")  # its name or address
        and rec["device_config"].get("serverpath") == "/vol/xenserver"
    }
    found = ET.fromstring(x.SR.probe(host, {"server": "127.0.50.10", "serverpath": "/vol/xenserver"}, "nfs", {}))
    assert {e.text for e in found.iter("UUID")} == made_there
    ext = x.SR.probe_ext(host, {"server": FILER, "serverpath": "/vol/archive"}, "nfs", {})
    stat = ext[0]["sr"][0]  # an option travels as a set of zero or one
    assert stat["name_label"] == "Archive NFS storage" and ext[0]["complete"]


def test_bad_servers_and_paths_fail_as_the_driver_does(x: Any) -> None:
    host = coordinator(x)
    cases = [
        ({"server": "no-such-filer.localhost", "serverpath": "/x"}, "nfs", "SR_BACKEND_FAILURE_140"),
        ({"server": FILER, "serverpath": "/vol/missing"}, "nfs", "SR_BACKEND_FAILURE_73"),
        ({}, "nfs", "SR_BACKEND_FAILURE_37"),
        ({"target": "127.0.50.99"}, "lvmoiscsi", "SR_BACKEND_FAILURE_141"),
        ({"location": "//smb.storage.localhost/nothing", "type": "cifs"}, "iso", "SR_BACKEND_FAILURE_222"),
    ]
    for config, sr_type, code in cases:
        with pytest.raises(XenAPI.Failure) as err:
            x.SR.probe(host, config, sr_type, {})
        assert details(err)[0] == code, (config, details(err))
        with pytest.raises(XenAPI.Failure) as err:
            x.SR.create(host, config, "0", "bad", "", sr_type, "user", True, {})
        assert details(err)[0] == code
    with pytest.raises(XenAPI.Failure) as err:
        x.SR.probe(host, {}, "no-such-type", {})
    assert details(err)[0] == "SR_UNKNOWN_DRIVER"


def test_iscsi_probe_gives_iqns_then_luns_and_hba_gives_devices(x: Any) -> None:
    host = coordinator(x)
    with pytest.raises(XenAPI.Failure) as err:
        x.SR.probe(host, {"target": ARRAY, "port": "3260"}, "lvmoiscsi", {})
    assert details(err)[0] == "SR_BACKEND_FAILURE_96"
    iqns = [e.text for e in ET.fromstring(details(err)[3]).iter("TargetIQN")]
    assert iqns[0] == "iqn.2026-01.localhost.storage:array1"
    with pytest.raises(XenAPI.Failure) as err:
        x.SR.probe(host, {"target": ARRAY, "targetIQN": iqns[0]}, "lvmoiscsi", {})
    assert details(err)[0] == "SR_BACKEND_FAILURE_107"
    luns = [e.text for e in ET.fromstring(details(err)[3]).iter("SCSIid")]
    assert len(luns) == 2
    devices = ET.fromstring(x.SR.probe(host, {}, "lvmohba", {}))
    assert len(devices.findall("BlockDevice")) == 2


def test_create_forget_probe_and_reattach(x: Any) -> None:
    host = coordinator(x)
    config = {"server": FILER, "serverpath": "/vol/xenserver"}
    sr = x.SR.create(host, config, "0", "Scratch NFS", "made by a test", "nfs", "user", True, {})
    uuid = x.SR.get_uuid(sr)
    assert len(x.SR.get_PBDs(sr)) == len(x.host.get_all())
    found = ET.fromstring(x.SR.probe(host, config, "nfs", {}))
    assert [e.text for e in found.iter("UUID")] == [uuid]
    for pbd in x.SR.get_PBDs(sr):
        x.PBD.unplug(pbd)
    x.SR.forget(sr)
    with pytest.raises(XenAPI.Failure):
        x.SR.get_by_uuid(uuid)
    back = x.SR.introduce(uuid, "Scratch NFS", "made by a test", "nfs", "user", True, {})
    for h in x.host.get_all():
        pbd = x.PBD.create({"host": h, "SR": back, "device_config": config, "other_config": {}})
        x.PBD.plug(pbd)
    assert x.SR.get_uuid(back) == uuid and all(x.PBD.get_currently_attached(p) for p in x.SR.get_PBDs(back))
    with pytest.raises(XenAPI.Failure) as err:
        x.SR.introduce(uuid, "twice", "", "nfs", "user", True, {})
    assert details(err)[0] == "UUID_INVALID"
