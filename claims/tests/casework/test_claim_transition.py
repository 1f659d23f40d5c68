import pytest
from django.core.exceptions import ValidationError

from claims.models import Claim, ClaimHistory
from claims.workflow import TRANSITIONS, allowed_moves, claim_transition
from core.exceptions import ApplicationError
from notifications.models import Notification

pytestmark = pytest.mark.django_db
S = Claim.Status


def test_every_state_has_a_row_and_closed_is_terminal():
    assert set(TRANSITIONS) == set(S.values)
    assert TRANSITIONS[S.CLOSED] == frozenset()
    for targets in TRANSITIONS.values():
        assert targets <= set(S.values)


def test_allowed_move_writes_history_row_with_actor_and_reason(money_claim, agent):
    claim_transition(claim=money_claim, to=S.IN_REVIEW, actor=agent, reason="검토 시작")

    money_claim.refresh_from_db()
    assert money_claim.status == S.IN_REVIEW
    row = ClaimHistory.objects.get(claim=money_claim, event=ClaimHistory.Event.TRANSITION)
    assert (row.actor, row.from_status, row.to_status, row.reason) == (agent, S.RECEIVED, S.IN_REVIEW, "검토 시작")
    assert row.created_at is not None


def test_repeat_is_a_no_op(money_claim, agent):
    claim_transition(claim=money_claim, to=S.IN_REVIEW, actor=agent)
    claim_transition(claim=money_claim, to=S.IN_REVIEW, actor=agent)

    assert ClaimHistory.objects.filter(claim=money_claim, event="transition").count() == 1


def test_forbidden_move_is_refused_with_the_allowed_moves(money_claim, agent):
    claim_transition(claim=money_claim, to=S.IN_REVIEW, actor=agent)
    claim_transition(claim=money_claim, to=S.CLOSED, actor=agent, reason="처리 완료")

    with pytest.raises(ApplicationError) as info:
        claim_transition(claim=money_claim, to=S.IN_REVIEW, actor=agent)

    assert info.value.status_code == 409
    assert info.value.extra == {"status": S.CLOSED, "to": S.IN_REVIEW, "allowed": []}
    money_claim.refresh_from_db()
    assert money_claim.status == S.CLOSED


def test_refused_move_leaves_no_trace(money_claim, agent):
    with pytest.raises(ApplicationError) as info:
        claim_transition(claim=money_claim, to=S.ASSESSED, actor=agent)

    assert info.value.extra["allowed"] == allowed_moves(S.RECEIVED)
    assert S.ASSESSED not in info.value.extra["allowed"]
    assert not ClaimHistory.objects.filter(claim=money_claim).exists()


def test_actor_without_permission_is_refused(money_claim, auditor):
    with pytest.raises(ApplicationError) as info:
        claim_transition(claim=money_claim, to=S.IN_REVIEW, actor=auditor)

    assert info.value.status_code == 403
    money_claim.refresh_from_db()
    assert money_claim.status == S.RECEIVED


def test_reopening_a_decided_claim_needs_a_supervisor(money_claim, agent, supervisor):
    claim_transition(
        claim=money_claim, to=S.REJECTED, actor=agent, reason="장애 기간 외 이용", reason_code="outside_period"
    )

    with pytest.raises(ApplicationError) as info:
        claim_transition(claim=money_claim, to=S.IN_REVIEW, actor=agent)
    assert info.value.status_code == 403

    claim_transition(claim=money_claim, to=S.IN_REVIEW, actor=supervisor, reason="이의 제기")
    money_claim.refresh_from_db()
    assert money_claim.status == S.IN_REVIEW


def test_reject_needs_a_reason_code_and_tells_the_claimant(money_claim, agent):
    with pytest.raises(ValidationError) as info:
        claim_transition(claim=money_claim, to=S.REJECTED, actor=agent, reason="대상 아님")
    assert "reason_code" in info.value.message_dict

    claim_transition(claim=money_claim, to=S.REJECTED, actor=agent, reason="대상 아님", reason_code="not_eligible")

    money_claim.refresh_from_db()
    assert money_claim.reject_reason_code == "not_eligible"
    assert money_claim.first_responded_at is not None
    closed = Notification.objects.get(claim=money_claim, event="claim_closed")
    assert closed.claimant_id == money_claim.claimant_id
    assert "보상 대상 아님" in closed.context["reason"]


def test_moves_that_need_more_than_a_reason_point_to_their_service(money_claim, agent):
    with pytest.raises(ValidationError) as info:
        claim_transition(claim=money_claim, to=S.AWAITING_CLAIMANT, actor=agent, reason="서류 주세요")
    assert "information_request_create" in str(info.value)


def test_assessed_branch_to_closed(money_claim, agent):
    for to in (S.IN_REVIEW, S.ASSESSED, S.CLOSED):
        claim_transition(claim=money_claim, to=to, actor=agent, reason="")

    rows = list(ClaimHistory.objects.filter(claim=money_claim).values_list("from_status", "to_status"))
    assert rows == [(S.RECEIVED, S.IN_REVIEW), (S.IN_REVIEW, S.ASSESSED), (S.ASSESSED, S.CLOSED)]
    # The claimant hears the decision from compensation, not a second "closed" notice.
    assert not Notification.objects.filter(claim=money_claim, event="claim_closed").exists()


def test_withdrawn_branch_tells_the_claimant_once(money_claim, agent):
    claim_transition(claim=money_claim, to=S.WITHDRAWN, actor=agent, reason="")
    claim_transition(claim=money_claim, to=S.CLOSED, actor=agent, reason="")

    assert Notification.objects.filter(claim=money_claim, event="claim_closed").count() == 1


def test_history_rows_cannot_be_changed_or_deleted(money_claim, agent):
    from django.db import DatabaseError, transaction

    claim_transition(claim=money_claim, to=S.IN_REVIEW, actor=agent, reason="검토")
    row = ClaimHistory.objects.get(claim=money_claim)
    with pytest.raises(DatabaseError), transaction.atomic():
        ClaimHistory.objects.filter(pk=row.pk).update(reason="고쳐 쓴 사유")
    with pytest.raises(DatabaseError), transaction.atomic():
        ClaimHistory.objects.filter(pk=row.pk).delete()
    row.refresh_from_db()
    assert row.reason == "검토"


def test_history_free_text_can_be_redacted_when_personal_data_is_destroyed(money_claim, agent):
    from django.db import DatabaseError, transaction

    from claims.events import claim_history_redact

    claim_transition(claim=money_claim, to=S.IN_REVIEW, actor=agent, reason="김민수님 전화 확인")
    assert claim_history_redact(claim_ids=[money_claim.pk]) == 1

    row = ClaimHistory.objects.get(claim=money_claim)
    assert (row.reason, row.actor, row.from_status, row.to_status) == ("", agent, S.RECEIVED, S.IN_REVIEW)
    # Outside the redaction path nothing else may change, not even the reason.
    with pytest.raises(DatabaseError), transaction.atomic():
        ClaimHistory.objects.filter(pk=row.pk).update(reason="다시 쓰기")
