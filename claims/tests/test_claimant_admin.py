"""Correcting a claimant's contact details in the admin: found by exact search only, cleaned by the intake rules,
saved through claimant_update_contact with a reason, audited by field name only."""

import json
import re

import pytest
from django.test import Client

from claims.models import Claimant, ClaimHistory
from claims.services import claimant_update_contact
from claims.tests.factories import submit_claim
from conftest import make_user
from core import roles
from core.exceptions import ApplicationError
from core.validators import business_no_with_check_digit
from privacy.models import PersonalDataAccess
from privacy.services import claim_personal_data_destroy

pytestmark = pytest.mark.django_db

BUSINESS_NO = business_no_with_check_digit("123456789")
CORRECTED = ClaimHistory.Event.CONTACT_CORRECTED


def url(claimant: Claimant) -> str:
    return f"/admin/claims/claimant/{claimant.pk}/change/"


def form_data(claimant: Claimant, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": claimant.name,
        "email": claimant.email,
        "phone": claimant.phone,
        "business_no": claimant.business_no,
        "preferred_channel": claimant.preferred_channel,
        "reason": "신고인 전화 요청으로 정정",
        "_save": "저장",
    }
    if claimant.opted_out_optional:
        data["opted_out_optional"] = "on"
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def logged_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def snapshot(claimant: Claimant) -> tuple:
    claimant.refresh_from_db()
    return (claimant.name, claimant.email, claimant.phone, claimant.business_no, claimant.preferred_channel)


def test_agent_corrects_a_phone(agent, incident):
    claim = submit_claim(phone="010-1111-2222")
    claimant = claim.claimant
    client = logged_in(agent)

    assert client.get(url(claimant)).status_code == 200
    response = client.post(url(claimant), form_data(claimant, phone="+82 10-3333-4444"))

    assert response.status_code == 302, response.context["adminform"].form.errors
    claimant.refresh_from_db()
    assert claimant.phone == "01033334444"
    row = ClaimHistory.objects.get(claim=claim, event=CORRECTED)
    assert row.data == {"fields": ["phone"]}
    assert row.reason == "신고인 전화 요청으로 정정"
    assert row.actor == agent
    stored = json.dumps(row.data)
    assert "1111" not in stored and "3333" not in stored
    assert PersonalDataAccess.objects.filter(action="view", claimant_ids=[claimant.pk]).exists()


def test_only_changed_fields_are_written_and_named(agent, incident):
    claimant = submit_claim().claimant
    claimant_update_contact(
        claimant=claimant,
        actor=agent,
        changes={"phone": claimant.phone, "preferred_channel": "sms", "opted_out_optional": True},
        reason="알림 채널 변경 요청",
    )
    row = ClaimHistory.objects.get(claim__claimant=claimant, event=CORRECTED)
    assert row.data == {"fields": ["preferred_channel", "opted_out_optional"]}
    claimant_update_contact(claimant=claimant, actor=agent, changes={"preferred_channel": "sms"}, reason="재확인")
    assert ClaimHistory.objects.filter(claim__claimant=claimant, event=CORRECTED).count() == 1


@pytest.mark.parametrize(
    ("kind", "overrides", "field"),
    [
        ("small_business", {"business_no": BUSINESS_NO[:-1] + str((int(BUSINESS_NO[-1]) + 1) % 10)}, "business_no"),
        ("small_business", {"business_no": ""}, "business_no"),
        ("individual", {"name": "김민수 900101-1234567"}, "name"),
        ("individual", {"email": "", "preferred_channel": "email"}, "preferred_channel"),
        ("individual", {"email": "not-an-address"}, "email"),
        ("individual", {"phone": "12345"}, "phone"),
    ],
)
def test_bad_input_is_an_error_on_its_field_and_saves_nothing(agent, incident, kind, overrides, field):
    claimant = submit_claim(kind=kind, business_no=BUSINESS_NO if kind != "individual" else "").claimant
    before = snapshot(claimant)

    response = logged_in(agent).post(url(claimant), form_data(claimant, **overrides))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors, errors
    assert re.search("[가-힣]", errors[field][0]), errors[field]  # Korean, as on the public form
    assert snapshot(claimant) == before
    assert not ClaimHistory.objects.filter(claim__claimant=claimant, event=CORRECTED).exists()


