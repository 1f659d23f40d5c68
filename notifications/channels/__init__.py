"""Channel backends chosen in settings.NOTIFICATIONS (`ALIMTALK_BACKEND`, `SMS_BACKEND`, `EMAIL_BACKEND`)."""

from django.utils.module_loading import import_string

from notifications.channels.base import (
    Attachment,
    ChannelBackend,
    DeliveryError,
    OutgoingMessage,
    PermanentFailure,
    TemporaryFailure,
)
from notifications.conf import conf

__all__ = [
    "Attachment",
    "ChannelBackend",
    "DeliveryError",
    "OutgoingMessage",
    "PermanentFailure",
    "TemporaryFailure",
    "backend_for",
]

_SETTING = {"alimtalk": "ALIMTALK_BACKEND", "sms": "SMS_BACKEND", "email": "EMAIL_BACKEND"}
_instances: dict[str, ChannelBackend] = {}


def backend_for(channel: str) -> ChannelBackend:
    """One backend instance per process and class path (the email one keeps its SMTP connection open)."""
    path = conf(_SETTING[channel])
    backend = _instances.get(path)
    if backend is None:
        backend = _instances[path] = import_string(path)()
    return backend
