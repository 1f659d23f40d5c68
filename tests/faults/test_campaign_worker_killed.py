"""A worker killed with SIGKILL in the middle of an announcement campaign's fan-out: a fresh worker, Celery's
redelivery of the unacknowledged task (short visibility timeout here) and the notification sweeper (what beat runs
every minute) finish the campaign; every claimant of the audience gets the message exactly once."""

import signal
import time
from collections import Counter

import pytest
from django.utils import timezone

from claims.tests.factories import submit_claim
from conftest import make_user, purge_broker, wait_for
from notifications import services as notifications
from notifications.models import Notification, SandboxMessage
from tests.faults.conftest import start_worker

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
AUDIENCE = 200
# An unacknowledged task (its worker died) comes back after this many seconds instead of an hour.
REDELIVERY = {"CELERY_VISIBILITY_TIMEOUT": "10"}


def test_sigkill_mid_campaign_then_restart_sends_each_message_once(small_chunks, incident):
    claims = [submit_claim(name=f"안내{n}", phone=f"010-6{n:03d}-{n:04d}") for n in range(AUDIENCE)]
    admin = make_user("campaigner", superuser=True)
    campaign = notifications.campaign_create(
        name="지급 일정 안내", event="claim_message", audience={"service": "kakaotalk"},
        context={"message": "12월부터 보상금을 차례로 지급합니다."}, actor=admin,
    )  # fmt: skip
    rows = Notification.objects.filter(campaign=campaign)
    purge_broker()
    doomed = start_worker(name="doomed", queues="bulk", extra=REDELIVERY)
    try:
        notifications.campaign_start(campaign=campaign, actor=admin)
        wait_for(lambda: rows.filter(status="sent").count() >= 20, timeout=120, message="the campaign under way")
    finally:
        doomed.stop(signal.SIGKILL)
    sent_at_kill = rows.filter(status="sent").count()
    assert sent_at_kill < AUDIENCE, "the campaign finished before the worker could be killed"

    rescuer = start_worker(name="rescuer", queues="bulk", extra=REDELIVERY)
    try:
        deadline = time.monotonic() + 240
        while rows.count() < AUDIENCE or rows.exclude(status="sent").exists():
            assert time.monotonic() < deadline, (
                f"the campaign never finished: {rows.count()} written, "
                f"{dict(Counter(rows.values_list('status', flat=True)))}"
            )
            # Time passes for the dead worker's leases (two minutes in production), then the sweeper runs.
            rows.filter(status="sending", updated_at__lt=timezone.now() - timezone.timedelta(seconds=15)).update(
                next_attempt_at=timezone.now() - timezone.timedelta(seconds=1)
            )
            notifications.notification_sweep(grace_seconds=5)
            time.sleep(3)
    finally:
        rescuer.stop()

    assert rows.count() == AUDIENCE and set(rows.values_list("claim_id", flat=True)) == {c.pk for c in claims}
    delivered = Counter(
        SandboxMessage.objects.filter(notification_id__in=rows.values("id")).values_list("notification_id", flat=True)
    )
    assert len(delivered) == AUDIENCE, "a claimant never got the message"
    twice = {pk: n for pk, n in delivered.items() if n > 1}
    assert not twice, f"sent more than once: {twice}"
