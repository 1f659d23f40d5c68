"""Celery tasks of the claims app: thin wrappers that load by id and call one service."""

from celery import shared_task
from django.db import DatabaseError

from claims.importer_intake import claims_received_notices_restore, claims_received_notify_many
from claims.services_import import claim_import_fail, claim_import_run, claim_imports_resume


@shared_task(bind=True, autoretry_for=(DatabaseError, OSError), retry_backoff=5, retry_backoff_max=300, max_retries=5)
def claim_import_run_task(self, *, import_id: int) -> None:  # type: ignore[no-untyped-def]
    """Run one uploaded claims import. Safe to run twice: only a queued job is claimed, and a re-run skips the
    rows already imported. Goes to the `imports` queue (see CELERY_TASK_ROUTES)."""
    try:
        claim_import_run(import_id=import_id)
    except (DatabaseError, OSError) as exc:
        if self.request.retries >= self.max_retries:
            claim_import_fail(import_id=import_id, error=f"{type(exc).__name__}: {exc}")
        raise


@shared_task
def claim_imports_resume_task() -> int:
    """Beat: queue again the import jobs whose worker died (no progress for IMPORT_STALE_AFTER)."""
    return len(claim_imports_resume())


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=5, max_retries=5)
def claim_import_notify_task(*, claim_ids: list[int]) -> int:
    """Queue the claim_received messages of one imported chunk. Safe to run twice: the outbox keys repeat."""
    return claims_received_notify_many(claim_ids=claim_ids)


@shared_task
def claims_received_notices_restore_task() -> int:
    """Beat: imported claims whose claim_received notice was lost between a chunk's commit and its notify task."""
    return claims_received_notices_restore()
