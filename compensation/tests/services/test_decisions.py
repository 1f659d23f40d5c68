"""Reviewer decisions: accept, adjust with four eyes, reject; entitlements; the claimant's notice; appeals."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from claims.models import Claim
from compensation.models import Appeal, Assessment, Entitlement
from compensation.services import (
    appeal_decide,
    appeal_lodge,
    assessment_accept,
    assessment_adjust,
    assessment_checklist_update,
    assessment_confirm,
    assessment_reject,
    claim_assess,
    entitlement_fulfil,
)
from compensation.tests.factories import add_rule, adopt, draft_version, money_claim, tiered_2022
from core.exceptions import ApplicationError
from notifications.models import Notification


@pytest.fixture
def version(db):
    version = draft_version(second_review_above_won=100_000, appeal_window_days=14)
    tiered_2022(version)
    add_rule(
        version, priority=20, remedy="individual_review", match_claimant_kind="small_business",
        min_claimed_won=500_001,
    )  # fmt: skip
    add_rule(
        version, priority=30, remedy="in_kind", in_kind_item="이모티콘 3종", in_kind_value_won=3_300,
        match_claimant_kind="individual",
    )  # fmt: skip
    return adopt(version)


def _decisions(claim):
    return Notification.objects.filter(claim=claim, event="claim_decision")


def test_accept_creates_cash_entitlement_and_tells_the_claimant(version, reviewer):
    claim = money_claim(claimed_amount=420_000)
    assessment = claim_assess(claim=claim, version=version, actor=reviewer)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.ASSESSED
    assessment = assessment_accept(assessment=assessment, actor=reviewer)
    assert assessment.state == Assessment.State.APPROVED
    entitlement = Entitlement.objects.get(assessment=assessment)
    assert (entitlement.kind, entitlement.amount_won, entitlement.status) == ("cash", 50_000, "approved")
    notice = _decisions(claim).get()
    assert notice.context["amount"] == 50_000
    assert "2구간 ₩50,000" in notice.context["decision_text"]
    assert assessment.appeal_deadline == timezone.localdate() + timedelta(days=14)
    # A repeat changes nothing and sends nothing more.
    assessment_accept(assessment=assessment, actor=reviewer)
    assert Entitlement.objects.filter(assessment=assessment).count() == 1
    assert _decisions(claim).count() == 1


def test_in_kind_accept_becomes_a_fulfilment_item(version, reviewer, finance_user):
    claim = money_claim(kind="individual", claimed_amount=10_000)
    assessment = assessment_accept(assessment=claim_assess(claim=claim, version=version, actor=None), actor=reviewer)
    item = Entitlement.objects.get(assessment=assessment)
    assert (item.kind, item.item_description, item.amount_won) == ("in_kind", "이모티콘 3종", 3_300)
    from conftest import make_user

    superuser = make_user("boss", superuser=True)
    item = entitlement_fulfil(entitlement=item, actor=superuser, reference="COUPON-1")
    assert item.status == Entitlement.Status.FULFILLED


def test_adjust_above_threshold_needs_a_different_second_reviewer(version, reviewer, reviewer2):
    claim = money_claim(claimed_amount=420_000)
    assessment = claim_assess(claim=claim, version=version, actor=None)
    assessment = assessment_adjust(assessment=assessment, amount_won=150_000, reason="매출 증빙 확인", actor=reviewer)
    assert assessment.state == Assessment.State.AWAITING_CONFIRMATION
    assert not Entitlement.objects.filter(assessment=assessment).exists()
    assert not _decisions(claim).exists()
    with pytest.raises(ApplicationError, match="본인"):
        assessment_confirm(assessment=assessment, actor=reviewer)
    assessment = assessment_confirm(assessment=assessment, actor=reviewer2)
    assert assessment.state == Assessment.State.APPROVED
    assert assessment.confirmed_by == reviewer2 and assessment.decided_by == reviewer
    assert Entitlement.objects.get(assessment=assessment).amount_won == 150_000
    assert "150,000원" in _decisions(claim).get().context["decision_text"]


def test_adjust_below_threshold_is_approved_at_once_and_needs_a_reason(version, reviewer):
    assessment = claim_assess(claim=money_claim(claimed_amount=420_000), version=version, actor=None)
    with pytest.raises(Exception, match="reason"):
        assessment_adjust(assessment=assessment, amount_won=60_000, reason="", actor=reviewer)
    assessment = assessment_adjust(assessment=assessment, amount_won=60_000, reason="영수증 반영", actor=reviewer)
    assert assessment.state == Assessment.State.APPROVED
    assert Entitlement.objects.get(assessment=assessment).amount_won == 60_000


def test_individual_review_queue_checklist_then_adjust(version, reviewer):
    assessment = claim_assess(claim=money_claim(claimed_amount=2_500_000), version=version, actor=None)
    assert assessment.state == Assessment.State.INDIVIDUAL_REVIEW
    with pytest.raises(ApplicationError):
        assessment_accept(assessment=assessment, actor=reviewer)
    assessment = assessment_checklist_update(
        assessment=assessment, checklist={"business_certificate": True, "lost_sales_proof": True}, actor=reviewer
    )
    assert assessment.evidence_checklist == {"business_certificate": True, "lost_sales_proof": True}
    assessment = assessment_adjust(assessment=assessment, amount_won=80_000, reason="증빙 확인", actor=reviewer)
    assert assessment.state == Assessment.State.APPROVED


def test_reject_needs_a_reason_code_and_only_reviewers_decide(version, reviewer, agent):
    claim = money_claim(claimed_amount=420_000)
    assessment = claim_assess(claim=claim, version=version, actor=None)
    with pytest.raises(PermissionDenied):
        assessment_reject(assessment=assessment, reason_code="duplicate", actor=agent)
    with pytest.raises(Exception, match="reason_code"):
        assessment_reject(assessment=assessment, reason_code="bogus", actor=reviewer)
    assessment = assessment_reject(assessment=assessment, reason_code="duplicate", actor=reviewer)
    assert assessment.state == Assessment.State.REJECTED
    assert "중복 신고" in _decisions(claim).get().context["decision_text"]
    assert not Entitlement.objects.filter(assessment=assessment).exists()


def test_appeal_goes_to_a_different_reviewer_and_its_outcome_is_final(version, reviewer, reviewer2, agent):
    claim = money_claim(claimed_amount=420_000)
    assessment = assessment_accept(assessment=claim_assess(claim=claim, version=version, actor=None), actor=reviewer)
    appeal = appeal_lodge(assessment=assessment, reason="피해액이 더 큽니다. 매출 자료 첨부.", actor=agent)
    assert appeal.assigned_to == reviewer2 and appeal.original_reviewer == reviewer
    with pytest.raises(ApplicationError):
        appeal_lodge(assessment=assessment, reason="다시 이의", actor=agent)
    with pytest.raises(ApplicationError):
        appeal_decide(appeal=appeal, outcome="amended", amount_won=90_000, reason="재검토", actor=reviewer)
    appeal = appeal_decide(
        appeal=appeal, outcome="amended", amount_won=90_000, reason="매출 자료 반영", actor=reviewer2
    )
    assert appeal.status == Appeal.Status.DECIDED
    with pytest.raises(ApplicationError, match="최종"):
        appeal_decide(appeal=appeal, outcome="upheld", reason="번복", actor=reviewer2)
    rows = {e.source: e for e in Entitlement.objects.filter(assessment=assessment)}
    # Not yet paid out: the first entitlement is cancelled and the appeal one carries the whole amount.
    assert rows["decision"].status == Entitlement.Status.CANCELLED
    assert (rows["appeal"].amount_won, rows["appeal"].status) == (90_000, "approved")
    outcome = Notification.objects.get(claim=claim, event="appeal_outcome")
    assert "90,000원" in outcome.context["outcome_text"] and "최종" in outcome.context["outcome_text"]


def test_appeal_after_the_window_is_refused(version, reviewer, agent):
    assessment = assessment_accept(
        assessment=claim_assess(claim=money_claim(claimed_amount=420_000), version=version, actor=None),
        actor=reviewer,
    )
    Assessment.objects.filter(pk=assessment.pk).update(appeal_deadline=timezone.localdate() - timedelta(days=1))
    assessment.refresh_from_db()
    with pytest.raises(ApplicationError, match="기간"):
        appeal_lodge(assessment=assessment, reason="늦은 이의", actor=agent)
