"""Bulk actions over a frozen selection of claims, run item by item by a Celery worker.

Each item is applied and marked done in ONE transaction, so a worker killed half way leaves every item
either applied and done or untouched and pending; the resumed run (redelivery, or the resume beat job)
picks up the pending ones and never applies an item twice."""

import csv
import io
import logging
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from claims.casework.assignment import claim_assign, user_get_assignable
from claims.casework.notes import claim_answer, claim_reclassify
from claims.casework.transfers import claim_transfer, transfer_batch_create, transfer_batch_export
from claims.models import CannedResponse, Claim, ClaimBulkJob, ClaimBulkJobItem, TransferBatch
from claims.workflow import S, claim_transition
from core.exceptions import ApplicationError

logger = logging.getLogger(__name__)

A = ClaimBulkJob.Action
ITEM_CHUNK = 200
STALE_AFTER = timedelta(minutes=10)


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    if isinstance(exc, ApplicationError):
        return exc.message
    return str(exc) or exc.__class__.__name__


# --- parameters, checked once when the job is created ---


def _clean_params(*, action: str, params: dict[str, Any], actor: Any) -> dict[str, Any]:
    if action == A.ASSIGN:
        assignee = user_get_assignable(user_id=int(params.get("assignee_id") or 0))
        if assignee is None:
            raise ValidationError({"assignee_id": ["배정할 상담원을 골라 주세요."]})
        if assignee.pk != actor.pk and not actor.has_perm("claims.assign_claim"):
            raise ApplicationError("다른 상담원에게 배정하려면 팀장 권한이 필요합니다.", status_code=403)
        return {"assignee_id": assignee.pk}
    if action == A.RECLASSIFY:
        category, subtype = params.get("category", ""), params.get("subtype", "")
        if category not in Claim.Category.values:
            raise ValidationError({"category": ["분류를 골라 주세요."]})
        return {"category": category, "subtype": subtype or ""}
    if action == A.ANSWER_CLOSE:
        responses = {str(k): int(v) for k, v in (params.get("responses") or {}).items() if v}
        if not responses:
            raise ValidationError({"responses": ["세부유형별 답변 템플릿을 하나 이상 골라 주세요."]})
        unknown = set(responses) - set(Claim.Subtype.values)
        found = set(
            CannedResponse.objects.filter(pk__in=responses.values(), is_active=True).values_list("pk", flat=True)
        )
        if unknown or set(responses.values()) - found:
            raise ValidationError({"responses": ["알 수 없는 세부유형 또는 답변 템플릿입니다."]})
        return {"responses": responses}
    if action == A.TRANSFER:
        return {}
    if action == A.CLOSE:
        reason = (params.get("reason") or "").strip()
        if not reason:
            raise ValidationError({"reason": ["종결 사유를 적어 주세요."]})
        return {"reason": reason}
    raise ValidationError({"action": ["알 수 없는 작업입니다."]})


def _freeze_selection(*, job: ClaimBulkJob, claims: QuerySet[Claim] | Iterable[int]) -> int:
    if isinstance(claims, QuerySet) and connection.vendor == "postgresql":
        # One INSERT ... SELECT: a million-claim selection is frozen in seconds, without a round trip per row.
        select_sql, params = claims.order_by().values("id").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {ClaimBulkJobItem._meta.db_table} (job_id, claim_id, status, reason) "
                f"SELECT %s, sel.id, %s, '' FROM ({select_sql}) AS sel ON CONFLICT DO NOTHING",
                [job.pk, ClaimBulkJobItem.Status.PENDING, *params],
            )
            return cursor.rowcount
    if isinstance(claims, QuerySet):
        claims = claims.order_by().values_list("id", flat=True).iterator(chunk_size=5000)
    chunk: list[ClaimBulkJobItem] = []
    for claim_id in claims:
        chunk.append(ClaimBulkJobItem(job=job, claim_id=claim_id))
        if len(chunk) >= 5000:
            ClaimBulkJobItem.objects.bulk_create(chunk, ignore_conflicts=True)
            chunk = []
    if chunk:
        ClaimBulkJobItem.objects.bulk_create(chunk, ignore_conflicts=True)
    return ClaimBulkJobItem.objects.filter(job=job).count()


