"""Working a claim in words: internal notes, messages to the claimant, canned answers and reclassification."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from claims import events
from claims.casework.assignment import claims_route_new
from claims.models import CannedResponse, Claim, ClaimNote
from claims.workflow import S, claim_lock, claim_move_locked
from core.exceptions import ApplicationError
from core.validators import reject_rrn_in
from notifications.services import notify

NOTE_MAX = 5000


def _check_staff(actor: Any, perm: str) -> None:
    if actor is None or not actor.has_perm(perm):
        raise ApplicationError("이 작업을 할 권한이 없습니다.", status_code=403)


def _clean_body(body: str, field: str, label: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({field: ["내용을 적어 주세요."]})
    if len(body) > NOTE_MAX:
        raise ValidationError({field: [f"{NOTE_MAX}자 이내로 적어 주세요."]})
    reject_rrn_in(field=field, label=label, value=body)
    return body


@transaction.atomic
def claim_note_add(*, claim: Claim, body: str, actor: Any) -> ClaimNote:
    """An internal note: staff only, never shown to the claimant."""
    _check_staff(actor, "claims.add_claimnote")
    note = ClaimNote(
        claim=claim, kind=ClaimNote.Kind.INTERNAL, author=actor, body=_clean_body(body, "body", "내부 메모")
    )
    note.full_clean()
    note.save()
    return note


@transaction.atomic
def claim_message_send(*, claim: Claim, message: str, actor: Any) -> ClaimNote:
    """A message to the claimant: recorded on the claim, delivered by the notifications outbox."""
    _check_staff(actor, "claims.change_claim")
    note = ClaimNote(
        claim=claim,
        kind=ClaimNote.Kind.MESSAGE,
        author=actor,
        body=_clean_body(message, "message", "신고인에게 보내는 메시지"),
    )
    note.full_clean()
    note.save()
    events.claim_message_sent_event(claim=claim, actor=actor, note=note)
    notify(
        event="claim_message",
        key=f"claim:{claim.pk}:message:{note.pk}",
        context={"reference": claim.reference, "name": claim.claimant.name, "message": note.body},
        claimant=claim.claimant,
        claim=claim,
    )
    return note


def canned_response_render(*, response: CannedResponse, claim: Claim) -> str:
    """Fill {reference}, {name} and {service}. Unknown names were refused when the template was saved."""
    values = {"reference": claim.reference, "name": claim.claimant.name, "service": claim.service.name}
    return response.body.format_map(values)


@transaction.atomic
def claim_answer(
    *,
    claim: Claim,
    actor: Any,
    answer_text: str = "",
    canned_response: CannedResponse | None = None,
    close: bool = False,
) -> Claim:
    """Answer a non-monetary report (and optionally close it). The answer goes to the claimant once."""
    locked = claim_lock(claim_id=claim.pk)
    if locked.category != Claim.Category.NON_MONETARY:
        raise ApplicationError("비금전 신고에만 답변 후 종결을 할 수 있습니다.")
    if canned_response is not None:
        if not canned_response.is_active:
            raise ValidationError({"canned_response": ["사용하지 않는 답변 템플릿입니다."]})
        answer_text = canned_response_render(response=canned_response, claim=locked)
    answer_text = _clean_body(answer_text, "answer_text", "답변")
    data = {"canned_response": canned_response.code} if canned_response is not None else None
    claim_move_locked(claim=locked, to=S.ANSWERED, actor=actor, reason=answer_text, data=data)
    if close:
        claim_move_locked(claim=locked, to=S.CLOSED, actor=actor, reason="답변 완료 후 종결")
    claim.status = locked.status
    return locked


@transaction.atomic
def claim_reclassify(*, claim: Claim, actor: Any, category: str, subtype: str = "") -> Claim:
    """Correct the triage of an own-service claim; the claim is routed again (team and deadline)."""
    _check_staff(actor, "claims.change_claim")
    locked = claim_lock(claim_id=claim.pk)
    if locked.status not in (S.RECEIVED, S.IN_REVIEW):
        raise ApplicationError("접수 또는 검토 중인 신고만 재분류할 수 있습니다.")
    own = [Claim.Category.PAID_SERVICE_DAMAGE, Claim.Category.FREE_SERVICE_MONETARY, Claim.Category.NON_MONETARY]
    if locked.operator != Claim.Operator.OWN or category not in own:
        raise ValidationError({"category": ["자체 서비스 신고를 자체 서비스 분류로만 바꿀 수 있습니다."]})
    if category == Claim.Category.NON_MONETARY:
        if subtype not in Claim.Subtype.values:
            raise ValidationError({"subtype": ["비금전 신고의 세부유형을 골라 주세요."]})
    elif subtype:
        raise ValidationError({"subtype": ["비금전 신고에만 세부유형이 있습니다."]})
    before = {"category": locked.category, "subtype": locked.subtype}
    after = {"category": category, "subtype": subtype}
    if before == after:
        return locked
    locked.category, locked.subtype = category, subtype
    locked.save(update_fields=["category", "subtype", "updated_at"])
    events.claim_reclassified_event(claim=locked, actor=actor, before=before, after=after)
    if before["category"] != category:
        team_before = locked.team_id
        # Deadline and team follow the new category; the assignee stays (they know the case).
        claims_route_new(claims=[locked])
        if locked.team_id != team_before:
            events.claim_team_routed_event(claim=locked, actor=actor, team=locked.team, reason="재분류")
    return locked
