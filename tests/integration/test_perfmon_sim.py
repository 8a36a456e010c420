"""The simulator honours the perfmon thresholds the Alerts page writes: a value past its
level for the trigger period raises one ALARM message, then stays quiet."""

from __future__ import annotations

from tests.conftest import SimProcess
from tests.model.waiting import wait_until
from xencenter_py.model import org
from xencenter_py.model.connection import Connection


def alarms(conn: Connection, uuid: str) -> list[dict]:
    return [m.record for m in conn.cache.all("message") if m.get("name") == "ALARM" and m.get("obj_uuid") == uuid]


async def test_thresholds_raise_alarms(sim_factory) -> None:
    sim: SimProcess = sim_factory("--seed", "demo", "--speed", "50")
    conn = Connection(sim.url, "root", sim.password)
    await conn.connect()
    try:
        vm = next(v for v in conn.cache.all("VM") if v.name == "Dev Server")
        host = conn.cache.all("host")[0]
        assert vm.power_state == "Running" and not alarms(conn, vm.uuid)
        busy = org.perfmon_xml([org.PerfmonDefinition("cpu_usage", 0.0, 30, 3600)])  # always past
        await conn.call("VM.add_to_other_config", vm.ref, org.PERFMON_KEY, busy)
        low = org.perfmon_xml([org.PerfmonDefinition("memory_free_kib", 10**12, 30, 3600)])  # always below
        await conn.call("host.add_to_other_config", host.ref, org.PERFMON_KEY, low)
        await wait_until(conn, lambda: bool(alarms(conn, vm.uuid)) and bool(alarms(conn, host.uuid)), timeout=30)
        [alarm] = alarms(conn, vm.uuid)
        assert alarm["priority"] == 3 and alarm["cls"] == "VM"
        assert alarm["body"].startswith("value: ") and '<name value="cpu_usage"/>' in alarm["body"]
        assert alarms(conn, host.uuid)[0]["cls"] == "Host"
        # Inhibited for an hour of simulated time: no second alarm meanwhile.
        calm = org.perfmon_xml([org.PerfmonDefinition("cpu_usage", 2.0, 30, 3600)])  # never past
        other = next(v for v in conn.cache.all("VM") if v.power_state == "Running" and v.ref != vm.ref
                     and not v.is_control_domain)  # fmt: skip
        await conn.call("VM.add_to_other_config", other.ref, org.PERFMON_KEY, calm)
        await conn.call("VM.remove_from_other_config", vm.ref, org.PERFMON_KEY)
        await conn.call("VM.add_to_other_config", vm.ref, org.PERFMON_KEY, busy)
        await wait_until(conn, lambda: len(alarms(conn, host.uuid)) >= 1, timeout=5)
        assert len(alarms(conn, vm.uuid)) == 1 and not alarms(conn, other.uuid)
    finally:
        await conn.disconnect()
