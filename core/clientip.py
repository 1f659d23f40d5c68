import hashlib
import hmac
import ipaddress

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


def _address_hash_key() -> bytes:
    key = settings.REDRESS.get("CLIENT_ADDRESS_HASH_KEY") or ""
    # Without a dedicated key, one derived from SECRET_KEY (which production requires to be long and random).
    return key.encode() if key else hashlib.sha256(f"client-address:{settings.SECRET_KEY}".encode()).digest()


def _subscriber(address: str) -> str:
    """An IPv6 subscriber usually holds a whole /64 and can hop between its addresses at will: count the /64."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def address_hash(address: str) -> str:
    """Keyed hash (HMAC-SHA256) of a client address (an IPv6 address by its /64): equal addresses hash equal, and
    nobody without the key can test guesses against it (there are only 2^32 IPv4 addresses). Empty if unknown."""
    if not address:
        return ""
    return hmac.new(_address_hash_key(), _subscriber(address).encode(), hashlib.sha256).hexdigest()


def client_address_hash(request: HttpRequest) -> str:
    """The keyed hash of the real client address: what Redress stores and counts instead of the address."""
    return address_hash(client_ip(request))
