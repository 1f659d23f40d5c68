"""Bulk jobs on a real Celery worker over the real broker: a full run, and a worker killed half way whose job
is resumed by another worker without doing any item twice."""

import signal
from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from claims.casework.bulk import STALE_AFTER, claim_bulk_job_create, claim_bulk_jobs_stale
from claims.casework.tasks import claim_bulk_job_run_task
from claims.models import Claim, ClaimBulkJob, ClaimHistory, TransferBatch
from claims.tests.factories import submit_claim
from conftest import WorkerProcess, purge_broker, wait_for
from notifications.models import Notification

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
S = Claim.Status


@pytest.fixture
def bulk_worker(monkeypatch):
    """A worker on the bulk queue that pauses between items, so a test can kill it half way."""
    purge_broker()
    monkeypatch.setenv("BULK_ITEM_PAUSE_SECONDS", "0.2")
    workers: list[WorkerProcess] = []

    def start(name: str) -> WorkerProcess:
        worker = WorkerProcess(queues="bulk", concurrency=1, name=name)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def test_worker_killed_mid_job_is_resumed_without_doing_an_item_twice(bulk_worker, agent):
    claims = [submit_claim(description=f"정리 대상 {n}") for n in range(20)]
    first = bulk_worker("bulk1")

    job = claim_bulk_job_create(
        action="close",
        claims=Claim.objects.filter(pk__in=[c.pk for c in claims]),
        actor=agent,
        params={"reason": "정리"},
    )
    assert job.total == 20
    wait_for(
        lambda: ClaimBulkJob.objects.filter(pk=job.pk, done_count__gte=3).exists(),
        timeout=60,
        message="the first items to be done",
    )
    first.stop(signal.SIGKILL)
    job.refresh_from_db()
    assert job.status == ClaimBulkJob.Status.RUNNING
    assert 3 <= job.done_count < 20
    done_before = job.done_count

    # What the resume beat job does once the job has made no progress for a while.
    assert job.pk in claim_bulk_jobs_stale(now=timezone.now() + STALE_AFTER + timedelta(minutes=1))
    bulk_worker("bulk2")
    claim_bulk_job_run_task.delay(job_id=job.pk)
    wait_for(
        lambda: ClaimBulkJob.objects.filter(pk=job.pk, status=ClaimBulkJob.Status.DONE).exists(),
        timeout=90,
        message="the resumed job to finish",
    )

    job.refresh_from_db()
    assert (job.done_count, job.skipped_count) == (20, 0)
    assert job.done_count > done_before
    assert set(Claim.objects.filter(pk__in=[c.pk for c in claims]).values_list("status", flat=True)) == {S.CLOSED}
    closes = (
        ClaimHistory.objects.filter(claim__in=claims, to_status=S.CLOSED)
        .values("claim")
        .annotate(n=Count("id"))
        .values_list("n", flat=True)
    )
    assert sorted(closes) == [1] * 20
    notices = (
        Notification.objects.filter(claim__in=claims, event="claim_closed").values("claim").annotate(n=Count("id"))
    )
    assert sorted(row["n"] for row in notices) == [1] * 20


def test_transfer_job_on_a_worker_builds_one_batch_per_affiliate(bulk_worker, agent):
    claims = [submit_claim(service_code=code) for code in ["kakaopay", "kakao_t"] * 3]
    bulk_worker("bulk3")

    job = claim_bulk_job_create(action="transfer", claims=[c.pk for c in claims], actor=agent)
    wait_for(
        lambda: ClaimBulkJob.objects.filter(pk=job.pk, status=ClaimBulkJob.Status.DONE).exists(),
        timeout=90,
        message="the transfer job to finish",
    )

    batches = list(TransferBatch.objects.filter(bulk_job=job).select_related("affiliate"))
    assert sorted((b.affiliate.code, b.claim_count) for b in batches) == [("kakao_mobility", 3), ("kakaopay", 3)]
    assert all(b.csv_file and b.xlsx_file and b.exported_at for b in batches)
    assert Notification.objects.filter(claim__in=claims, event="claim_transferred").count() == 6
