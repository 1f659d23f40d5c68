from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The real client address: with NUM_PROXIES trusted proxies in front, the address the outermost of them saw.

    Addresses a client writes into X-Forwarded-For itself sit further left and are ignored, so a spoofed header
    cannot reset a throttle (the same rule as DRF's NUM_PROXIES)."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not proxies or not forwarded:
        return remote
    addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
    return addresses[-min(proxies, len(addresses))] if addresses else remote
