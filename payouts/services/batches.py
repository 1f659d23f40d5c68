"""Payout batches: built by one finance user (the maker), approved by another (the checker), then released."""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone

from compensation.models import Entitlement
from core.exceptions import ApplicationError
from core.validators import reject_rrn_in
from payouts import events
from payouts.models import BankAccount, Payout, PayoutBatch
from payouts.services.payouts import payouts_refresh_risk

UPDATE_CHUNK = 5000


def _candidates(*, method: str, policy_id: int | None, min_won: int | None, max_won: int | None) -> Any:
    queryset = Payout.objects.filter(status=Payout.Status.PENDING, batch__isnull=True, method=method)
    if policy_id:
        queryset = queryset.filter(policy_id=policy_id)
    if min_won is not None:
        queryset = queryset.filter(amount_won__gte=min_won)
    if max_won is not None:
        queryset = queryset.filter(amount_won__lte=max_won)
    if method == Payout.Method.BANK_TRANSFER:
        queryset = queryset.filter(
            Exists(BankAccount.objects.filter(claimant_id=OuterRef("claimant_id"), status=BankAccount.Status.ACTIVE)),
            entitlement__status=Entitlement.Status.IN_PAYOUT,
        )
    else:
        queryset = queryset.filter(entitlement__status=Entitlement.Status.APPROVED)
    return queryset


def _ready(queryset: Any) -> Any:
    """Payouts without flags, or whose flags a person cleared."""
    return queryset.filter(Q(risk_flags=[]) | Q(risk_decision=Payout.RiskDecision.CLEARED))


def payout_batch_build(
    *,
    actor: Any,
    method: str = Payout.Method.BANK_TRANSFER,
    policy_id: int | None = None,
    min_won: int | None = None,
    max_won: int | None = None,
    max_count: int | None = None,
    channel: str = PayoutBatch.Channel.GATEWAY,
    note: str = "",
) -> PayoutBatch:
    """Freeze the matching payouts (flags refreshed first; flagged ones wait for a decision) into a batch."""
    errors: dict[str, list[str]] = {}
    if method not in Payout.Method.values:
        errors["method"] = ["지급 수단을 고르세요."]
    if channel not in PayoutBatch.Channel.values:
        errors["channel"] = ["지급 경로를 고르세요."]
    if method == Payout.Method.VOUCHER and channel != PayoutBatch.Channel.GATEWAY:
        errors["channel"] = ["쿠폰은 은행 파일로 지급할 수 없습니다."]
    if min_won is not None and max_won is not None and min_won > max_won:
        errors["max_won"] = ["최대 금액이 최소 금액보다 작습니다."]
    if max_count is not None and max_count <= 0:
        errors["max_count"] = ["최대 건수는 1 이상입니다."]
    if errors:
        raise ValidationError(errors)
    if not actor.has_perm("payouts.add_payoutbatch"):
        raise PermissionDenied
    candidates = _candidates(method=method, policy_id=policy_id, min_won=min_won, max_won=max_won)
    # Facts change (another claimant registers the same account): flags are refreshed just before freezing.
    payouts_refresh_risk(payout_ids=list(candidates.values_list("id", flat=True)))
    filters = {
        "method": method,
        "policy_id": policy_id,
        "min_won": min_won,
        "max_won": max_won,
        "max_count": max_count,
        "channel": channel,
    }
    with transaction.atomic():
        ids = list(
            _ready(candidates)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("id")
            .values_list("id", flat=True)
        )
        if max_count is not None:
            ids = ids[:max_count]
        if not ids:
            raise ApplicationError("조건에 맞는 지급 대기 건이 없습니다.")
        batch = PayoutBatch.objects.create(
            channel=channel, method=method, filters=filters, created_by=actor, note=note[:300]
        )
        frozen = 0
        for start in range(0, len(ids), UPDATE_CHUNK):
            frozen += Payout.objects.filter(
                id__in=ids[start : start + UPDATE_CHUNK], batch__isnull=True, status=Payout.Status.PENDING
            ).update(batch=batch, updated_at=timezone.now())
        totals = Payout.objects.filter(batch=batch).aggregate(total=Sum("amount_won"))
        batch.payout_count = frozen
        batch.total_won = totals["total"] or 0
        batch.save(update_fields=["payout_count", "total_won", "updated_at"])
        events.payout_batch_built_event(batch=batch, actor=actor)
    return batch


def _lock(batch: PayoutBatch) -> PayoutBatch:
    return PayoutBatch.objects.select_for_update().get(pk=batch.pk)


def _check_move(batch: PayoutBatch, target: str) -> None:
    if target not in PayoutBatch.TRANSITIONS[batch.status]:
        raise ApplicationError(f"'{batch.get_status_display()}' 상태의 배치는 그렇게 바꿀 수 없습니다.")


