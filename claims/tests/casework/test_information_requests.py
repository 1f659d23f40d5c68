from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from claims.casework.information_requests import (
    information_request_create,
    information_requests_expire_due,
    information_requests_remind_due,
)
from claims.casework.tasks import information_requests_expire_due_task
from claims.models import Claim, ClaimEvidence, ClaimHistory, InformationRequest
from claims.workflow import claim_transition
from core.exceptions import ApplicationError
from notifications.models import Notification
from notifications.rendering import context_load

pytestmark = pytest.mark.django_db
S = Claim.Status

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def ask(claim, agent, days=7):
    return information_request_create(
        claim=claim,
        question="결제 영수증과 영업 손실을 보여 주는 자료를 보내 주세요.",
        due_date=timezone.localdate() + timedelta(days=days),
        actor=agent,
    )


def last4(claim):
    return claim.claimant.phone[-4:]


def test_request_moves_claim_and_tells_the_claimant(agent, money_claim):
    request = ask(money_claim, agent)

    money_claim.refresh_from_db()
    assert money_claim.status == S.AWAITING_CLAIMANT
    sent = Notification.objects.get(claim=money_claim, event="info_requested")
    assert sent.context["request_text"] == request.question
    row = ClaimHistory.objects.get(claim=money_claim, to_status=S.AWAITING_CLAIMANT)
    assert row.data["information_request"] == request.pk and row.actor == agent


def test_request_needs_a_future_due_date_and_one_open_request(agent, money_claim):
    with pytest.raises(ValidationError) as info:
        ask(money_claim, agent, days=0)
    assert "due_date" in info.value.message_dict
    ask(money_claim, agent)
    with pytest.raises(ApplicationError):
        ask(money_claim, agent)
    assert InformationRequest.objects.filter(claim=money_claim).count() == 1


def test_claimant_answers_on_the_status_page_with_text_and_a_file(agent, money_claim):
    from claims.casework.assignment import claim_assign

    claim_assign(claim=money_claim, assignee=agent, actor=agent)
    request = ask(money_claim, agent)
    client = Client()

    page = client.post("/claims/status/", {"reference": money_claim.reference, "phone_last4": last4(money_claim)})
    assert request.question in page.content.decode()
    assert 'name="answer_text"' in page.content.decode()

    answer = client.post(
        "/claims/status/",
        {
            "action": "answer",
            "reference": money_claim.reference,
            "phone_last4": last4(money_claim),
            "answer_text": "영수증 사진을 올립니다.",
            "evidence": SimpleUploadedFile("receipt.png", PNG, content_type="image/png"),
        },
    )

    assert answer.status_code == 200
    assert 'id="answer-saved"' in answer.content.decode()
    request.refresh_from_db()
    money_claim.refresh_from_db()
    assert request.status == "answered" and request.answer_text == "영수증 사진을 올립니다."
    assert money_claim.status == S.IN_REVIEW
    evidence = ClaimEvidence.objects.get(claim=money_claim)
    assert evidence.information_request_id == request.pk
    told = Notification.objects.get(event="agent_claim_updated", user=agent)
    assert told.context["reference"] == money_claim.reference
    row = ClaimHistory.objects.get(claim=money_claim, from_status=S.AWAITING_CLAIMANT, to_status=S.IN_REVIEW)
    assert row.actor is None and row.data["files"] == 1


def test_answer_needs_the_right_phone_digits(agent, money_claim):
    request = ask(money_claim, agent)
    wrong = "0000" if last4(money_claim) != "0000" else "1111"
    Client().post(
        "/claims/status/",
        {"action": "answer", "reference": money_claim.reference, "phone_last4": wrong, "answer_text": "답"},
    )
    request.refresh_from_db()
    assert request.status == "open"


def test_empty_answer_is_refused_on_the_page(agent, money_claim):
    ask(money_claim, agent)
    page = Client().post(
        "/claims/status/",
        {"action": "answer", "reference": money_claim.reference, "phone_last4": last4(money_claim), "answer_text": ""},
    )
    assert "답변 내용을 적거나 파일을 올려 주세요." in page.content.decode()
    money_claim.refresh_from_db()
    assert money_claim.status == S.AWAITING_CLAIMANT


def test_one_reminder_before_the_due_date(agent, money_claim):
    request = ask(money_claim, agent, days=3)

    assert information_requests_remind_due() == 0  # three days out: too early
    day_before = request.due_date - timedelta(days=1)
    assert information_requests_remind_due(today=day_before) == 1
    assert information_requests_remind_due(today=day_before) == 0
    assert information_requests_remind_due(today=request.due_date) == 0
    reminder = Notification.objects.get(claim=money_claim, event="info_request_reminder")
    assert context_load(reminder.context)["due_date"] == request.due_date


def test_unanswered_request_closes_the_claim_after_the_grace_period(agent, money_claim):
    request = ask(money_claim, agent, days=2)

    assert information_requests_expire_due(today=request.due_date + timedelta(days=3)) == 0  # within grace
    information_requests_expire_due_task.apply(kwargs={})  # the beat job body, today: nothing due yet

    closed = information_requests_expire_due(today=request.due_date + timedelta(days=4))
    assert closed == 1
    request.refresh_from_db()
    money_claim.refresh_from_db()
    assert request.status == "expired"
    assert money_claim.status == S.CLOSED
    notice = Notification.objects.get(claim=money_claim, event="claim_closed")
    assert request.due_date.strftime("%Y-%m-%d") in notice.context["reason"]
    # Safe to run twice.
    assert information_requests_expire_due(today=request.due_date + timedelta(days=5)) == 0
    assert Notification.objects.filter(claim=money_claim, event="claim_closed").count() == 1


def test_moving_on_without_an_answer_cancels_the_request(agent, money_claim):
    request = ask(money_claim, agent)
    claim_transition(claim=money_claim, to=S.WITHDRAWN, actor=agent, reason="신고인 전화로 취하")
    request.refresh_from_db()
    assert request.status == "cancelled"
    assert information_requests_expire_due(today=request.due_date + timedelta(days=30)) == 0