@transaction.atomic
def claim_bulk_job_create(
    *,
    action: str,
    claims: QuerySet[Claim] | Iterable[int],
    actor: Any,
    params: dict[str, Any] | None = None,
    enqueue: bool = True,
) -> ClaimBulkJob:
    """Freeze the selection (a queryset or claim ids) as items and, after commit, hand the job to a worker.
    With enqueue=False the caller runs it (the admin does for a single page)."""
    if actor is None or not actor.has_perm("claims.add_claimbulkjob"):
        raise ApplicationError("일괄 처리 권한이 없습니다.", status_code=403)
    cleaned = _clean_params(action=action, params=params or {}, actor=actor)
    job = ClaimBulkJob.objects.create(action=action, params=cleaned, created_by=actor)
    job.total = _freeze_selection(job=job, claims=claims)
    job.save(update_fields=["total", "updated_at"])
    if enqueue:
        claim_bulk_job_enqueue(job=job)
    return job


def claim_bulk_job_enqueue(*, job: ClaimBulkJob) -> None:
    from claims.casework.tasks import claim_bulk_job_run_task

    transaction.on_commit(lambda: claim_bulk_job_run_task.delay(job_id=job.pk))


@transaction.atomic
def claim_bulk_job_requeue(*, job: ClaimBulkJob, actor: Any) -> ClaimBulkJob:
    """Hand a failed or stalled job to a worker again; its pending items are picked up, done ones never redone."""
    if actor is None or not actor.has_perm("claims.add_claimbulkjob"):
        raise ApplicationError("일괄 처리 권한이 없습니다.", status_code=403)
    locked = ClaimBulkJob.objects.select_for_update().get(pk=job.pk)
    if locked.status == ClaimBulkJob.Status.DONE:
        raise ApplicationError("이미 끝난 일괄 처리입니다.")
    if locked.status == ClaimBulkJob.Status.FAILED:
        locked.status, locked.error, locked.finished_at = ClaimBulkJob.Status.QUEUED, "", None
        locked.save(update_fields=["status", "error", "finished_at", "updated_at"])
    claim_bulk_job_enqueue(job=locked)
    return locked


# --- one item ---


def _apply_assign(job: ClaimBulkJob, claim: Claim) -> None:
    assignee = user_get_assignable(user_id=job.params["assignee_id"])
    if assignee is None:
        raise ApplicationError("배정할 상담원이 더 이상 활성 상태가 아닙니다.")
    claim_assign(claim=claim, assignee=assignee, actor=job.created_by)


def _apply_reclassify(job: ClaimBulkJob, claim: Claim) -> None:
    claim_reclassify(claim=claim, actor=job.created_by, category=job.params["category"], subtype=job.params["subtype"])


def _apply_answer_close(job: ClaimBulkJob, claim: Claim) -> None:
    if claim.category != Claim.Category.NON_MONETARY:
        raise ApplicationError("비금전 신고가 아닙니다.")
    if claim.status == S.CLOSED:
        raise ApplicationError("이미 종결된 신고입니다.")
    response_id = job.params["responses"].get(claim.subtype)
    if response_id is None:
        raise ApplicationError(f"세부유형 '{claim.get_subtype_display() or '-'}'에 고른 답변 템플릿이 없습니다.")
    response = CannedResponse.objects.get(pk=response_id)
    claim_answer(claim=claim, actor=job.created_by, canned_response=response, close=True)


def _apply_transfer(job: ClaimBulkJob, claim: Claim) -> None:
    if claim.affiliate_id is None:
        raise ApplicationError("계열사가 운영하는 서비스의 신고가 아닙니다.")
    batch = transfer_batch_create(affiliate_id=claim.affiliate_id, actor=job.created_by, bulk_job=job)
    claim_transfer(claim=claim, batch=batch, actor=job.created_by)


def _apply_close(job: ClaimBulkJob, claim: Claim) -> None:
    if claim.status == S.CLOSED:
        raise ApplicationError("이미 종결된 신고입니다.")
    claim_transition(claim=claim, to=S.CLOSED, actor=job.created_by, reason=job.params["reason"])


HANDLERS: dict[str, Callable[[ClaimBulkJob, Claim], None]] = {
    A.ASSIGN: _apply_assign,
    A.RECLASSIFY: _apply_reclassify,
    A.ANSWER_CLOSE: _apply_answer_close,
    A.TRANSFER: _apply_transfer,
    A.CLOSE: _apply_close,
}


def _process_item(*, job: ClaimBulkJob, item_id: int) -> str | None:
    with transaction.atomic():
        item = (
            ClaimBulkJobItem.objects.select_for_update(skip_locked=True)
            .select_related("claim__claimant", "claim__service")
            .filter(pk=item_id, status=ClaimBulkJobItem.Status.PENDING)
            .first()
        )
        if item is None:
            return None  # done by an earlier run, or being done right now by another worker
        try:
            with transaction.atomic():  # savepoint: a refused item leaves none of its partial writes behind
                HANDLERS[job.action](job, item.claim)
        except (ValidationError, ApplicationError, ObjectDoesNotExist) as exc:
            item.status, item.reason = ClaimBulkJobItem.Status.SKIPPED, _error_text(exc)
        else:
            item.status = ClaimBulkJobItem.Status.DONE
        item.processed_at = timezone.now()
        item.save(update_fields=["status", "reason", "processed_at"])
        counter = "done_count" if item.status == ClaimBulkJobItem.Status.DONE else "skipped_count"
        ClaimBulkJob.objects.filter(pk=job.pk).update(**{counter: F(counter) + 1}, heartbeat_at=timezone.now())
        return item.status


