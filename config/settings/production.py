"""Production: refuses to start with unsafe defaults."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, CACHE_URL, CELERY_BROKER_URL, DATABASES, DEBUG, NOTIFICATIONS, PAYOUTS, SECRET_KEY
from .env import env_bool, env_int, env_list

if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production")
# The dev default and the placeholder of .env.example are both public.
if SECRET_KEY.startswith(("dev-insecure", "change-me")) or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("Set SECRET_KEY to a long random value in production")
# base.py falls back to the local names when ALLOWED_HOSTS is unset: production must name its own hosts.
if not ALLOWED_HOSTS or not env_list("ALLOWED_HOSTS"):
    raise ImproperlyConfigured("Set ALLOWED_HOSTS in production")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Production runs on PostgreSQL: set DATABASE_URL=postgres://...")
if CELERY_BROKER_URL.startswith("filesystem"):
    # The filesystem transport does not redeliver after a crash: never for money or notices.
    raise ImproperlyConfigured("Set CELERY_BROKER_URL to RabbitMQ or Redis in production")
if not CACHE_URL.startswith("redis"):
    raise ImproperlyConfigured("Set CACHE_URL=redis://... so throttles hold across web processes")
# The sandboxes only record: a claimant would never get the 알림톡 or SMS and no won would move, yet every row
# would say sent or paid. They are the defaults, so production names real adapters; staging may opt in.
if not env_bool("REDRESS_ALLOW_SANDBOX_PROVIDERS"):
    _enabled = set(NOTIFICATIONS["ENABLED_CHANNELS"])
    _providers = {
        "NOTIFICATIONS_ALIMTALK_BACKEND": NOTIFICATIONS["ALIMTALK_BACKEND"] if "alimtalk" in _enabled else "",
        "NOTIFICATIONS_SMS_BACKEND": NOTIFICATIONS["SMS_BACKEND"] if "sms" in _enabled else "",
        "PAYOUTS_GATEWAY_BACKEND": PAYOUTS["GATEWAY_BACKEND"],
        "PAYOUTS_VOUCHER_BACKEND": PAYOUTS["VOUCHER_BACKEND"],
    }
    _sandboxed = sorted(name for name, path in _providers.items() if "sandbox" in path.lower())
    if _sandboxed:
        raise ImproperlyConfigured(
            f"Sandbox providers in production: set {', '.join(_sandboxed)} to real provider adapters "
            "(or REDRESS_ALLOW_SANDBOX_PROVIDERS=1 on a staging machine only)"
        )

OTP_ENFORCED = env_bool("OTP_ENFORCED", True)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
