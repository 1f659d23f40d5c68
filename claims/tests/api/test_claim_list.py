import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from claims.tests.factories import submit_claim

pytestmark = pytest.mark.django_db
URL = "/api/v1/claims/"


def test_anonymous_cannot_list_or_read(api_client, incident):
    claim = submit_claim()
    assert api_client.get(URL).status_code in (401, 403)
    assert api_client.get(f"{URL}{claim.reference}/").status_code in (401, 403)


def test_logged_in_user_without_view_permission_is_refused(incident):
    claim = submit_claim()
    client = APIClient()
    client.force_authenticate(User.objects.create_user("nobody", is_staff=True))
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{claim.reference}/").status_code == 403


def test_agent_lists_and_reads_with_masked_personal_data(agent_client, incident):
    claim = submit_claim(name="김민수", phone="010-2222-3333")
    body = agent_client.get(URL).json()
    assert [row["reference"] for row in body["results"]] == [claim.reference]
    detail = agent_client.get(f"{URL}{claim.reference}/").json()
    assert detail["claimant"]["phone"] == "010-****-3333"
    assert detail["claimant"]["name"] == "김*수"
    assert "01022223333" not in str(detail)


def test_filters(agent_client, incident):
    paid = submit_claim(paid=True, service_code="emoticon_plus")
    free_money = submit_claim(claimed_amount=300_000)
    shop = submit_claim(kind="small_business", business_no="220-81-62517", claimed_amount=420_000, name="꽃집")
    affiliate = submit_claim(service_code="kakao_t")

    def refs(**params):
        return {row["reference"] for row in agent_client.get(URL, params).json()["results"]}

    assert refs(category="paid_service_damage") == {paid.reference}
    assert refs(category="free_service_monetary") == {free_money.reference, shop.reference}
    assert refs(operator="affiliate") == {affiliate.reference}
    assert refs(claimant_kind="small_business") == {shop.reference}
    assert refs(service="kakao_t") == {affiliate.reference}
    assert refs(status="received") == {paid.reference, free_money.reference, shop.reference, affiliate.reference}
    assert refs(q=shop.reference) == {shop.reference}
    assert refs(q="2208162517") == {shop.reference}
    assert refs(q=free_money.claimant.phone) == {free_money.reference}
    assert refs(q="김") == set()  # personal data is matched exactly, never by substring
    assert refs(received_after="2100-01-01T00:00:00Z") == set()


def test_invalid_filter_value_is_a_400_not_a_500(agent_client, incident):
    response = agent_client.get(URL, {"status": "bogus"})
    assert response.status_code == 400
    assert "status" in response.json()


def test_cursor_pagination(agent_client, incident):
    claims = [submit_claim() for _ in range(5)]
    first = agent_client.get(URL, {"page_size": 2}).json()
    assert [r["reference"] for r in first["results"]] == [c.reference for c in claims[::-1][:2]]
    second = agent_client.get(first["next"]).json()
    assert [r["reference"] for r in second["results"]] == [c.reference for c in claims[::-1][2:4]]
    assert "count" not in first


def test_token_authentication(incident, agent):
    from rest_framework.authtoken.models import Token

    submit_claim()
    token = Token.objects.create(user=agent)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(URL).status_code == 200


def test_probable_duplicate_is_linked_not_dropped(api_client, incident):
    first = submit_claim(phone="010-5555-6666", service_code="kakao_mail")
    second = submit_claim(phone="01055556666", service_code="kakao_mail")
    other_service = submit_claim(phone="010-5555-6666", service_code="daum_cafe")
    same_business = submit_claim(
        kind="small_business",
        business_no="2208162517",
        phone="010-1111-0000",
        service_code="kakao_mail",
        claimed_amount=1,
    )
    again_business = submit_claim(
        kind="small_business",
        business_no="220-81-62517",
        phone="010-1111-9999",
        service_code="kakao_mail",
        claimed_amount=1,
    )
    assert second.duplicate_of_id == first.id
    assert other_service.duplicate_of_id is None
    assert same_business.duplicate_of_id is None
    assert again_business.duplicate_of_id == same_business.id


def test_lists_searches_and_reads_are_recorded_as_personal_data_access(agent_client, agent, incident):
    from privacy.models import PersonalDataAccess

    claim = submit_claim(phone="010-4444-5555")
    agent_client.get(URL)
    agent_client.get(URL, {"q": "010-4444-5555"})
    agent_client.get(f"{URL}{claim.reference}/")
    rows = list(PersonalDataAccess.objects.order_by("id").values_list("action", "claimant_ids", "actor_username"))
    assert rows == [
        ("list", [claim.claimant_id], "agent"),
        ("search", [claim.claimant_id], "agent"),
        ("view", [claim.claimant_id], "agent"),
    ]
