"""The admin's import job: an uploaded file becomes a queued `ClaimImport` that a Celery worker runs.

The job survives crashes: progress is written in the same transaction as each chunk of claims, and a re-run
of the same job skips the rows already imported (their external ids are known), so it imports the rest. A job
whose worker died (SIGKILL, lost host) stays `running` with no progress; `claim_imports_resume`, run by beat,
queues it again once its progress is older than IMPORT_STALE_AFTER."""

import logging
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from claims.importer import ImportResult, claims_import_csv
from claims.importer_csv import csv_inspect
from claims.models import ClaimImport, Incident
from core.exceptions import ApplicationError

logger = logging.getLogger(__name__)

# A running job whose progress has not moved for this long is taken to be dead (worker killed). A chunk
# (IMPORT_CHUNK_ROWS rows) takes seconds, so a live worker moves its job's progress far more often.
IMPORT_STALE_AFTER = timedelta(minutes=10)


def _enqueue(job_id: int) -> None:
    from claims.tasks import claim_import_run_task

    transaction.on_commit(lambda: claim_import_run_task.delay(import_id=job_id))


@transaction.atomic
def claim_import_start(*, file: File, incident: Incident, actor: Any) -> ClaimImport:
    """Store an uploaded CSV and queue its import. A file that cannot be imported at all is refused here."""
    total = csv_inspect(file)
    file.seek(0)
    job = ClaimImport(incident=incident, created_by=actor, total_rows=total, status=ClaimImport.Status.QUEUED)
    job.file.save((getattr(file, "name", None) or "claims.csv").rsplit("/", 1)[-1], file, save=False)
    job.full_clean(exclude=["created_by"])  # None when the system starts an import
    job.save()
    _enqueue(job.pk)
    return job


def claim_import_run(*, import_id: int) -> ClaimImport | None:
    """Run a queued import to the end. Returns None when the job is not queued (already taken, done or failed)."""
    now = timezone.now()
    claimed = ClaimImport.objects.filter(pk=import_id, status=ClaimImport.Status.QUEUED).update(
        status=ClaimImport.Status.RUNNING, error="", updated_at=now
    )
    if not claimed:
        return None
    job = ClaimImport.objects.select_related("incident", "created_by").get(pk=import_id)
    # Claims an interrupted run committed; this run sees them again as duplicates.
    carried = job.imported

    def progress(processed: int, total: int, result: ImportResult) -> None:
        ClaimImport.objects.filter(pk=import_id).update(
            processed_rows=processed,
            total_rows=total,
            imported=carried + result.imported,
            duplicates=max(0, result.duplicates - carried),
            rejected_count=len(result.rejected),
            updated_at=timezone.now(),
        )

    try:
        with job.file.open("rb") as handle:
            result = claims_import_csv(incident=job.incident, source=handle, actor=job.created_by, progress=progress)
    except (ValidationError, FileNotFoundError) as exc:
        errors = getattr(exc, "message_dict", None) or {"file": [str(exc)]}
        ClaimImport.objects.filter(pk=import_id).update(
            status=ClaimImport.Status.FAILED,
            error="; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items()),
            report={"refused": errors},
            updated_at=timezone.now(),
        )
        return ClaimImport.objects.get(pk=import_id)
    except BaseException:
        # Back to the queue so the task's retry (or an agent's re-run) continues where the last chunk stopped.
        ClaimImport.objects.filter(pk=import_id, status=ClaimImport.Status.RUNNING).update(
            status=ClaimImport.Status.QUEUED, updated_at=timezone.now()
        )
        raise
    report = result.as_dict()
    report.update(
        imported=carried + result.imported,
        duplicates=result.duplicates - carried,
        total_rows=result.total_rows,
        resumed=bool(carried),
    )
    ClaimImport.objects.filter(pk=import_id).update(
        status=ClaimImport.Status.DONE,
        total_rows=result.total_rows,
        processed_rows=result.total_rows,
        imported=report["imported"],
        duplicates=report["duplicates"],
        rejected_count=len(result.rejected),
        report=report,
        updated_at=timezone.now(),
    )
    return ClaimImport.objects.get(pk=import_id)


def claim_import_fail(*, import_id: int, error: str) -> None:
    """The job gave up after its retries: say so on the job, which an agent can re-run later."""
    ClaimImport.objects.filter(pk=import_id, status__in=[ClaimImport.Status.QUEUED, ClaimImport.Status.RUNNING]).update(
        status=ClaimImport.Status.FAILED, error=error[:2000], updated_at=timezone.now()
    )


def claim_import_is_stale(job: ClaimImport) -> bool:
    return job.status == ClaimImport.Status.RUNNING and job.updated_at < timezone.now() - IMPORT_STALE_AFTER


@transaction.atomic
def claim_import_retry(*, claim_import: ClaimImport, actor: Any) -> ClaimImport:
    """Queue a failed or dead job again; it imports only the rows not imported yet."""
    job = ClaimImport.objects.select_for_update().get(pk=claim_import.pk)
    if job.status == ClaimImport.Status.QUEUED:
        return job
    if job.status == ClaimImport.Status.DONE:
        raise ApplicationError("이미 완료된 일괄 등록입니다.")
    if job.status == ClaimImport.Status.RUNNING and not claim_import_is_stale(job):
        raise ApplicationError("아직 진행 중입니다. 진행이 멈춘 지 10분이 지나면 다시 실행할 수 있습니다.")
    job.status = ClaimImport.Status.QUEUED
    job.error = ""
    job.save(update_fields=["status", "error", "updated_at"])
    _enqueue(job.pk)
    return job


def claim_imports_resume(*, now: Any = None) -> list[int]:
    """Periodic (beat): queue again the jobs whose worker went away, i.e. running or queued with no progress for
    IMPORT_STALE_AFTER; the run imports only the rows not imported yet. Returns the ids queued.

    Each move is conditional on the job still being stale, so a job whose worker writes progress meanwhile keeps
    it; and a queued job enqueued twice is harmless, since only one task can claim it."""
    cutoff = (now or timezone.now()) - IMPORT_STALE_AFTER
    stale = ClaimImport.objects.filter(
        status__in=[ClaimImport.Status.QUEUED, ClaimImport.Status.RUNNING], updated_at__lt=cutoff
    )
    resumed = []
    for job_id, status in stale.order_by("id").values_list("pk", "status"):
        with transaction.atomic():
            moved = stale.filter(pk=job_id).update(
                status=ClaimImport.Status.QUEUED, error="", updated_at=timezone.now()
            )
            if moved:
                _enqueue(job_id)
                resumed.append(job_id)
                logger.warning("claim import %s was %s with no progress since %s: queued again", job_id, status, cutoff)
    return resumed
