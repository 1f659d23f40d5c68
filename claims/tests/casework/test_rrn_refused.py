"""PIPA: no resident registration number enters through case work. Each entry point a person types into (notes,
messages, answers, move reasons, information requests and their answers, canned responses, affiliate outcome
notes) refuses one, naming the field, and stores nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from claims.casework.information_requests import information_request_answer, information_request_create
from claims.casework.merge import claim_merge
from claims.casework.notes import claim_answer, claim_message_send, claim_note_add
from claims.casework.transfers import claims_transfer, transfer_batch_export
from claims.models import AffiliateOutcome, CannedResponse, Claim, ClaimHistory, ClaimNote, InformationRequest
from claims.tests.factories import submit_claim
from claims.workflow import claim_transition

pytestmark = pytest.mark.django_db
S = Claim.Status
RRN = "주민번호 900101-1234567 입니다"


def _ask(claim, agent):
    return information_request_create(
        claim=claim, question="영수증을 보내 주세요.", due_date=timezone.localdate() + timedelta(days=7), actor=agent
    )


def _note(claim, agent):
    claim_note_add(claim=claim, body=RRN, actor=agent)


def _message(claim, agent):
    claim_message_send(claim=claim, message=RRN, actor=agent)


def _answer(claim, agent):
    claim_answer(claim=claim, actor=agent, answer_text=RRN)


def _reject_reason(claim, agent):
    claim_transition(claim=claim, to=S.IN_REVIEW, actor=agent)
    claim_transition(claim=claim, to=S.REJECTED, actor=agent, reason=RRN, reason_code="other")


def _merge_reason(claim, agent):
    primary = submit_claim(description="원건")
    claim_merge(duplicate=claim, primary=primary, actor=agent, reason=RRN)


def _question(claim, agent):
    information_request_create(
        claim=claim, question=RRN, due_date=timezone.localdate() + timedelta(days=7), actor=agent
    )


def _claimant_answer(claim, agent):
    _ask(claim, agent)
    information_request_answer(claim=claim, answer_text=RRN)


@pytest.mark.parametrize(
    ("enter", "field", "label"),
    [
        (_note, "body", "내부 메모"),
        (_message, "message", "신고인에게 보내는 메시지"),
        (_answer, "answer_text", "답변"),
        (_reject_reason, "reason", "사유"),
        (_merge_reason, "reason", "병합 사유"),
        (_question, "question", "보완 요청 내용"),
        (_claimant_answer, "answer_text", "보완 요청 답변"),
    ],
)
def test_casework_services_refuse_an_rrn_naming_the_field(enter, field, label, agent, non_monetary_claim):
    claim = non_monetary_claim
    notes_before = ClaimNote.objects.count()
    with pytest.raises(ValidationError) as info:
        enter(claim, agent)
    [message] = info.value.message_dict[field]
    assert message.startswith(f"{label}에 주민등록번호")
    assert ClaimNote.objects.count() == notes_before
    assert not ClaimHistory.objects.filter(reason__contains="900101").exists()
    assert not InformationRequest.objects.filter(answer_text__contains="900101").exists()


def test_admin_claim_page_shows_the_refusal_and_keeps_no_note(agent, non_monetary_claim):
    from claims.tests.casework.test_admin import login, work

    page = work(login(agent), non_monetary_claim, work_action="note", reason=RRN)
    assert "내부 메모에 주민등록번호" in page.content.decode()
    assert not ClaimNote.objects.filter(claim=non_monetary_claim).exists()


def test_claimant_answer_on_the_status_page_is_refused(agent, non_monetary_claim):
    claim = non_monetary_claim
    _ask(claim, agent)
    page = Client().post(
        "/claims/status/",
        {
            "action": "answer",
            "reference": claim.reference,
            "phone_last4": claim.claimant.phone[-4:],
            "answer_text": RRN,
        },
    )
    assert "보완 요청 답변에 주민등록번호" in page.content.decode()
    assert InformationRequest.objects.get(claim=claim).status == InformationRequest.Status.OPEN


def test_canned_response_admin_refuses_an_rrn(supervisor):
    client = Client()
    client.force_login(supervisor)
    page = client.post(
        "/admin/claims/cannedresponse/add/",
        {"code": "rrn-test", "title": "안내", "subtype": "", "body": f"{{name}}님, {RRN}", "is_active": "on"},
    )
    assert page.status_code == 200  # the form comes back with the error
    assert "본문에 주민등록번호" in page.content.decode()
    assert not CannedResponse.objects.filter(code="rrn-test").exists()


def test_affiliate_outcome_note_is_refused(incident, agent, affiliate_user):
    claim = submit_claim(service_code="kakaopay", description="송금 실패")
    [batch] = claims_transfer(claims=[claim], actor=agent)
    batch = transfer_batch_export(batch_id=batch.pk)
    client = APIClient()
    client.force_authenticate(affiliate_user)
    answer = client.post(
        f"/api/v1/transfers/{batch.pk}/outcomes/",
        {"reference": claim.reference, "outcome": "resolved", "note": RRN},
        format="json",
    )
    assert answer.status_code == 400
    assert "계열사 처리 결과 비고에 주민등록번호" in answer.content.decode("utf-8")
    assert not AffiliateOutcome.objects.filter(claim=claim).exists()