def claim_bulk_job_run(*, job_id: int, max_items: int | None = None) -> ClaimBulkJob:
    """Work through the pending items. Safe to run twice, also concurrently: items are claimed with
    SKIP LOCKED and re-checked under the lock. `max_items` bounds one call (used by tests and by the admin
    to run a single page inline)."""
    claimed = ClaimBulkJob.objects.filter(
        pk=job_id, status__in=[ClaimBulkJob.Status.QUEUED, ClaimBulkJob.Status.RUNNING]
    ).update(
        status=ClaimBulkJob.Status.RUNNING,
        started_at=Coalesce(F("started_at"), timezone.now()),
        heartbeat_at=timezone.now(),
    )
    job = ClaimBulkJob.objects.select_related("created_by").get(pk=job_id)
    if not claimed:
        return job
    processed = 0
    last_id = 0
    # Optional throttle so a large job leaves room for agents working during office hours.
    redress: dict[str, Any] = settings.REDRESS
    pause = float(redress.get("BULK_ITEM_PAUSE_SECONDS", 0) or 0)
    while max_items is None or processed < max_items:
        limit = ITEM_CHUNK if max_items is None else min(ITEM_CHUNK, max_items - processed)
        ids = list(
            ClaimBulkJobItem.objects.filter(job_id=job_id, status=ClaimBulkJobItem.Status.PENDING, id__gt=last_id)
            .order_by("id")
            .values_list("id", flat=True)[:limit]
        )
        if not ids:
            break
        for item_id in ids:
            _process_item(job=job, item_id=item_id)
            processed += 1
            if pause:
                time.sleep(pause)
        last_id = ids[-1]
    if not ClaimBulkJobItem.objects.filter(job_id=job_id, status=ClaimBulkJobItem.Status.PENDING).exists():
        claim_bulk_job_finish(job_id=job_id)
    job.refresh_from_db()
    return job


def claim_bulk_job_finish(*, job_id: int) -> ClaimBulkJob:
    """Last step of a job: build the export files of its transfer batches, then mark it done (once)."""
    job = ClaimBulkJob.objects.get(pk=job_id)
    if job.action == A.TRANSFER:
        for batch_id in TransferBatch.objects.filter(bulk_job=job).values_list("pk", flat=True):
            transfer_batch_export(batch_id=batch_id)
    ClaimBulkJob.objects.filter(pk=job_id, status=ClaimBulkJob.Status.RUNNING).update(
        status=ClaimBulkJob.Status.DONE, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def claim_bulk_job_fail(*, job_id: int, error: str) -> None:
    """The task gave up after its retries: recorded on the job; pending items stay pending for a re-run."""
    logger.error("bulk job %s failed: %s", job_id, error)
    ClaimBulkJob.objects.filter(pk=job_id).exclude(status=ClaimBulkJob.Status.DONE).update(
        status=ClaimBulkJob.Status.FAILED, error=error[:5000], finished_at=timezone.now()
    )


def claim_bulk_jobs_stale(*, now: Any = None) -> list[int]:
    """Jobs whose worker went away: queued or running with no progress for STALE_AFTER."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    return list(
        ClaimBulkJob.objects.filter(status__in=[ClaimBulkJob.Status.QUEUED, ClaimBulkJob.Status.RUNNING])
        .filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff))
        .values_list("pk", flat=True)
    )


def claim_bulk_job_result_csv(*, job: ClaimBulkJob) -> bytes:
    """The downloadable result: one line per claim, done or skipped with the reason."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["접수번호", "결과", "사유", "처리 시각"])
    items = (
        ClaimBulkJobItem.objects.filter(job=job)
        .select_related("claim")
        .only("status", "reason", "processed_at", "claim__reference")
        .order_by("id")
        .iterator(chunk_size=5000)
    )
    for item in items:
        when = timezone.localtime(item.processed_at).strftime("%Y-%m-%d %H:%M:%S") if item.processed_at else ""
        writer.writerow([item.claim.reference, item.get_status_display(), item.reason, when])
    return buffer.getvalue().encode("utf-8-sig")
