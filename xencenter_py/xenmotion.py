"""XenMotion as the 2009 deck explains it, as arithmetic: iterative pre-copy of memory over
the migration link, re-copying the pages dirtied meanwhile, then stop-and-copy of the few
that remain.

Pure Python with no I/O: the simulator runs a migration by this model and the console
predicts one with it (from the VM's memory, its dirty rate and the link) before the user
confirms, so the prediction and the simulated outcome agree by construction and a real
pool's measured figures can be compared with the same model.
"""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024**2

DEFAULT_LINK_MBIT = 1000.0
"""The simulated migration network: gigabit Ethernet."""

LINK_EFFICIENCY = 0.92
"""Share of the line rate a TCP stream of memory pages achieves."""

DIRTY_MIB_PER_BUSY_VCPU = 25.0
"""Memory a fully busy vCPU dirties per second (MiB/s); the dirty rate scales with load."""

WRITABLE_WORKING_SET = 0.25
"""The share of memory a guest rewrites at all: pages dirtied in one round never exceed it."""

STOP_THRESHOLD = 48 * MiB
"""Pre-copy stops when no more than this remains dirty (the deck's "a few pages")."""

MAX_ROUNDS = 30
"""Xen gives up iterating after about 30 rounds and stops the VM anyway."""

MIN_SHRINK = 0.9
"""A round must leave less than 90% of the previous round's dirty memory to be worth another."""

SWITCH_OVERHEAD_S = 0.15
"""Suspending, resuming and re-announcing the domain (MAC tables) at the switch-over."""


def link_bytes_per_second(mbit_per_s: float) -> float:
    return max(mbit_per_s, 1.0) * 1e6 / 8 * LINK_EFFICIENCY


def dirty_bytes_per_second(load: float, vcpus: int) -> float:
    """The dirty-page rate of a guest whose vCPUs are ``load`` (0..1) busy on average."""
    return max(0.0, min(load, 1.0)) * max(vcpus, 1) * DIRTY_MIB_PER_BUSY_VCPU * MiB


@dataclass(frozen=True)
class MigrationPlan:
    """How a live migration goes: bytes copied per pre-copy round, then the stop-and-copy."""

    rounds: tuple[int, ...]  # bytes sent in each pre-copy round (round 1 = all memory)
    final_bytes: int  # bytes copied while the VM is stopped
    link: float  # bytes per second

    @property
    def precopy_seconds(self) -> float:
        return sum(self.rounds) / self.link

    @property
    def downtime_seconds(self) -> float:
        return SWITCH_OVERHEAD_S + self.final_bytes / self.link

    @property
    def total_seconds(self) -> float:
        return self.precopy_seconds + self.downtime_seconds

    @property
    def converged(self) -> bool:
        """False when the guest dirties memory faster than the link copies it."""
        return self.final_bytes <= STOP_THRESHOLD


def plan(memory: int, dirty_rate: float, mbit_per_s: float = DEFAULT_LINK_MBIT) -> MigrationPlan:
    """The pre-copy rounds of migrating ``memory`` bytes dirtied at ``dirty_rate`` bytes/s."""
    link = link_bytes_per_second(mbit_per_s)
    working_set = max(int(memory * WRITABLE_WORKING_SET), 1)
    rounds = [max(memory, 0)]
    while True:
        dirtied = int(min(dirty_rate * rounds[-1] / link, working_set))
        if dirtied <= STOP_THRESHOLD or len(rounds) >= MAX_ROUNDS:
            break
        if len(rounds) > 1 and dirtied >= rounds[-1] * MIN_SHRINK:
            break
        rounds.append(dirtied)
    return MigrationPlan(tuple(rounds), dirtied, link)
