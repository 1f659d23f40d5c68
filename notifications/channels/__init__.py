"""Channel backends chosen in settings.NOTIFICATIONS (`ALIMTALK_BACKEND`, `SMS_BACKEND`, `EMAIL_BACKEND`)."""

import threading

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
_local = threading.local()


def backend_for(channel: str) -> ChannelBackend:
    """One backend instance per thread and class path (the email one keeps its SMTP connection open, and a
    connection must not be shared between the threads that send a campaign batch)."""
    path = conf(_SETTING[channel])
    instances = _local.__dict__.setdefault("instances", {})
    backend = instances.get(path)
    if backend is None:
        backend = instances[path] = import_string(path)()
    return backend
