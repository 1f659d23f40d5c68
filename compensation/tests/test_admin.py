"""The admin: rule validation errors at save, read-only adopted versions, the simulator page with charts,
adoption from a resolution, the reviewer's decision page, and list pages without N+1."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compensation.demo import seed_demo_policy
from compensation.models import Assessment, PolicyVersion, Rule
from compensation.services import claim_assess
from compensation.tests.factories import add_rule, draft_version, money_claim
from conftest import make_user


@pytest.fixture
def admin_client(client, db):
    client.force_login(make_user("root", superuser=True))
    return client


def _rule_post(version, **overrides):
    data = {
        "version": version.pk, "priority": 10, "name": "규칙", "remedy": "cash_tiered",
        "match_operator": "", "match_category": "", "match_claimant_kind": "small_business",
        "bands-TOTAL_FORMS": "2", "bands-INITIAL_FORMS": "0", "bands-MIN_NUM_FORMS": "0", "bands-MAX_NUM_FORMS": "1000",
        "bands-0-lower_won": "0", "bands-0-upper_won": "300000", "bands-0-amount_won": "30000",
        "bands-1-lower_won": "300001", "bands-1-upper_won": "500000", "bands-1-amount_won": "50000",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_rule_saved_through_the_admin_with_its_bands(admin_client):
    version = draft_version()
    response = admin_client.post("/admin/compensation/rule/add/", _rule_post(version))
    assert response.status_code == 302, response.content.decode()[:3000]
    rule = Rule.objects.get(version=version)
    assert list(rule.bands.values_list("amount_won", flat=True)) == [30_000, 50_000]


def test_overlapping_bands_missing_values_and_unreachable_rules_are_errors_at_save(admin_client):
    version = draft_version()
    response = admin_client.post(
        "/admin/compensation/rule/add/", _rule_post(version, **{"bands-1-lower_won": "200000"})
    )
    assert response.status_code == 200
    assert "구간이 겹칩니다" in response.content.decode()
    response = admin_client.post("/admin/compensation/rule/add/", _rule_post(version, remedy="cash_flat"))
    assert "정액 보상에는 금액이 필요합니다." in response.content.decode()
    add_rule(version, priority=5, remedy="cash_flat", amount_won=1_000, match_claimant_kind="small_business")
    response = admin_client.post("/admin/compensation/rule/add/", _rule_post(version))
    assert response.status_code == 200
    assert "적용될 수 없습니다" in response.content.decode()
    assert Rule.objects.filter(version=version).count() == 1


def test_adopted_version_pages_are_read_only(admin_client):
    version = seed_demo_policy()
    rule = version.rules.first()
    response = admin_client.get(f"/admin/compensation/rule/{rule.pk}/change/")
    assert response.status_code == 200
    assert 'name="priority"' not in response.content.decode()
    response = admin_client.post(f"/admin/compensation/rule/{rule.pk}/change/", _rule_post(version))
    rule.refresh_from_db()
    assert rule.name != "규칙"
    response = admin_client.get(f"/admin/compensation/policyversion/{version.pk}/change/")
    assert 'name="minimum_payment_won"' not in response.content.decode()


def test_simulator_page_shows_totals_and_bars_and_adoption_page_records_it(admin_client):
    from council.tests.factories import adopted_resolution

    money_claim(claimed_amount=420_000)
    money_claim(claimed_amount=120_000)
    version = seed_demo_policy(adopt=False)
    response = admin_client.get(f"/admin/compensation/policyversion/{version.pk}/simulate/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "₩80,000" in body and "<rect" in body and "구간별 건수" in body
    resolution = adopted_resolution()
    response = admin_client.post(
        f"/admin/compensation/policyversion/{version.pk}/adopt/", {"resolution": resolution.pk, "effective_date": ""}
    )
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == PolicyVersion.Status.ADOPTED and version.adopted_by == resolution


def test_decision_page_drives_the_services(client, db):
    reviewer = make_user("rev-admin", "reviewer")
    other = make_user("rev-admin2", "reviewer")
    version = seed_demo_policy()
    assessment = claim_assess(claim=money_claim(claimed_amount=420_000), version=version, actor=None)
    client.force_login(reviewer)
    url = f"/admin/compensation/assessment/{assessment.pk}/decide/"
    assert "규칙대로 수용" in client.get(url).content.decode()
    client.post(url, {"action": "adjust", "amount_won": "250000", "reason": "매출 증빙"})
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.AWAITING_CONFIRMATION
    response = client.post(url, {"action": "confirm"}, follow=True)
    assert "본인은 확인할 수 없습니다" in response.content.decode()
    client.force_login(other)
    client.post(url, {"action": "confirm"})
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.APPROVED and assessment.confirmed_by == other


def test_assessment_changelist_query_count_is_constant(admin_client):
    version = seed_demo_policy()
    claim_assess(claim=money_claim(claimed_amount=120_000), version=version, actor=None)
    admin_client.get("/admin/compensation/assessment/")
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get("/admin/compensation/assessment/").status_code == 200
    for amount in (50_000, 300_000, 420_000, 800_000):
        claim_assess(claim=money_claim(claimed_amount=amount), version=version, actor=None)
    with CaptureQueriesContext(connection) as many:
        admin_client.get("/admin/compensation/assessment/")
    assert len(many) == len(few)
