"""Reviewer decisions on assessments (accept / adjust with four eyes / reject), appeals, and entitlements."""

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from compensation import events
from compensation.models import Appeal, Assessment, Entitlement, RemedyType
from compensation.services.policy import require_perm
from core.exceptions import ApplicationError
from core.validators import reject_rrn_in
from notifications.services import notify

S = Assessment.State
# Allowed moves, beside the model; the admin and API derive their buttons from it.
TRANSITIONS: dict[str, set[str]] = {
    S.PENDING: {S.APPROVED, S.AWAITING_CONFIRMATION, S.REJECTED, S.SUPERSEDED},
    S.INDIVIDUAL_REVIEW: {S.APPROVED, S.AWAITING_CONFIRMATION, S.REJECTED, S.SUPERSEDED},
    S.AWAITING_CONFIRMATION: {S.APPROVED, S.PENDING, S.INDIVIDUAL_REVIEW},
    S.APPROVED: set(),
    S.REJECTED: set(),
    S.SUPERSEDED: set(),
}
DECIDE_PERM = "compensation.decide_assessment"


def available_actions(assessment: Assessment) -> list[str]:
    """What a reviewer can do now: accept, adjust, reject, confirm, send_back, checklist."""
    state = assessment.state
    if state == S.PENDING:
        return ["accept", "adjust", "reject"]
    if state == S.INDIVIDUAL_REVIEW:
        return ["checklist", "adjust", "reject"]
    if state == S.AWAITING_CONFIRMATION:
        return ["confirm", "send_back"]
    return []


def _lock(assessment: Assessment) -> Assessment:
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("claim__claimant", "claim__service", "version")
        .get(pk=assessment.pk)
    )


def _move(assessment: Assessment, *, to: str, actor: Any, fields: list[str], **detail: Any) -> None:
    if to not in TRANSITIONS[assessment.state]:
        raise ApplicationError(f"'{assessment.get_state_display()}' 상태에서는 '{S(to).label}'(으)로 바꿀 수 없습니다.")
    from_state = assessment.state
    assessment.state = to
    assessment.full_clean(exclude=["claim", "version", "rule", "run"])
    assessment.save(update_fields=["state", *fields, "updated_at"])
    events.assessment_state_event(assessment=assessment, actor=actor, from_state=from_state, to_state=to, **detail)


def _open_state(assessment: Assessment) -> str:
    return S.INDIVIDUAL_REVIEW if assessment.remedy == RemedyType.INDIVIDUAL_REVIEW else S.PENDING


@transaction.atomic
def assessment_accept(*, assessment: Assessment, actor: Any) -> Assessment:
    """Accept the remedy the rule gave. Individual-review claims have no amount to accept: adjust instead."""
    assessment = _lock(assessment)
    if assessment.state == S.APPROVED and assessment.decision == Assessment.Decision.ACCEPT:
        return assessment
    require_perm(actor, DECIDE_PERM)
    if assessment.state == S.INDIVIDUAL_REVIEW:
        raise ApplicationError("개별 심사 건은 금액을 정해 '조정'하거나 기각하세요.")
    assessment.decision = Assessment.Decision.ACCEPT
    assessment.decided_by = actor
    assessment.decided_at = timezone.now()
    _move(assessment, to=S.APPROVED, actor=actor, fields=["decision", "decided_by", "decided_at"])
    _approved(assessment=assessment, actor=actor)
    return assessment


@transaction.atomic
def assessment_adjust(*, assessment: Assessment, amount_won: int, reason: str, actor: Any) -> Assessment:
    """Set a cash amount other than the rule's, with a reason. Above the version's threshold a second, different
    reviewer must confirm (`assessment_confirm`) before it is approved."""
    assessment = _lock(assessment)
    if (
        assessment.decision == Assessment.Decision.ADJUST
        and assessment.decided_amount_won == amount_won
        and assessment.state in (S.APPROVED, S.AWAITING_CONFIRMATION)
    ):
        return assessment
    require_perm(actor, DECIDE_PERM)
    errors = {}
    if amount_won is None or int(amount_won) < 0:
        errors["amount_won"] = ["0원 이상의 금액을 입력하세요."]
    if not (reason or "").strip():
        errors["reason"] = ["조정 사유를 입력하세요."]
    if errors:
        raise ValidationError(errors)
    reject_rrn_in(field="reason", label="조정 사유", value=reason)
    assessment.decision = Assessment.Decision.ADJUST
    assessment.decided_amount_won = int(amount_won)
    assessment.decision_reason = reason.strip()
    assessment.decided_by = actor
    assessment.decided_at = timezone.now()
    fields = ["decision", "decided_amount_won", "decision_reason", "decided_by", "decided_at"]
    if assessment.decided_amount_won > assessment.version.second_review_above_won:
        _move(assessment, to=S.AWAITING_CONFIRMATION, actor=actor, fields=fields, amount=amount_won)
        return assessment
    _move(assessment, to=S.APPROVED, actor=actor, fields=fields, amount=amount_won)
    _approved(assessment=assessment, actor=actor)
    return assessment


