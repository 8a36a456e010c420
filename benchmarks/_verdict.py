"""One line per budgeted figure: the measurement, its target, and whether it holds.

``python -m benchmarks`` counts the verdicts of every benchmark and prints a summary.
"""

from __future__ import annotations

OK, MISSED = "OK", "MISSED"


def check(label: str, value: float, target: float, unit: str = "", *, higher: bool = False, digits: int = 2) -> bool:
    """Print ``label: value (target) OK|MISSED``; ``higher`` when more is better."""
    held = value >= target if higher else value <= target
    op = "≥" if higher else "≤"
    print(
        f"   {label}: {value:.{digits}f}{unit}   target {op} {target:.{digits}f}{unit}   {OK if held else MISSED}",
        flush=True,
    )
    return held
