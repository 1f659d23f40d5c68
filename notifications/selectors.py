"""Reads for notifications: what a claimant or user was told, and how a campaign is doing."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from notifications.filters import NotificationFilterSet
from notifications.models import Campaign, Notification

Status = Notification.Status


def notification_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Notification]:
    if not user.has_perm("notifications.view_notification"):
        raise PermissionDenied
    queryset = Notification.objects.select_related("claimant", "user", "claim", "campaign").order_by("-id")
    filterset = NotificationFilterSet(filters or {}, queryset=queryset)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs


def notification_list_for_claim(*, claim: Any, user: Any) -> QuerySet[Notification]:
    """Every message about one claim, oldest first, with its attempts: the claim's message history."""
    return (
        notification_list(user=user)
        .filter(claim=claim)
        .prefetch_related("delivery_attempts")
        .order_by("created_at", "id")
    )


def campaign_list() -> QuerySet[Campaign]:
    """Campaigns with their live counts (one grouped query)."""
    return Campaign.objects.annotate(
        sent_count=Count("notifications", filter=Q(notifications__status=Status.SENT)),
        failed_count=Count("notifications", filter=Q(notifications__status=Status.FAILED)),
        pending_count=Count("notifications", filter=Q(notifications__status__in=[Status.PENDING, Status.SENDING])),
        cancelled_count=Count("notifications", filter=Q(notifications__status=Status.CANCELLED)),
    ).order_by("-id")


def campaign_counts(*, campaign: Campaign) -> dict[str, int]:
    """Counts by state. `failed_final` excludes failures that went on to another channel."""
    rows = Notification.objects.filter(campaign=campaign)
    by_status = dict(rows.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    failed_final = (
        rows.filter(status=Status.FAILED)
        .exclude(Exists(Notification.objects.filter(fallback_of=OuterRef("pk"))))
        .count()
    )
    return {
        "recipients": campaign.recipient_count,
        "written": sum(by_status.values()),
        "sent": by_status.get(Status.SENT, 0),
        "pending": by_status.get(Status.PENDING, 0) + by_status.get(Status.SENDING, 0),
        "failed": by_status.get(Status.FAILED, 0),
        "failed_final": failed_final,
        "cancelled": by_status.get(Status.CANCELLED, 0),
        "fallbacks": rows.filter(fallback_of__isnull=False).count(),
    }
