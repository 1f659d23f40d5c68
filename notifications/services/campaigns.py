"""Bulk announcements: a campaign fans out in a chain of chunks of claim ids, each chunk one bulk insert of outbox
rows followed by batched deliveries on the `bulk` queue, so 100,000 messages never hold one long transaction or
delay a claimant's receipt on the `notifications` queue."""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from claims.filters import ClaimFilterSet
from claims.models import Claim
from core.exceptions import ApplicationError
from notifications.conf import conf
from notifications.models import Campaign, Notification
from notifications.services.outbox import NotifyItem, notify_many

_EDITABLE = ("name", "event", "audience", "context")


def campaign_audience(*, campaign: Campaign) -> QuerySet[Claim]:
    """The claims a campaign goes to (one message per claim's claimant)."""
    filterset = ClaimFilterSet(campaign.audience or {}, queryset=Claim.objects.all())
    if not filterset.is_valid():
        raise ValidationError({"audience": [f"{name}: {', '.join(errs)}" for name, errs in filterset.errors.items()]})
    return filterset.qs


def _check(campaign: Campaign) -> None:
    campaign.full_clean()
    unknown = set(campaign.audience) - set(ClaimFilterSet.base_filters)
    if unknown:
        raise ValidationError({"audience": [f"알 수 없는 조건: {', '.join(sorted(unknown))}"]})
    campaign_audience(campaign=campaign)


@transaction.atomic
def campaign_create(
    *, name: str, event: str, audience: dict[str, Any], context: dict[str, Any], actor: Any
) -> Campaign:
    campaign = Campaign(name=name, event=event, audience=audience, context=context, created_by=actor)
    _check(campaign)
    campaign.save()
    return campaign


@transaction.atomic
def campaign_update(*, campaign: Campaign, actor: Any, **changes: Any) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != Campaign.Status.DRAFT:
        raise ApplicationError("발송을 시작한 일괄 안내는 고칠 수 없습니다.")
    for name, value in changes.items():
        if name not in _EDITABLE:
            raise ValueError(name)
        setattr(campaign, name, value)
    _check(campaign)
    campaign.save(update_fields=[*changes, "updated_at"])
    return campaign


def campaign_start(*, campaign: Campaign, actor: Any) -> Campaign:
    """Start sending: the fan-out runs on the `bulk` queue after commit. Starting twice does nothing."""
    from notifications.tasks import campaign_plan_task

    if actor is not None and not actor.has_perm("notifications.start_campaign"):
        raise PermissionDenied
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status == Campaign.Status.STARTED:
            return campaign
        if campaign.status != Campaign.Status.DRAFT:
            raise ApplicationError("취소된 일괄 안내는 보낼 수 없습니다.")
        _check(campaign)
        campaign.status = Campaign.Status.STARTED
        campaign.started_at = timezone.now()
        campaign.started_by = actor
        campaign.save(update_fields=["status", "started_at", "started_by", "updated_at"])
        campaign_id = campaign.pk
        transaction.on_commit(lambda: campaign_plan_task.delay(campaign_id=campaign_id), robust=True)
    return campaign


def campaign_plan(*, campaign_id: int) -> int:
    """Count the audience and start the chain of chunks. Returns the number of recipients."""
    from notifications.tasks import campaign_send_chunk_task

    campaign = Campaign.objects.get(pk=campaign_id)
    if campaign.status != Campaign.Status.STARTED:
        return 0
    recipients = campaign_audience(campaign=campaign).count()
    Campaign.objects.filter(pk=campaign_id).update(recipient_count=recipients, updated_at=timezone.now())
    campaign_send_chunk_task.delay(campaign_id=campaign_id, after_id=0)
    return recipients


def campaign_send_chunk(*, campaign_id: int, after_id: int) -> int:
    """Write the outbox rows for the next CAMPAIGN_CHUNK audience claims after `after_id`, then queue the chunk
    after that. Each chunk's deliveries are queued before the next chunk, so sending starts with the first chunk
    and the queue never holds the whole campaign. Safe to repeat (ON CONFLICT DO NOTHING)."""
    from notifications.tasks import campaign_send_chunk_task

    campaign = Campaign.objects.get(pk=campaign_id)
    if campaign.status != Campaign.Status.STARTED:
        return 0
    size = conf("CAMPAIGN_CHUNK")
    audience = campaign_audience(campaign=campaign)
    ids = list(audience.filter(id__gt=after_id).order_by("id").values_list("id", flat=True)[:size])
    if not ids:
        return 0
    claims = audience.filter(id__gt=after_id, id__lte=ids[-1]).select_related("claimant", "service").order_by("id")
    status_url = f"{settings.REDRESS['PUBLIC_BASE_URL']}/claims/status/"
    items = [
        NotifyItem(
            key=f"campaign:{campaign.pk}",
            context={
                **campaign.context,
                "reference": claim.reference,
                "name": claim.claimant.name,
                "service": claim.service.name,
                "status_url": status_url,
            },
            claimant=claim.claimant,
            claim=claim,
        )
        for claim in claims
    ]
    queued = notify_many(event=campaign.event, items=items, campaign=campaign)  # deliveries queued on its commit
    if len(ids) == size:
        campaign_send_chunk_task.delay(campaign_id=campaign_id, after_id=ids[-1])
    return queued


@transaction.atomic
def campaign_cancel(*, campaign: Campaign, actor: Any) -> Campaign:
    """Stop a campaign: messages not yet handed to a channel are cancelled."""
    if actor is not None and not actor.has_perm("notifications.start_campaign"):
        raise PermissionDenied
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status == Campaign.Status.CANCELLED:
        return campaign
    campaign.status = Campaign.Status.CANCELLED
    campaign.save(update_fields=["status", "updated_at"])
    Notification.objects.filter(campaign=campaign, status=Notification.Status.PENDING).update(
        status=Notification.Status.CANCELLED,
        reason=f"일괄 안내가 취소되었습니다 ({actor or 'system'}).",
        next_attempt_at=None,
        updated_at=timezone.now(),
    )
    return campaign
