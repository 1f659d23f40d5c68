"""The claim state machine: the allowed moves as data, and the one service that moves a claim.

Every status change, from the admin, the API, a bulk job or a beat job, goes through `claim_transition`
(or, for moves that need more than a reason, through the case-work service that calls `claim_move_locked`)."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from claims import events
from claims.models import Claim, InformationRequest
from core.exceptions import ApplicationError
from core.validators import reject_rrn_in
from notifications.services import notify

S = Claim.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset(
        {S.IN_REVIEW, S.AWAITING_CLAIMANT, S.ANSWERED, S.TRANSFERRED, S.REJECTED, S.WITHDRAWN, S.MERGED, S.CLOSED}
    ),
    S.IN_REVIEW: frozenset(
        {S.AWAITING_CLAIMANT, S.ASSESSED, S.ANSWERED, S.TRANSFERRED, S.REJECTED, S.WITHDRAWN, S.MERGED, S.CLOSED}
    ),
    S.AWAITING_CLAIMANT: frozenset({S.IN_REVIEW, S.CLOSED, S.WITHDRAWN, S.MERGED}),
    S.ASSESSED: frozenset({S.CLOSED, S.IN_REVIEW}),
    S.ANSWERED: frozenset({S.CLOSED, S.IN_REVIEW}),
    S.TRANSFERRED: frozenset({S.CLOSED}),
    S.REJECTED: frozenset({S.CLOSED, S.IN_REVIEW}),
    S.WITHDRAWN: frozenset({S.CLOSED}),
    S.MERGED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}

# Moves that need more than a reason; they are made by the named service, which calls claim_move_locked.
NEEDS_SERVICE: dict[str, str] = {
    S.AWAITING_CLAIMANT: "information_request_create",
    S.MERGED: "claim_merge",
    S.TRANSFERRED: "claims_transfer",
}

# Leaving a decided state for review again is a supervisor's call; every other move is ordinary case work.
REOPEN_PERMISSION = "claims.reopen_claim"
DEFAULT_PERMISSION = "claims.change_claim"

# Reaching one of these is the company's answer to the claim: it stops the first-response clock for good.
RESPONSE_STATUSES = frozenset({S.ASSESSED, S.ANSWERED, S.TRANSFERRED, S.REJECTED, S.WITHDRAWN, S.MERGED, S.CLOSED})
# Closing from these tells the claimant; after an answer, a transfer or a decision they have already heard.
_CLOSE_NOTIFIES_FROM = frozenset({S.RECEIVED, S.IN_REVIEW, S.AWAITING_CLAIMANT})

_WITHDRAWN_TEXT = "신고인의 요청으로 신고가 취하되었습니다."


def allowed_moves(status: str) -> list[str]:
    return sorted(TRANSITIONS.get(status, frozenset()))


def required_permission(*, from_status: str, to_status: str) -> str:
    if to_status == S.IN_REVIEW and from_status in (S.ANSWERED, S.ASSESSED, S.REJECTED):
        return REOPEN_PERMISSION
    return DEFAULT_PERMISSION


def actor_can_move(*, actor: Any, from_status: str, to_status: str) -> bool:
    """`actor=None` is the system (a beat job, the claimant on the public page): always allowed."""
    if actor is None:
        return True
    return bool(actor.is_active and actor.has_perm(required_permission(from_status=from_status, to_status=to_status)))


def claim_lock(*, claim_id: int) -> Claim:
    """The claim row under FOR UPDATE (only the claim row: joined rows stay unlocked)."""
    return (
        Claim.objects.select_for_update(of=("self",))
        .select_related("claimant", "service", "affiliate", "assigned_to")
        .get(pk=claim_id)
    )


def _refresh(target: Claim, source: Claim) -> None:
    # Callers keep using the instance they passed in; give it the locked row's current state.
    if target is not source:
        for field in source._meta.concrete_fields:
            setattr(target, field.attname, getattr(source, field.attname))


@transaction.atomic
def claim_transition(*, claim: Claim, to: str, actor: Any, reason: str = "", reason_code: str = "") -> Claim:
    """Move a claim to `to`. A repeat is a no-op; a move outside TRANSITIONS raises ApplicationError (409)
    carrying the allowed moves; an actor without the permission raises ApplicationError (403)."""
    # The reason is kept in the history and often shown or sent to the claimant.
    reject_rrn_in(field="reason", label="사유", value=reason)
    locked = claim_lock(claim_id=claim.pk)
    if locked.status != to:
        if to in NEEDS_SERVICE and to in TRANSITIONS.get(locked.status, ()):
            raise ValidationError({"to": [f"이 상태로는 {NEEDS_SERVICE[to]} 기능으로만 옮길 수 있습니다."]})
        claim_move_locked(claim=locked, to=to, actor=actor, reason=reason, reason_code=reason_code)
    _refresh(claim, locked)
    return claim


def claim_move_locked(
    *, claim: Claim, to: str, actor: Any, reason: str = "", reason_code: str = "", data: dict | None = None
) -> Any:
    """The guarded move on a row the caller has locked with claim_lock, inside the caller's transaction.

    Returns the history row, or None when the claim is already in `to`."""
    from_status = claim.status
    if from_status == to:
        return None
    if to not in S.values:
        raise ValidationError({"to": ["알 수 없는 상태입니다."]})
    allowed = TRANSITIONS.get(from_status, frozenset())
    if to not in allowed:
        raise ApplicationError(
            f"'{S(from_status).label}' 상태에서 '{S(to).label}' 상태로 바꿀 수 없습니다.",
            extra={"status": from_status, "to": to, "allowed": sorted(allowed)},
        )
    if not actor_can_move(actor=actor, from_status=from_status, to_status=to):
        raise ApplicationError(
            "이 상태 변경을 할 권한이 없습니다.", status_code=403, extra={"status": from_status, "to": to}
        )
    reason = (reason or "").strip()
    _validate_reason(from_status=from_status, to=to, reason=reason, reason_code=reason_code)

    now = timezone.now()
    update_fields = ["status", "updated_at"]
    claim.status = to
    if from_status == S.AWAITING_CLAIMANT and claim.sla_paused_at is not None:
        # Resume the clock: the deadline moves by exactly the time spent waiting on the claimant.
        paused = now - claim.sla_paused_at
        if claim.first_response_due_at is not None:
            claim.first_response_due_at += paused
        claim.sla_paused_seconds += int(paused.total_seconds())
        claim.sla_paused_at = None
        update_fields += ["first_response_due_at", "sla_paused_seconds", "sla_paused_at"]
    if from_status == S.AWAITING_CLAIMANT:
        # Answered or expired requests were already settled by their service; anything still open is moot now.
        InformationRequest.objects.filter(claim=claim, status=InformationRequest.Status.OPEN).update(
            status=InformationRequest.Status.CANCELLED, closed_at=now, updated_at=now
        )
    if to == S.AWAITING_CLAIMANT and claim.first_responded_at is None:
        claim.sla_paused_at = now
        update_fields.append("sla_paused_at")
    if to in RESPONSE_STATUSES and claim.first_responded_at is None:
        claim.first_responded_at = now
        update_fields.append("first_responded_at")
    if to == S.REJECTED:
        claim.reject_reason_code = reason_code
        update_fields.append("reject_reason_code")
    # Validate what this move writes; the rest of the row was validated when it was written (and checking
    # every foreign key would cost a query each).
    claim.full_clean(
        exclude=[f.name for f in Claim._meta.concrete_fields if f.attname not in update_fields],
        validate_unique=False,
        validate_constraints=False,
    )
    claim.save(update_fields=update_fields)

    history = events.claim_transition_event(
        claim=claim,
        actor=actor,
        from_status=from_status,
        to_status=to,
        reason=reason,
        reason_code=reason_code,
        data=data,
    )
    _notify_claimant(
        claim=claim, from_status=from_status, to=to, reason=reason, reason_code=reason_code, history=history
    )
    return history


def _validate_reason(*, from_status: str, to: str, reason: str, reason_code: str) -> None:
    if to == S.REJECTED and reason_code not in Claim.RejectReason.values:
        raise ValidationError({"reason_code": ["기각 사유 코드를 골라 주세요."]})
    if to == S.ANSWERED and not reason:
        raise ValidationError({"reason": ["신고인에게 보낼 답변을 적어 주세요."]})
    if to in (S.REJECTED, S.CLOSED) and from_status in _CLOSE_NOTIFIES_FROM and not reason:
        raise ValidationError({"reason": ["신고인에게 알릴 사유를 적어 주세요."]})


def _notify_claimant(*, claim: Claim, from_status: str, to: str, reason: str, reason_code: str, history: Any) -> None:
    """Messages owed to the claimant for a move. Notify is an outbox: called inside the transaction."""
    base = {"reference": claim.reference, "name": claim.claimant.name}
    if to == S.ANSWERED:
        notify(
            event="non_monetary_answered",
            key=f"claim:{claim.pk}:answered:{history.pk}",
            context={**base, "answer_text": reason},
            claimant=claim.claimant,
            claim=claim,
        )
        return
    closing_text = ""
    if to == S.REJECTED:
        label = Claim.RejectReason(reason_code).label
        closing_text = f"{label}: {reason}" if reason else label
    elif to == S.WITHDRAWN:
        closing_text = reason or _WITHDRAWN_TEXT
    elif to == S.MERGED or (to == S.CLOSED and from_status in _CLOSE_NOTIFIES_FROM):
        closing_text = reason
    if closing_text:
        notify(
            event="claim_closed",
            key=f"claim:{claim.pk}:closed:{history.pk}",
            context={**base, "reason": closing_text},
            claimant=claim.claimant,
            claim=claim,
        )


def status_url() -> str:
    return f"{settings.REDRESS['PUBLIC_BASE_URL']}/claims/status/"
