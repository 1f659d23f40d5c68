"""Writes for notifications. Other apps call `notify` (one occurrence) or `notify_many` (bulk); nothing else
sends a message."""

from notifications.services.batch import notification_deliver_batch
from notifications.services.campaigns import (
    campaign_cancel,
    campaign_create,
    campaign_plan,
    campaign_send_chunk,
    campaign_start,
    campaign_update,
)
from notifications.services.delivery import (
    notification_deliver,
    notification_fail,
    notification_resend,
    notification_sweep,
)
from notifications.services.outbox import NotifyItem, notify, notify_many
from notifications.services.templates import template_preview, template_save

__all__ = [
    "NotifyItem",
    "campaign_cancel",
    "campaign_create",
    "campaign_plan",
    "campaign_send_chunk",
    "campaign_start",
    "campaign_update",
    "notification_deliver",
    "notification_deliver_batch",
    "notification_fail",
    "notification_resend",
    "notification_sweep",
    "notify",
    "notify_many",
    "template_preview",
    "template_save",
]
