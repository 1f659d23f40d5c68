"""One entry point for "move this claim to state X" from the API and the admin: plain moves go to
claim_transition, moves that need more (a due date, a primary, a batch, an answer) to their own service."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError

from claims.casework.information_requests import information_request_create
from claims.casework.merge import claim_merge
from claims.casework.notes import claim_answer
from claims.casework.transfers import claims_transfer
from claims.models import CannedResponse, Claim
from claims.workflow import TRANSITIONS, S, claim_transition
from core.exceptions import ApplicationError


def claim_move(
    *,
    claim: Claim,
    to: str,
    actor: Any,
    reason: str = "",
    reason_code: str = "",
    due_date: date | None = None,
    primary: Claim | None = None,
    canned_response: CannedResponse | None = None,
) -> Claim:
    if claim.status == to:
        return claim
    allowed = TRANSITIONS.get(claim.status, frozenset())
    if to in S.values and to not in allowed:
        # Checked here too (the services re-check under the lock) so a refused move answers 409 before any
        # complaint about the extra fields it would have needed.
        raise ApplicationError(
            f"'{claim.get_status_display()}' 상태에서 '{S(to).label}' 상태로 바꿀 수 없습니다.",
            extra={"status": claim.status, "to": to, "allowed": sorted(allowed)},
        )
    if to == S.AWAITING_CLAIMANT:
        if due_date is None:
            raise ValidationError({"due_date": ["보완 요청에는 제출 기한이 필요합니다."]})
        information_request_create(claim=claim, question=reason, due_date=due_date, actor=actor)
    elif to == S.MERGED:
        if primary is None:
            raise ValidationError({"primary": ["병합할 원건의 접수번호를 적어 주세요."]})
        claim_merge(duplicate=claim, primary=primary, actor=actor, reason=reason)
    elif to == S.TRANSFERRED:
        claims_transfer(claims=[claim], actor=actor)
    elif to == S.ANSWERED:
        claim_answer(claim=claim, actor=actor, answer_text=reason, canned_response=canned_response)
    else:
        claim_transition(claim=claim, to=to, actor=actor, reason=reason, reason_code=reason_code)
    claim.refresh_from_db()
    return claim