@transaction.atomic
def payout_batch_approve(*, batch: PayoutBatch, actor: Any) -> PayoutBatch:
    """The checker approves. Never the maker (service and database); above the limit only a finance manager.
    Two checkers at once: the row lock lets exactly one through, the other is told it is already approved."""
    batch = _lock(batch)
    if batch.status == PayoutBatch.Status.APPROVED and batch.approved_by_id == actor.pk:
        return batch
    if batch.approved_by_id is not None:
        raise ApplicationError("이미 다른 사용자가 승인한 배치입니다.")
    _check_move(batch, PayoutBatch.Status.APPROVED)
    if not actor.has_perm("payouts.approve_payoutbatch"):
        raise PermissionDenied
    if batch.created_by_id == actor.pk:
        raise ApplicationError("배치를 만든 사람은 승인할 수 없습니다 (4-eyes).", status_code=403)
    limit = int(settings.PAYOUTS["MANAGER_APPROVAL_ABOVE_WON"])
    if batch.total_won > limit and not actor.has_perm("payouts.finance_manager"):
        raise ApplicationError(
            f"합계 ₩{batch.total_won:,}은 ₩{limit:,}을 넘어 재무 관리자(finance_manager)의 승인이 필요합니다.",
            status_code=403,
        )
    if batch.payouts.filter(~Q(risk_flags=[]), ~Q(risk_decision=Payout.RiskDecision.CLEARED)).exists():
        raise ApplicationError("위험 검토가 끝나지 않은 지급이 있습니다.")
    batch.status = PayoutBatch.Status.APPROVED
    batch.approved_by = actor
    batch.approved_at = timezone.now()
    batch.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    events.payout_batch_approved_event(batch=batch, actor=actor)
    return batch


def _unfreeze(batch: PayoutBatch) -> int:
    return Payout.objects.filter(batch=batch, status=Payout.Status.PENDING).update(
        batch=None, updated_at=timezone.now()
    )


@transaction.atomic
def payout_batch_reject(*, batch: PayoutBatch, actor: Any, reason: str) -> PayoutBatch:
    batch = _lock(batch)
    if batch.status == PayoutBatch.Status.REJECTED:
        return batch
    _check_move(batch, PayoutBatch.Status.REJECTED)
    if not (reason or "").strip():
        raise ValidationError({"reason": ["반려 사유를 적어 주세요."]})
    reject_rrn_in(field="reason", label="반려 사유", value=reason)
    if not actor.has_perm("payouts.approve_payoutbatch"):
        raise PermissionDenied
    if batch.created_by_id == actor.pk:
        raise ApplicationError("배치를 만든 사람은 반려 대신 취소하세요.")
    batch.status = PayoutBatch.Status.REJECTED
    batch.decided_reason = reason.strip()[:300]
    batch.save(update_fields=["status", "decided_reason", "updated_at"])
    released = _unfreeze(batch)
    events.payout_batch_rejected_event(batch=batch, actor=actor, reason=batch.decided_reason)
    events.batch_event(batch=batch, type="batch_payouts_returned_to_pool", actor=actor, count=released)
    return batch


@transaction.atomic
def payout_batch_cancel(*, batch: PayoutBatch, actor: Any, reason: str) -> PayoutBatch:
    batch = _lock(batch)
    if batch.status == PayoutBatch.Status.CANCELLED:
        return batch
    _check_move(batch, PayoutBatch.Status.CANCELLED)
    if not (reason or "").strip():
        raise ValidationError({"reason": ["취소 사유를 적어 주세요."]})
    reject_rrn_in(field="reason", label="취소 사유", value=reason)
    if not (actor.pk == batch.created_by_id or actor.has_perm("payouts.approve_payoutbatch")):
        raise PermissionDenied
    batch.status = PayoutBatch.Status.CANCELLED
    batch.decided_reason = reason.strip()[:300]
    batch.save(update_fields=["status", "decided_reason", "updated_at"])
    released = _unfreeze(batch)
    events.payout_batch_cancelled_event(batch=batch, actor=actor, reason=batch.decided_reason)
    events.batch_event(batch=batch, type="batch_payouts_returned_to_pool", actor=actor, count=released)
    return batch


@transaction.atomic
def payout_batch_release(*, batch: PayoutBatch, actor: Any) -> PayoutBatch:
    """Schedule every payout of an approved batch and start settlement after commit."""
    batch = _lock(batch)
    if batch.status in (PayoutBatch.Status.RELEASED, PayoutBatch.Status.SETTLED):
        return batch
    _check_move(batch, PayoutBatch.Status.RELEASED)
    if not actor.has_perm("payouts.release_payoutbatch"):
        raise PermissionDenied
    scheduled = Payout.objects.filter(batch=batch, status=Payout.Status.PENDING).update(
        status=Payout.Status.SCHEDULED, updated_at=timezone.now()
    )
    batch.status = PayoutBatch.Status.RELEASED
    batch.released_at = timezone.now()
    batch.save(update_fields=["status", "released_at", "updated_at"])
    events.payout_batch_released_event(batch=batch, actor=actor, scheduled=scheduled)
    if batch.channel == PayoutBatch.Channel.GATEWAY:
        from payouts.services.settlement import settlement_dispatch

        batch_id = batch.pk
        transaction.on_commit(lambda: settlement_dispatch(batch_id=batch_id))
    return batch


@transaction.atomic
def payout_batch_settle_if_done(*, batch_id: int) -> bool:
    """Mark a released batch settled once every payout is paid or cancelled."""
    batch = PayoutBatch.objects.select_for_update().get(pk=batch_id)
    if batch.status != PayoutBatch.Status.RELEASED:
        return batch.status == PayoutBatch.Status.SETTLED
    if batch.payouts.exclude(status__in=[Payout.Status.PAID, Payout.Status.CANCELLED]).exists():
        return False
    batch.status = PayoutBatch.Status.SETTLED
    batch.settled_at = timezone.now()
    batch.save(update_fields=["status", "settled_at", "updated_at"])
    events.payout_batch_settled_event(batch=batch)
    return True
