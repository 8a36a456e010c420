"""The demo pool (``--seed demo``): three hosts modelled on the XenServer 5.5 reference deck.

Two Xeon E5405 hosts (2 x 4 cores, 2.0 GHz, no EPT) and one Xeon E5570 (Nehalem, EPT);
XenApp farm, database and web servers, Windows and Linux guests with and without tools,
suspended, paused and halted VMs, a snapshot tree, Japanese-named VMs; one SR of every
row of the deck's storage table plus ISO library, DVD drives, removable storage and the
hidden Tools SR; management, storage, bonded, VLAN and internal networks; a few alerts.
"""

from __future__ import annotations

import datetime as _dt

from xencenter_py.datamodel import NULL_REF
from xencenter_py.sim.members import member_address
from xencenter_py.sim.seeds.builder import BOOT_TIME, GiB, MiB, PoolBuilder, stable_hex
from xencenter_py.sim.seeds.common import XEON_E5405, XEON_E5570, add_drivers, add_pool, license_params
from xencenter_py.sim.seeds.parts import (
    CENTOS_7,
    DEBIAN_12,
    WIN2012,
    WIN_TOOLS,
    WINDOWS_2008,
    WINDOWS_2012,
    add_default_templates,
    add_dvd_drive,
    add_host,
    add_iscsi_sr,
    add_local_storage,
    add_management_pif,
    add_nfs_sr,
    add_removable_storage,
    add_tools_sr,
    lun_sm_config,
    running_on,
)
from xencenter_py.sim.store import Store

TiB = 1024**4


def _wire_host(b: PoolBuilder, host: str, n: int, nets: dict[str, str]) -> None:
    """eth0 management, eth1 storage, eth2+eth3 bonded, VLAN 100 on the bond, eth4 and eth5
    free (for new bonds and VLANs)."""
    add_management_pif(b, host, nets["management"])
    b.pif(
        host,
        nets["storage"],
        "eth1",
        ip=f"127.0.20.1{n}",
        netmask="255.255.255.0",
        other_config={"management_purpose": "Storage"},
        disallow_unplug=True,
    )
    slaves = [
        b.pif(host, nets[dev], dev, nic=("Intel Corporation", "82571EB Gigabit Ethernet")) for dev in ("eth2", "eth3")
    ]
    master = b.pif(host, nets["bond"], "bond0", physical=False, mac=b[slaves[0]]["MAC"])
    bond = b.add("Bond", master=master, primary_slave=slaves[0], mode="balance-slb", links_up=2)
    for slave in slaves:
        b[slave]["bond_slave_of"] = bond
    vlan_pif = b.pif(host, nets["vlan"], "bond0", vlan=100, physical=False, mac=b[master]["MAC"])
    vlan = b.add("VLAN", tagged_PIF=master, untagged_PIF=vlan_pif, tag=100)
    b[vlan_pif]["VLAN_master_of"] = vlan
    for dev in ("eth4", "eth5"):
        b.pif(host, nets[dev], dev, nic=("Intel Corporation", "82576 Gigabit Network Connection"))


def _local_storage(b: PoolBuilder, host: str, name: str, sr_type: str, n: int, size: int) -> str:
    serial = f"scsi-SATA_ST3500320NS_9QM{stable_hex(name + str(n), 5).upper()}"
    return add_local_storage(b, host, size, sr_type=sr_type, serial=serial, description=f"Local storage on {name}")


