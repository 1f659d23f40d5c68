"""Settlement of 1,000 payouts by a real Celery worker on the real broker against the sandbox gateway process:
every payout paid exactly once under duplicated deliveries, timeouts after commit and racing approvers; the
ledger balances; reconciliation reports exactly the lines planted in the gateway's report."""

import threading
from typing import Any

import pytest
from django.db import connection

from conftest import wait_for
from core.exceptions import ApplicationError
from payouts.models import LedgerAccount, Payout, PayoutAttempt, PayoutBatch, PayoutEvent, ReconciliationException
from payouts.selectors import ledger_balances, payout_report_batch
from payouts.services.batches import payout_batch_approve, payout_batch_build, payout_batch_release
from payouts.services.payouts import payouts_create_from_entitlements
from payouts.services.reconciliation import reconciliation_run
from payouts.services.settlement import settlement_dispatch
from payouts.tasks import reconciliation_run_task, settlement_run_chunk_task
from payouts.tests.factories import make_entitlements

N = 1_000
AMOUNT = 12_340
pytestmark = [pytest.mark.worker, pytest.mark.slow]


def build_batch(maker: Any, *, count: int = N) -> PayoutBatch:
    make_entitlements(count, amounts=AMOUNT)
    payouts_create_from_entitlements()
    batch = payout_batch_build(actor=maker)
    assert batch.payout_count == count and batch.total_won == count * AMOUNT
    return batch


def wait_all_paid(batch: PayoutBatch, *, timeout: float = 120) -> None:
    wait_for(
        lambda: not Payout.objects.filter(batch=batch).exclude(status=Payout.Status.PAID).exists(),
        timeout=timeout,
        interval=0.5,
        message=f"all payouts paid (now {Payout.objects.filter(batch=batch, status='paid').count()})",
    )


def assert_paid_exactly_once(batch: PayoutBatch, sandbox: Any) -> dict[str, Any]:
    stats = sandbox.stats()
    count, total = batch.payout_count, batch.total_won
    assert Payout.objects.filter(batch=batch, status=Payout.Status.PAID).count() == count
    assert stats["transfers"] == count, stats
    assert stats["references_paid_twice"] == 0, stats
    assert stats["paid_total"] == total, stats
    # One attempt (one key) per payout: nothing was ever re-sent under a new key.
    assert PayoutAttempt.objects.filter(payout__batch=batch).count() == count
    assert PayoutAttempt.objects.filter(payout__batch=batch, status=PayoutAttempt.Status.SUCCEEDED).count() == count
    balances = ledger_balances(payout_ids=Payout.objects.filter(batch=batch).values("id"))
    assert sum(balances.values()) == 0
    assert balances[LedgerAccount.CASH] == -total
    assert balances[LedgerAccount.IN_TRANSIT] == 0 and balances[LedgerAccount.PAYABLE] == 0
    report = payout_report_batch(batch=batch)
    assert report["balanced"] and report["ledger_agrees"] and report["paid_won"] == total
    return stats


@pytest.mark.django_db(transaction=True)
def test_every_task_delivered_twice_still_pays_once(settlement_worker, sandbox, finance_users):
    maker, checker, manager = finance_users
    batch = build_batch(maker)
    payout_batch_approve(batch=batch, actor=checker)
    # Duplicates of everything: a second set of lanes, and the very same task message sent twice.
    settlement_run_chunk_task.apply_async(kwargs={"batch_id": batch.pk}, task_id=f"dup-{batch.pk}")
    settlement_run_chunk_task.apply_async(kwargs={"batch_id": batch.pk}, task_id=f"dup-{batch.pk}")
    payout_batch_release(batch=batch, actor=manager)  # starts the lanes (on commit)
    payout_batch_release(batch=batch, actor=manager)  # a repeat is a no-op
    settlement_dispatch(batch_id=batch.pk)
    wait_all_paid(batch)
    stats = assert_paid_exactly_once(batch, sandbox)
    assert stats["max_posts_per_key"] == 1  # not even a harmless duplicate POST
    wait_for(lambda: PayoutBatch.objects.get(pk=batch.pk).status == PayoutBatch.Status.SETTLED, timeout=30)