@transaction.atomic
def assessment_confirm(*, assessment: Assessment, actor: Any, approve: bool = True, reason: str = "") -> Assessment:
    """The second pair of eyes on a large adjustment: approve it, or send it back to the queue."""
    assessment = _lock(assessment)
    if assessment.state == S.APPROVED and assessment.confirmed_by_id == getattr(actor, "pk", None) and approve:
        return assessment
    require_perm(actor, DECIDE_PERM)
    if assessment.state != S.AWAITING_CONFIRMATION:
        raise ApplicationError("2인 확인을 기다리는 건이 아닙니다.")
    if actor is None or actor.pk == assessment.decided_by_id:
        raise ApplicationError("조정한 심사자 본인은 확인할 수 없습니다. 다른 심사자가 확인해야 합니다.")
    if not approve:
        assessment.decision = ""
        assessment.decided_amount_won = None
        assessment.decided_by = None
        assessment.decided_at = None
        fields = ["decision", "decided_amount_won", "decided_by", "decided_at"]
        _move(assessment, to=_open_state(assessment), actor=actor, fields=fields, sent_back=reason)
        return assessment
    assessment.confirmed_by = actor
    assessment.confirmed_at = timezone.now()
    _move(assessment, to=S.APPROVED, actor=actor, fields=["confirmed_by", "confirmed_at"])
    _approved(assessment=assessment, actor=actor)
    return assessment


@transaction.atomic
def assessment_reject(*, assessment: Assessment, reason_code: str, actor: Any, reason: str = "") -> Assessment:
    assessment = _lock(assessment)
    if assessment.state == S.REJECTED:
        return assessment
    require_perm(actor, DECIDE_PERM)
    if reason_code not in Assessment.RejectReason.values:
        raise ValidationError({"reason_code": ["기각 사유 코드를 고르세요."]})
    if reason_code == Assessment.RejectReason.OTHER and not reason.strip():
        raise ValidationError({"reason": ["'기타' 기각에는 사유를 적어야 합니다."]})
    reject_rrn_in(field="reason", label="기각 사유", value=reason)
    assessment.decision = Assessment.Decision.REJECT
    assessment.reject_reason = reason_code
    assessment.decision_reason = reason.strip()
    assessment.decided_by = actor
    assessment.decided_at = timezone.now()
    assessment.appeal_deadline = _deadline(assessment)
    assessment.notified_at = timezone.now()
    fields = ["decision", "reject_reason", "decision_reason", "decided_by", "decided_at", "appeal_deadline"]
    _move(assessment, to=S.REJECTED, actor=actor, fields=[*fields, "notified_at"], reason_code=reason_code)
    text = f"보상 신청이 기각되었습니다: {assessment.get_reject_reason_display()}."
    if assessment.decision_reason:
        text += f" {assessment.decision_reason}"
    _notify_decision(assessment=assessment, text=text, amount=0)
    return assessment


@transaction.atomic
def assessment_checklist_update(*, assessment: Assessment, checklist: dict[str, bool], actor: Any) -> Assessment:
    """Tick the evidence checklist of an individual review (business certificate, lost sales, use, account)."""
    assessment = _lock(assessment)
    require_perm(actor, "compensation.change_assessment")
    unknown = set(checklist) - set(Assessment.EVIDENCE_CHECKLIST)
    if unknown:
        raise ValidationError({"checklist": [f"알 수 없는 항목: {', '.join(sorted(unknown))}"]})
    if assessment.state not in Assessment.OPEN_STATES:
        raise ApplicationError("결정된 건의 증빙 확인은 바꿀 수 없습니다.")
    merged = {**assessment.evidence_checklist, **{k: bool(v) for k, v in checklist.items()}}
    if merged != assessment.evidence_checklist:
        assessment.evidence_checklist = merged
        assessment.save(update_fields=["evidence_checklist", "updated_at"])
        events.assessment_checklist_event(assessment=assessment, actor=actor, checklist=merged)
    return assessment