def build(store: Store) -> None:
    b = PoolBuilder(store)
    add_drivers(b)

    # ------------------------------------------------------------------ hosts
    specs = [
        ("xs-demo-01", XEON_E5405, 24, ("Dell Inc.", "PowerEdge 2950")),
        ("xs-demo-02", XEON_E5405, 24, ("Dell Inc.", "PowerEdge 2950")),
        ("xs-demo-03", XEON_E5570, 32, ("Dell Inc.", "PowerEdge R710")),
    ]
    hosts = [
        add_host(
            b,
            name,
            member_address(n),
            cpu=cpu,
            memory_total=mem * GiB - 180 * MiB,
            serial=stable_hex(name, 7).upper(),
            model=model,
        )
        for n, (name, cpu, mem, model) in enumerate(specs, start=1)
    ]
    h1, h2, h3 = hosts

    # ------------------------------------------------------------------ networks
    nets = {
        "management": b.network(
            "Pool-wide network associated with eth0", "xenbr0", "Management network", automatic="true"
        ),
        "storage": b.network("Storage network", "xenbr1", "iSCSI and NFS traffic (eth1)", automatic="false"),
        "eth2": b.network("Pool-wide network associated with eth2", "xenbr2", automatic="false"),
        "eth3": b.network("Pool-wide network associated with eth3", "xenbr3", automatic="false"),
        "eth4": b.network("Pool-wide network associated with eth4", "xenbr4", automatic="false"),
        "eth5": b.network("Pool-wide network associated with eth5", "xenbr5", automatic="false"),
        "bond": b.network("Bond 2+3", "xapi1", "Bonded guest network (eth2 + eth3)", automatic="true"),
        "vlan": b.network("DMZ (VLAN 100)", "xapi2", "Web servers facing the internet"),
        "internal": b.network("Build network", "xapi3", "Private network between build machines"),
    }
    b.network(
        "Host internal management network",
        "xenapi",
        "Network on which guests will be assigned a private link-local IP address which can be used to talk XenAPI",
        is_guest_installer_network="true",
        is_host_internal_management_network="true",
        ip_begin="169.254.0.1",
        ip_end="169.254.255.254",
        netmask="255.255.0.0",
    )
    for n, host in enumerate(hosts, start=1):
        _wire_host(b, host, n, nets)

    # ------------------------------------------------------------------ storage (one SR per table row)
    local1 = _local_storage(b, h1, "xs-demo-01", "lvm", 1, 450 * GiB)
    local2 = _local_storage(b, h2, "xs-demo-02", "ext", 2, 450 * GiB)
    local3 = _local_storage(b, h3, "xs-demo-03", "lvhd", 3, 900 * GiB)
    b[local2]["name_label"] = "Local EXT storage"
    b[local3]["name_label"] = "Local LVHD storage"
    b[local3]["sm_config"]["allocation"] = "thin"  # the deck's table: LVHD is sparse
    nfs = add_nfs_sr(b, hosts, "127.0.20.5", "/vol/xenserver", 2 * TiB)
    iscsi = add_iscsi_sr(
        b,
        hosts,
        "127.0.20.50",
        "iqn.2009-06.com.example:storage.lun1",
        TiB,
        scsi_id="36" + stable_hex("iscsi", 31),
        other_config={"auto-scan": "false"},
    )
    fc_id = "36" + stable_hex("fc", 31)
    fc = b.sr(
        "Fibre Channel storage",
        "lvmohba",
        hosts=hosts,
        shared=True,
        size=2 * TiB,
        content_type="",
        description="Hardware HBA SR [HP - /dev/disk/by-id/scsi-" + fc_id + "]",
        device_config={"SCSIid": fc_id},
        sm_config=lun_sm_config(fc_id),
    )
    netapp = b.sr(
        "NetApp storage",
        "netapp",
        hosts=hosts,
        shared=True,
        size=4 * TiB,
        description="NetApp filer fas3140.example.local, aggregate aggr1",
        device_config={
            "target": "fas3140.example.local",
            "username": "root",
            "aggregate": "aggr1",
            "FlexVols": "8",
            "allocation": "thin",
        },
    )
    equal = b.sr(
        "Dell EqualLogic storage",
        "equal",
        hosts=hosts,
        shared=True,
        size=3 * TiB,
        description="EqualLogic group eql-grp1.example.local, pool default",
        device_config={
            "target": "eql-grp1.example.local",
            "username": "grpadmin",
            "storagepool": "default",
            "allocation": "thin",
        },
    )
    cslg = b.sr(
        "StorageLink SMI-S storage",
        "cslg",
        hosts=hosts,
        shared=True,
        size=5 * TiB,
        description="StorageLink Gateway: EMC CLARiiON CX4 through SMI-S",
        device_config={
            "target": "cslg.example.local",
            "username": "admin",
            "adapterid": "SMIS_ADAPTER",
            "storageSystemId": "EMC__CLARiiON__APM00083402397",
            "storagePoolId": "00000000000000000000000000000001",
        },
        sm_config={"provision-type": "thin"},
    )
    for lun_sr in (iscsi, fc):
        b[lun_sr]["sm_config"]["allocation"] = "thin"  # the deck's table: LVHD on LUNs is sparse
    isos = b.sr(
        "ISO library",
        "iso",
        hosts=hosts,
        shared=True,
        content_type="iso",
        description="NFS ISO Library [nas01.example.local:/export/iso]",
        device_config={"location": "nas01.example.local:/export/iso", "type": "nfs_iso"},
    )
    iso_files = {
        name: b.vdi(isos, name, size, location=name, sm_config={})
        for name, size in (
            ("SW_DVD9_Win_Server_STD_CORE_2022.iso", 5_365_624_832),
            ("en_windows_server_2008_r2_with_sp1_x64.iso", 3_166_720_000),
            ("CentOS-7-x86_64-DVD-2009.iso", 4_712_300_544),
            ("debian-12.5.0-amd64-netinst.iso", 659_554_304),
            ("ubuntu-22.04.4-live-server-amd64.iso", 2_104_408_064),
            ("ja_windows_10_business_editions_x64.iso", 5_843_896_320),
        )
    }
    add_tools_sr(b, hosts)
    for host in hosts:
        add_dvd_drive(b, host)
        add_removable_storage(b, host)

    # ------------------------------------------------------------------ VMs
    mgmt, bond, vlan, internal = nets["management"], nets["bond"], nets["vlan"], nets["internal"]
    for i, host in enumerate((h1, h1, h2, h2), start=1):
        b.vm(
            f"XenApp Server 0{i}",
            description="Citrix XenApp 6.5 farm member (published desktops)",
            memory=3584 * MiB,
            vcpus=2,
            shadow=4.0,
            **running_on(host),
            **WINDOWS_2008,
            disks=[(nfs, 40 * GiB)],
            networks=[bond],
            tags=["XenApp"],
            other_config={"simulator-workload": "xenapp"},
        )
    b.vm(
        "SQL Database Server",
        description="SQL Server 2012 for the XenApp data store",
        memory=7 * GiB,
        vcpus=4,
        **running_on(h3),
        **WINDOWS_2012,
        disks=[(iscsi, 60 * GiB), (iscsi, 200 * GiB)],
        networks=[bond, nets["storage"]],
        tags=["Production"],
        other_config={"simulator-workload": "dbhammer"},
    )
    for vcpus, host, sr in ((1, h1, netapp), (2, h2, equal), (4, h3, cslg)):
        b.vm(
            f"Web Server {vcpus}",
            description=f"Apache front end ({vcpus} vCPU)",
            memory=vcpus * GiB,
            vcpus=vcpus,
            **running_on(host),
            **CENTOS_7,
            disks=[(sr, 20 * GiB)],
            networks=[vlan, mgmt],
            tags=["Web"],
            other_config={"simulator-workload": "web"},
        )
    b.vm(
        "Windows 7 Desktop",
        description="Pilot desktop; XenServer Tools not installed yet",
        memory=2 * GiB,
        vcpus=2,
        power="Running",
        host=h1,
        disks=[(fc, 32 * GiB)],
        networks=[mgmt],
        cd=iso_files["ja_windows_10_business_editions_x64.iso"],
    )
    b.vm(
        "Ubuntu Desktop (no tools)",
        description="Ubuntu 22.04 installed from media, guest agent not installed",
        memory=2 * GiB,
        vcpus=2,
        **running_on(h2),
        disks=[(local2, 20 * GiB)],
        networks=[mgmt],
    )
    b.vm(
        "営業部ファイルサーバー",
        description="営業部の共有フォルダー (Windows Server 2012 R2)",
        memory=4 * GiB,
        vcpus=2,
        **running_on(h2),
        **WINDOWS_2012,
        disks=[(local2, 40 * GiB), (local2, 100 * GiB)],
        networks=[mgmt],
        tags=["営業部"],
    )
    b.vm(
        "Build Agent (paused)",
        description="CI build agent, paused while the build network is rewired",
        memory=2 * GiB,
        vcpus=2,
        power="Paused",
        host=h2,
        affinity=h2,
        **DEBIAN_12,
        disks=[(nfs, 16 * GiB)],
        networks=[internal],
    )
    exchange = b.vm(
        "Exchange Server 2010",
        description="Mail server, suspended for the maintenance window",
        memory=4 * GiB,
        vcpus=2,
        power="Suspended",
        affinity=h2,
        **WINDOWS_2008,
        disks=[(nfs, 60 * GiB)],
        networks=[bond],
    )
    b[exchange]["suspend_VDI"] = b.vdi(
        nfs, "Suspend image for Exchange Server 2010", 4 * GiB + 2 * MiB, type="suspend", description="Suspend image"
    )
    b.vm(
        "Windows Server 2019 Staging",
        description="Staging server for the next release",
        memory=4 * GiB,
        vcpus=2,
        affinity=h3,
        os={**WIN2012, "name": "Microsoft Windows Server 2019 Standard|C:\\Windows|\\Device\\Harddisk0\\Partition2"},
        tools=WIN_TOOLS,
        disks=[(nfs, 40 * GiB)],
        networks=[mgmt],
    )
    b.vm(
        "CentOS 7 Test",
        description="Scratch machine for package tests",
        memory=1 * GiB,
        vcpus=1,
        affinity=h1,
        **CENTOS_7,
        disks=[(local1, 10 * GiB)],
        networks=[mgmt],
    )
    b.vm(
        "経理システム",
        description="月次決算用の会計アプリケーション",
        memory=2 * GiB,
        vcpus=2,
        affinity=h3,
        **WINDOWS_2008,
        disks=[(iscsi, 40 * GiB)],
        networks=[bond],
        tags=["経理部"],
    )
    b.vm(
        "テスト用 VM",
        description="検証用の仮想マシン",
        memory=1 * GiB,
        vcpus=1,
        affinity=h3,
        disks=[(local3, 16 * GiB)],
        networks=[mgmt],
        cd=iso_files["ubuntu-22.04.4-live-server-amd64.iso"],
    )
    b.vm(
        "Big Data Analytics",
        description="Needs more memory than any single server has free",
        memory=40 * GiB,
        vcpus=8,
        **CENTOS_7,
        disks=[(nfs, 100 * GiB)],
        networks=[bond],
    )
    dev = b.vm(
        "Dev Server",
        description="Development server with a tree of snapshots",
        memory=2 * GiB,
        vcpus=2,
        **running_on(h3),
        **DEBIAN_12,
        disks=[(nfs, 20 * GiB)],
        networks=[mgmt, internal],
        tags=["開発"],
    )
    _snapshot_tree(b, dev, nfs)

    # ------------------------------------------------------------------ templates
    add_default_templates(b)
    golden = b.vm(
        "XenApp 6.5 Golden Image",
        description="Sysprepped XenApp server image; create farm members from this template",
        memory=3584 * MiB,
        vcpus=2,
        shadow=4.0,
        **WINDOWS_2008,
        disks=[(nfs, 40 * GiB)],
        networks=[bond],
        is_a_template=True,
    )
    b[golden]["other_config"]["base_template_name"] = "Windows Server 2008 R2 (64-bit)"
    b.vm(
        "CentOS Web Server Template",
        description="Hardened CentOS 7 with Apache, ready to clone",
        memory=1 * GiB,
        vcpus=1,
        **CENTOS_7,
        disks=[(nfs, 20 * GiB)],
        networks=[vlan],
        is_a_template=True,
    )

    pool = add_pool(b, "Demo Pool", h1, nfs, name_description="XenServer 5.5 reference deck pool")
    b[pool]["restrictions"] = {k: v for k, v in license_params("premium", 2).items() if k.startswith("restrict")}
    _alerts(b, pool, hosts, iscsi)
    b.commit()


