"""Per-client-address limits for the public pages, kept in the shared cache (Redis in production).

Counters are keyed by the keyed hash of the real client address (core.clientip), so the cache holds no raw
address, and an X-Forwarded-For header the client writes itself cannot move a request to a fresh counter."""

import math
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.throttling import SimpleRateThrottle

from core.clientip import client_address_hash


class ClientAddressThrottle(SimpleRateThrottle):
    """DRF's rate throttle for plain Django views: one scope, rates from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    (read at request time), one counter per client address."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__()

    def get_rate(self) -> str | None:
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": client_address_hash(request) or "unknown"}


def throttle_posts(scope: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Refuse a public page's POSTs (lookups, registrations) beyond the scope's rate with 429 and Retry-After."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST":
                throttle = ClientAddressThrottle(scope)
                # DRF's throttle reads the request only through get_cache_key, which takes a plain request here.
                if not throttle.allow_request(cast(Any, request), cast(Any, None)):
                    seconds = math.ceil(throttle.wait() or 60)
                    response = render(request, "throttled.html", {"minutes": math.ceil(seconds / 60)}, status=429)
                    response["Retry-After"] = str(seconds)
                    return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _burst_key(scope: str, request: HttpRequest) -> str:
    return f"burst:{scope}:{client_address_hash(request) or 'unknown'}"


def client_burst_count(*, request: HttpRequest, scope: str) -> int:
    """How many requests this client address has counted in `scope`'s current window."""
    return int(cache.get(_burst_key(scope, request)) or 0)


def client_burst_hit(*, request: HttpRequest, scope: str, window_seconds: int) -> int:
    """Count one request from this client address; the window starts with the first request and lasts
    `window_seconds`. Returns the count including this request."""
    key = _burst_key(scope, request)
    cache.add(key, 0, timeout=window_seconds)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window_seconds)
        return 1
