"""Notification settings with their defaults, read from `settings.NOTIFICATIONS` at call time (tests override)."""

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "ALIMTALK_BACKEND": "notifications.channels.sandbox.SandboxAlimtalkBackend",
    "SMS_BACKEND": "notifications.channels.sandbox.SandboxSmsBackend",
    "EMAIL_BACKEND": "notifications.channels.email.SmtpEmailBackend",
    # Channels this deployment may use; a claimant preferring another one gets the next enabled one.
    "ENABLED_CHANNELS": ["alimtalk", "sms", "email"],
    # Messages per second per channel, shared by every worker (provider contracts are per account).
    "RATE_LIMITS": {"email": 200, "alimtalk": 100, "sms": 50},
    "MAX_ATTEMPTS": 5,
    "RETRY_BASE_SECONDS": 30,
    "RETRY_MAX_SECONDS": 3600,
    # A worker holds a row in `sending` this long; after that the sweeper assumes it died.
    "LEASE_SECONDS": 120,
    # A pending row due this long ago has lost its task (broker down, message lost): the sweeper re-enqueues it.
    "SWEEP_GRACE_SECONDS": 300,
    "SWEEP_BATCH": 5000,
    "CAMPAIGN_CHUNK": 1000,
    "DELIVERY_BATCH": 100,
    # Messages of a campaign batch handed to the channel at once (per worker process).
    "SEND_THREADS": 4,
    "MAILDIR": str(settings.VAR_DIR / "mail"),
    "ALIMTALK_SENDER_KEY": "",
    "SMS_SENDER": "15880000",
}


def conf(name: str) -> Any:
    return {**DEFAULTS, **getattr(settings, "NOTIFICATIONS", {})}[name]
