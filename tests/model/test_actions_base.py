"""Overall progress of a multi-step action: each step's share, in order, ending at 1."""

from __future__ import annotations

import pytest

from xencenter_py.model.actions.base import Step, run_steps


async def test_steps_map_onto_one_progress() -> None:
    seen: list[tuple[float, str]] = []

    async def half_then_done(report):  # type: ignore[no-untyped-def]
        report(0.5)
        return "ok"

    results = await run_steps(
        [(Step("first", 1), half_then_done), (Step("second", 3), half_then_done)],
        lambda f, d: seen.append((round(f, 3), d)),
    )
    assert results == ["ok", "ok"]
    assert seen == [(0.0, "first"), (0.125, ""), (0.25, ""), (0.25, "second"), (0.625, ""), (1.0, "")]


async def test_a_failing_step_stops_the_rest() -> None:
    ran: list[str] = []

    async def boom(report):  # type: ignore[no-untyped-def]
        raise RuntimeError("refused")

    async def later(report):  # type: ignore[no-untyped-def]
        ran.append("later")

    with pytest.raises(RuntimeError):
        await run_steps([(Step("a"), boom), (Step("b"), later)])
    assert ran == []
