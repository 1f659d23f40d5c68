"""The admin import job: services (start, run, resume, retry) and the whole path through a real worker."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from claims import services_import
from claims.models import Claim, ClaimImport
from claims.services_import import (
    claim_import_fail,
    claim_import_retry,
    claim_import_run,
    claim_import_start,
)
from claims.tests.factories import submit_claim
from claims.tests.test_importer import COLUMNS, csv_bytes, row
from conftest import wait_for
from core.exceptions import ApplicationError
from notifications.models import Notification


def upload(rows, name="calls.csv", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, csv_bytes(rows, **kwargs), content_type="text/csv")


def seven_rows():
    return [row(external_id=f"J{i}", phone=f"010-5000-{i:04d}") for i in range(6)] + [row(external_id="J9", paid="?")]


@pytest.mark.django_db
def test_start_stores_the_file_and_queues_the_job_after_commit(incident, agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = claim_import_start(file=upload(seven_rows()), incident=incident, actor=agent)
    assert len(callbacks) == 1
    assert (job.status, job.total_rows, job.created_by, job.incident) == ("queued", 7, agent, incident)
    assert job.file.name.endswith(".csv")

    done = claim_import_run(import_id=job.pk)
    assert done is not None and done.status == "done"
    assert (done.processed_rows, done.imported, done.duplicates, done.rejected_count) == (7, 6, 0, 1)
    assert done.report["rejected"] == [{"row": 8, "errors": {"paid": ["true/false, 1/0, Y/N 중 하나여야 합니다."]}}]
    assert claim_import_run(import_id=job.pk) is None  # a repeated task finds the job taken and does nothing
    assert Claim.objects.count() == 6


@pytest.mark.django_db
def test_a_file_without_the_header_is_refused_at_upload(incident, agent):
    with pytest.raises(ValidationError) as excinfo:
        claim_import_start(file=upload([row()], columns=COLUMNS[1:]), incident=incident, actor=agent)
    assert "external_id" in str(excinfo.value)
    assert not ClaimImport.objects.exists()


@pytest.mark.django_db
def test_a_job_that_crashes_mid_way_resumes_with_the_rest(incident, agent, settings, monkeypatch):
    settings.REDRESS = {**settings.REDRESS, "IMPORT_CHUNK_ROWS": 2}
    job = claim_import_start(file=upload(seven_rows()), incident=incident, actor=agent)
    real_import = services_import.claims_import_csv

    def dies_after_two_chunks(**kwargs):
        progress = kwargs["progress"]

        def counting(processed, total, result):
            progress(processed, total, result)
            if processed == 4:
                raise OSError("worker lost its disk")

        return real_import(**{**kwargs, "progress": counting})

    monkeypatch.setattr(services_import, "claims_import_csv", dies_after_two_chunks)
    with pytest.raises(OSError):
        claim_import_run(import_id=job.pk)
    job.refresh_from_db()
    # The second chunk's claims and its progress rolled back together: the job says what is really stored.
    assert (job.status, job.processed_rows, job.imported) == ("queued", 2, 2)
    assert Claim.objects.count() == 2

    monkeypatch.setattr(services_import, "claims_import_csv", real_import)
    job = claim_import_run(import_id=job.pk)
    assert (job.status, job.imported, job.duplicates, job.rejected_count) == ("done", 6, 0, 1)
    assert job.report["resumed"] is True and job.report["imported"] == 6
    assert Claim.objects.count() == 6


@pytest.mark.django_db
def test_retry_queues_failed_or_dead_jobs_only(incident, agent, django_capture_on_commit_callbacks):
    job = claim_import_start(file=upload([row()]), incident=incident, actor=agent)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert claim_import_retry(claim_import=job, actor=agent).status == "queued"
    assert callbacks == []  # already queued: nothing more to enqueue

    ClaimImport.objects.filter(pk=job.pk).update(status="running")
    with pytest.raises(ApplicationError, match="진행 중"):
        claim_import_retry(claim_import=job, actor=agent)
    ClaimImport.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert claim_import_retry(claim_import=job, actor=agent).status == "queued"
    assert len(callbacks) == 1

    claim_import_fail(import_id=job.pk, error="DatabaseError: gone")
    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", "DatabaseError: gone")
    assert claim_import_retry(claim_import=job, actor=agent).status == "queued"
    claim_import_run(import_id=job.pk)
    with pytest.raises(ApplicationError, match="완료"):
        claim_import_retry(claim_import=job, actor=agent)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_admin_upload_runs_on_a_real_worker_to_done_with_a_downloadable_report(
    celery_worker_process, agent, incident, client
):
    client.force_login(agent)
    add_url = reverse("admin:claims_claimimport_add")
    assert client.get(add_url).status_code == 200

    refused = client.post(add_url, {"incident": incident.pk, "file": upload([row()], columns=COLUMNS[:5])})
    assert refused.status_code == 200 and "필수 열이 없습니다" in refused.content.decode()
    assert not ClaimImport.objects.exists()

    response = client.post(add_url, {"incident": incident.pk, "file": upload(seven_rows(), encoding="cp949")})
    job = ClaimImport.objects.get()
    change_url = reverse("admin:claims_claimimport_change", args=[job.pk])
    assert response.status_code == 302 and response["Location"] == change_url

    job = wait_for(
        lambda: ClaimImport.objects.filter(pk=job.pk, status="done").first(),
        timeout=60,
        message=f"import done; worker log:\n{celery_worker_process.output()[-3000:]}",
    )
    assert (job.imported, job.rejected_count, job.processed_rows, job.total_rows) == (6, 1, 7, 7)
    assert job.created_by == agent
    assert Claim.objects.filter(external_id__startswith="J", channel="call_center").count() == 6

    page = client.get(change_url).content.decode()
    assert '<progress value="100" max="100"' in page and 'http-equiv="refresh"' not in page
    report_url = reverse("admin:claims_claimimport_report", args=[job.pk, "csv"])
    assert "내려받는 사유" in client.get(report_url).content.decode()  # asks the reason first
    report_csv = client.get(report_url, {"reason": "거부 행 확인"})
    assert report_csv["Content-Disposition"] == f'attachment; filename="claim-import-{job.pk}-report.csv"'
    lines = list(csv.reader(io.StringIO(report_csv.content.decode("utf-8-sig"))))
    assert lines == [["row", "field", "message"], ["8", "paid", "true/false, 1/0, Y/N 중 하나여야 합니다."]]
    report_json = json.loads(
        client.get(reverse("admin:claims_claimimport_report", args=[job.pk, "json"]), {"reason": "확인"}).content
    )
    assert report_json["imported"] == 6 and report_json["rejected"][0]["row"] == 8

    # The claim_received messages were queued per chunk and written by the worker.
    wait_for(
        lambda: Notification.objects.filter(event="claim_received", claim__external_id__startswith="J").count() == 6,
        timeout=60,
        message="claim_received notifications",
    )


@pytest.mark.django_db
def test_the_change_page_refreshes_while_the_job_runs_and_auditors_cannot_upload(incident, agent, auditor, client):
    job = claim_import_start(file=upload([row()]), incident=incident, actor=agent)
    client.force_login(agent)
    page = client.get(reverse("admin:claims_claimimport_change", args=[job.pk])).content.decode()
    assert 'http-equiv="refresh"' in page and '<progress value="0" max="100"' in page
    client.force_login(auditor)
    assert client.get(reverse("admin:claims_claimimport_add")).status_code == 403
    assert client.get(reverse("admin:claims_claimimport_change", args=[job.pk])).status_code == 200


@pytest.mark.django_db
def test_the_sweeper_queues_again_only_jobs_whose_worker_went_away(incident, agent, django_capture_on_commit_callbacks):
    dead = claim_import_start(file=upload([row(external_id="D1")]), incident=incident, actor=agent)
    alive = claim_import_start(file=upload([row(external_id="A1")]), incident=incident, actor=agent)
    finished = claim_import_start(file=upload([row(external_id="F1")]), incident=incident, actor=agent)
    claim_import_run(import_id=finished.pk)
    ClaimImport.objects.filter(pk__in=[dead.pk, alive.pk]).update(status="running")
    ClaimImport.objects.filter(pk__in=[dead.pk, finished.pk]).update(updated_at=timezone.now() - timedelta(minutes=11))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services_import.claim_imports_resume() == [dead.pk]
    assert len(callbacks) == 1  # one task for the dead job
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert (dead.status, alive.status) == ("queued", "running")
    # Queued again just now: the next sweep leaves it to the task it was given.
    assert services_import.claim_imports_resume() == []

    done = claim_import_run(import_id=dead.pk)
    assert done is not None and (done.status, done.imported) == ("done", 1)


@pytest.mark.django_db
def test_imported_claims_whose_notice_task_was_lost_get_their_notice_from_the_sweeper(incident):
    from claims.importer import claims_import_csv
    from claims.importer_intake import NOTICE_GRACE, claims_received_notices_restore

    # The chunks committed but their notify tasks never ran (worker killed, broker down): no outbox rows.
    claims_import_csv(incident=incident, source=io.BytesIO(csv_bytes(seven_rows())), notify=False)
    submitted = submit_claim(description="웹 접수")  # not imported: its notice is claim_submit's business
    Notification.objects.all().delete()

    assert claims_received_notices_restore() == 0, "a chunk's own task gets its grace period"
    later = timezone.now() + NOTICE_GRACE + timedelta(seconds=1)
    assert claims_received_notices_restore(now=later) == 6
    notices = Notification.objects.filter(event="claim_received")
    assert set(notices.values_list("claim_id", flat=True)) == set(
        Claim.objects.exclude(pk=submitted.pk).values_list("pk", flat=True)
    )
    assert claims_received_notices_restore(now=later) == 0  # run twice: nothing more
