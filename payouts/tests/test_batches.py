"""Batches: four eyes in the service and in the database, the manager limit, risk flags gate approval, audit rows."""

import pytest
from django.db import IntegrityError, transaction

from core.exceptions import ApplicationError
from payouts.models import Payout, PayoutBatch, PayoutEvent
from payouts.services.batches import (
    payout_batch_approve,
    payout_batch_build,
    payout_batch_cancel,
    payout_batch_reject,
    payout_batch_release,
)
from payouts.services.payouts import payout_risk_decide, payouts_create_from_entitlements
from payouts.tests.factories import make_entitlements

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(finance_users):
    make_entitlements(30, amounts=50_000)
    payouts_create_from_entitlements()
    return payout_batch_build(actor=finance_users[0])


def test_build_freezes_payouts_and_totals(batch):
    assert (batch.payout_count, batch.total_won, batch.status) == (30, 1_500_000, "pending_approval")
    assert Payout.objects.filter(batch=batch).count() == 30
    assert PayoutEvent.objects.filter(batch=batch, type="batch_built").exists()


def test_build_filters_by_amount_range_and_max_count(finance_users):
    make_entitlements(10, amounts=lambda i: 1_000 * (i + 1))
    payouts_create_from_entitlements()
    batch = payout_batch_build(actor=finance_users[0], min_won=3_000, max_won=8_000, max_count=4)
    amounts = sorted(Payout.objects.filter(batch=batch).values_list("amount_won", flat=True))
    assert amounts == [3_000, 4_000, 5_000, 6_000] and batch.total_won == 18_000


def test_maker_cannot_approve_in_the_service(batch, finance_users):
    maker = finance_users[0]
    with pytest.raises(ApplicationError, match="4-eyes"):
        payout_batch_approve(batch=batch, actor=maker)
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.PENDING_APPROVAL and batch.approved_by is None


def test_maker_cannot_approve_in_the_database(batch):
    with pytest.raises(IntegrityError, match="payoutbatch_checker_differs_from_maker"), transaction.atomic():
        PayoutBatch.objects.filter(pk=batch.pk).update(approved_by=batch.created_by)


def test_checker_approves_and_repeat_is_harmless(batch, finance_users):
    _, checker, _ = finance_users
    payout_batch_approve(batch=batch, actor=checker)
    payout_batch_approve(batch=batch, actor=checker)
    assert PayoutEvent.objects.filter(batch=batch, type="batch_approved", actor=checker).count() == 1


def test_large_batch_needs_a_finance_manager(batch, finance_users, settings):
    _, checker, manager = finance_users
    settings.PAYOUTS = {**settings.PAYOUTS, "MANAGER_APPROVAL_ABOVE_WON": 1_000_000}
    with pytest.raises(ApplicationError, match="finance_manager"):
        payout_batch_approve(batch=batch, actor=checker)
    assert payout_batch_approve(batch=batch, actor=manager).approved_by == manager


def test_reject_and_cancel_write_audit_rows_and_free_the_payouts(batch, finance_users):
    maker, checker, _ = finance_users
    payout_batch_reject(batch=batch, actor=checker, reason="금액 재확인 필요")
    assert PayoutEvent.objects.filter(batch=batch, type="batch_rejected", payload__reason="금액 재확인 필요").exists()
    assert not Payout.objects.filter(batch=batch).exists()
    second = payout_batch_build(actor=maker)
    payout_batch_cancel(batch=second, actor=maker, reason="중복 작성")
    assert PayoutEvent.objects.filter(batch=second, type="batch_cancelled", actor=maker).exists()
    with pytest.raises(ApplicationError):
        payout_batch_approve(batch=second, actor=checker)


def test_flagged_payouts_wait_for_an_explicit_decision(finance_users):
    maker, checker, _ = finance_users
    # Two claimants with different names share one phone: both are flagged and left out of the batch.
    make_entitlements(2, amounts=10_000, names=["김철수", "이영희"], phones=["01099998888", "01099998888"])
    make_entitlements(3, amounts=10_000)
    payouts_create_from_entitlements()
    flagged = list(Payout.objects.exclude(risk_flags=[]))
    assert len(flagged) == 2 and flagged[0].risk_flags[0]["code"] == "shared_phone"
    assert "이름이 다른 신고인 1명" in flagged[0].risk_flags[0]["message"]
    batch = payout_batch_build(actor=maker)
    assert batch.payout_count == 3
    payout_risk_decide(payout=flagged[0], decision="cleared", note="가족 공용 전화 확인", actor=checker)
    assert payout_batch_build(actor=maker).payout_count == 1
    assert PayoutEvent.objects.filter(payout=flagged[0], type="risk_cleared").exists()


def test_amount_above_policy_p95_is_flagged(finance_users):
    make_entitlements(40, amounts=lambda i: 10_000 if i < 39 else 900_000)
    payouts_create_from_entitlements()
    flagged = Payout.objects.exclude(risk_flags=[])
    assert [p.amount_won for p in flagged] == [900_000]
    assert flagged[0].risk_flags[0]["code"] == "above_p95"


def test_release_schedules_and_only_after_approval(batch, finance_users, django_capture_on_commit_callbacks):
    _, checker, manager = finance_users
    with pytest.raises(ApplicationError):
        payout_batch_release(batch=batch, actor=manager)
    payout_batch_approve(batch=batch, actor=checker)
    with django_capture_on_commit_callbacks() as callbacks:
        payout_batch_release(batch=batch, actor=manager)
    assert len(callbacks) == 1  # settlement starts only after commit
    assert Payout.objects.filter(batch=batch, status="scheduled").count() == 30
