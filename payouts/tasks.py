"""Celery tasks for payouts: thin wrappers taking ids, each calling one service, each safe to run twice.
Routed to the `settlement` queue (settings.CELERY_TASK_ROUTES)."""

from datetime import date, timedelta

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from payouts.services.reconciliation import reconciliation_run
from payouts.services.settlement import payouts_sweep, settlement_run_chunk


# A lost database connection (PostgreSQL restarted or failed over) costs a lane a few seconds, not the minutes
# until the sweeper's next run: the lane tries again with backoff. What the dead connection left half done (payouts
# SUBMITTED but not recorded) is the sweeper's, which asks the gateway before anything is sent again.
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=8,
)
def settlement_run_chunk_task(*, batch_id: int | None = None, retries: bool = False) -> int:
    """One lane of settlement: settle a chunk, then hand the lane on to a fresh message while work remains.
    A redelivered, retried or duplicated message only claims what is still SCHEDULED, so it never pays twice."""
    claimed = settlement_run_chunk(batch_id=batch_id, retries=retries)
    if claimed:
        settlement_run_chunk_task.delay(batch_id=batch_id, retries=retries)
    elif batch_id is not None:
        from payouts.services.batches import payout_batch_settle_if_done

        payout_batch_settle_if_done(batch_id=batch_id)
    return claimed


@shared_task(acks_late=True)
def payouts_sweep_task() -> dict[str, int]:
    """Periodic (beat): resolve stuck submissions, restart stalled lanes, send due retries."""
    return payouts_sweep()


@shared_task(acks_late=True)
def reconciliation_run_task(*, report_date: str | None = None) -> int:
    """Daily (beat): reconcile the gateway's settlement report for a date (default: yesterday, KST)."""
    day = date.fromisoformat(report_date) if report_date else timezone.localdate() - timedelta(days=1)
    return reconciliation_run(report_date=day, actor=None).pk
