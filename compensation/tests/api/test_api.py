"""The compensation API: reads scoped by permission, reviewer actions through the services, no N+1."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from compensation.demo import seed_demo_policy
from compensation.models import Assessment
from compensation.services import claim_assess
from compensation.tests.factories import money_claim

BASE = "/api/v1/compensation"


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def version(db):
    return seed_demo_policy()


def test_versions_list_detail_and_simulation(version, secretariat_user, agent):
    money_claim(claimed_amount=420_000)
    client = _client(secretariat_user)
    listing = client.get(f"{BASE}/versions/")
    assert listing.status_code == 200
    assert listing.json()["results"][0]["adopted_by"] == version.adoption_label
    detail = client.get(f"{BASE}/versions/{version.pk}/").json()
    assert [r["priority"] for r in detail["rules"]] == [10, 20, 30, 40, 50, 60, 70]
    assert detail["rules"][0]["bands"][1] == {"lower_won": 300_001, "upper_won": 500_000, "amount_won": 50_000}
    sim = client.get(f"{BASE}/versions/{version.pk}/simulate/").json()
    assert sim["totals"]["cash_won"] == 50_000
    assert _client(agent).get(f"{BASE}/versions/").status_code == 403
    assert _client(agent).get(f"{BASE}/versions/{version.pk}/simulate/").status_code == 403


def test_simulation_compare_to_must_be_a_version_id(version, secretariat_user):
    """Found by schemathesis once the demo seed held a policy: `?compare_to=null` was a 500."""
    client = _client(secretariat_user)
    response = client.get(f"{BASE}/versions/{version.pk}/simulate/", {"compare_to": "null"})
    assert response.status_code == 400
    assert "compare_to" in response.json()
    assert client.get(f"{BASE}/versions/{version.pk}/simulate/", {"compare_to": "999999"}).status_code == 404
    assert client.get(f"{BASE}/versions/{version.pk}/simulate/", {"compare_to": str(version.pk)}).status_code == 200


def test_reviewer_accepts_and_adjusts_through_the_api(version, reviewer, reviewer2, agent):
    first = claim_assess(claim=money_claim(claimed_amount=420_000), version=version, actor=None)
    second = claim_assess(claim=money_claim(claimed_amount=120_000), version=version, actor=None)
    client = _client(reviewer)
    assert _client(agent).post(f"{BASE}/assessments/{first.pk}/accept/").status_code == 403
    response = client.post(f"{BASE}/assessments/{first.pk}/accept/")
    assert response.status_code == 200 and response.json()["state"] == "approved"
    assert client.post(f"{BASE}/assessments/{first.pk}/reject/", {"reason_code": "duplicate"}).status_code == 409
    response = client.post(f"{BASE}/assessments/{second.pk}/adjust/", {"amount_won": 200_000, "reason": "증빙"})
    assert response.json()["state"] == "awaiting_confirmation"
    assert client.post(f"{BASE}/assessments/{second.pk}/confirm/", {}).status_code == 409
    response = _client(reviewer2).post(f"{BASE}/assessments/{second.pk}/confirm/", {})
    assert response.json()["state"] == "approved" and response.json()["final_amount_won"] == 200_000
    appeal = _client(agent).post(f"{BASE}/assessments/{first.pk}/appeal/", {"reason": "더 큰 피해"})
    assert appeal.status_code == 201
    assert (
        client.post(f"{BASE}/appeals/{appeal.json()['id']}/decide/", {"outcome": "upheld", "reason": "x"}).status_code
        == 409
    )
    decided = _client(reviewer2).post(
        f"{BASE}/appeals/{appeal.json()['id']}/decide/", {"outcome": "upheld", "reason": "기준대로"}
    )
    assert decided.status_code == 200 and decided.json()["status"] == "decided"


def test_assessment_list_query_count_does_not_grow(version, reviewer):
    for amount in (120_000, 420_000):
        claim_assess(claim=money_claim(claimed_amount=amount), version=version, actor=None)
    client = _client(reviewer)
    client.get(f"{BASE}/assessments/")  # warm the permission cache
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"{BASE}/assessments/").status_code == 200
    for amount in (50_000, 300_000, 450_000, 800_000):
        claim_assess(claim=money_claim(claimed_amount=amount), version=version, actor=None)
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"{BASE}/assessments/", {"state": "pending"})
    assert len(response.json()["results"]) == Assessment.objects.filter(state="pending").count() == 5
    assert len(many) == len(few) <= 3


def test_bulk_assessment_started_through_the_api(
    version, secretariat_user, reviewer, django_capture_on_commit_callbacks
):
    money_claim(claimed_amount=420_000)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _client(secretariat_user).post(f"{BASE}/versions/{version.pk}/assess/")
    assert response.status_code == 202 and response.json()["total"] == 1
    assert len(callbacks) == 1  # the Celery job is enqueued only after commit
    assert _client(reviewer).post(f"{BASE}/versions/{version.pk}/assess/").status_code == 403
    runs = _client(secretariat_user).get(f"{BASE}/runs/").json()["results"]
    assert runs[0]["status"] == "queued"


def test_review_queue_lists_open_work_and_hides_own_adjustments(version, reviewer, reviewer2):
    pending = claim_assess(claim=money_claim(claimed_amount=120_000), version=version, actor=None)
    individual = claim_assess(claim=money_claim(claimed_amount=900_000), version=version, actor=None)
    adjusted = claim_assess(claim=money_claim(claimed_amount=420_000), version=version, actor=None)
    _client(reviewer).post(f"{BASE}/assessments/{adjusted.pk}/adjust/", {"amount_won": 300_000, "reason": "증빙"})
    mine_rows = _client(reviewer).get(f"{BASE}/assessments/queue/").json()["results"]
    assert [row["id"] for row in mine_rows] == sorted(row["id"] for row in mine_rows)  # oldest first
    mine = {row["id"] for row in mine_rows}
    theirs = {row["id"] for row in _client(reviewer2).get(f"{BASE}/assessments/queue/").json()["results"]}
    assert mine == {pending.pk, individual.pk}
    assert theirs == {pending.pk, individual.pk, adjusted.pk}
    only = _client(reviewer2).get(f"{BASE}/assessments/queue/", {"individual": "true"}).json()["results"]
    assert [row["id"] for row in only] == [individual.pk]