def _snapshot_tree(b: PoolBuilder, vm: str, sr: str) -> None:
    """Fresh install → before upgrade → after upgrade (a checkpoint), and a branch."""
    base = BOOT_TIME - _dt.timedelta(days=60)
    disk = next(rec["VDI"] for _, _, rec in reversed(b.items) if rec.get("VM") == vm and rec.get("type") == "Disk")
    specs = [
        ("Fresh install", base, NULL_REF, "Halted"),
        ("Before kernel upgrade", base + _dt.timedelta(days=40), 0, "Halted"),
        ("After kernel upgrade", base + _dt.timedelta(days=41), 1, "Suspended"),
        ("Experiment: new toolchain", base + _dt.timedelta(days=50), 0, "Halted"),
    ]
    made: list[str] = []
    src = b[vm]
    vifs = [ref for _, ref, rec in b.items if rec.get("VM") == vm and "MAC" in rec]
    for name, when, parent, state in specs:
        snap = b.vm(
            name,
            description=f"Snapshot of {src['name_label']}",
            memory=src["memory_static_max"],
            vcpus=src["VCPUs_max"],
            hvm=False,
            cd=None,
            is_a_snapshot=True,
            is_a_template=True,
            snapshot_of=vm,
            snapshot_time=when,
            parent=made[parent] if isinstance(parent, int) else NULL_REF,
            snapshot_info={"power-state-at-snapshot": "Running"},
            tags=list(src["tags"]),
        )
        vdi = b.vdi(
            sr,
            b[disk]["name_label"],
            b[disk]["virtual_size"],
            used=2 * GiB,
            is_a_snapshot=True,
            snapshot_of=disk,
            snapshot_time=when,
        )
        b.vbd(snap, vdi, "0", bootable=True)
        for i, vif in enumerate(vifs):
            b.vif(snap, b[vif]["network"], str(i))
        if state == "Suspended":
            b[snap]["power_state"] = "Suspended"
            b[snap]["suspend_VDI"] = b.vdi(sr, f"Suspend image for {name}", src["memory_static_max"], type="suspend")
        made.append(snap)
    b[vm]["parent"] = made[2]


