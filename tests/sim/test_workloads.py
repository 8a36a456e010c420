"""The demo pool's workloads follow the seed deck: DBHammer CPU by client count and CPU
generation (EPT or not), office-hours and weekend patterns in the archives, web servers
scaling with their vCPUs."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from tests.conftest import SimProcess
from tests.sim.core_support import xenapi
from xencenter_py.sim import workloads
from xencenter_py.xapi import rrd


@pytest.mark.parametrize(
    ("clients", "ept", "cpu"),
    [(1000, False, 0.700), (1000, True, 0.419), (1600, False, 0.950), (1600, True, 0.648), (200, True, 0.087)],
)
def test_dbhammer_follows_the_decks_table(clients: int, ept: bool, cpu: float) -> None:
    assert workloads.dbhammer_cpu(clients, ept) == pytest.approx(cpu)


def _local(day: int, hour: float) -> float:
    """Epoch seconds of ``hour`` local time on 2026-01-05 + ``day`` (a Monday)."""
    return time.mktime((2026, 1, 5 + day, 0, 0, 0, 0, 0, -1)) + hour * 3600


def test_office_hours_and_weekends() -> None:
    monday_peak, monday_night, saturday = _local(0, 10.5), _local(0, 3), _local(5, 10.5)
    assert workloads.dbhammer_clients(monday_peak) == pytest.approx(1600)
    assert workloads.dbhammer_clients(_local(0, 12.5)) == pytest.approx(1030, abs=1)
    assert workloads.dbhammer_clients(monday_night) == pytest.approx(100)
    assert not workloads.is_weekend(monday_peak) and workloads.is_weekend(saturday)
    assert workloads.dbhammer_clients(saturday) < 250


def test_web_servers_share_the_load_with_multiprocessor_overhead() -> None:
    t = _local(1, 20.5)
    one, two, four = (workloads.web_cpu(t, n) for n in (1, 2, 4))
    assert one > two > four
    assert two * 2 * 0.92 == pytest.approx(one) and four * 4 * 0.78 == pytest.approx(one)


@pytest.fixture
def pool(sim_factory: Callable[..., SimProcess]) -> SimProcess:
    return sim_factory("--seed", "demo", "--speed", "400")


def _sql_cpu(sim: SimProcess, session: str, uuid: str) -> tuple[float, float]:
    """(mean CPU over the newest 5-second rows, the time of the newest row)."""
    answer = httpx.get(
        f"{sim.url}/rrd_updates",
        params=[("session_id", session), ("start", str(int(time.time()) - 30)), ("cf", "AVERAGE"), ("vm_uuid", uuid)],
    )
    assert answer.status_code == 200
    updates = rrd.parse(answer.content, answer.headers["content-type"])
    series = updates.for_object(uuid)
    values = [v for name in ("cpu0", "cpu1", "cpu2", "cpu3") for v in series[name]]
    return sum(values) / len(values), updates.timestamps[-1]


def test_migrating_the_sql_server_to_a_host_without_ept_raises_its_cpu(pool: SimProcess) -> None:
    api = xenapi(pool)
    session = api._session
    vm = api.xenapi.VM.get_by_name_label("SQL Database Server")[0]
    uuid = api.xenapi.VM.get_uuid(vm)
    before, t = _sql_cpu(pool, session, uuid)
    expected = workloads.dbhammer_cpu(workloads.dbhammer_clients(t), True)
    assert before == pytest.approx(expected, rel=0.1)
    # make room on an E5405 host (no EPT), then move the database there
    target = api.xenapi.host.get_by_name_label("xs-demo-02")[0]
    for other in api.xenapi.host.get_resident_VMs(target):
        record = api.xenapi.VM.get_record(other)
        if not record["is_control_domain"] and record["power_state"] == "Running":
            api.xenapi.VM.hard_shutdown(other)
    api.xenapi.VM.pool_migrate(vm, target, {"live": "true"})
    after, t = _sql_cpu(pool, session, uuid)
    expected = workloads.dbhammer_cpu(workloads.dbhammer_clients(t), False)
    assert after == pytest.approx(expected, rel=0.1)
    assert after > before * 1.3
    api.xenapi.session.logout()


def test_the_hourly_archive_shows_day_and_night(pool: SimProcess) -> None:
    api = xenapi(pool)
    session = api._session
    vm = api.xenapi.VM.get_by_name_label("XenApp Server 01")[0]
    answer = httpx.get(f"{pool.url}/vm_rrds", params={"session_id": session, "uuid": api.xenapi.VM.get_uuid(vm)})
    full = rrd.parse_full(answer.content)
    times, series = full.archives[3600]
    busy = [
        v
        for t, v in zip(times, series["cpu0"], strict=True)
        if 10 <= workloads.local_hour(t - 1800) < 11 and not workloads.is_weekend(t)
    ]
    quiet = [v for t, v in zip(times, series["cpu0"], strict=True) if 2 <= workloads.local_hour(t - 1800) < 4]
    assert busy and quiet
    assert min(busy) > 5 * max(quiet)
    days, daily = full.archives[86400]
    weekday = [v for t, v in zip(days, daily["cpu0"], strict=True) if not workloads.is_weekend(t - 43200)]
    weekend = [v for t, v in zip(days, daily["cpu0"], strict=True) if workloads.is_weekend(t - 43200)]
    assert sum(weekday) / len(weekday) > 2 * sum(weekend) / len(weekend)
    api.xenapi.session.logout()