def _deadline(assessment: Assessment) -> Any:
    return timezone.localdate() + timedelta(days=assessment.version.appeal_window_days)


def _approved(*, assessment: Assessment, actor: Any) -> None:
    """Entitlements, the appeal deadline and the claimant's notice, in the deciding transaction."""
    assessment.appeal_deadline = _deadline(assessment)
    assessment.notified_at = timezone.now()
    assessment.save(update_fields=["appeal_deadline", "notified_at", "updated_at"])
    entitlement = _entitlement_for_decision(assessment=assessment, actor=actor)
    amount = assessment.final_amount_won if entitlement is None or entitlement.kind == "cash" else 0
    if assessment.decision == Assessment.Decision.ADJUST:
        text = (
            f"심사 결과 보상액을 {assessment.decided_amount_won:,}원으로 정했습니다. 사유: {assessment.decision_reason}"
        )
    else:
        text = assessment.explanation
    _notify_decision(assessment=assessment, text=text, amount=amount)


def _notify_decision(*, assessment: Assessment, text: str, amount: int) -> None:
    claim = assessment.claim
    deadline = assessment.appeal_deadline
    if deadline is not None:
        text += f" 결정에 이의가 있으면 {deadline:%Y년 %m월 %d일}까지 한 번 이의신청할 수 있습니다."
    notify(
        event="claim_decision",
        key=f"claim:{claim.pk}:decision:{assessment.pk}",
        context={"reference": claim.reference, "name": claim.claimant.name, "decision_text": text, "amount": amount},
        claimant=claim.claimant,
        claim=claim,
    )


def _entitlement_for_decision(*, assessment: Assessment, actor: Any) -> Entitlement | None:
    claim = assessment.claim
    base = {"claim": claim, "claimant_id": claim.claimant_id, "assessment": assessment, "service_id": claim.service_id}
    if assessment.decision == Assessment.Decision.ADJUST:
        if not assessment.decided_amount_won:
            return None
        values = {"kind": Entitlement.Kind.CASH, "amount_won": assessment.decided_amount_won}
    elif assessment.remedy in (RemedyType.CASH_FLAT, RemedyType.CASH_TIERED, RemedyType.CASH_PROPORTIONAL):
        if not assessment.amount_won:
            return None
        values = {"kind": Entitlement.Kind.CASH, "amount_won": assessment.amount_won}
    elif assessment.remedy == RemedyType.IN_KIND:
        values = {
            "kind": Entitlement.Kind.IN_KIND,
            "amount_won": assessment.book_value_won,
            "item_description": assessment.in_kind_item,
        }
    elif assessment.remedy == RemedyType.SERVICE_CREDIT:
        values = {
            "kind": Entitlement.Kind.SERVICE_CREDIT,
            "amount_won": assessment.book_value_won,
            "service_credit_days": assessment.credit_days,
            "item_description": f"{claim.service.name} 이용 기간 {assessment.credit_days}일 연장",
        }
    else:
        return None
    entitlement, created = Entitlement.objects.get_or_create(
        assessment=assessment, source=Entitlement.Source.DECISION, defaults={**base, **values}
    )
    if created:
        events.entitlement_event(entitlement=entitlement, actor=actor, action="created")
    return entitlement


