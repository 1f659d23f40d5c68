"""Payouts from entitlements, and the moves a person makes on one payout: risk decision, cancel, requeue,
recording a return. Settlement moves live in `settlement.py`."""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from compensation.models import Entitlement
from core.exceptions import ApplicationError
from core.validators import reject_rrn_in
from notifications.services import notify
from payouts import events
from payouts.models import BankAccount, LedgerEntry, Payout, PayoutAttempt, PayoutBatch
from payouts.services.ledger import ledger_post, posting_for
from payouts.services.risk import flag_codes, risk_flags_compute

CREATE_CHUNK = 2000
LIVE = ~Exists(Payout.objects.filter(entitlement=OuterRef("pk")).exclude(status=Payout.Status.CANCELLED))


def _method_for(kind: str) -> str:
    return Payout.Method.BANK_TRANSFER if kind == Entitlement.Kind.CASH else Payout.Method.VOUCHER


def _sku_for(row: Mapping[str, Any]) -> str:
    if row["kind"] == Entitlement.Kind.SERVICE_CREDIT:
        return f"service_credit:{row['service__code'] or 'all'}:{row['service_credit_days']}d"
    return row["item_description"]


def payouts_create_from_entitlements(*, actor: Any = None, entitlement_ids: list[int] | None = None) -> list[int]:
    """Make one PENDING payout per approved entitlement that has no live payout, accrue it in the ledger and
    attach risk flags. Safe to run twice and concurrently (entitlements are locked, skip-locked)."""
    created: list[int] = []
    while True:
        with transaction.atomic():
            queryset = Entitlement.objects.filter(LIVE, status=Entitlement.Status.APPROVED, amount_won__gt=0)
            if entitlement_ids is not None:
                queryset = queryset.filter(id__in=entitlement_ids)
            locked = list(
                queryset.select_for_update(skip_locked=True, of=("self",))
                .order_by("id")
                .values_list("id", flat=True)[:CREATE_CHUNK]
            )
            if not locked:
                break
            rows = (
                Entitlement.objects.filter(id__in=locked)
                .order_by("id")
                .values(
                    "id",
                    "claim_id",
                    "claimant_id",
                    "kind",
                    "amount_won",
                    "item_description",
                    "service_credit_days",
                    "service__code",
                    "assessment__version__policy_id",
                )
            )
            payouts = Payout.objects.bulk_create(
                [
                    Payout(
                        entitlement_id=r["id"],
                        claim_id=r["claim_id"],
                        claimant_id=r["claimant_id"],
                        policy_id=r["assessment__version__policy_id"],
                        method=_method_for(r["kind"]),
                        amount_won=r["amount_won"],
                        item_sku="" if r["kind"] == Entitlement.Kind.CASH else _sku_for(r),
                    )
                    for r in rows
                ]
            )
            ledger_post(postings=[posting_for(p, LedgerEntry.Kind.ACCRUED) for p in payouts])
            Entitlement.objects.filter(
                id__in=[p.entitlement_id for p in payouts if p.method == Payout.Method.BANK_TRANSFER],
                status=Entitlement.Status.APPROVED,
            ).update(status=Entitlement.Status.IN_PAYOUT, updated_at=timezone.now())
            flags = risk_flags_compute(payout_ids=[p.pk for p in payouts])
            for p in payouts:
                p.risk_flags = flags.get(p.pk, [])
            Payout.objects.bulk_update([p for p in payouts if p.risk_flags], ["risk_flags"], batch_size=1000)
            created.extend(p.pk for p in payouts)
        if entitlement_ids is not None and len(locked) < CREATE_CHUNK:
            break
    return created


def payouts_refresh_risk(*, payout_ids: list[int]) -> int:
    """Recompute flags; a payout whose flags changed loses its earlier decision (it decided other facts)."""
    flags = risk_flags_compute(payout_ids=payout_ids)
    changed = []
    for payout in Payout.objects.filter(id__in=list(flags)).only("id", "risk_flags", "risk_decision"):
        new = flags[payout.pk]
        if flag_codes(new) != flag_codes(payout.risk_flags):
            payout.risk_flags = new
            payout.risk_decision = Payout.RiskDecision.NONE
            payout.risk_decided_by = None
            changed.append(payout)
    Payout.objects.bulk_update(changed, ["risk_flags", "risk_decision", "risk_decided_by"], batch_size=1000)
    return len(changed)


