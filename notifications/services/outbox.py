"""Writing outbox rows: `notify()` for one occurrence, `notify_many()` for imports and campaigns.

Rows are written in the caller's transaction and handed to Celery only after it commits; if the broker is
unreachable then, the commit still stands and the sweeper delivers the rows later."""

import base64
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from notifications.channels import Attachment
from notifications.conf import conf
from notifications.events import EventSpec, event_get
from notifications.models import FALLBACK_ORDER, Campaign, Channel, Notification, NotificationTemplate
from notifications.rendering import context_dump, render_many

logger = logging.getLogger(__name__)

_PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


@dataclass
class NotifyItem:
    """One recipient of `notify_many`."""

    key: str
    context: dict[str, Any]
    claimant: Any = None
    user: Any = None
    claim: Any = None
    attachments: Sequence[Any] | None = None


@dataclass
class _Templates:
    """Templates of one event by language, loaded once per call."""

    event: str
    by_language: dict[str, NotificationTemplate | None] = field(default_factory=dict)

    def get(self, language: str) -> NotificationTemplate | None:
        if language not in self.by_language:
            found = {t.language: t for t in NotificationTemplate.objects.filter(event=self.event)}
            self.by_language.update({lang: found.get(lang) for lang in ("ko", "en")})
        return self.by_language.get(language) or self.by_language.get("ko")


def _address(*, claimant: Any = None, user: Any = None, channel: str) -> str:
    if user is not None:
        return user.email or ""
    return claimant.email if channel == Channel.EMAIL else claimant.phone


def _has_wording(template: NotificationTemplate | None, channel: str) -> bool:
    if template is None:
        return False
    return bool({"email": template.email_body, "alimtalk": template.alimtalk_body, "sms": template.sms_body}[channel])


def claimant_channels(*, claimant: Any, template: NotificationTemplate | None, after: str | None = None) -> list[str]:
    """Channels to try for a claimant, best first: their preference, then the fallback order; only enabled
    channels with an address and wording. With `after`, the ones following that channel in the fallback order."""
    enabled = set(conf("ENABLED_CHANNELS"))
    chain = [str(c) for c in FALLBACK_ORDER]
    if after is None:
        order = [claimant.preferred_channel] + [c for c in chain if c != claimant.preferred_channel]
    else:
        start = chain.index(after) + 1 if after in chain else 0
        order = [c for c in chain[start:] + chain[:start] if c != after]
    return [
        str(c)
        for c in order
        if c in enabled and _address(claimant=claimant, channel=c) and (template is None or _has_wording(template, c))
    ]


def _attachments_dump(attachments: Sequence[Any] | None) -> list[dict[str, str]]:
    stored = []
    for item in attachments or ():
        if isinstance(item, Attachment):
            filename, content, mimetype = item.filename, item.content, item.mimetype
        elif isinstance(item, dict):
            filename, content, mimetype = item["filename"], item["content"], item.get("mimetype", "")
        else:
            filename, content, mimetype = item
        raw = content.encode() if isinstance(content, str) else bytes(content)
        stored.append(
            {
                "filename": filename,
                "mimetype": mimetype or "application/octet-stream",
                "content_b64": base64.b64encode(raw).decode(),
            }
        )
    return stored


def notification_render(
    *, notification: Notification, template: NotificationTemplate | None, context: dict[str, Any]
) -> None:
    """Fill subject, body and template code for the row's channel; a broken template fails the row, not the
    caller."""
    if template is None:
        notification.status = Notification.Status.FAILED
        notification.reason = "알림 문구(템플릿)가 없습니다."
        return
    language = notification.language
    try:
        source = {"email": template.email_body, "alimtalk": template.alimtalk_body, "sms": template.sms_body}
        subject, body = render_many([template.email_subject, source[notification.channel]], context, language=language)
        notification.subject, notification.body = subject[:200], body
    except Exception as exc:  # templates are checked at save; this guards data the check could not foresee
        logger.exception("notification template %s/%s failed to render", template.event, language)
        notification.status = Notification.Status.FAILED
        notification.reason = f"문구를 만들 수 없습니다: {exc}"
        return
    if notification.channel == Channel.ALIMTALK:
        notification.template_code = template.alimtalk_template_code


