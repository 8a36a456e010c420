"""Licence editions of a simulated pool (``sim --edition``), after the deck's table: the
free XenServer edition has no HA; Essentials Enterprise and Platinum have it.

An edition sets what a real host reports: ``host.edition``, the licence's
``sku_type``/``sku_marketing_name`` and its ``enable_xha`` feature flag, and the pool's
``restrictions``, so clients decide what is licensed as they do against real servers.
"""

from __future__ import annotations

from xencenter_py.sim.store import Store

EDITIONS: dict[str, tuple[str, bool]] = {
    "free": ("XenServer", False),
    "enterprise": ("Essentials for XenServer, Enterprise Edition", True),
    "platinum": ("Essentials for XenServer, Platinum Edition", True),
}
"""Edition name → (marketing name, HA licensed)."""


def apply_edition(store: Store, edition: str) -> None:
    """License every host of the pool for ``edition`` (one of :data:`EDITIONS`)."""
    marketing, ha = EDITIONS[edition]
    flag = "true" if ha else "false"
    for host, rec in store.all("host").items():
        params = {**rec["license_params"], "sku_type": edition, "sku_marketing_name": marketing, "enable_xha": flag}
        store.update("host", host, {"edition": edition, "license_params": params})
    for pool, rec in store.all("pool").items():
        if "restrictions" in rec:
            store.set("pool", pool, "restrictions", {**rec["restrictions"], "enable_xha": flag})
