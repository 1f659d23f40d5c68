"""Delivery, sweeper, resend and campaign rules in-process (the worker tests cover the same paths end to end)."""

import time
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from config.celery import app
from core.exceptions import ApplicationError
from notifications import services
from notifications.channels import backend_for
from notifications.events import EVENTS
from notifications.models import DeliveryAttempt, Notification, SandboxMessage
from notifications.ratelimit import rate_limit_acquire
from notifications.services import delivery
from notifications.tests.factories import ClaimantFactory

pytestmark = pytest.mark.django_db
CTX = EVENTS["claim_message"].sample


@pytest.fixture
def enqueued(monkeypatch):
    """What the sweeper hands to Celery (the broker path itself is covered by the worker tests)."""
    calls: list[tuple[list[int], bool]] = []
    monkeypatch.setattr(delivery, "_enqueue", lambda ids, *, bulk: calls.append((list(ids), bulk)))
    return calls


def _row(**claimant) -> Notification:
    [row] = services.notify(event="claim_message", key="k", context=CTX, claimant=ClaimantFactory(**claimant))
    return row


def test_deliver_sends_once_and_records_the_attempt():
    row = _row(preferred_channel="sms")
    assert services.notification_deliver(notification_id=row.pk) == "sent"
    assert services.notification_deliver(notification_id=row.pk) == "skipped"
    row.refresh_from_db()
    assert row.status == "sent" and row.sent_at and row.attempts == 1
    assert SandboxMessage.objects.get(notification_id=row.pk).body == row.body
    assert list(row.delivery_attempts.values_list("outcome", flat=True)) == ["sent"]


def test_a_retry_is_not_sent_before_it_is_due():
    row = _row(preferred_channel="sms")
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert services.notification_deliver(notification_id=row.pk) == "skipped"


def test_sweeper_requeues_rows_whose_task_was_lost_once_per_grace_period(enqueued):
    row = _row()
    assert services.notification_sweep(grace_seconds=300) == {"reclaimed": 0, "requeued": 0}
    assert services.notification_sweep(grace_seconds=0)["requeued"] == 1
    assert enqueued == [([row.pk], False)]
    # Re-stamped: the next sweep leaves it alone while its new task waits in the queue.
    assert services.notification_sweep(grace_seconds=60)["requeued"] == 0


def test_sweeper_takes_back_a_row_whose_worker_died(enqueued, settings):
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "LEASE_SECONDS": 0}
    row = _row()
    assert delivery._claim(row.pk, timezone.now())  # a worker took it and died: the lease runs out
    result = services.notification_sweep(grace_seconds=300)
    row.refresh_from_db()
    assert result == {"reclaimed": 1, "requeued": 1} and row.status == "pending"
    assert enqueued[0] == ([row.pk], False)


def test_sweeper_fails_a_dead_row_out_of_attempts_and_falls_back(enqueued, settings):
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "MAX_ATTEMPTS": 1, "LEASE_SECONDS": 0}
    row = _row(preferred_channel="alimtalk")
    assert delivery._claim(row.pk, timezone.now())
    services.notification_sweep(grace_seconds=300)
    row.refresh_from_db()
    assert row.status == "failed" and "임대" in row.reason
    assert Notification.objects.get(fallback_of=row).channel == "sms"


def test_a_message_accepted_just_before_its_worker_died_is_not_delivered_again(enqueued, settings):
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "LEASE_SECONDS": 0}
    row = _row(preferred_channel="sms")
    # The worker took the row and the provider accepted the message; the worker died before writing `sent`.
    assert delivery._claim(row.pk, timezone.now())
    row.refresh_from_db()
    first_id = backend_for("sms").send(delivery._outgoing(row))
    assert services.notification_sweep(grace_seconds=300)["reclaimed"] == 1

    assert services.notification_deliver(notification_id=row.pk) == "sent"
    row.refresh_from_db()
    assert row.status == "sent" and row.provider_message_id == first_id
    assert SandboxMessage.objects.filter(notification_id=row.pk).count() == 1


