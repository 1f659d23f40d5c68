"""A worker killed with SIGKILL in the middle of settling 1,000 payouts: a fresh worker and the sweeper finish
the batch, asking the gateway about every key the dead worker may have sent; nothing is paid twice."""

import signal
import time

import pytest

from conftest import purge_broker, wait_for
from payouts.models import Payout
from payouts.services.batches import payout_batch_approve, payout_batch_release
from payouts.tasks import payouts_sweep_task
from payouts.tests.conftest import start_worker
from payouts.tests.test_settlement_worker import assert_paid_exactly_once, build_batch

pytestmark = [pytest.mark.worker, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_sigkill_mid_settlement_then_restart_pays_each_exactly_once(sandbox, finance_users):
    maker, checker, manager = finance_users
    sandbox.faults(latency_ms=20)  # slow enough to be killed half-way
    batch = build_batch(maker)
    payout_batch_approve(batch=batch, actor=checker)
    purge_broker()
    first = start_worker(sandbox, name="doomed")
    try:
        payout_batch_release(batch=batch, actor=manager)
        wait_for(
            lambda: Payout.objects.filter(batch=batch, status=Payout.Status.PAID).count() >= 150,
            timeout=120,
            message="settlement under way",
        )
    finally:
        first.stop(signal.SIGKILL)
    paid_at_kill = Payout.objects.filter(batch=batch, status=Payout.Status.PAID).count()
    stuck_at_kill = Payout.objects.filter(batch=batch, status=Payout.Status.SUBMITTED).count()
    assert paid_at_kill < batch.payout_count, "the worker finished before it could be killed"
    sandbox.faults(latency_ms=1)

    second = start_worker(sandbox, name="rescuer")
    try:
        deadline = time.monotonic() + 180
        while Payout.objects.filter(batch=batch).exclude(status=Payout.Status.PAID).exists():
            assert time.monotonic() < deadline, "the batch never finished after the restart"
            payouts_sweep_task.delay()  # what beat does every minute
            time.sleep(2)
    finally:
        second.stop()
    stats = assert_paid_exactly_once(batch, sandbox)
    if stuck_at_kill:
        assert stats["status_queries"] >= 1  # the dead worker's keys were asked about, not resent blindly
