"""Run every ``benchmarks/<name>.py`` in its own process, printing its numbers.

``python -m benchmarks [NAME ...]`` runs all benchmarks or only the named ones. Each runs in
a fresh interpreter so one benchmark's memory and caches never colour the next one's numbers.
Every budgeted figure is printed beside its target with OK or MISSED (``_verdict.check``);
the run ends with the count of each and exits 1 when a target was missed.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks._verdict import MISSED, OK


def main() -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))
    only = set(sys.argv[1:])
    failed = 0
    verdicts = {OK: 0, MISSED: 0}
    missed: list[str] = []
    for name in names:
        if only and name not in only:
            continue
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", f"benchmarks.{name}"], cwd=here.parent, stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None
        for line in child.stdout:
            print(line, end="", flush=True)
            verdict = line.rstrip().rpartition(" ")[2]
            if verdict in verdicts:
                verdicts[verdict] += 1
                if verdict == MISSED:
                    missed.append(f"{name}: {line.strip()}")
        code = child.wait()
        if code:
            failed += 1
            print(f"   FAILED with exit status {code}", flush=True)
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    print(f"== targets: {verdicts[OK]} held, {verdicts[MISSED]} missed; {failed} benchmarks failed")
    for line in missed:
        print(f"   missed: {line}")
    return 1 if failed or missed else 0


if __name__ == "__main__":
    sys.exit(main())
