"""The deck's XenMotion model as arithmetic: bigger or busier VMs take longer, ordinary VMs
stop for 150-2,000 ms, a VM dirtying memory faster than the link stops longer."""

from __future__ import annotations

from xencenter_py import xenmotion
from xencenter_py.model.actions.migrate import predict

GiB = 1024**3


def test_bigger_vms_take_longer_and_busier_ones_need_more_rounds() -> None:
    small, big = predict(1 * GiB, 2, 0.3), predict(8 * GiB, 2, 0.3)
    assert big.seconds > 4 * small.seconds
    idle, busy = predict(4 * GiB, 4, 0.05), predict(4 * GiB, 4, 0.6)
    assert busy.rounds > idle.rounds and busy.seconds > idle.seconds


def test_downtime_stays_in_the_decks_range_for_ordinary_vms() -> None:
    for memory in (1, 2, 4, 8, 16):
        for vcpus in (1, 2, 4):
            for load in (0.0, 0.2, 0.5, 0.7):
                p = predict(memory * GiB, vcpus, load)
                assert p.converges and 150 <= p.downtime_ms <= 2000, (memory, vcpus, load, p)


def test_faster_than_the_link_stops_longer_but_finishes() -> None:
    p = predict(4 * GiB, 8, 1.0, link_mbit=1000)
    assert not p.converges and p.downtime_ms > 2000 and p.rounds <= xenmotion.MAX_ROUNDS
    slow_link = predict(4 * GiB, 2, 0.5, link_mbit=100)
    assert slow_link.seconds > predict(4 * GiB, 2, 0.5).seconds
