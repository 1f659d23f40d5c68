"""PIPA access records: assessments, appeals and entitlements (admin and API) name the claimants shown."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from compensation.models import Entitlement
from compensation.services import appeal_lodge, assessment_accept, claim_assess
from compensation.tests.factories import adopt, draft_version, money_claim, tiered_2022
from privacy.models import PersonalDataAccess

pytestmark = pytest.mark.django_db
A = PersonalDataAccess.Action


@pytest.fixture
def appeal(reviewer, agent):
    version = draft_version(appeal_window_days=14)
    tiered_2022(version)
    assessment = claim_assess(claim=money_claim(claimed_amount=420_000), version=adopt(version), actor=None)
    return appeal_lodge(
        assessment=assessment_accept(assessment=assessment, actor=reviewer), reason="더 큽니다", actor=agent
    )


def _rows():
    return [(r.actor.username, r.action, r.claimant_ids) for r in PersonalDataAccess.objects.order_by("id")]


def test_api_lists_and_details(appeal, reviewer):
    claimant = appeal.assessment.claim.claimant_id
    client = APIClient()
    client.force_authenticate(reviewer)
    entitlement = Entitlement.objects.get()
    for url in (
        "/api/v1/compensation/assessments/",
        f"/api/v1/compensation/assessments/{appeal.assessment_id}/",
        "/api/v1/compensation/assessments/queue/",
        "/api/v1/compensation/appeals/",
        f"/api/v1/compensation/appeals/{appeal.pk}/",
        "/api/v1/compensation/entitlements/",
        f"/api/v1/compensation/entitlements/{entitlement.pk}/",
    ):
        assert client.get(url).status_code == 200, url
    # The queue is empty (the assessment is decided): an empty page records nothing.
    who = reviewer.username
    assert _rows() == [
        (who, A.LIST, [claimant]),
        (who, A.VIEW, [claimant]),
        (who, A.LIST, [claimant]),
        (who, A.VIEW, [claimant]),
        (who, A.LIST, [claimant]),
        (who, A.VIEW, [claimant]),
    ]


def test_admin_lists_and_pages(appeal, reviewer):
    claimant = appeal.assessment.claim.claimant_id
    client = Client()
    client.force_login(reviewer)
    entitlement = Entitlement.objects.get()
    for url in (
        "/admin/compensation/assessment/",
        f"/admin/compensation/assessment/{appeal.assessment_id}/change/",
        "/admin/compensation/appeal/",
        f"/admin/compensation/appeal/{appeal.pk}/change/",
        "/admin/compensation/entitlement/",
        f"/admin/compensation/entitlement/{entitlement.pk}/change/",
    ):
        assert client.get(url).status_code == 200, url
    assert [action for _, action, _ in _rows()] == [A.LIST, A.VIEW] * 3
    assert {(who, tuple(ids)) for who, _, ids in _rows()} == {(reviewer.username, (claimant,))}