@pytest.mark.django_db(transaction=True)
def test_gateway_timeouts_after_commit_are_asked_about_never_resent(settlement_worker, sandbox, finance_users):
    maker, checker, manager = finance_users
    sandbox.faults(timeout_rate=0.1, hang_seconds=1.5, seed=7)  # client timeout is 0.5 s
    batch = build_batch(maker)
    payout_batch_approve(batch=batch, actor=checker)
    payout_batch_release(batch=batch, actor=manager)
    wait_all_paid(batch)
    stats = assert_paid_exactly_once(batch, sandbox)
    assert stats["max_posts_per_key"] == 1  # a timed-out key was never POSTed again
    assert stats["status_queries"] >= 50  # ~100 timeouts, each followed by a status query


@pytest.mark.django_db(transaction=True)
def test_two_checkers_approving_at_once_make_one_approval(settlement_worker, sandbox, finance_users):
    from payouts.tests.factories import UserFactory

    maker, checker, manager = finance_users
    second = UserFactory(username="checker2", groups=["finance"])
    batch = build_batch(maker)
    barrier = threading.Barrier(2)
    results: dict[str, Any] = {}

    def approve(user: Any) -> None:
        try:
            barrier.wait()
            payout_batch_approve(batch=batch, actor=user)
            results[user.username] = "approved"
        except ApplicationError as exc:
            results[user.username] = exc.message
        finally:
            connection.close()  # each thread has its own database connection

    threads = [threading.Thread(target=approve, args=(u,)) for u in (checker, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == ["approved", "이미 다른 사용자가 승인한 배치입니다."]
    assert PayoutEvent.objects.filter(batch=batch, type="batch_approved").count() == 1
    batch.refresh_from_db()
    assert batch.approved_by.username == next(name for name, r in results.items() if r == "approved")
    payout_batch_release(batch=batch, actor=manager)
    wait_all_paid(batch)
    assert_paid_exactly_once(batch, sandbox)


@pytest.mark.django_db(transaction=True)
def test_reconciliation_reports_planted_lines_and_changes_no_payout(settlement_worker, sandbox, finance_users):
    maker, checker, manager = finance_users
    batch = build_batch(maker)
    payout_batch_approve(batch=batch, actor=checker)
    payout_batch_release(batch=batch, actor=manager)
    wait_all_paid(batch)
    attempts = list(PayoutAttempt.objects.filter(payout__batch=batch).order_by("id"))
    day = attempts[0].value_date
    missing = [a.idempotency_key for a in attempts[:3]]
    mismatched = {a.idempotency_key: a.amount_won + 1 for a in attempts[3:5]}
    sandbox.post(
        "/_admin/report",
        {"date": day.isoformat(), "missing": missing, "mismatch": mismatched,
         "extra": [{"key": "not-ours-1", "amount": 5_000}, {"key": "not-ours-2", "amount": 7_000}]},
    )  # fmt: skip
    before = dict(Payout.objects.filter(batch=batch).values_list("id", "status"))
    reconciliation_run_task.delay(report_date=day.isoformat())
    from payouts.models import ReconciliationRun

    run = wait_for(lambda: ReconciliationRun.objects.filter(report_date=day, status="done").first(), timeout=60)
    found = {(e.kind, e.idempotency_key) for e in ReconciliationException.objects.filter(run=run)}
    assert found == {
        *(("missing_theirs", key) for key in missing),
        *(("amount_mismatch", key) for key in mismatched),
        ("missing_ours", "not-ours-1"),
        ("missing_ours", "not-ours-2"),
    }
    assert run.line_count == N - 3 + 2 and run.matched_count == N - 5
    assert dict(Payout.objects.filter(batch=batch).values_list("id", "status")) == before
    # Running it again in-process finds the same, in a new run: nothing is ever silently fixed.
    assert reconciliation_run(report_date=day).exception_count == 7