def test_an_admins_resend_goes_out_as_a_new_message(agent):
    row = _row(preferred_channel="sms")
    assert services.notification_deliver(notification_id=row.pk) == "sent"
    services.notification_resend(notification=row, actor=agent)
    assert services.notification_deliver(notification_id=row.pk) == "sent"
    keys = SandboxMessage.objects.filter(notification_id=row.pk).values_list("idempotency_key", flat=True)
    assert sorted(keys) == [f"redress-n{row.pk}-r0", f"redress-n{row.pk}-r1"]


def test_email_carries_its_idempotency_key_as_message_id(smtp_sink):
    row = _row(preferred_channel="email", email="someone@example.com")
    assert row.channel == "email"
    assert services.notification_deliver(notification_id=row.pk) == "sent"
    [mail] = smtp_sink.wait_for(1)
    assert mail.message["Message-ID"] == f"<redress-n{row.pk}-r0@redress.local>"


def test_resend_puts_a_failed_row_back_and_records_who(agent, auditor):
    row = _row()
    services.notification_fail(notification=row, reason="영구 실패: test")
    Notification.objects.filter(fallback_of=row).delete()
    services.notification_resend(notification=row, actor=agent)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.reason) == ("pending", 0, "")
    attempt = row.delivery_attempts.get()
    assert (attempt.outcome, attempt.actor) == (DeliveryAttempt.Outcome.RESEND_REQUESTED, agent)
    with pytest.raises(ApplicationError):
        services.notification_resend(notification=row, actor=agent)  # already pending
    with pytest.raises(PermissionDenied):
        services.notification_resend(notification=row, actor=auditor)


def test_resend_refuses_an_optional_message_to_an_opted_out_claimant(agent):
    row = _row(opted_out_optional=True)
    assert row.status == "cancelled"
    with pytest.raises(ApplicationError):
        services.notification_resend(notification=row, actor=agent)


def test_rate_limit_is_shared_per_channel(settings):
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "RATE_LIMITS": {"sms": 3}}
    # Start at the beginning of a one-second window so the three fit in it.
    time.sleep(1 - time.time() % 1)
    assert all(rate_limit_acquire(channel="sms", max_wait=0) for _ in range(3))
    assert not rate_limit_acquire(channel="sms", max_wait=0)
    started = time.monotonic()
    assert rate_limit_acquire(channel="sms", max_wait=2)
    assert time.monotonic() - started > 0.05
    assert rate_limit_acquire(channel="email", max_wait=0)  # other channels unaffected


def test_bulk_tasks_are_routed_to_the_bulk_queue():
    def queue(name: str) -> str:
        return app.amqp.router.route({}, name)["queue"].name

    assert queue("notifications.tasks.notification_deliver_task") == "notifications"
    assert queue("notifications.tasks.notification_sweep_task") == "notifications"
    for name in ("campaign_plan_task", "campaign_send_chunk_task", "notification_deliver_batch_task"):
        assert queue(f"notifications.tasks.{name}") == "bulk"


def test_campaign_rules(admin_user):
    def create(**overrides):
        fields = {"name": "안내", "event": "claim_message", "audience": {}, "context": {"message": "m"}}
        return services.campaign_create(**{**fields, **overrides}, actor=admin_user)

    with pytest.raises(ValidationError, match="message"):
        create(context={})
    with pytest.raises(ValidationError, match="nope"):
        create(audience={"nope": "x"})
    with pytest.raises(ValidationError):
        create(audience={"status": ["no-such-status"]})
    with pytest.raises(ValidationError):
        create(event="sla_escalation", context={"count": 1, "queue_url": "x"})
    campaign = create(audience={"category": ["paid_service_damage"]})
    services.campaign_update(campaign=campaign, actor=admin_user, name="새 이름")
    services.campaign_start(campaign=campaign, actor=admin_user)
    services.campaign_start(campaign=campaign, actor=admin_user)  # a repeat does nothing
    with pytest.raises(ApplicationError):
        services.campaign_update(campaign=campaign, actor=admin_user, name="늦은 수정")