def _lock(payout: Payout) -> Payout:
    return Payout.objects.select_for_update(of=("self",)).select_related("claim", "claimant").get(pk=payout.pk)


@transaction.atomic
def payout_risk_decide(*, payout: Payout, decision: str, note: str, actor: Any) -> Payout:
    """Finance looks at the flags and clears the payout for approval, or blocks it."""
    payout = _lock(payout)
    if decision not in (Payout.RiskDecision.CLEARED, Payout.RiskDecision.BLOCKED):
        raise ValidationError({"decision": ["확인 후 지급 또는 지급 보류를 고르세요."]})
    if not (note or "").strip():
        raise ValidationError({"note": ["판단 근거를 적어 주세요."]})
    reject_rrn_in(field="note", label="판단 근거", value=note)
    if not payout.risk_flags:
        raise ApplicationError("위험 신호가 없는 지급입니다.")
    if payout.status not in (Payout.Status.PENDING, Payout.Status.FAILED_PERMANENT, Payout.Status.RETURNED):
        raise ApplicationError("지급이 진행된 뒤에는 위험 검토를 바꿀 수 없습니다.")
    if not actor.has_perm("payouts.decide_risk_payout"):
        raise PermissionDenied
    if payout.risk_decision == decision:
        return payout
    payout.risk_decision = decision
    payout.risk_decided_by = actor
    payout.risk_note = note.strip()[:300]
    payout.full_clean(exclude=["entitlement", "claim", "claimant", "policy", "batch"])
    payout.save(update_fields=["risk_decision", "risk_decided_by", "risk_note", "updated_at"])
    events.payout_event(
        payout=payout,
        type=f"risk_{decision}",
        actor=actor,
        note=payout.risk_note,
        flags=sorted(flag_codes(payout.risk_flags)),
    )
    return payout


@transaction.atomic
def payout_cancel(*, payout: Payout, reason: str, actor: Any) -> Payout:
    """Withdraw a payout that has not left (or came back). The entitlement becomes payable again."""
    payout = _lock(payout)
    if payout.status == Payout.Status.CANCELLED:
        return payout
    if Payout.Status.CANCELLED not in Payout.TRANSITIONS[payout.status]:
        raise ApplicationError(f"'{payout.get_status_display()}' 상태의 지급은 취소할 수 없습니다.")
    if not (reason or "").strip():
        raise ValidationError({"reason": ["취소 사유를 적어 주세요."]})
    reject_rrn_in(field="reason", label="취소 사유", value=reason)
    if actor is not None and not actor.has_perm("payouts.change_payout"):
        raise PermissionDenied
    if (
        payout.status == Payout.Status.SCHEDULED
        and payout.batch
        and payout.batch.channel == PayoutBatch.Channel.GATEWAY
    ):
        raise ApplicationError("지급이 진행 중인 배치의 예정 건은 취소할 수 없습니다. 결과를 기다려 주세요.")
    previous = payout.status
    payout.status = Payout.Status.CANCELLED
    payout.save(update_fields=["status", "updated_at"])
    ledger_post(postings=[posting_for(payout, LedgerEntry.Kind.CANCELLED)])
    Entitlement.objects.filter(pk=payout.entitlement_id, status=Entitlement.Status.IN_PAYOUT).update(
        status=Entitlement.Status.APPROVED, updated_at=timezone.now()
    )
    events.payout_event(payout=payout, type="payout_cancelled", actor=actor, reason=reason.strip(), previous=previous)
    return payout


def payout_failed_notify(*, payout: Payout, reason: str) -> None:
    notify(
        event="payment_failed",
        key=f"payout:{payout.pk}:failed:{payout.attempt_no}",
        claimant=payout.claimant,
        claim=payout.claim,
        context={
            "reference": payout.claim.reference,
            "name": payout.claimant.name,
            "amount": payout.amount_won,
            "reason": reason,
            "action_url": f"{settings.REDRESS['PUBLIC_BASE_URL']}/payouts/account/",
        },
    )


