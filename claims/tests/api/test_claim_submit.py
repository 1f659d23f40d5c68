import pytest

from claims.models import Claim

pytestmark = pytest.mark.django_db

URL = "/api/v1/claims/"


def payload(**overrides):
    body = {
        "claimant": {"kind": "individual", "name": "김민수", "email": "minsu@example.kr", "phone": "010-1234-5678"},
        "service": "kakaotalk",
        "paid": False,
        "claimed_amount": None,
        "description": "카톡이 안 돼서 불편했습니다. 언제 보상되나요?",
        "consent_privacy": True,
    }
    body.update(overrides)
    return body


def test_anonymous_submit_returns_reference_and_triage(api_client, incident):
    response = api_client.post(URL, payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"].startswith("PGY-2022-")
    assert body["status"] == "received"
    assert body["operator"] == "own"
    assert body["category"] == "non_monetary"
    claim = Claim.objects.get(reference=body["reference"])
    assert claim.claimant.phone == "01012345678"
    assert claim.channel == "api"


def test_affiliate_service_is_marked_for_transfer(api_client, incident):
    body = api_client.post(URL, payload(service="kakao_t"), format="json").json()
    assert body["operator"] == "affiliate"
    assert body["affiliate"] == "kakao_mobility"


def test_field_errors_are_named(api_client, incident):
    response = api_client.post(
        URL,
        payload(
            claimant={"kind": "small_business", "name": "", "phone": "12", "business_no": "123-45-67890"},
            consent_privacy=False,
            service="nope",
        ),
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert "service" in body or "claimant" in body
    assert Claim.objects.count() == 0


def test_claimant_errors_nested(api_client, incident):
    response = api_client.post(
        URL,
        payload(claimant={"kind": "small_business", "name": "가게", "phone": "12", "business_no": "123-45-67890"}),
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body["claimant"]) == {"phone", "business_no"}, body


def test_read_only_fields_cannot_be_set(api_client, incident):
    response = api_client.post(URL, payload(status="closed", category="paid_service_damage"), format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"status", "category"}


def test_submission_id_makes_retries_idempotent(api_client, incident):
    first = api_client.post(URL, payload(submission_id="abc-1"), format="json")
    second = api_client.post(URL, payload(submission_id="abc-1"), format="json")
    assert first.status_code == 201
    assert second.status_code == 200
    assert first.json()["reference"] == second.json()["reference"]
    assert Claim.objects.count() == 1


def test_rrn_in_description_is_refused(api_client, incident):
    response = api_client.post(URL, payload(description="제 주민번호는 900101-1234567 입니다"), format="json")
    assert response.status_code == 400
    assert "description" in response.json()


def test_preferred_channel_defaults_to_alimtalk_with_optional_messages_on(api_client, incident):
    body = api_client.post(URL, payload(), format="json").json()
    claimant = Claim.objects.get(reference=body["reference"]).claimant
    assert claimant.preferred_channel == "alimtalk"
    assert claimant.opted_out_optional is False


def test_claimant_chooses_channel_and_opts_out(api_client, incident):
    claimant = {**payload()["claimant"], "preferred_channel": "sms", "opted_out_optional": True}
    response = api_client.post(URL, payload(claimant=claimant), format="json")
    assert response.status_code == 201, response.json()
    stored = Claim.objects.get(reference=response.json()["reference"]).claimant
    assert (stored.preferred_channel, stored.opted_out_optional) == ("sms", True)


def test_email_channel_with_an_address_is_accepted(api_client, incident):
    claimant = {**payload()["claimant"], "preferred_channel": "email"}
    response = api_client.post(URL, payload(claimant=claimant), format="json")
    assert response.status_code == 201, response.json()
    assert Claim.objects.get().claimant.preferred_channel == "email"


@pytest.mark.parametrize("email", [None, ""])
def test_email_channel_without_an_address_is_a_field_error(api_client, incident, email):
    claimant = {"kind": "individual", "name": "김민수", "phone": "010-1234-5678", "preferred_channel": "email"}
    if email is not None:
        claimant["email"] = email
    response = api_client.post(URL, payload(claimant=claimant), format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body["claimant"]) == {"preferred_channel"}, body
    assert "이메일 주소" in body["claimant"]["preferred_channel"][0]
    assert Claim.objects.count() == 0


def test_unknown_channel_is_refused(api_client, incident):
    claimant = {**payload()["claimant"], "preferred_channel": "fax"}
    response = api_client.post(URL, payload(claimant=claimant), format="json")
    assert response.status_code == 400
    assert set(response.json()["claimant"]) == {"preferred_channel"}