@pytest.mark.parametrize("reason", ["", "   ", "주민번호 900101-1234567 확인"])
def test_a_reason_is_required_and_holds_no_rrn(agent, incident, reason):
    claimant = submit_claim().claimant
    before = snapshot(claimant)

    response = logged_in(agent).post(url(claimant), form_data(claimant, phone="010-9999-8888", reason=reason))

    assert response.status_code == 200
    assert "reason" in response.context["adminform"].form.errors
    assert snapshot(claimant) == before


def test_the_service_refuses_a_missing_reason(agent, incident):
    from django.core.exceptions import ValidationError

    claimant = submit_claim().claimant
    with pytest.raises(ValidationError) as exc:
        claimant_update_contact(claimant=claimant, actor=agent, changes={"phone": "010-9999-8888"}, reason=" ")
    assert "reason" in exc.value.message_dict


def test_an_auditor_reads_but_cannot_save(auditor, incident):
    claimant = submit_claim().claimant
    before = snapshot(claimant)
    client = logged_in(auditor)

    page = client.get(url(claimant))
    assert page.status_code == 200
    assert 'name="reason"' not in page.content.decode()
    assert client.post(url(claimant), form_data(claimant, phone="010-9999-8888")).status_code == 403
    with pytest.raises(ApplicationError):
        claimant_update_contact(claimant=claimant, actor=auditor, changes={"phone": "010-9999-8888"}, reason="정정")
    assert snapshot(claimant) == before


def test_an_anonymised_claimant_cannot_be_edited(agent, incident):
    claim = submit_claim()
    claim_personal_data_destroy(claim_id=claim.pk, basis="보존기간 경과")
    claimant = Claimant.objects.get(pk=claim.claimant_id)
    client = logged_in(agent)

    page = client.get(url(claimant))
    assert page.status_code == 200
    assert 'name="phone"' not in page.content.decode()
    assert client.post(url(claimant), form_data(claimant, name="홍길동", phone="010-9999-8888")).status_code == 403
    with pytest.raises(ApplicationError):
        claimant_update_contact(claimant=claimant, actor=agent, changes={"phone": "010-9999-8888"}, reason="정정")
    claimant.refresh_from_db()
    assert claimant.phone == "" and claimant.name == "파기됨"


def test_the_list_shows_nobody_without_an_exact_search(agent, incident):
    person = submit_claim(phone="010-5555-6666").claimant
    business = submit_claim(kind="small_business", business_no=BUSINESS_NO).claimant
    client = logged_in(agent)

    def listed(**params: str) -> list[int]:
        response = client.get("/admin/claims/claimant/", params)
        assert response.status_code == 200
        return [row.pk for row in response.context["cl"].result_list]

    assert listed() == []
    assert listed(q="5555") == []
    assert listed(q="010-5555-6666") == [person.pk]
    assert listed(q=f"{BUSINESS_NO[:3]}-{BUSINESS_NO[3:5]}-{BUSINESS_NO[5:]}") == [business.pk]
    page = client.get("/admin/claims/claimant/", {"q": "01055556666"}).content.decode()
    assert "010-****-6666" in page and "5555" not in page.replace("01055556666", "")
    searches = PersonalDataAccess.objects.filter(action="search", query="01055556666")
    assert list(searches.values_list("claimant_ids", flat=True)) == [[person.pk]]


def test_the_claim_page_links_the_claimant_for_those_who_may_correct(agent, auditor, incident):
    claim = submit_claim()
    link = url(claim.claimant)
    assert link in logged_in(agent).get(f"/admin/claims/claim/{claim.pk}/change/").content.decode()
    finance = make_user("finance-reader", roles.FINANCE)
    for user in (auditor, finance):
        page = logged_in(user).get(f"/admin/claims/claim/{claim.pk}/change/")
        assert page.status_code == 200
        assert link not in page.content.decode()
