"""Build a consistent pool quickly: records are made directly and committed in one pass.

Seeds (demo, standalone, empty, scale) describe a pool with the helpers here; nothing is
written to the store until :meth:`PoolBuilder.commit`, which inserts every record with its
own generation, rebuilds the one-to-many sets from the reverse references, and computes
free memory and ``allowed_operations`` once. That keeps a 5,000-VM pool fast to generate.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import random
import uuid as _uuid
from collections.abc import Iterable
from typing import Any

from xencenter_py.datamodel import NULL_REF
from xencenter_py.sim.behaviours import allowed_ops
from xencenter_py.sim.behaviours.placement import host_free_memory, vm_overhead
from xencenter_py.sim.behaviours.runtime import guest_ip
from xencenter_py.sim.store import Store, StoreError

KiB = 1024
MiB = 1024**2
GiB = 1024**3

BOOT_TIME = _dt.datetime(2026, 11, 2, 8, 30, 0, tzinfo=_dt.UTC)
"""When the demo hosts last booted (fixed, so seeds are reproducible)."""


def _fresh(value: Any) -> Any:
    if type(value) is list:
        return list(value)
    if type(value) is dict:
        return dict(value)
    return value


class PoolBuilder:
    """Collects records for an empty store and writes them all at once."""

    def __init__(self, store: Store, seed: int = 55) -> None:
        self.store = store
        self.items: list[tuple[str, str, dict[str, Any]]] = []
        self.recs: dict[str, dict[str, Any]] = {}
        self._templates: dict[str, dict[str, Any]] = {}
        self._domids: dict[str, int] = {}
        self.random = random.Random(seed)

    # ------------------------------------------------------------------ generic
    def uuid(self) -> str:
        return str(_uuid.UUID(int=self.random.getrandbits(128), version=4))

    def add(self, table: str, /, **fields: Any) -> str:
        """A new record of class ``table`` with datamodel defaults for everything not given."""
        template = self._templates.get(table)
        if template is None:
            template = self._templates[table] = self.store.dm.default_record(table)
        unknown = fields.keys() - template.keys()
        if unknown:
            raise StoreError(f"{table} has no field(s) {sorted(unknown)}")
        rec = {k: _fresh(v) for k, v in template.items()}
        rec.update(fields)
        if "uuid" in rec and not rec["uuid"]:
            rec["uuid"] = self.uuid()
        ref = f"OpaqueRef:{self.uuid()}"
        self.items.append((table, ref, rec))
        self.recs[ref] = rec
        return ref

    def __getitem__(self, ref: str) -> dict[str, Any]:
        return self.recs[ref]

    def mac(self) -> str:
        octets = [self.random.randrange(256) for _ in range(6)]
        octets[0] = (octets[0] & 0xFC) | 0x02
        return ":".join(f"{o:02x}" for o in octets)

    # ------------------------------------------------------------------ commit
    def commit(self) -> None:
        """Write everything to the store, then derive sets, free memory and operations."""
        store = self.store
        gen = store.generation
        for cls, ref, rec in self.items:
            gen += 1
            store.restore(cls, ref, rec, gen, gen)
        store.generation = gen
        store.rebuild_relations()
        for host in store.all("host"):
            metrics = store.all("host_metrics").get(store.get("host", host)["metrics"])
            if metrics is not None:
                metrics["memory_free"] = host_free_memory(store, host)
        for cls in ("VM", "host", "SR", "VDI", "VBD", "VIF"):
            for ref, rec in store.all(cls).items():
                rec["allowed_operations"] = allowed_ops.compute(store, cls, ref)
        store.dirty.update(ref for _, ref, _ in self.items)

    # ------------------------------------------------------------------ pool parts
    def sm(
        self,
        sr_type: str,
        name: str,
        description: str,
        capabilities: Iterable[str],
        configuration: dict[str, str],
        *,
        vendor: str = "Citrix Systems Inc",
        copyright: str = "(C) 2008 Citrix Systems Inc",
        version: str = "1.0",
        driver: str = "",
    ) -> str:
        caps = list(capabilities)
        features = {c.split("/")[0]: int(c.split("/")[1]) if "/" in c else 1 for c in caps}
        return self.add(
            "SM",
            name_label=name,
            name_description=description,
            type=sr_type,
            vendor=vendor,
            copyright=copyright,
            version=version,
            required_api_version="1.0",
            configuration=configuration,
            capabilities=sorted(features),
            features=features,
            driver_filename=f"/opt/xensource/sm/{driver or sr_type.upper() + 'SR'}",
        )

    def network(self, name: str, bridge: str, description: str = "", mtu: int = 1500, **other: str) -> str:
        return self.add(
            "network",
            name_label=name,
            name_description=description,
            bridge=bridge,
            MTU=mtu,
            other_config=dict(other),
        )

    def pif(
        self,
        host: str,
        network: str,
        device: str,
        *,
        vlan: int = -1,
        physical: bool = True,
        management: bool = False,
        ip: str = "",
        netmask: str = "",
        gateway: str = "",
        dns: str = "",
        mac: str = "",
        nic: tuple[str, str] = ("Broadcom Corporation", "NetXtreme II BCM5708 Gigabit Ethernet"),
        **fields: Any,
    ) -> str:
        metrics = self.add(
            "PIF_metrics",
            carrier=True,
            vendor_name=nic[0],
            device_name=nic[1],
            speed=1000,
            duplex=True,
            pci_bus_path=f"0000:0{int(device[-1]) + 3 if device[-1].isdigit() else 9}:00.0",
            last_updated=BOOT_TIME,
        )
        return self.add(
            "PIF",
            host=host,
            network=network,
            device=device,
            MAC=mac or self.mac(),
            MTU=self[network]["MTU"],
            VLAN=vlan,
            physical=physical,
            management=management,
            currently_attached=True,
            ip_configuration_mode="Static" if ip else "None",
            IP=ip,
            netmask=netmask,
            gateway=gateway,
            DNS=dns,
            metrics=metrics,
            **fields,
        )

    def host(
        self,
        name: str,
        address: str,
        *,
        cpu: dict[str, Any],
        memory_total: int,
        dom0_memory: int = 2 * GiB,
        software_version: dict[str, str],
        edition: str,
        license_params: dict[str, str],
        bios: dict[str, str],
        description: str = "Default install",
        api: tuple[int, int] = (2, 21),
    ) -> str:
        """A host with its metrics, physical CPUs, and its control domain."""
        metrics = self.add(
            "host_metrics", memory_total=memory_total, memory_free=memory_total, live=True, last_updated=BOOT_TIME
        )
        threads = cpu["sockets"] * cpu["cores"] * cpu.get("threads", 1)
        cpu_info = {
            "cpu_count": str(threads),
            "socket_count": str(cpu["sockets"]),
            "vendor": "GenuineIntel",
            "speed": cpu["speed"],
            "modelname": cpu["modelname"],
            "family": str(cpu["family"]),
            "model": str(cpu["model"]),
            "stepping": str(cpu["stepping"]),
            "flags": cpu["flags"],
            "features": cpu["features"],
            "features_pv": cpu["features"],
            "features_hvm": cpu["features"],
            "physical_features": cpu["features"],
            "maskable": "full",
        }
        host = self.add(
            "host",
            name_label=name,
            name_description=description,
            hostname=name,
            address=address,
            enabled=True,
            metrics=metrics,
            API_version_major=api[0],
            API_version_minor=api[1],
            API_version_vendor="XenSource",
            software_version=dict(software_version, hostname=name),
            capabilities=["xen-3.0-x86_64", "hvm-3.0-x86_32", "hvm-3.0-x86_32p", "hvm-3.0-x86_64"],
            supported_bootloaders=["pygrub", "eliloader"],
            sched_policy="credit",
            memory_overhead=int(memory_total * 0.0226) // MiB * MiB,
            cpu_info=cpu_info,
            edition=edition,
            license_params=dict(license_params),
            license_server={"address": "localhost", "port": "27000"},
            bios_strings=dict(bios),
            chipset_info={"iommu": "true" if "ept" in cpu["flags"].split() else "false"},
            other_config={
                "iscsi_iqn": f"iqn.2009-06.com.example:{name}",
                "agent_start_time": f"{BOOT_TIME.timestamp() + 95:.0f}.",
                "boot_time": f"{BOOT_TIME.timestamp():.0f}.",
            },
            iscsi_iqn=f"iqn.2009-06.com.example:{name}",
            virtual_hardware_platform_versions=[0, 1, 2],
            editions=["free", "standard", "premium"] if edition != "free" else ["free"],
            logging={},
        )
        for n in range(threads):
            self.add(
                "host_cpu",
                host=host,
                number=n,
                vendor="GenuineIntel",
                speed=int(float(cpu["speed"])),
                modelname=cpu["modelname"],
                family=cpu["family"],
                model=cpu["model"],
                stepping=str(cpu["stepping"]),
                flags=cpu["flags"],
                features=cpu["features"],
                utilisation=0.0,
            )
        dom0 = self.add(
            "VM",
            name_label=f"Control domain on host: {name}",
            name_description="The domain which manages physical devices and manages other domains",
            is_control_domain=True,
            power_state="Running",
            resident_on=host,
            affinity=host,
            domid=0,
            domarch="x64",
            user_version=1,
            memory_static_min=dom0_memory // 2,
            memory_static_max=dom0_memory,
            memory_dynamic_min=dom0_memory,
            memory_dynamic_max=dom0_memory,
            memory_target=dom0_memory,
            memory_overhead=16 * MiB,
            VCPUs_max=min(threads, 16),
            VCPUs_at_startup=min(threads, 16),
            actions_after_shutdown="destroy",
            actions_after_reboot="destroy",
            actions_after_crash="destroy",
            other_config={"is_system_domain": "true"},
            domain_type="pv",
            metrics=self.add(
                "VM_metrics",
                memory_actual=dom0_memory,
                VCPUs_number=min(threads, 16),
                VCPUs_utilisation={i: 0.0 for i in range(min(threads, 16))},
                VCPUs_CPU={i: i for i in range(min(threads, 16))},
                start_time=BOOT_TIME,
                install_time=BOOT_TIME - _dt.timedelta(days=120),
                last_updated=BOOT_TIME,
                current_domain_type="pv",
            ),
        )
        self[host]["control_domain"] = dom0
        self.console(dom0, host)
        self._domids[host] = 0
        return host

    def console(self, vm: str, host: str) -> str:
        address = self[host]["address"]
        return self.add(
            "console",
            VM=vm,
            protocol="rfb",
            location=f"https://{address}/console?uuid={self[vm]['uuid']}",
        )

    def sr(
        self,
        name: str,
        sr_type: str,
        *,
        hosts: list[str],
        content_type: str = "user",
        shared: bool = False,
        size: int = 0,
        description: str = "",
        device_config: dict[str, str] | None = None,
        sm_config: dict[str, str] | None = None,
        other_config: dict[str, str] | None = None,
        **fields: Any,
    ) -> str:
        """An SR with a plugged PBD on each of ``hosts``."""
        sr = self.add(
            "SR",
            name_label=name,
            name_description=description,
            type=sr_type,
            content_type=content_type,
            shared=shared,
            physical_size=size if size else -1,
            physical_utilisation=0 if size else -1,
            virtual_allocation=0,
            sm_config=sm_config or {},
            other_config=other_config or {},
            **fields,
        )
        for host in hosts:
            self.add(
                "PBD",
                host=host,
                SR=sr,
                device_config=dict(device_config or {}),
                currently_attached=True,
                other_config={"storage_driver_domain": self[host]["control_domain"]},
            )
        return sr

    def vdi(
        self,
        sr: str,
        name: str,
        size: int,
        *,
        description: str = "",
        type: str = "user",
        thin: bool = False,
        used: int | None = None,
        **fields: Any,
    ) -> str:
        """A disk on ``sr``; the SR's utilisation and allocation follow."""
        physical = used if used is not None else (size // 4 if thin else size)
        uuid = self.uuid()
        ref = self.add(
            "VDI",
            uuid=uuid,
            name_label=name,
            name_description=description,
            SR=sr,
            virtual_size=size,
            physical_utilisation=physical,
            type=type,
            location=fields.pop("location", uuid),
            managed=True,
            sm_config=fields.pop("sm_config", {"vdi_type": "vhd"}),
            **fields,
        )
        sr_rec = self[sr]
        if sr_rec["physical_size"] > 0:
            sr_rec["physical_utilisation"] += physical
            sr_rec["virtual_allocation"] += size
        return ref

    def vbd(self, vm: str, vdi: str, userdevice: str, *, cd: bool = False, bootable: bool = False) -> str:
        attached = self[vm]["power_state"] in ("Running", "Paused") and vdi != NULL_REF
        device = ("hd" if cd else "xvd") + "abcdefghijklmnop"[int(userdevice)]
        return self.add(
            "VBD",
            VM=vm,
            VDI=vdi,
            userdevice=userdevice,
            device=device if self[vm]["power_state"] != "Halted" else "",
            bootable=bootable,
            mode="RO" if cd else "RW",
            type="CD" if cd else "Disk",
            empty=vdi == NULL_REF,
            unpluggable=not bootable,
            currently_attached=attached,
        )

    def vif(self, vm: str, network: str, device: str) -> str:
        return self.add(
            "VIF",
            VM=vm,
            network=network,
            device=device,
            MAC=self.mac(),
            MAC_autogenerated=True,
            MTU=self[network]["MTU"],
            currently_attached=self[vm]["power_state"] in ("Running", "Paused"),
            locking_mode="network_default",
        )

    def vm(
        self,
        name: str,
        *,
        memory: int,
        vcpus: int,
        power: str = "Halted",
        host: str = NULL_REF,
        affinity: str = NULL_REF,
        hvm: bool = True,
        shadow: float = 1.0,
        description: str = "",
        os: dict[str, str] | None = None,
        tools: tuple[int, int, int, int] | None = None,
        disks: Iterable[tuple[str, int]] = (),
        cd: str | None = NULL_REF,
        networks: Iterable[str] = (),
        started: _dt.datetime | None = None,
        platform: dict[str, str] | None = None,
        other_config: dict[str, str] | None = None,
        tags: list[str] | None = None,
        **fields: Any,
    ) -> str:
        """A VM with metrics, disks (``(sr, size)``), a CD drive and VIFs on ``networks``.

        ``tools`` is the PV driver version (major, minor, micro, build) of a guest whose
        agent reports; ``os`` the guest's ``os_version`` map.
        """
        running = power in ("Running", "Paused")
        start_time = started or BOOT_TIME + _dt.timedelta(minutes=5 + self.random.randrange(600))
        metrics = self.add(
            "VM_metrics",
            memory_actual=memory if running else 0,
            VCPUs_number=vcpus if running else 0,
            VCPUs_utilisation={i: 0.0 for i in range(vcpus)} if running else {0: 0.0},
            VCPUs_CPU={i: i for i in range(vcpus)} if running else {},
            start_time=start_time if running else _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC),
            install_time=BOOT_TIME - _dt.timedelta(days=30 + self.random.randrange(300)),
            last_updated=start_time if running else BOOT_TIME,
            state=["paused"] if power == "Paused" else [],
            hvm=hvm and running,
            current_domain_type=("hvm" if hvm else "pv") if running else "unspecified",
        )
        if hvm:
            boot = {
                "HVM_boot_policy": "BIOS order",
                "HVM_boot_params": {"order": "dc"},
                "platform": platform or {"acpi": "1", "apic": "true", "pae": "true", "viridian": "true", "nx": "true"},
                "domain_type": "hvm",
            }
        else:
            boot = {
                "PV_bootloader": "pygrub",
                "platform": platform or {"acpi": "1", "apic": "true", "pae": "true", "nx": "true"},
                "domain_type": "pv",
            }
        other = {"mac_seed": self.uuid(), **(other_config or {})}
        if running and not host:
            raise StoreError(f"running VM {name} needs a host")
        if running:
            self._domids[host] = self._domids.get(host, 0) + 1
        ref = self.add(
            "VM",
            name_label=name,
            name_description=description,
            power_state=power,
            resident_on=host if running else NULL_REF,
            affinity=affinity,
            domid=self._domids[host] if running else -1,
            user_version=1,
            memory_static_min=min(memory, 512 * MiB) // 2 if hvm else min(memory, 256 * MiB),
            memory_static_max=memory,
            memory_dynamic_min=memory,
            memory_dynamic_max=memory,
            memory_target=memory,
            VCPUs_max=vcpus,
            VCPUs_at_startup=vcpus,
            HVM_shadow_multiplier=shadow,
            actions_after_shutdown="destroy",
            actions_after_reboot="restart",
            actions_after_crash="restart",
            metrics=metrics,
            other_config=other,
            tags=tags or [],
            **boot,
            **fields,
        )
        rec = self[ref]
        rec["memory_overhead"] = vm_overhead(rec)
        if running:
            features = self[host]["cpu_info"].get("features", "")
            rec["last_boot_CPU_flags"] = {"vendor": "GenuineIntel", "features": features}
            self.console(ref, host)
        for i, (sr, size) in enumerate(disks):
            vdi = self.vdi(
                sr,
                f"{name} {i}" if i else name,
                size,
                description="Created by template provisioner",
                type="system" if i == 0 else "user",
                thin=self[sr]["type"] in ("ext", "nfs", "netapp", "equal", "cslg"),
            )
            self.vbd(ref, vdi, str(i), bootable=i == 0)
        if cd is not None:
            self.vbd(ref, cd, "3", cd=True)
        vifs = [self.vif(ref, net, str(i)) for i, net in enumerate(networks)]
        if tools is not None:
            rec["guest_metrics"] = self.guest_metrics(os or {}, tools, live=running, vifs=vifs)
        return ref

    def guest_metrics(
        self, os: dict[str, str], tools: tuple[int, int, int, int], *, live: bool, vifs: Iterable[str] = ()
    ) -> str:
        """What the guest agent reports: OS, PV driver version, and (while live) addresses."""
        networks: dict[str, str] = {}
        if live:
            for vif in vifs:
                ip = guest_ip(self[vif]["uuid"], 0)
                networks[f"{self[vif]['device']}/ip"] = ip
                networks[f"{self[vif]['device']}/ipv4/0"] = ip
        major, minor, micro, build = tools
        windows = os.get("distro") == "windows"
        other = {"feature-shutdown": "1", "feature-suspend": "1", "feature-poweroff": "1", "feature-reboot": "1"}
        other["feature-balloon"] = "1"
        if windows:
            other["feature-static-ip-setting"] = "1"
        return self.add(
            "VM_guest_metrics",
            os_version=dict(os),
            PV_drivers_version={"major": str(major), "minor": str(minor), "micro": str(micro), "build": str(build)},
            PV_drivers_up_to_date=True,
            PV_drivers_detected=True,
            networks=networks,
            other=other,
            live=live,
            can_use_hotplug_vbd="yes",
            can_use_hotplug_vif="yes",
            last_updated=BOOT_TIME + _dt.timedelta(minutes=15),
        )

    def message(self, name: str, priority: int, cls: str, obj: str, body: str, when: _dt.datetime) -> str:
        return self.add(
            "message", name=name, priority=priority, cls=cls, obj_uuid=self[obj]["uuid"], body=body, timestamp=when
        )


def stable_hex(text: str, length: int = 32) -> str:
    """A deterministic hex string (serial numbers, SCSI ids) derived from ``text``."""
    return hashlib.sha1(text.encode()).hexdigest()[:length]
