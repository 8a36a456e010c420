"""Recording every live host of a pool into the local history, whether or not its graphs
are open (the Options setting "keep the history of every server"): one archive keeper per
host, held as long as the recorder runs, so a user can later look at 6 to 48 hours of
any server at full resolution."""

from __future__ import annotations

from typing import Any

from xencenter_py.model.perf.keeper import ArchiveKeeper, KeeperRegistry, registry


class PoolRecorder:
    """Holds a keeper for each live host of ``connection``; follows hosts that come and go."""

    def __init__(self, connection: Any, keepers: KeeperRegistry = registry) -> None:
        self.connection = connection
        self.registry = keepers
        self.held: dict[str, ArchiveKeeper] = {}
        self._unsubscribe = connection.cache.subscribe(self._changed)
        self.sync()

    def sync(self) -> None:
        """Hold the live hosts, let go of the others."""
        live = {h.ref: h for h in self.connection.cache.all("host") if h.is_live}
        for ref in [r for r in self.held if r not in live]:
            self.registry.release(self.held.pop(ref))
        for ref, host in live.items():
            if ref not in self.held:
                self.held[ref] = self.registry.acquire(self.connection, host)

    def _changed(self, batch: list[Any]) -> None:
        if any(c.cls in ("host", "host_metrics") for c in batch):
            self.sync()

    def stop(self) -> None:
        self._unsubscribe()
        for keeper in self.held.values():
            self.registry.release(keeper)
        self.held.clear()
