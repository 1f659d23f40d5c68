"""Bank account numbers at rest: Fernet (AES-128-CBC + HMAC-SHA256, authenticated) under MultiFernet so keys
can rotate, plus a keyed HMAC of the number beside it for exact matching without decrypting.

Keys come from settings.PAYOUTS (environment). Outside production a key derived from SECRET_KEY stands in,
so `make run` works; the production settings module refuses to run without real keys."""

import base64
import hashlib
import hmac
import re
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_NON_DIGITS = re.compile(r"\D")


def _in_production() -> bool:
    return str(getattr(settings, "SETTINGS_MODULE", "")).endswith(".production")


def _dev_key(label: str) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(f"{label}:{settings.SECRET_KEY}".encode()).digest())


@cache
def _fernet() -> MultiFernet:
    keys = list(settings.PAYOUTS.get("ACCOUNT_KEYS") or [])
    if not keys:
        if _in_production():
            raise ImproperlyConfigured("Set PAYOUTS_ACCOUNT_KEYS (Fernet keys, newest first) in production")
        keys = [_dev_key("payouts-account-dev").decode()]
    return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])


@cache
def _hmac_key() -> bytes:
    key = settings.PAYOUTS.get("ACCOUNT_HMAC_KEY") or ""
    if not key:
        if _in_production():
            raise ImproperlyConfigured("Set PAYOUTS_ACCOUNT_HMAC_KEY in production")
        return _dev_key("payouts-account-hmac-dev")
    return key.encode()


def reset_key_cache() -> None:
    """Tests and the rotation command change keys at run time."""
    _fernet.cache_clear()
    _hmac_key.cache_clear()


def normalize_account_number(raw: str) -> str:
    return _NON_DIGITS.sub("", raw or "")


def encrypt_account_number(number: str) -> str:
    return _fernet().encrypt(number.encode()).decode()


def decrypt_account_number(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("A bank account number cannot be decrypted with the configured keys") from exc


def rotate_token(token: str) -> str:
    """Re-encrypt under the newest key (MultiFernet.rotate). Old keys can be dropped once every row is rotated."""
    return _fernet().rotate(token.encode()).decode()


def account_hash(*, bank_code: str, number: str) -> str:
    """Keyed hash of bank + number: equal accounts hash equal, and nobody without the key can test guesses."""
    return hmac.new(_hmac_key(), f"{bank_code}:{number}".encode(), hashlib.sha256).hexdigest()


def mask_account_number(last4: str) -> str:
    return f"****{last4}" if last4 else ""