@transaction.atomic
def payout_requeue(*, payout: Payout, actor: Any) -> Payout:
    """Send a failed or returned payout again, as a new attempt with a new key (the old one is final at the
    gateway, so nothing can be paid twice). Needs an active account and no undecided risk flag."""
    payout = _lock(payout)
    if payout.status == Payout.Status.SCHEDULED:
        return payout
    if payout.status not in (Payout.Status.FAILED_PERMANENT, Payout.Status.RETURNED):
        raise ApplicationError(f"'{payout.get_status_display()}' 상태의 지급은 다시 보낼 수 없습니다.")
    if payout.risk_decision == Payout.RiskDecision.BLOCKED or payout.needs_risk_decision:
        raise ApplicationError("위험 신호 검토가 끝나야 다시 보낼 수 있습니다.")
    if (
        payout.method == Payout.Method.BANK_TRANSFER
        and not BankAccount.objects.filter(claimant_id=payout.claimant_id, status=BankAccount.Status.ACTIVE).exists()
    ):
        raise ApplicationError("신고인이 새 계좌를 등록해야 다시 보낼 수 있습니다.")
    assert payout.batch_id is not None  # failed and returned payouts were released in a batch
    batch = PayoutBatch.objects.select_for_update().get(pk=payout.batch_id)
    if batch.status == PayoutBatch.Status.SETTLED:
        batch.status = PayoutBatch.Status.RELEASED
        batch.save(update_fields=["status", "updated_at"])
    previous = payout.status
    payout.status = Payout.Status.SCHEDULED
    payout.failure_code = ""
    payout.next_retry_at = None
    payout.save(update_fields=["status", "failure_code", "next_retry_at", "updated_at"])
    events.payout_event(
        payout=payout, type="payout_requeued", actor=actor, previous=previous, next_attempt=payout.attempt_no + 1
    )
    if batch.channel == PayoutBatch.Channel.GATEWAY:
        from payouts.tasks import settlement_run_chunk_task

        batch_id = batch.pk
        transaction.on_commit(lambda: settlement_run_chunk_task.delay(batch_id=batch_id))
    return payout


@transaction.atomic
def payout_mark_returned(*, payout: Payout, actor: Any, note: str = "") -> Payout:
    """The receiving bank sent a paid transfer back. Gateway payouts only after the gateway confirms it."""
    from payouts.gateways.base import get_gateway

    payout = _lock(payout)
    if payout.status == Payout.Status.RETURNED:
        return payout
    if payout.status != Payout.Status.PAID:
        raise ApplicationError("지급 완료된 건만 반환 처리할 수 있습니다.")
    reject_rrn_in(field="note", label="반환 메모", value=note)
    if actor is not None and not actor.has_perm("payouts.change_payout"):
        raise PermissionDenied
    attempt = PayoutAttempt.objects.select_for_update().get(payout=payout, number=payout.attempt_no)
    if attempt.channel == PayoutAttempt.Channel.GATEWAY:
        result = get_gateway().get_transfer(attempt.idempotency_key)
        if result is None or result.status != "returned":
            raise ApplicationError("게이트웨이에서 반환이 확인되지 않았습니다.")
    elif not (note or "").strip():
        raise ValidationError({"note": ["은행의 반환 통지 내용을 적어 주세요."]})
    attempt.status = PayoutAttempt.Status.RETURNED
    attempt.save(update_fields=["status", "updated_at"])
    payout.status = Payout.Status.RETURNED
    payout.failure_code = "returned"
    payout.save(update_fields=["status", "failure_code", "updated_at"])
    ledger_post(postings=[posting_for(payout, LedgerEntry.Kind.RETURNED, attempt_no=payout.attempt_no)])
    if attempt.bank_account_id:
        BankAccount.objects.filter(pk=attempt.bank_account_id, status=BankAccount.Status.ACTIVE).update(
            status=BankAccount.Status.REJECTED, updated_at=timezone.now()
        )
    Entitlement.objects.filter(pk=payout.entitlement_id, status=Entitlement.Status.PAID).update(
        status=Entitlement.Status.IN_PAYOUT, updated_at=timezone.now()
    )
    events.payout_event(payout=payout, type="payout_returned", actor=actor, note=note, key=attempt.idempotency_key)
    payout_failed_notify(payout=payout, reason="받는 은행에서 송금이 반환되었습니다. 새 계좌를 등록해 주세요.")
    return payout
