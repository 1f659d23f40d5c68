"""Delivering outbox rows: claim with a conditional update, send, record the attempt, retry or fall back.

A row moves pending → sending only through one conditional UPDATE, so two tasks for the same row (a redelivered
message, a second sweep) cannot both send it. A worker that dies while holding a row leaves it `sending` with an
expired lease; the sweeper gives it back and the message is sent again with the same idempotency key, which the
알림톡/SMS provider refuses to deliver twice. Email (SMTP has no such key) can go twice in that window only."""

import base64
import logging
import random
import time
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.exceptions import ApplicationError
from notifications.channels import (
    Attachment,
    DeliveryError,
    OutgoingMessage,
    PermanentFailure,
    TemporaryFailure,
    backend_for,
)
from notifications.conf import conf
from notifications.models import DeliveryAttempt, Notification, NotificationTemplate
from notifications.ratelimit import rate_limit_acquire
from notifications.rendering import context_load
from notifications.services.outbox import (
    _address,
    _enqueue,
    claimant_channels,
    notification_render,
    notifications_enqueue_on_commit,
)

logger = logging.getLogger(__name__)
Status = Notification.Status
# A retry task may be picked up a moment before its row's next_attempt_at on another clock.
_DUE_TOLERANCE = timedelta(seconds=1)


def retry_delay(attempts: int) -> float:
    """Exponential backoff with a little jitter: base, 2×base, 4×base … capped."""
    base = conf("RETRY_BASE_SECONDS") * 2 ** max(attempts - 1, 0)
    return min(base, conf("RETRY_MAX_SECONDS")) * random.uniform(1.0, 1.1)


def notification_idempotency_key(row: Notification) -> str:
    return f"redress-n{row.pk}-r{row.resends}"


def _outgoing(row: Notification) -> OutgoingMessage:
    return OutgoingMessage(
        notification_id=row.pk,
        channel=row.channel,
        address=row.address,
        subject=row.subject,
        body=row.body,
        template_code=row.template_code,
        idempotency_key=notification_idempotency_key(row),
        attachments=tuple(
            Attachment(a["filename"], a["mimetype"], base64.b64decode(a["content_b64"])) for a in row.attachments
        ),
    )


def _claim(notification_id: int, now: Any) -> bool:
    """pending → sending, once. The lease (next_attempt_at) tells the sweeper when to assume this worker died."""
    return bool(
        Notification.objects.filter(pk=notification_id, status=Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + _DUE_TOLERANCE))
        .update(
            status=Status.SENDING,
            attempts=F("attempts") + 1,
            next_attempt_at=now + timedelta(seconds=conf("LEASE_SECONDS")),
            updated_at=now,
        )
    )


def _record_sent(row: Notification, provider_message_id: str, duration_ms: int) -> None:
    now = timezone.now()
    with transaction.atomic():
        updated = Notification.objects.filter(pk=row.pk, status=Status.SENDING).update(
            status=Status.SENT,
            sent_at=now,
            provider_message_id=provider_message_id[:200],
            reason="",
            next_attempt_at=None,
            updated_at=now,
        )
        DeliveryAttempt.objects.create(
            notification_id=row.pk,
            channel=row.channel,
            outcome=DeliveryAttempt.Outcome.SENT,
            provider_message_id=provider_message_id[:200],
            duration_ms=duration_ms,
        )
    if not updated:
        logger.warning("notification %s was sent after its lease expired", row.pk)