def _build(
    *,
    spec: EventSpec,
    templates: _Templates,
    item: NotifyItem,
    campaign: Campaign | None,
    now: Any,
) -> Notification:
    claimant, user = item.claimant, item.user
    if (claimant is None) == (user is None):
        raise ValueError("notify() needs exactly one of claimant= or user=")
    if spec.to_claimant != (claimant is not None):
        raise ValueError(f"event {spec.name} goes to a {spec.recipient}, not to this recipient")
    missing = [name for name in spec.variables if name not in item.context]
    if missing:
        raise ValueError(f"event {spec.name} needs context variables: {', '.join(missing)}")
    context = {name: item.context[name] for name in spec.variables}

    language = (claimant.language if claimant is not None else "ko") or "ko"
    language = language if language in ("ko", "en") else "ko"
    template = templates.get(language)
    if claimant is not None:
        channels = claimant_channels(claimant=claimant, template=template)
        channel = channels[0] if channels else claimant.preferred_channel
    else:
        channels = [Channel.EMAIL] if user.email else []
        channel = Channel.EMAIL
    row = Notification(
        event=spec.name,
        key=item.key,
        claimant=claimant,
        user=user,
        claim=item.claim,
        campaign=campaign,
        channel=channel,
        address=_address(claimant=claimant, user=user, channel=channel) if channels else "",
        language=language,
        essential=spec.essential,
        context=context_dump(context),
        attachments=_attachments_dump(item.attachments),
        status=Notification.Status.PENDING,
        next_attempt_at=now,
    )
    if claimant is not None and not spec.essential and claimant.opted_out_optional:
        row.status, row.reason = Notification.Status.CANCELLED, "선택 알림 수신을 거부한 신고인입니다."
    elif not channels:
        row.status, row.reason = Notification.Status.CANCELLED, "보낼 수 있는 연락처(채널)가 없습니다."
    notification_render(notification=row, template=template, context=context)
    if row.status != Notification.Status.PENDING:
        row.next_attempt_at = None
    return row


def _enqueue(notification_ids: list[int], *, bulk: bool) -> None:
    """Hand rows to Celery. Never raises: a row left pending is the sweeper's to deliver."""
    from notifications.tasks import notification_deliver_batch_task, notification_deliver_task

    done = 0
    try:
        if bulk:
            size = conf("DELIVERY_BATCH")
            for start in range(0, len(notification_ids), size):
                batch = notification_ids[start : start + size]
                notification_deliver_batch_task.apply_async((batch,), retry=True, retry_policy=_PUBLISH_RETRY)
                done += len(batch)
        else:
            for notification_id in notification_ids:
                notification_deliver_task.apply_async((notification_id,), retry=True, retry_policy=_PUBLISH_RETRY)
                done += 1
    except Exception:
        logger.warning(
            "notifications: broker unreachable, %d of %d notifications left pending for the sweeper",
            len(notification_ids) - done,
            len(notification_ids),
            exc_info=True,
        )
        broker_connections_reset()


def broker_connections_reset() -> None:
    """Drop this process's pooled broker connections after a failed publish. Otherwise, once the broker is back,
    the next publish can still pick a dead pooled connection (kombu's Redis channel then fails in ways its retry
    does not catch) and the sweeper's re-enqueue would be lost as well."""
    import kombu.pools

    from config.celery import app

    kombu.pools.reset()
    app._pool = None  # type: ignore[attr-defined]
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None  # type: ignore[attr-defined]


def notifications_enqueue_on_commit(notification_ids: list[int], *, bulk: bool = False) -> None:
    if notification_ids:
        transaction.on_commit(partial(_enqueue, list(notification_ids), bulk=bulk), robust=True)


def notify(
    *,
    event: str,
    key: str,
    context: dict[str, Any],
    claimant: Any = None,
    user: Any = None,
    claim: Any = None,
    attachments: Sequence[Any] | None = None,
) -> list[Notification]:
    """Queue the message for `event` to one claimant or user, once per `key` (a repeat returns the first rows).

    Call it inside the transaction of the change it reports. Raises ValueError for an unknown event, a missing
    context variable or the wrong kind of recipient: those are bugs in the caller, not bad input."""
    spec = event_get(event)
    recipient = Q(claimant=claimant) if claimant is not None else Q(user=user)
    existing = list(Notification.objects.filter(recipient, event=event, key=key))
    if existing:
        return existing
    row = _build(
        spec=spec,
        templates=_Templates(event),
        item=NotifyItem(key=key, context=context, claimant=claimant, user=user, claim=claim, attachments=attachments),
        campaign=None,
        now=timezone.now(),
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        # Written by a concurrent call with the same key between our check and insert.
        return list(Notification.objects.filter(recipient, event=event, key=key))
    if row.status == Notification.Status.PENDING:
        notifications_enqueue_on_commit([row.pk])
    return [row]


def notify_many(*, event: str, items: Iterable[NotifyItem], campaign: Campaign | None = None) -> int:
    """`notify()` for many recipients of one event in one bulk insert (ON CONFLICT DO NOTHING, so a repeated
    chunk adds nothing). Deliveries go to the bulk queue after commit. Returns how many rows await delivery."""
    spec = event_get(event)
    templates = _Templates(event)
    now = timezone.now()
    rows = [_build(spec=spec, templates=templates, item=item, campaign=campaign, now=now) for item in items]
    if not rows:
        return 0
    with transaction.atomic():
        Notification.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        claimant_ids = [r.claimant_id for r in rows if r.claimant_id]
        user_ids = [r.user_id for r in rows if r.user_id]
        pending = list(
            Notification.objects.filter(
                Q(claimant_id__in=claimant_ids) | Q(user_id__in=user_ids),
                event=event,
                key__in={r.key for r in rows},
                status=Notification.Status.PENDING,
            )
            .order_by("id")
            .values_list("id", flat=True)
        )
        notifications_enqueue_on_commit(pending, bulk=True)
    return len(pending)
