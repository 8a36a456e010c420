"""Run every ``benchmarks/<name>.py`` in its own process, printing its numbers.

``python -m benchmarks [NAME ...]`` runs all benchmarks or only the named ones. Each runs in
a fresh interpreter so one benchmark's memory and caches never colour the next one's numbers.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import time
from pathlib import Path


def main() -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))
    only = set(sys.argv[1:])
    failed = 0
    for name in names:
        if only and name not in only:
            continue
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, "-m", f"benchmarks.{name}"], cwd=here.parent)
        if code:
            failed += 1
            print(f"   FAILED with exit status {code}", flush=True)
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
