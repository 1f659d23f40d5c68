"""Delivering a batch of campaign rows: one claim for the whole batch, a few sends in flight, one bookkeeping
write per few messages.

The single-message path (delivery.py) writes `sent` after every message. Here the rows of a batch are claimed
with one locked SELECT and one UPDATE, up to SEND_THREADS messages are handed to the channel at once (a send is
mostly waiting for the server's replies), and 알림톡/SMS successes are written every FLUSH_EVERY messages: that is
what lets two workers send 100,000 messages in minutes. A worker killed mid-batch leaves up to FLUSH_EVERY +
SEND_THREADS sent rows marked `sending`; the sweeper sends them again when their lease expires, with the same
idempotency key, and the provider does not deliver a key twice. SMTP has no such key, so email successes are
written one by one: there a kill can repeat at most the SEND_THREADS messages in flight."""

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from notifications.channels import DeliveryError, TemporaryFailure, backend_for
from notifications.conf import conf
from notifications.models import Channel, DeliveryAttempt, Notification
from notifications.ratelimit import rate_limit_acquire
from notifications.services.delivery import _DUE_TOLERANCE, _outgoing, _record_failure, logger

Status = Notification.Status
FLUSH_EVERY = 10


def _claim_batch(notification_ids: list[int]) -> list[Notification]:
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk__in=notification_ids, status=Status.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + _DUE_TOLERANCE))
            .order_by("id")
        )
        lease = now + timedelta(seconds=conf("LEASE_SECONDS"))
        Notification.objects.filter(pk__in=[row.pk for row in rows]).update(
            status=Status.SENDING, attempts=F("attempts") + 1, next_attempt_at=lease, updated_at=now
        )
    for row in rows:
        row.status, row.attempts, row.next_attempt_at = Status.SENDING, row.attempts + 1, lease
    return rows


def _flush(sent: list[tuple[Notification, str, int]]) -> None:
    if not sent:
        return
    now = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # One statement for the batch: bulk_update's CASE per row costs more Python than the sends themselves.
            values = ", ".join(["(%s, %s)"] * len(sent))
            params: list[Any] = [now, now]
            for row, provider_message_id, _ in sent:
                params += [row.pk, provider_message_id[:200]]
            with connection.cursor() as cursor:
                cursor.execute(
                    f"""UPDATE notifications_notification AS n
                        SET status = 'sent', sent_at = %s, updated_at = %s, next_attempt_at = NULL, reason = '',
                            provider_message_id = v.provider_message_id
                        FROM (VALUES {values}) AS v(id, provider_message_id)
                        WHERE n.id = v.id::bigint""",
                    params,
                )
        else:  # the embedded SQLite of `make run`
            for row, provider_message_id, _ in sent:
                Notification.objects.filter(pk=row.pk).update(
                    status=Status.SENT, sent_at=now, updated_at=now, next_attempt_at=None, reason="",
                    provider_message_id=provider_message_id[:200],
                )  # fmt: skip
        DeliveryAttempt.objects.bulk_create(
            DeliveryAttempt(
                notification_id=row.pk,
                channel=row.channel,
                outcome=DeliveryAttempt.Outcome.SENT,
                provider_message_id=provider_message_id[:200],
                duration_ms=duration_ms,
            )
            for row, provider_message_id, duration_ms in sent
        )
    sent.clear()


_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _sender() -> ThreadPoolExecutor:
    """Threads kept for the life of the worker process, each with its own channel connections."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=conf("SEND_THREADS"), thread_name_prefix="notify-send")
        return _executor


def _send(row: Notification) -> tuple[str | None, Exception | None, int]:
    started = time.monotonic()
    try:
        provider_message_id = backend_for(row.channel).send(_outgoing(row))
        return provider_message_id, None, int((time.monotonic() - started) * 1000)
    except Exception as exc:
        if not isinstance(exc, DeliveryError):
            logger.exception("notification %s: unexpected error from the %s backend", row.pk, row.channel)
            exc = TemporaryFailure(f"{type(exc).__name__}: {exc}")
        return None, exc, int((time.monotonic() - started) * 1000)


def _give_back(rows: list[Notification]) -> None:
    """Out of send slots: return the rest unspent and try them again in a second."""
    from notifications.tasks import notification_deliver_batch_task

    ids = [row.pk for row in rows]
    Notification.objects.filter(pk__in=ids, status=Status.SENDING).update(
        status=Status.PENDING, attempts=F("attempts") - 1, next_attempt_at=timezone.now(), updated_at=timezone.now()
    )
    try:
        notification_deliver_batch_task.apply_async((ids,), countdown=1)
    except Exception:
        logger.warning("%d notifications not re-queued, the sweeper will pick them up", len(ids), exc_info=True)


def notification_deliver_batch(*, notification_ids: list[int]) -> dict[str, int]:
    """Send a batch of (campaign) notifications. Safe to run twice: rows already taken are skipped."""
    rows = _claim_batch(notification_ids)
    outcomes = {"sent": 0, "failed": 0, "postponed": 0, "skipped": len(notification_ids) - len(rows)}
    sent: list[tuple[Notification, str, int]] = []
    in_flight: list[tuple[Notification, Future[tuple[str | None, Exception | None, int]]]] = []

    def settle(row: Notification, result: tuple[str | None, Exception | None, int]) -> None:
        provider_message_id, error, duration_ms = result
        if error is not None:
            _flush(sent)
            _record_failure(row, error, duration_ms)  # type: ignore[arg-type]
            outcomes["failed"] += 1
            return
        sent.append((row, provider_message_id or "", duration_ms))
        outcomes["sent"] += 1
        if len(sent) >= FLUSH_EVERY or row.channel == Channel.EMAIL:
            _flush(sent)

    try:
        for index, row in enumerate(rows):
            if not rate_limit_acquire(channel=row.channel):
                _give_back(rows[index:])
                outcomes["postponed"] = len(rows) - index
                break
            in_flight.append((row, _sender().submit(_send, row)))
            while len(in_flight) >= conf("SEND_THREADS") or (in_flight and in_flight[0][1].done()):
                done_row, future = in_flight.pop(0)
                settle(done_row, future.result())
        for done_row, future in in_flight:
            settle(done_row, future.result())
        in_flight.clear()
    finally:
        for done_row, future in in_flight:  # an error above: still record what was sent
            settle(done_row, future.result())
        _flush(sent)
    return outcomes
