"""A worker killed with SIGKILL in the middle of a claims import: the job stays `running` with nobody running it;
the import sweeper (what beat runs) queues it again once its progress is older than the lease, a fresh worker
imports the rest, and every row of the file exists exactly once as a claim, with one claim_received message each.

The file is imported in chunks of 25 rows (IMPORT_CHUNK_ROWS in the workers' environment), written by two
connections side by side and committed in file order. To kill the worker mid-job rather than before or after it,
the test locks the job's row once a few chunks are in: every chunk writes its progress to that row in its own
transaction, so the worker cannot commit another chunk, and is killed while it waits."""

import signal
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone

from claims.importer import _ADVISORY_LOCK_NAMESPACE
from claims.models import Claim, ClaimImport
from claims.services_import import IMPORT_STALE_AFTER, claim_import_start, claim_imports_resume
from claims.tasks import claim_import_run_task
from claims.tests.test_importer import csv_bytes, row
from conftest import purge_broker, wait_for
from notifications import services as notifications
from notifications.models import Notification, SandboxMessage
from tests.faults.conftest import start_worker

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
VALID = 300
REJECTED = 4  # `paid` is not a yes/no
REPEATED = 3  # an external id seen earlier in the file
WORKER_ENV = {
    "IMPORT_CHUNK_ROWS": "25",
    # An unacknowledged task (its worker died) may come back after this many seconds instead of an hour, while
    # the resumed job runs; it must do nothing. (When kombu restores it is its own business, so the test also
    # sends the job's task once more itself.)
    "CELERY_VISIBILITY_TIMEOUT": "10",
}


def import_file() -> bytes:
    rows = [row(external_id=f"KILL-{n:04d}", phone=f"010-4{n:03d}-{n:04d}", name=f"신고인{n}") for n in range(VALID)]
    for n in range(REJECTED):
        rows.insert(60 * n + 7, row(external_id=f"BAD-{n}", paid="?"))
    for n in range(REPEATED):
        rows.append(row(external_id=f"KILL-{n * 100:04d}", phone="010-9999-0000"))
    return csv_bytes(rows)


def _import_lock_held(incident_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s"
            " AND granted)",
            [_ADVISORY_LOCK_NAMESPACE, incident_id],
        )
        return cursor.fetchone()[0]


def test_sigkill_mid_import_then_sweep_imports_each_row_once(agent, incident):
    purge_broker()
    doomed = start_worker(name="import-doomed", queues="imports", extra=WORKER_ENV)
    try:
        upload = SimpleUploadedFile("calls.csv", import_file(), content_type="text/csv")
        job = claim_import_start(file=upload, incident=incident, actor=agent)
        assert job.total_rows == VALID + REJECTED + REPEATED
        wait_for(
            lambda: ClaimImport.objects.filter(pk=job.pk, processed_rows__gte=75).exists(),
            timeout=120,
            interval=0.02,
            message=f"the first chunks imported; worker log:\n{doomed.output()[-3000:]}",
        )
        with transaction.atomic():
            ClaimImport.objects.select_for_update().get(pk=job.pk)  # the next chunk cannot write its progress
            time.sleep(0.5)
            doomed.stop(signal.SIGKILL)
    finally:
        doomed.stop(signal.SIGKILL)
    # The killed worker's connections go with it, and its import lock on the incident with them.
    wait_for(
        lambda: not _import_lock_held(incident.pk),
        timeout=30,
        message="the killed worker's import lock was never released",
    )

    job.refresh_from_db()
    claims = Claim.objects.filter(incident=incident, external_id__isnull=False)
    assert job.status == ClaimImport.Status.RUNNING
    assert 0 < job.processed_rows < job.total_rows, "the import was not killed mid-way"
    # Each chunk's claims and the job's progress commit together: the dead job says what is stored.
    assert claims.count() == job.imported
    imported_at_kill = job.imported

    rescuer = start_worker(name="import-rescuer", queues="imports,notifications", extra=WORKER_ENV)
    try:
        # The lease protects a job whose worker may still be alive: nothing is taken back yet.
        assert claim_imports_resume() == []
        # Ten minutes later (beat runs the sweeper every two): the dead job is queued again, once.
        later = timezone.now() + IMPORT_STALE_AFTER + timedelta(minutes=1)
        assert claim_imports_resume(now=later) == [job.pk]
        job = wait_for(
            lambda: ClaimImport.objects.filter(pk=job.pk, status=ClaimImport.Status.DONE).first(),
            timeout=120,
            message=f"the resumed import done; worker log:\n{rescuer.output()[-3000:]}",
        )
        assert claim_imports_resume(now=later) == []

        messages = Notification.objects.filter(event="claim_received", claim__in=claims)
        deadline = time.monotonic() + 120
        while messages.count() < VALID or messages.exclude(status=Notification.Status.SENT).exists():
            assert time.monotonic() < deadline, (
                f"claim_received never all sent: {messages.count()} written, "
                f"{dict(Counter(messages.values_list('status', flat=True)))}"
            )
            notifications.notification_sweep(grace_seconds=5)  # what beat runs every minute
            time.sleep(1)
        # The dead worker's task message, when the broker delivers it again, finds the job done and does nothing.
        claim_import_run_task.delay(import_id=job.pk)
        wait_for(
            lambda: rescuer.output().count("claims.tasks.claim_import_run_task[") >= 4,  # 2 received, 2 finished
            timeout=30,
            message=f"the repeated task run; worker log:\n{rescuer.output()[-3000:]}",
        )
    finally:
        rescuer.stop()

    expected = {f"KILL-{n:04d}" for n in range(VALID)}
    stored = Counter(claims.values_list("external_id", flat=True))
    assert set(stored) == expected and set(stored.values()) == {1}, "a row is missing or imported twice"
    job.refresh_from_db()
    assert job.status == ClaimImport.Status.DONE and job.error == ""
    assert (job.total_rows, job.processed_rows) == (VALID + REJECTED + REPEATED,) * 2
    assert (job.imported, job.duplicates, job.rejected_count) == (VALID, REPEATED, REJECTED)
    assert job.imported > imported_at_kill and job.report["resumed"] is True
    assert len({r["row"] for r in job.report["rejected"]}) == REJECTED
    # One claim_received message per claim, each delivered exactly once.
    assert messages.count() == VALID and messages.values("claim").distinct().count() == VALID
    delivered = Counter(
        SandboxMessage.objects.filter(notification_id__in=messages.values("id")).values_list(
            "notification_id", flat=True
        )
    )
    assert len(delivered) == VALID and set(delivered.values()) == {1}, "a message was lost or sent twice"
