"""GET /api/v1/stats/claims/: who may read it, the shape of the report, its shares and its cache."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from claims.models import Claim
from claims.tests.factories import submit_claim

pytestmark = pytest.mark.django_db
URL = "/api/v1/stats/claims/"
KST = ZoneInfo("Asia/Seoul")


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def entries(node):
    """Every {count, share} entry in the report, wherever it sits."""
    if isinstance(node, dict):
        if "count" in node and "share" in node:
            yield node
        for value in node.values():
            yield from entries(value)


def test_anonymous_is_refused(api_client, incident):
    assert api_client.get(URL, {"incident": incident.code}).status_code in (401, 403)


def test_staff_without_the_stats_permission_is_refused(incident):
    # view_claim alone is not enough: the report needs claims.view_claim_stats.
    from django.contrib.auth.models import Permission

    user = User.objects.create_user("reader", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_claim", content_type__app_label="claims"))
    assert client_for(user).get(URL, {"incident": incident.code}).status_code == 403


@pytest.mark.parametrize("role", ["agent", "secretariat_user", "finance_user", "auditor"])
def test_every_role_with_the_permission_reads_it(request, role, incident):
    response = client_for(request.getfixturevalue(role)).get(URL, {"incident": incident.code})
    assert response.status_code == 200, response.content
    assert response.json()["incident"] == incident.code


def test_unknown_incident_is_404(agent_client, incident):
    assert agent_client.get(URL, {"incident": "nope"}).status_code == 404


def test_report_shape_and_shares(agent_client, incident):
    submit_claim(paid=True, service_code="emoticon_plus")
    submit_claim(claimed_amount=300_000, kind="small_business", business_no="220-81-62517", name="꽃집")
    submit_claim()
    submit_claim()
    submit_claim(service_code="kakao_t", kind="small_business", business_no="220-81-62517", name="택시")

    body = agent_client.get(URL, {"incident": incident.code, "fresh": "1"}).json()

    assert set(body) == {"incident", "generated_at", "total", "by_operator", "own", "by_service", "by_status", "by_day"}
    assert body["total"] == 5
    assert body["by_operator"] == {"own": {"count": 4, "share": 0.8}, "affiliate": {"count": 1, "share": 0.2}}
    # `own` is the own entry itself, with its two breakdowns; their shares are fractions of the 4 own claims.
    assert body["own"]["count"] == 4 and body["own"]["share"] == 0.8
    assert body["own"]["by_category"] == {
        "paid_service_damage": {"count": 1, "share": 0.25},
        "free_service_monetary": {"count": 1, "share": 0.25},
        "non_monetary": {"count": 2, "share": 0.5},
    }
    assert body["own"]["by_claimant_kind"] == {
        "individual": {"count": 3, "share": 0.75},
        "small_business": {"count": 1, "share": 0.25},
        "enterprise": {"count": 0, "share": 0.0},
    }
    # Every service of the incident is listed, zero or not; status and day groups are fractions of the total.
    assert set(body["by_service"]) >= {"kakaotalk", "emoticon_plus", "kakao_t", "melon"}
    assert body["by_service"]["kakaotalk"] == {"count": 3, "share": 0.6}
    assert body["by_service"]["melon"] == {"count": 0, "share": 0.0}
    assert set(body["by_status"]) == set(Claim.Status.values)
    assert body["by_status"]["received"]["count"] == sum(e["count"] for e in body["by_status"].values()) == 5
    assert sum(e["count"] for e in body["by_day"].values()) == 5
    found = list(entries(body))
    assert len(found) == 2 + 1 + 3 + 3 + len(body["by_service"]) + len(body["by_status"]) + len(body["by_day"])
    for entry in found:
        assert set(entry) >= {"count", "share"}
        assert isinstance(entry["count"], int)
        assert entry["share"] == round(entry["share"], 4)


def test_shares_are_rounded_to_four_places(agent_client, incident):
    for _ in range(2):
        submit_claim()
    submit_claim(service_code="kakao_t")
    body = agent_client.get(URL, {"incident": incident.code, "fresh": "1"}).json()
    assert body["by_operator"]["own"]["share"] == 0.6667
    assert body["by_operator"]["affiliate"]["share"] == 0.3333


def test_days_are_counted_in_korean_time(agent_client, incident):
    # 23:30 UTC on 19 Oct is 08:30 on 20 Oct in Seoul.
    submit_claim(received_at=datetime(2022, 10, 19, 23, 30, tzinfo=ZoneInfo("UTC")))
    submit_claim(received_at=datetime(2022, 10, 20, 14, 59, tzinfo=ZoneInfo("UTC")))
    submit_claim(received_at=datetime(2022, 10, 20, 15, 0, tzinfo=ZoneInfo("UTC")))
    body = agent_client.get(URL, {"incident": incident.code, "fresh": "1"}).json()
    assert body["by_day"] == {
        "2022-10-20": {"count": 2, "share": 0.6667},
        "2022-10-21": {"count": 1, "share": 0.3333},
    }


def test_empty_incident_has_zero_shares(agent_client, incident):
    body = agent_client.get(URL, {"incident": incident.code}).json()
    assert body["total"] == 0
    assert body["by_operator"]["own"] == {"count": 0, "share": 0.0}
    assert body["by_day"] == {}


def test_a_new_claim_is_counted_at_once(agent_client, incident):
    submit_claim()
    first = agent_client.get(URL, {"incident": incident.code}).json()
    submit_claim()
    second = agent_client.get(URL, {"incident": incident.code}).json()
    # On PostgreSQL the report reads the tallies the triggers keep current: nothing is cached.
    assert (first["total"], second["total"]) == (1, 2)
    assert datetime.fromisoformat(second["generated_at"]) >= datetime.fromisoformat(first["generated_at"])


def test_without_tallies_figures_are_cached_dated_and_fresh_counts_now(agent_client, incident, monkeypatch):
    # SQLite (`make run`) has no triggers: the claims are counted and the result kept for 30 seconds.
    monkeypatch.setattr("claims.selectors.claim_tally_available", lambda: False)
    submit_claim()
    first = agent_client.get(URL, {"incident": incident.code}).json()
    assert first["total"] == 1
    submit_claim()
    cached = agent_client.get(URL, {"incident": incident.code}).json()
    # Within the cache window the new claim is not counted yet, and the report says how old it is.
    assert cached["total"] == 1
    assert cached["generated_at"] == first["generated_at"]
    fresh = agent_client.get(URL, {"incident": incident.code, "fresh": "1"}).json()
    assert fresh["total"] == 2
    assert datetime.fromisoformat(fresh["generated_at"]) > datetime.fromisoformat(first["generated_at"])
    # A fresh count also refreshes the cache for everybody else.
    assert agent_client.get(URL, {"incident": incident.code}).json()["total"] == 2


def test_other_incidents_are_not_counted(agent_client, incident):
    from claims.models import Incident, Service

    other = Incident.objects.create(
        code="other", name="다른 장애", company_name="카카오", occurred_at=incident.occurred_at, reference_prefix="OTH"
    )
    Service.objects.create(incident=other, code="kakaotalk", name="카카오톡", outage_started_at=incident.occurred_at)
    submit_claim(incident=other)
    submit_claim()
    body = agent_client.get(URL, {"incident": incident.code, "fresh": "1"}).json()
    assert body["total"] == 1
    assert agent_client.get(URL, {"incident": "other", "fresh": "1"}).json()["total"] == 1


def test_schema_documents_the_report(agent_client):
    schema = agent_client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/stats/claims/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"incident", "fresh"}
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(component["properties"]) >= {"total", "by_operator", "own", "by_service", "by_status", "by_day"}
