import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from claims.casework import selectors
from claims.casework.bulk import claim_bulk_job_create, claim_bulk_job_run
from claims.casework.merge import claim_merge
from claims.casework.notes import canned_response_render, claim_note_add
from claims.models import CannedResponse, Claim, ClaimBulkJob, ClaimHistory
from claims.tests.factories import submit_claim
from claims.workflow import claim_transition
from core.exceptions import ApplicationError
from notifications.models import Notification

pytestmark = pytest.mark.django_db
S = Claim.Status

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


# --- merge ---


@pytest.fixture
def pair(incident, agent):
    primary = submit_claim(phone="010-7777-8888", claimed_amount=50_000, description="예약 알림이 안 갔습니다")
    duplicate = submit_claim(
        phone="010-7777-8888",
        claimed_amount=50_000,
        description="예약 알림이 안 갔습니다 (재접수)",
        evidence=[SimpleUploadedFile("proof.png", PNG, content_type="image/png")],
    )
    claim_transition(claim=duplicate, to=S.IN_REVIEW, actor=agent, reason="재접수 건 확인")
    claim_note_add(claim=duplicate, body="같은 신고인, 같은 내용", actor=agent)
    return primary, duplicate


def test_merge_keeps_history_notes_and_evidence_visible_from_the_primary(pair, agent):
    primary, duplicate = pair
    assert duplicate.duplicate_of_id == primary.pk  # flagged at intake

    claim_merge(duplicate=duplicate, primary=primary, actor=agent)

    duplicate.refresh_from_db()
    assert duplicate.status == S.MERGED and duplicate.merged_into_id == primary.pk
    history = list(selectors.claim_history_list(claim=primary))
    assert {row.claim_id for row in history} == {primary.pk, duplicate.pk}
    assert any(row.event == "merged_in" and row.claim_id == primary.pk for row in history)
    assert any(row.to_status == S.IN_REVIEW and row.claim_id == duplicate.pk for row in history)
    assert [n.body for n in selectors.claim_note_list(claim=primary)] == ["같은 신고인, 같은 내용"]
    assert [e.original_name for e in selectors.claim_evidence_list(claim=primary)] == ["proof.png"]
    # The claimant of the duplicate is told where it went.
    notice = Notification.objects.get(claim=duplicate, event="claim_closed")
    assert primary.reference in notice.context["reason"]


def test_merged_history_through_the_api(pair, agent):
    primary, duplicate = pair
    claim_merge(duplicate=duplicate, primary=primary, actor=agent)
    client = APIClient()
    client.force_authenticate(agent)

    rows = client.get(f"/api/v1/claims/{primary.reference}/history/").json()

    assert {row["claim"] for row in rows} == {primary.reference, duplicate.reference}


def test_merge_repeat_is_a_no_op_and_chains_flatten(pair, agent, incident):
    primary, duplicate = pair
    claim_merge(duplicate=duplicate, primary=primary, actor=agent)
    claim_merge(duplicate=duplicate, primary=primary, actor=agent)
    assert ClaimHistory.objects.filter(claim=primary, event="merged_in").count() == 1

    top = submit_claim(phone="010-7777-8888", claimed_amount=50_000, description="세 번째")
    claim_merge(duplicate=primary, primary=top, actor=agent)
    assert set(selectors.claim_family_ids(claim=top)) == {top.pk, primary.pk, duplicate.pk}


def test_merge_refusals(pair, agent):
    primary, duplicate = pair
    with pytest.raises(ValidationError):
        claim_merge(duplicate=primary, primary=primary, actor=agent)
    claim_merge(duplicate=duplicate, primary=primary, actor=agent)
    with pytest.raises(ApplicationError):
        claim_merge(duplicate=primary, primary=duplicate, actor=agent)  # into a merged claim


# --- canned answers and bulk answer-and-close ---


def test_canned_response_variables(non_monetary_claim):
    response = CannedResponse.objects.get(code="inquiry-general")
    text = canned_response_render(response=response, claim=non_monetary_claim)
    assert non_monetary_claim.reference in text and "카카오톡" in text and non_monetary_claim.claimant.name in text


def test_canned_response_refuses_unknown_variables():
    response = CannedResponse(code="x", title="x", body="{reference} {phone}")
    with pytest.raises(ValidationError) as info:
        response.full_clean()
    assert "phone" in str(info.value)


def test_bulk_answer_and_close_sends_one_answer_per_claimant(incident, agent):
    inquiry = submit_claim(description="언제 복구되나요?")
    complaint = submit_claim(description="정말 화가 납니다. 불편했습니다")
    encouragement = submit_claim(description="힘내세요! 응원합니다")
    money = submit_claim(claimed_amount=100_000, description="매출 손실")
    assert (inquiry.subtype, complaint.subtype, encouragement.subtype) == ("inquiry", "complaint", "encouragement")
    responses = {
        "inquiry": CannedResponse.objects.get(code="inquiry-general").pk,
        "complaint": CannedResponse.objects.get(code="complaint-apology").pk,
    }
    ids = [inquiry.pk, complaint.pk, encouragement.pk, money.pk]

    job = claim_bulk_job_create(
        action="answer_close", claims=ids, actor=agent, params={"responses": responses}, enqueue=False
    )
    job = claim_bulk_job_run(job_id=job.pk)
    claim_bulk_job_run(job_id=job.pk)  # a second run does nothing more

    assert (job.status, job.total, job.done_count, job.skipped_count) == (ClaimBulkJob.Status.DONE, 4, 2, 2)
    for claim in (inquiry, complaint):
        claim.refresh_from_db()
        assert claim.status == S.CLOSED
        answers = Notification.objects.filter(claim=claim, event="non_monetary_answered")
        assert answers.count() == 1
        assert claim.reference in answers.get().context["answer_text"]
        assert not Notification.objects.filter(claim=claim, event="claim_closed").exists()
    assert Notification.objects.get(claim=complaint, event="non_monetary_answered").context["answer_text"].count("사과")
    for claim in (encouragement, money):
        claim.refresh_from_db()
        assert claim.status == S.RECEIVED
    skipped = dict(job.items.filter(status="skipped").values_list("claim_id", "reason"))
    assert "답변 템플릿이 없습니다" in skipped[encouragement.pk]
    assert "비금전" in skipped[money.pk]
    rows = ClaimHistory.objects.filter(claim=inquiry, event="transition").values_list("to_status", flat=True)
    assert list(rows) == [S.ANSWERED, S.CLOSED]