def notification_fallback_create(*, notification: Notification) -> Notification | None:
    """After a claimant's channel failed for good, queue the same message on the next channel (alimtalk → SMS →
    email) as a new linked row. None when no channel is left. Call inside a transaction."""
    if notification.claimant_id is None:
        return None
    claimant = notification.claimant
    tried = set(
        Notification.objects.filter(
            event=notification.event, key=notification.key, claimant_id=notification.claimant_id
        ).values_list("channel", flat=True)
    )
    template = (
        NotificationTemplate.objects.filter(event=notification.event, language=notification.language).first()
        or NotificationTemplate.objects.filter(event=notification.event, language="ko").first()
    )
    channels = [
        c for c in claimant_channels(claimant=claimant, template=template, after=notification.channel) if c not in tried
    ]
    if not channels:
        return None
    now = timezone.now()
    fallback = Notification(
        event=notification.event,
        key=notification.key,
        claimant_id=notification.claimant_id,
        claim_id=notification.claim_id,
        campaign_id=notification.campaign_id,
        fallback_of=notification,
        channel=channels[0],
        address=_address(claimant=claimant, channel=channels[0]),
        language=notification.language,
        essential=notification.essential,
        context=notification.context,
        attachments=notification.attachments,
        status=Status.PENDING,
        next_attempt_at=now,
    )
    notification_render(notification=fallback, template=template, context=context_load(notification.context))
    if fallback.status != Status.PENDING:
        fallback.next_attempt_at = None
    try:
        with transaction.atomic():
            fallback.save()
    except IntegrityError:
        return None  # already created by an earlier run of this failure
    if fallback.status == Status.PENDING:
        notifications_enqueue_on_commit([fallback.pk], bulk=notification.campaign_id is not None)
    return fallback


def notification_fail(*, notification: Notification, reason: str) -> Notification:
    """The final `failed` state, with the reason; a claimant's message then falls back to the next channel."""
    notification.status = Status.FAILED
    notification.reason = reason[:2000]
    notification.next_attempt_at = None
    notification.save(update_fields=["status", "reason", "next_attempt_at", "updated_at"])
    notification_fallback_create(notification=notification)
    return notification


def _record_failure(row: Notification, error: DeliveryError, duration_ms: int) -> None:
    permanent = isinstance(error, PermanentFailure)
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            notification_id=row.pk,
            channel=row.channel,
            outcome=(
                DeliveryAttempt.Outcome.PERMANENT_FAILURE if permanent else DeliveryAttempt.Outcome.TEMPORARY_FAILURE
            ),
            error=str(error)[:2000],
            duration_ms=duration_ms,
        )
        row = Notification.objects.select_for_update().get(pk=row.pk)
        if row.status != Status.SENDING:
            return  # the lease expired and the row was taken back meanwhile
        if permanent:
            notification_fail(notification=row, reason=f"영구 실패: {error}")
        elif row.attempts >= conf("MAX_ATTEMPTS"):
            notification_fail(notification=row, reason=f"일시 실패가 {row.attempts}회 반복되어 중단했습니다: {error}")
        else:
            delay = retry_delay(row.attempts)
            row.status = Status.PENDING
            row.reason = f"일시 실패 {row.attempts}회, 다시 시도합니다: {error}"[:2000]
            row.next_attempt_at = timezone.now() + timedelta(seconds=delay)
            row.save(update_fields=["status", "reason", "next_attempt_at", "updated_at"])
            transaction.on_commit(lambda: _enqueue_later(row.pk, delay, bulk=row.campaign_id is not None), robust=True)


def _enqueue_later(notification_id: int, countdown: float, *, bulk: bool) -> None:
    from notifications.tasks import notification_deliver_batch_task, notification_deliver_task

    try:
        if bulk:
            notification_deliver_batch_task.apply_async(([notification_id],), countdown=countdown)
        else:
            notification_deliver_task.apply_async((notification_id,), countdown=countdown)
    except Exception:
        logger.warning("notification %s: retry not queued, the sweeper will pick it up", notification_id, exc_info=True)


def _postpone(row: Notification, *, bulk: bool) -> None:
    """Out of send slots for this channel: try again in a second, without spending an attempt."""
    _enqueue_later(row.pk, 1.0, bulk=bulk)


def _deliver_one(row: Notification, *, bulk: bool) -> str:
    now = timezone.now()
    if row.status != Status.PENDING or (row.next_attempt_at and row.next_attempt_at > now + _DUE_TOLERANCE):
        return "skipped"  # done, taken, or a retry not yet due (its own task will come)
    if not rate_limit_acquire(channel=row.channel):
        _postpone(row, bulk=bulk)
        return "postponed"
    if not _claim(row.pk, timezone.now()):
        return "skipped"
    row.refresh_from_db()
    started = time.monotonic()
    try:
        provider_message_id = backend_for(row.channel).send(_outgoing(row))
    except DeliveryError as exc:
        _record_failure(row, exc, int((time.monotonic() - started) * 1000))
        return "failed"
    except Exception as exc:  # an adapter bug or an unforeseen library error: retry, do not lose the row
        logger.exception("notification %s: unexpected error from the %s backend", row.pk, row.channel)
        _record_failure(row, TemporaryFailure(f"{type(exc).__name__}: {exc}"), int((time.monotonic() - started) * 1000))
        return "failed"
    _record_sent(row, provider_message_id, int((time.monotonic() - started) * 1000))
    return "sent"


