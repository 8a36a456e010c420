"""Keep Python's cyclic garbage collector from stalling the window.

A connected pool is tens of thousands of long-lived records, and every event batch
brings fresh ones. A full collection scans all of them (100 ms or more on a 5,000-VM
pool), freezing the window. After loading, and then at most once a second while
changes arrive, the young generations are collected and the survivors moved to the
permanent generation (``gc.freeze``), so full collections only ever scan recent objects.
Records still die normally by reference counting.
"""

from __future__ import annotations

import gc
import time

MIN_INTERVAL = 1.0
_last = 0.0


def settle(force: bool = False) -> None:
    """Collect young garbage and freeze what survived (rate-limited unless ``force``)."""
    global _last
    now = time.monotonic()
    if not force and now - _last < MIN_INTERVAL:
        return
    _last = now
    gc.collect(1)
    gc.freeze()
