"""Scale-out: two worker processes (two hostnames) on the same queues share one settlement batch and one
announcement campaign; each payout is paid once and each message sent once, and both workers did part of each.

Which worker ran what comes from the workers' own logs: Celery logs every task it finishes with its id."""

import re
from collections import Counter

import pytest

from claims.tests.factories import submit_claim
from conftest import make_user, purge_broker, wait_for
from notifications import services as notifications
from notifications.models import Notification, SandboxMessage
from payouts.services.batches import payout_batch_approve, payout_batch_release
from payouts.tests.test_settlement_worker import assert_paid_exactly_once, build_batch, wait_all_paid
from tests.faults.conftest import start_worker

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def succeeded(log: str, task: str) -> int:
    return len(re.findall(rf"Task {re.escape(task)}\[[^\]]+\] succeeded", log))


def test_two_workers_share_a_settlement_batch_and_a_campaign(sandbox, finance_users, small_chunks, incident):
    maker, checker, manager = finance_users
    purge_broker()
    workers = [start_worker(name=name, queues="settlement,bulk", gateway=sandbox) for name in ("left", "right")]
    try:
        # Settlement: 1,000 payouts in chunks of 100 over four lanes, a few milliseconds per transfer.
        sandbox.faults(latency_ms=5)
        batch = build_batch(maker)
        payout_batch_approve(batch=batch, actor=checker)
        payout_batch_release(batch=batch, actor=manager)
        wait_all_paid(batch, timeout=240)

        # Announcement: 60 claimants in chunks of 10, delivered in batches of 4 on the bulk queue.
        claims = [submit_claim(name=f"신고인{n}", phone=f"010-5{n:03d}-{n:04d}") for n in range(60)]
        admin = make_user("campaigner", superuser=True)
        campaign = notifications.campaign_create(
            name="보상 안내", event="claim_message", audience={"service": "kakaotalk"},
            context={"message": "보상 기준이 확정되었습니다."}, actor=admin,
        )  # fmt: skip
        notifications.campaign_start(campaign=campaign, actor=admin)
        rows = Notification.objects.filter(campaign=campaign)
        wait_for(
            lambda: rows.count() == len(claims) and not rows.exclude(status="sent").exists(),
            timeout=240,
            message="every campaign message sent",
        )
    finally:
        for worker in workers:
            worker.stop()

    assert_paid_exactly_once(batch, sandbox)
    sent = Counter(SandboxMessage.objects.filter(notification_id__in=rows.values("id")).values_list(
        "notification_id", flat=True))  # fmt: skip
    assert len(sent) == len(claims) and set(sent.values()) == {1}, "a campaign message was lost or sent twice"

    logs = {worker.log_path.name: worker.output() for worker in workers}
    for name, log in logs.items():
        assert succeeded(log, "payouts.tasks.settlement_run_chunk_task") >= 1, f"{name} settled nothing"
        assert succeeded(log, "notifications.tasks.notification_deliver_batch_task") >= 1, f"{name} sent nothing"
    chunks = sum(succeeded(log, "payouts.tasks.settlement_run_chunk_task") for log in logs.values())
    assert chunks >= 2
