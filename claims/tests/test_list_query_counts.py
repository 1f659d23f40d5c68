"""The claims lists run a fixed number of queries, however many rows the page shows (no N+1).

Rows are made varied on purpose (duplicates, affiliates, businesses, assigned claims) so that every relation a
list column or serializer field follows is exercised."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from claims.casework.assignment import claim_assign
from claims.tests.factories import submit_claim

pytestmark = pytest.mark.django_db


def add_claims(groups: int, *, agent, first: int = 0) -> None:
    """Groups of four: an affiliate claim, an assigned business claim, and a claim filed twice (a duplicate)."""
    for group in range(first, first + groups):
        phone = f"010-{7000 + group}-1234"
        submit_claim(service_code="kakao_t", phone=f"010-{8000 + group}-1234")
        shop = submit_claim(kind="small_business", business_no="220-81-62517", name="꽃집", claimed_amount=1000)
        claim_assign(claim=shop, assignee=agent, actor=agent)
        submit_claim(phone=phone, paid=True, service_code="emoticon_plus")
        duplicate = submit_claim(phone=phone, paid=True, service_code="emoticon_plus")
        assert duplicate.duplicate_of_id is not None
        claim_assign(claim=duplicate, assignee=agent, actor=agent)


def queries_for(client, url: str, params: dict[str, str]) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/v1/claims/", {}),
        ("/api/v1/claims/", {"status": "received", "category": "paid_service_damage"}),
        ("/admin/claims/claim/", {}),
        ("/admin/claims/claim/", {"status__exact": "received", "category__exact": "paid_service_damage"}),
    ],
)
def test_query_count_does_not_grow_with_rows(agent, incident, url, params):
    client = Client()
    client.force_login(agent)
    add_claims(1, agent=agent)
    client.get(url, params)  # the session's first request also records its activity (once a minute)
    few = queries_for(client, url, params)
    add_claims(8, agent=agent, first=1)
    many = queries_for(client, url, params)
    assert len(many) == len(few), "\n".join(many)


def test_admin_list_has_no_full_count_and_no_facets(agent, incident):
    client = Client()
    client.force_login(agent)
    add_claims(1, agent=agent)
    filtered = {"status__exact": "received", "category__exact": "non_monetary"}
    client.get("/admin/claims/claim/", filtered)  # the session's first request also records its activity
    plain = queries_for(client, "/admin/claims/claim/", filtered)
    # A count of the whole table next to the filtered one ("12 of 1,000,000") is turned off.
    claim_counts = [sql for sql in plain if "COUNT(" in sql.upper() and '"claims_claim"' in sql]
    assert all("WHERE" in sql.upper() for sql in claim_counts), claim_counts
    # Facet counts (one COUNT per filter option) are never computed, even when asked for.
    with_facets = queries_for(client, "/admin/claims/claim/", {**filtered, "_facets": "True"})
    assert len(with_facets) == len(plain)
