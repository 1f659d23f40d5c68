"""PIPA: no resident registration number in reviewers' reasons or in a claimant's appeal."""

import pytest
from django.core.exceptions import ValidationError

from compensation.models import Appeal, Assessment
from compensation.services import (
    appeal_decide,
    appeal_lodge,
    assessment_accept,
    assessment_adjust,
    assessment_reject,
    claim_assess,
)
from compensation.tests.factories import adopt, draft_version, money_claim, tiered_2022

pytestmark = pytest.mark.django_db
RRN = "신청인 900101-1234567"


@pytest.fixture
def assessment(db):
    version = draft_version(appeal_window_days=14)
    tiered_2022(version)
    return claim_assess(claim=money_claim(claimed_amount=420_000), version=adopt(version), actor=None)


def _adjust(assessment, reviewer, reviewer2, agent):
    assessment_adjust(assessment=assessment, amount_won=10_000, reason=RRN, actor=reviewer)


def _reject(assessment, reviewer, reviewer2, agent):
    assessment_reject(assessment=assessment, reason_code="other", reason=RRN, actor=reviewer)


def _lodge(assessment, reviewer, reviewer2, agent):
    appeal_lodge(assessment=assessment_accept(assessment=assessment, actor=reviewer), reason=RRN, actor=agent)


def _decide(assessment, reviewer, reviewer2, agent):
    accepted = assessment_accept(assessment=assessment, actor=reviewer)
    appeal = appeal_lodge(assessment=accepted, reason="피해액이 더 큽니다.", actor=agent)
    appeal_decide(appeal=appeal, outcome="upheld", reason=RRN, actor=reviewer2)


@pytest.mark.parametrize(
    ("enter", "label"),
    [(_adjust, "조정 사유"), (_reject, "기각 사유"), (_lodge, "이의 사유"), (_decide, "이의신청 결정 사유")],
)
def test_reasons_and_appeals_refuse_an_rrn(assessment, reviewer, reviewer2, agent, enter, label):
    with pytest.raises(ValidationError) as info:
        enter(assessment, reviewer, reviewer2, agent)
    assert info.value.message_dict["reason"][0].startswith(f"{label}에 주민등록번호")
    assert not Assessment.objects.filter(decision_reason__contains="900101").exists()
    assert not Appeal.objects.filter(reason__contains="900101").exists()
    assert not Appeal.objects.filter(outcome_reason__contains="900101").exists()


def test_appeal_api_answers_400_naming_the_field(assessment, reviewer, agent):
    from rest_framework.test import APIClient

    assessment_accept(assessment=assessment, actor=reviewer)
    client = APIClient()
    client.force_authenticate(agent)
    answer = client.post(f"/api/v1/compensation/assessments/{assessment.pk}/appeal/", {"reason": RRN}, format="json")
    assert answer.status_code == 400, answer.content
    assert "이의 사유에 주민등록번호" in answer.content.decode("utf-8")
