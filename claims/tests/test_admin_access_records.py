import pytest
from django.test import Client

from claims.tests.factories import submit_claim
from privacy.models import PersonalDataAccess

pytestmark = pytest.mark.django_db


def test_admin_claim_page_and_search_are_recorded(agent, incident):
    claim = submit_claim(phone="010-6666-7777")
    client = Client()
    client.force_login(agent)
    assert client.get(f"/admin/claims/claim/{claim.pk}/change/").status_code == 200
    assert client.get("/admin/claims/claim/", {"q": "01066667777"}).status_code == 200
    rows = list(PersonalDataAccess.objects.order_by("id").values_list("action", "claimant_ids", "query"))
    assert rows[0][:2] == ("view", [claim.claimant_id])
    assert ("search", [claim.claimant_id], "01066667777") in rows
