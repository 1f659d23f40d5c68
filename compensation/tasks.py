"""Celery tasks for compensation: thin wrappers taking ids, safe to run twice."""

from celery import shared_task

from compensation.services import assessment_run_fail, assessment_run_process


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=5, retry_backoff_max=120, max_retries=3)
def assessment_run_process_task(self, *, run_id: int) -> None:  # type: ignore[no-untyped-def]
    """Assess the frozen selection of a bulk run; resumes from `processed`, so a retry or repeat is harmless."""
    try:
        assessment_run_process(run_id=run_id)
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            assessment_run_fail(run_id=run_id, error=repr(exc))
        raise
