"""A pool with one host and nothing else (``--seed empty``)."""

from __future__ import annotations

from xencenter_py.sim.store import Store

GiB = 1024**3


def build(store: Store) -> None:
    metrics = store.add("host_metrics", {"live": True, "memory_total": 32 * GiB, "memory_free": 30 * GiB})
    host = store.add(
        "host",
        {
            "name_label": "xenserver-01",
            "hostname": "xenserver-01",
            "address": "127.0.0.1",
            "enabled": True,
            "metrics": metrics,
            "API_version_major": 2,
            "API_version_minor": 21,
            "API_version_vendor": "XenSource",
            "software_version": {
                "product_brand": "XenServer",
                "product_version": "8.4.0",
                "platform_version": "3.4.0",
                "xapi": "24.19",
                "build_number": "sim",
            },
            "memory_overhead": 512 * 1024**2,
        },
    )
    store.add(
        "VM",
        {
            "name_label": "Control domain on host: xenserver-01",
            "is_control_domain": True,
            "power_state": "Running",
            "resident_on": host,
            "domid": 0,
            "memory_static_max": 4 * GiB,
            "memory_dynamic_max": 4 * GiB,
            "memory_dynamic_min": 4 * GiB,
            "memory_target": 4 * GiB,
            "VCPUs_max": 4,
            "VCPUs_at_startup": 4,
        },
    )
    store.add("pool", {"name_label": "", "master": host})