def _alerts(b: PoolBuilder, pool: str, hosts: list[str], iscsi: str) -> None:
    """A few historic messages, as the Alerts view shows them."""
    day = _dt.timedelta(days=1)
    sql = next(ref for ref, rec in b.recs.items() if rec.get("name_label") == "SQL Database Server")
    staging = next(ref for ref, rec in b.recs.items() if rec.get("name_label") == "Windows Server 2019 Staging")
    b.message(
        "ALARM",
        3,
        "VM",
        sql,
        'value: 0.967000\nconfig:\n<variable>\n\t<name value="cpu_usage"/>\n\t<alarm_trigger_level value="0.9"/>\n'
        '\t<alarm_trigger_period value="60"/>\n\t<alarm_auto_inhibit_period value="3600"/>\n</variable>\n',
        BOOT_TIME + 3 * day,
    )
    b.message(
        "MULTIPATH_PERIODIC_ALERT",
        3,
        "Host",
        hosts[1],
        f"Unhealthy paths:\n[20261105T09:12:44Z] host={b[hosts[1]]['uuid']}; SR={b[iscsi]['uuid']}; "
        "paths 1 of 2 active",
        BOOT_TIME + 4 * day,
    )
    b.message(
        "HA_POOL_DROP_IN_PLAN_EXISTS_FOR",
        3,
        "Pool",
        pool,
        "The number of host failures the pool can tolerate has dropped to 0.",
        BOOT_TIME + 6 * day,
    )
    b.message(
        "VM_SHUTDOWN",
        5,
        "VM",
        staging,
        "VM 'Windows Server 2019 Staging' shutdown",
        BOOT_TIME + 8 * day,
    )
    b.message(
        "LICENSE_EXPIRES_SOON",
        2,
        "Host",
        hosts[0],
        "The license for xs-demo-01 expires on 2030-12-31.",
        BOOT_TIME + 9 * day,
    )
