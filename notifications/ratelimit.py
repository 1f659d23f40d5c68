"""Per-channel send rate shared by every worker: a one-second window counter in the cache (Redis in production).

Coarser than a true token bucket but enough to stay under a provider's per-second contract."""

import time

from django.core.cache import cache

from notifications.conf import conf


def rate_limit_acquire(*, channel: str, max_wait: float = 2.0) -> bool:
    """Take one send slot on `channel`, waiting up to `max_wait` seconds for the next window. False if none."""
    limit = int(conf("RATE_LIMITS").get(channel, 0))
    if limit <= 0:
        return True
    deadline = time.monotonic() + max_wait
    while True:
        window = int(time.time())
        key = f"notifications:rate:{channel}:{window}"
        cache.add(key, 0, timeout=5)
        try:
            used = cache.incr(key)
        except ValueError:  # expired between add and incr
            continue
        if used <= limit:
            return True
        wait = window + 1 - time.time()
        if time.monotonic() + wait > deadline:
            return False
        time.sleep(max(wait, 0.01))
