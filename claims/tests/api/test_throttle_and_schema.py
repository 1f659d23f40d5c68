import pytest
import redis
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from claims.models import Claim
from claims.tests.api.test_claim_submit import URL, payload

pytestmark = pytest.mark.django_db


def test_submissions_are_throttled_per_client_in_the_shared_cache(incident, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"claim_submit": "3/hour"})
    client = APIClient(REMOTE_ADDR="203.0.113.7")
    codes = [client.post(URL, payload(), format="json").status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    assert Claim.objects.count() == 3
    # Another client is not affected.
    assert APIClient(REMOTE_ADDR="203.0.113.8").post(URL, payload(), format="json").status_code == 201
    # The counter lives in Redis, which every server process shares.
    server = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    assert any(b"throttle_claim_submit_203.0.113.7" in key for key in server.keys("*throttle*"))


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "text",
        {"claimant": "x"},
        {"claimant": {"kind": ["x"]}},
        {"paid": {"a": 1}},
        {"claimed_amount": "1e99"},
        {"claimed_amount": -5},
        {"description": "x" * 10_001},
        {"service": None},
        {"incident": "nope"},
        {"submission_id": "x" * 65},
    ],
)
def test_malformed_input_is_a_400_never_a_500(api_client, incident, body):
    data = body if not isinstance(body, dict) else payload(**body)
    response = api_client.post(URL, data, format="json")
    assert response.status_code == 400, response.content


def test_openapi_schema_and_docs_are_served_from_local_assets(api_client):
    schema = api_client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/claims/" in schema.content
    docs = api_client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()
