"""Run every ``benchmarks/<name>.py`` module's ``main()`` in turn, printing its numbers."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main() -> int:
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if not m.name.startswith("_"))
    only = set(sys.argv[1:])
    failed = 0
    for name in names:
        if only and name not in only:
            continue
        module = importlib.import_module(f"benchmarks.{name}")
        entry = getattr(module, "main", None)
        if not callable(entry):
            continue
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        try:
            entry()
        except Exception as e:  # one broken benchmark must not hide the others
            failed += 1
            print(f"   FAILED: {type(e).__name__}: {e}", flush=True)
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
