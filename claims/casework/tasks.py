"""Celery tasks of case work: thin wrappers taking ids, each calling one service, each safe to run twice.

Registered through claims.apps (this module is not the app's `tasks` module). The periodic ones are
scheduled in CELERY_BEAT_SCHEDULE (config/settings/base.py)."""

from celery import shared_task
from django.db import OperationalError

from claims.casework import bulk, information_requests, sla, transfers


@shared_task(bind=True, autoretry_for=(OperationalError,), retry_backoff=5, retry_backoff_max=120, max_retries=5)
def claim_bulk_job_run_task(self, *, job_id: int) -> None:  # type: ignore[no-untyped-def]
    """Run a bulk job's pending items (a crashed run is resumed by redelivery or claim_bulk_jobs_resume_task)."""
    try:
        bulk.claim_bulk_job_run(job_id=job_id)
    except OperationalError as exc:
        if self.request.retries >= self.max_retries:
            bulk.claim_bulk_job_fail(job_id=job_id, error=str(exc))
        raise
    except Exception as exc:
        bulk.claim_bulk_job_fail(job_id=job_id, error=repr(exc))
        raise


@shared_task
def claim_bulk_jobs_resume_task() -> int:
    """Beat: hand stale queued/running jobs (their worker died) to a worker again."""
    stale = bulk.claim_bulk_jobs_stale()
    for job_id in stale:
        claim_bulk_job_run_task.delay(job_id=job_id)
    return len(stale)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, max_retries=5)
def transfer_batch_export_task(*, batch_id: int) -> None:
    """Build the CSV and XLSX files of a transfer batch."""
    transfers.transfer_batch_export(batch_id=batch_id)


@shared_task
def claims_escalate_overdue_task() -> dict[str, int]:
    """Beat (daily): report overdue claims to team supervisors."""
    return sla.claims_escalate_overdue()


@shared_task
def information_requests_remind_due_task() -> int:
    """Beat (daily): the one reminder before an information request's due date."""
    return information_requests.information_requests_remind_due()


@shared_task
def information_requests_expire_due_task() -> int:
    """Beat (daily): close claims whose information request went unanswered past the grace period."""
    return information_requests.information_requests_expire_due()
