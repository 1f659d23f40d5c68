"""Audit-row writers. Services call them inside their own transaction; nothing else writes PayoutEvent."""

from typing import Any

from payouts.models import Payout, PayoutBatch, PayoutEvent


def batch_event(*, batch: PayoutBatch, type: str, actor: Any, **payload: Any) -> PayoutEvent:
    return PayoutEvent.objects.create(batch=batch, type=type, actor=actor, payload=payload)


def payout_event(*, payout: Payout, type: str, actor: Any, **payload: Any) -> PayoutEvent:
    return PayoutEvent.objects.create(payout=payout, batch_id=payout.batch_id, type=type, actor=actor, payload=payload)


def payout_batch_built_event(*, batch: PayoutBatch, actor: Any) -> PayoutEvent:
    return batch_event(
        batch=batch,
        type="batch_built",
        actor=actor,
        count=batch.payout_count,
        total_won=batch.total_won,
        filters=batch.filters,
    )


def payout_batch_approved_event(*, batch: PayoutBatch, actor: Any) -> PayoutEvent:
    return batch_event(batch=batch, type="batch_approved", actor=actor, total_won=batch.total_won)


def payout_batch_rejected_event(*, batch: PayoutBatch, actor: Any, reason: str) -> PayoutEvent:
    return batch_event(batch=batch, type="batch_rejected", actor=actor, reason=reason)


def payout_batch_cancelled_event(*, batch: PayoutBatch, actor: Any, reason: str) -> PayoutEvent:
    return batch_event(batch=batch, type="batch_cancelled", actor=actor, reason=reason)


def payout_batch_released_event(*, batch: PayoutBatch, actor: Any, scheduled: int) -> PayoutEvent:
    return batch_event(batch=batch, type="batch_released", actor=actor, scheduled=scheduled)


def payout_batch_settled_event(*, batch: PayoutBatch) -> PayoutEvent:
    return batch_event(batch=batch, type="batch_settled", actor=None)


def payout_bank_file_exported_event(*, batch: PayoutBatch, actor: Any, count: int, total_won: int) -> PayoutEvent:
    return batch_event(batch=batch, type="bank_file_exported", actor=actor, count=count, total_won=total_won)


def payout_bank_file_imported_event(*, batch: PayoutBatch, actor: Any, summary: dict[str, Any]) -> PayoutEvent:
    return batch_event(batch=batch, type="bank_file_imported", actor=actor, **summary)
