"""Tasks against the simulator: results decoded from the task's XML fragment, progress
through events, failures, and cancellation when the awaiting coroutine is cancelled."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import SimProcess
from xencenter_py.xapi import Failure, XapiSession


async def _vm_named(s: XapiSession, name: str) -> str:
    (ref,) = await s.call("VM.get_by_name_label", name)
    return ref


async def _live_tasks(s: XapiSession) -> set[str]:
    return set(await s.call("task.get_all"))


async def test_clone_then_start_with_progress(pool_sim: SimProcess) -> None:
    async with await XapiSession.login(pool_sim.url, "root", pool_sim.password) as s:
        before = await _live_tasks(s)
        template = await _vm_named(s, "CentOS 7 Test")
        clone = await s.run_task("VM.clone", template, "client task test")
        assert clone.startswith("OpaqueRef:") and clone != template
        assert await s.call("VM.get_name_label", clone) == "client task test"

        seen: list[float] = []
        assert await s.run_task("VM.start", clone, False, False, progress=seen.append) is None
        assert await s.call("VM.get_power_state", clone) == "Running"
        assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 2
        assert await _live_tasks(s) == before  # every task destroyed


async def test_async_progress_callback(pool_sim: SimProcess) -> None:
    async with await XapiSession.login(pool_sim.url, "root", pool_sim.password) as s:
        vm = await s.run_task("VM.clone", await _vm_named(s, "CentOS 7 Test"), "async callback")
        seen: list[float] = []

        async def report(fraction: float) -> None:
            await asyncio.sleep(0)
            seen.append(fraction)

        await s.run_task("VM.start", vm, False, False, progress=report)
        assert seen and seen[-1] == 1.0


async def test_failed_task_raises_failure(pool_sim: SimProcess) -> None:
    async with await XapiSession.login(pool_sim.url, "root", pool_sim.password) as s:
        before = await _live_tasks(s)
        running = await _vm_named(s, "Dev Server")
        with pytest.raises(Failure) as exc:
            await s.run_task("VM.start", running, False, False)
        assert exc.value.code in ("VM_BAD_POWER_STATE", "OPERATION_NOT_ALLOWED")
        assert exc.value.message()
        assert await _live_tasks(s) == before


async def test_unknown_async_call_fails_before_a_task_exists(pool_sim: SimProcess) -> None:
    async with await XapiSession.login(pool_sim.url, "root", pool_sim.password) as s:
        with pytest.raises(Failure):
            await s.run_task("VM.no_such_operation", "OpaqueRef:x")


async def test_cancelling_the_coroutine_cancels_the_server_task(sim_factory) -> None:
    sim = sim_factory("--seed", "demo", "--speed", "5")  # VM.start takes ~2.4 s here
    async with await XapiSession.login(sim.url, "root", sim.password) as s:
        vm = await _vm_named(s, "CentOS 7 Test")
        watch = s.duplicate()
        start = await watch.event_from(["task"], "", 0.1)  # nothing to wait for: just a token
        existing = {e.ref for e in start.events}

        working = asyncio.Event()

        def progress(fraction: float) -> None:
            if fraction > 0:
                working.set()  # the boot is under way (and still cancellable)

        runner = asyncio.ensure_future(s.run_task("VM.start", vm, False, False, progress=progress))
        await asyncio.wait_for(working.wait(), 10)
        runner.cancel()
        with pytest.raises(asyncio.CancelledError):
            await runner

        # Follow the task through events until it is gone. The simulator, like xapi, deletes a
        # task destroyed while running only when it ends: had the cancel not reached it, the
        # VM would have finished booting by then.
        token, statuses, gone = start.token, [], False
        async with asyncio.timeout(15):
            while not gone:
                batch = await watch.event_from(["task"], token, 5.0)
                token = batch.token
                for e in batch.events:
                    if e.ref in existing:
                        continue
                    if e.operation == "del":
                        gone = True
                    else:
                        statuses.append(e.snapshot["status"])
        assert "success" not in statuses
        assert await s.call("VM.get_power_state", vm) == "Halted"
        assert await s.call("VM.get_current_operations", vm) == {}
        await watch.aclose()


async def test_task_cancelled_by_someone_else_raises_task_cancelled(sim_factory) -> None:
    sim = sim_factory("--seed", "demo", "--speed", "5")
    async with await XapiSession.login(sim.url, "root", sim.password) as s:
        vm = await _vm_named(s, "CentOS 7 Test")
        working = asyncio.Event()
        runner = asyncio.ensure_future(
            s.run_task("VM.start", vm, False, False, progress=lambda f: working.set() if f > 0 else None)
        )
        await asyncio.wait_for(working.wait(), 10)
        tasks = await s.call("task.get_all_records")
        (task,) = [r for r, t in tasks.items() if t["name_label"] == "Async.VM.start" and t["status"] == "pending"]
        async with await XapiSession.login(sim.url, "root", sim.password) as other:
            await other.call("task.cancel", task)
        with pytest.raises(Failure) as exc:
            await asyncio.wait_for(runner, 10)
        assert exc.value.code == "TASK_CANCELLED"
        assert await s.call("VM.get_power_state", vm) == "Halted"
