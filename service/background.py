"""Long Python-bound work in a background thread, while requests are being served.

The interpreter lets a thread keep the GIL for up to `sys.getswitchinterval()` (5 ms) while
others wait, and a full garbage collection stops every thread while it walks all objects.
The upkeep's first read of a large corpus (156,495 documents at a million passages) makes
hundreds of thousands of objects: searches answered meanwhile waited for both, up to 1.9 s.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["yielding_to_requests"]

_lock = threading.Lock()


@contextmanager
def yielding_to_requests(switch_interval: float) -> Iterator[None]:
    """Run the body with the GIL handed over every `switch_interval` seconds and no garbage
    collection; then freeze what exists (`gc.freeze`), so later full collections do not
    walk what the body built again. One body at a time; settings restored on any exit."""
    with _lock:
        interval, collecting = sys.getswitchinterval(), gc.isenabled()
        sys.setswitchinterval(switch_interval)
        gc.disable()
        try:
            yield
        finally:
            sys.setswitchinterval(interval)
            gc.freeze()
            if collecting:
                gc.enable()