def notification_deliver(*, notification_id: int) -> str:
    """Send one row if it is pending and due. Safe to run any number of times. Returns what happened."""
    row = Notification.objects.filter(pk=notification_id).first()
    if row is None:
        return "missing"
    return _deliver_one(row, bulk=False)


def notification_sweep(*, grace_seconds: float | None = None, limit: int | None = None) -> dict[str, int]:
    """Periodic: take back rows whose worker died (lease expired) and re-enqueue pending rows whose task was lost
    (broker down at commit, a broker restart). Bounded by `limit` rows of each kind per run."""
    now = timezone.now()
    grace = timedelta(seconds=conf("SWEEP_GRACE_SECONDS") if grace_seconds is None else grace_seconds)
    limit = limit or conf("SWEEP_BATCH")
    reclaimed = 0
    expired = list(
        Notification.objects.filter(status=Status.SENDING, next_attempt_at__lt=now).values_list("id", flat=True)[:limit]
    )
    for notification_id in expired:
        with transaction.atomic():
            row = (
                Notification.objects.select_for_update(skip_locked=True)
                .filter(pk=notification_id, status=Status.SENDING, next_attempt_at__lt=now)
                .first()
            )
            if row is None:
                continue
            if row.attempts >= conf("MAX_ATTEMPTS"):
                notification_fail(notification=row, reason="작업자가 응답하지 않아 중단했습니다 (임대 만료).")
            else:
                row.status, row.next_attempt_at = Status.PENDING, now
                row.save(update_fields=["status", "next_attempt_at", "updated_at"])
                reclaimed += 1

    due = list(
        Notification.objects.filter(status=Status.PENDING, next_attempt_at__lte=now - grace)
        .order_by("next_attempt_at")
        .values_list("id", "campaign_id")[:limit]
    )
    due_ids = [notification_id for notification_id, _ in due] + [pk for pk in expired]
    # Re-stamped so the next sweep leaves them alone for another grace period while their tasks are queued.
    Notification.objects.filter(pk__in=due_ids, status=Status.PENDING).update(next_attempt_at=now)
    single = sorted({pk for pk, campaign_id in due if campaign_id is None} | set(expired))
    bulk = sorted(pk for pk, campaign_id in due if campaign_id is not None)
    if single:
        _enqueue(single, bulk=False)
    if bulk:
        _enqueue(bulk, bulk=True)
    return {"reclaimed": reclaimed, "requeued": len(single) + len(bulk)}


def notification_resend(*, notification: Notification, actor: Any) -> Notification:
    """An admin sends a message again (failed, cancelled or even sent): back to pending, on the same row."""
    if actor is not None and not actor.has_perm("notifications.resend_notification"):
        raise PermissionDenied
    with transaction.atomic():
        row = Notification.objects.select_for_update(of=("self",)).select_related("claimant").get(pk=notification.pk)
        if row.status in (Status.PENDING, Status.SENDING):
            raise ApplicationError("이미 발송 대기 중이거나 발송 중인 알림입니다.")
        if row.claimant is not None and not row.essential and row.claimant.opted_out_optional:
            raise ApplicationError("선택 알림 수신을 거부한 신고인에게는 다시 보낼 수 없습니다.")
        if not row.address or not row.body:
            raise ApplicationError("수신처나 내용이 없어 다시 보낼 수 없습니다.")
        row.status = Status.PENDING
        row.reason = ""
        row.attempts = 0
        row.next_attempt_at = timezone.now()
        row.sent_at = None
        row.provider_message_id = ""
        row.resends += 1
        row.save(
            update_fields=[
                "resends",
                "status",
                "reason",
                "attempts",
                "next_attempt_at",
                "sent_at",
                "provider_message_id",
                "updated_at",
            ]
        )
        DeliveryAttempt.objects.create(
            notification=row, channel=row.channel, outcome=DeliveryAttempt.Outcome.RESEND_REQUESTED, actor=actor
        )
        notifications_enqueue_on_commit([row.pk])
    return row
