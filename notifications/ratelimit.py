"""Per-channel send rate shared by every worker: a one-second window counter in the cache (Redis in production).

Coarser than a true token bucket but enough to stay under a provider's per-second contract. A process takes
slots in small blocks (a twentieth of the limit, at most 10) so a campaign costs one cache round trip per block,
not per message; slots taken and not used lapse with their window."""

import threading
import time

from django.core.cache import cache

from notifications.conf import conf

_reserved: dict[str, tuple[int, int]] = {}  # channel -> (window, slots left in it)
_lock = threading.Lock()


def rate_limit_acquire(*, channel: str, max_wait: float = 2.0) -> bool:
    """Take one send slot on `channel`, waiting up to `max_wait` seconds for the next window. False if none."""
    limit = int(conf("RATE_LIMITS").get(channel, 0))
    if limit <= 0:
        return True
    block = max(1, min(10, limit // 20))
    deadline = time.monotonic() + max_wait
    while True:
        window = int(time.time())
        with _lock:
            held_window, left = _reserved.get(channel, (0, 0))
            if held_window == window and left > 0:
                _reserved[channel] = (window, left - 1)
                return True
        key = f"notifications:rate:{channel}:{window}"
        try:
            used = cache.incr(key, block)
        except ValueError:  # first in this window
            cache.add(key, 0, timeout=5)
            continue
        granted = min(block, limit - (used - block))
        if granted > 0:
            with _lock:
                _reserved[channel] = (window, granted - 1)
            return True
        wait = window + 1 - time.time()
        if time.monotonic() + wait > deadline:
            return False
        time.sleep(max(wait, 0.01))