# --- appeals ------------------------------------------------------------------------------------------
def _reviewer_for_appeal(*, exclude: set[int]) -> Any:
    """The reviewer with the fewest open appeals who did not take part in the first decision."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Q

    from core.roles import REVIEWER

    return (
        get_user_model()
        .objects.filter(groups__name=REVIEWER, is_active=True)
        .exclude(pk__in=exclude)
        .annotate(open_appeals=Count("assigned_appeals", filter=Q(assigned_appeals__status=Appeal.Status.OPEN)))
        .order_by("open_appeals", "pk")
        .first()
    )


@transaction.atomic
def appeal_lodge(*, assessment: Assessment, reason: str, actor: Any, assigned_to: Any = None) -> Appeal:
    """The claimant's one appeal (lodged by an agent or via the API) within the version's appeal window."""
    require_perm(actor, "compensation.add_appeal")
    assessment = _lock(assessment)
    existing = Appeal.objects.filter(assessment=assessment).first()
    if existing is not None:
        if existing.reason == reason.strip():
            return existing
        raise ApplicationError("이의신청은 한 번만 할 수 있습니다.")
    if assessment.state not in Assessment.DECIDED_STATES:
        raise ApplicationError("결정이 난 산정에만 이의신청할 수 있습니다.")
    if assessment.appeal_deadline is None or timezone.localdate() > assessment.appeal_deadline:
        raise ApplicationError("이의신청 기간이 지났습니다.")
    if not reason.strip():
        raise ValidationError({"reason": ["이의 사유를 적어 주세요."]})
    reject_rrn_in(field="reason", label="이의 사유", value=reason)
    if assessment.decided_by_id is None:
        raise ApplicationError("심사자 없이 결정된 산정입니다. 담당자에게 문의하세요.")
    first = {pk for pk in (assessment.decided_by_id, assessment.confirmed_by_id) if pk}
    if assigned_to is not None and assigned_to.pk in first:
        raise ApplicationError("처음 결정한 심사자에게 재심을 맡길 수 없습니다.")
    reviewer = assigned_to or _reviewer_for_appeal(exclude=first)
    appeal = Appeal(
        assessment=assessment,
        reason=reason.strip(),
        original_reviewer_id=assessment.decided_by_id,
        assigned_to=reviewer,
        lodged_by=actor if getattr(actor, "pk", None) else None,
    )
    appeal.full_clean()
    appeal.save()
    events.appeal_lodged_event(assessment=assessment, actor=actor, assigned_to=reviewer.pk if reviewer else None)
    return appeal


@transaction.atomic
def appeal_assign(*, appeal: Appeal, reviewer: Any, actor: Any) -> Appeal:
    require_perm(actor, "compensation.change_appeal")
    appeal = Appeal.objects.select_for_update().select_related("assessment").get(pk=appeal.pk)
    if appeal.status != Appeal.Status.OPEN:
        raise ApplicationError("결정된 이의신청입니다.")
    if reviewer.pk in {appeal.original_reviewer_id, appeal.assessment.confirmed_by_id}:
        raise ApplicationError("처음 결정한 심사자에게 재심을 맡길 수 없습니다.")
    if appeal.assigned_to_id != reviewer.pk:
        appeal.assigned_to = reviewer
        appeal.save(update_fields=["assigned_to", "updated_at"])
        events.appeal_assigned_event(assessment=appeal.assessment, actor=actor, assigned_to=reviewer.pk)
    return appeal


@transaction.atomic
def appeal_decide(*, appeal: Appeal, outcome: str, reason: str, actor: Any, amount_won: int | None = None) -> Appeal:
    """Final outcome by a reviewer other than the first: uphold, or amend to a cash amount. Amending cancels
    what is not yet paid out and adds a top-up entitlement for the difference to what already was."""
    require_perm(actor, "compensation.decide_appeal")
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.status == Appeal.Status.DECIDED:
        if appeal.outcome == outcome and appeal.decided_by_id == getattr(actor, "pk", None):
            return appeal
        raise ApplicationError("이의신청 결과는 최종이며 바꿀 수 없습니다.")
    assessment = _lock(appeal.assessment)
    if actor is None or actor.pk in {appeal.original_reviewer_id, assessment.confirmed_by_id}:
        raise ApplicationError("처음 결정한 심사자는 이의신청을 심사할 수 없습니다.")
    errors: dict[str, list[str]] = {}
    if outcome not in Appeal.Outcome.values:
        errors["outcome"] = ["결과를 고르세요."]
    if not reason.strip():
        errors["reason"] = ["결정 사유를 적어 주세요."]
    else:
        reject_rrn_in(field="reason", label="이의신청 결정 사유", value=reason)
    if outcome == Appeal.Outcome.AMENDED and (amount_won is None or int(amount_won) < 0):
        errors["amount_won"] = ["변경 금액을 입력하세요."]
    if errors:
        raise ValidationError(errors)
    appeal.status = Appeal.Status.DECIDED
    appeal.outcome = outcome
    appeal.outcome_reason = reason.strip()
    appeal.outcome_amount_won = (
        int(amount_won) if outcome == Appeal.Outcome.AMENDED and amount_won is not None else None
    )
    appeal.decided_by = actor
    appeal.decided_at = timezone.now()
    appeal.full_clean()
    appeal.save(
        update_fields=[
            "status", "outcome", "outcome_reason", "outcome_amount_won", "decided_by", "decided_at", "updated_at"
        ]
    )  # fmt: skip
    events.appeal_decided_event(assessment=assessment, actor=actor, outcome=outcome, amount=appeal.outcome_amount_won)
    if outcome == Appeal.Outcome.AMENDED:
        _amend_entitlements(assessment=assessment, amount=appeal.outcome_amount_won or 0, actor=actor)
        text = (
            f"이의신청을 검토하여 보상액을 {appeal.outcome_amount_won:,}원으로 변경했습니다. "
            f"사유: {appeal.outcome_reason}"
        )
    else:
        text = f"이의신청을 검토한 결과 원래 결정을 유지합니다. 사유: {appeal.outcome_reason}"
    claim = assessment.claim
    notify(
        event="appeal_outcome",
        key=f"claim:{claim.pk}:appeal:{appeal.pk}",
        context={
            "reference": claim.reference,
            "name": claim.claimant.name,
            "outcome_text": text + " 이 결정은 최종입니다.",
        },
        claimant=claim.claimant,
        claim=claim,
    )
    return appeal


def _amend_entitlements(*, assessment: Assessment, amount: int, actor: Any) -> None:
    current = list(
        Entitlement.objects.select_for_update()
        .filter(assessment=assessment)
        .exclude(status=Entitlement.Status.CANCELLED)
    )
    committed = 0
    for entitlement in current:
        if entitlement.status == Entitlement.Status.APPROVED:
            _cancel(entitlement=entitlement, reason="이의신청 결정으로 변경", actor=actor)
        elif entitlement.kind == Entitlement.Kind.CASH:
            committed += entitlement.amount_won
    top_up = amount - committed
    if top_up > 0:
        claim = assessment.claim
        entitlement = Entitlement.objects.create(
            claim=claim,
            claimant_id=claim.claimant_id,
            assessment=assessment,
            source=Entitlement.Source.APPEAL,
            kind=Entitlement.Kind.CASH,
            amount_won=top_up,
            service_id=claim.service_id,
        )
        events.entitlement_event(entitlement=entitlement, actor=actor, action="created", source="appeal")


def _cancel(*, entitlement: Entitlement, reason: str, actor: Any) -> None:
    entitlement.status = Entitlement.Status.CANCELLED
    entitlement.cancelled_reason = reason
    entitlement.save(update_fields=["status", "cancelled_reason", "updated_at"])
    events.entitlement_event(entitlement=entitlement, actor=actor, action="cancelled", reason=reason)


@transaction.atomic
def entitlement_cancel(*, entitlement: Entitlement, reason: str, actor: Any) -> Entitlement:
    """Withdraw an entitlement not yet taken into a payout or fulfilled."""
    require_perm(actor, "compensation.change_entitlement")
    entitlement = Entitlement.objects.select_for_update().get(pk=entitlement.pk)
    if entitlement.status == Entitlement.Status.CANCELLED:
        return entitlement
    if entitlement.status != Entitlement.Status.APPROVED:
        raise ApplicationError("지급 진행 중이거나 완료된 보상은 취소할 수 없습니다.")
    if not reason.strip():
        raise ValidationError({"reason": ["취소 사유를 적어 주세요."]})
    reject_rrn_in(field="reason", label="취소 사유", value=reason)
    _cancel(entitlement=entitlement, reason=reason.strip(), actor=actor)
    return entitlement


@transaction.atomic
def entitlement_fulfil(*, entitlement: Entitlement, actor: Any, reference: str = "") -> Entitlement:
    """Record that an in-kind item was issued or a service credit applied (cash goes through payouts)."""
    require_perm(actor, "compensation.change_entitlement")
    entitlement = Entitlement.objects.select_for_update().get(pk=entitlement.pk)
    if entitlement.status == Entitlement.Status.FULFILLED:
        return entitlement
    if entitlement.kind == Entitlement.Kind.CASH:
        raise ApplicationError("현금 보상은 지급(payouts) 절차로 처리합니다.")
    if entitlement.status != Entitlement.Status.APPROVED:
        raise ApplicationError("제공할 수 없는 상태입니다.")
    entitlement.status = Entitlement.Status.FULFILLED
    entitlement.fulfilled_at = timezone.now()
    entitlement.fulfilment_reference = reference.strip()[:100]
    entitlement.save(update_fields=["status", "fulfilled_at", "fulfilment_reference", "updated_at"])
    events.entitlement_event(entitlement=entitlement, actor=actor, action="fulfilled", reference=reference)
    return entitlement
