"""PIPA access records for the affiliate transfer files (generated, downloaded in the admin and over the API,
listed item by item) and for the import report download."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from claims.casework.transfers import claims_transfer, transfer_batch_export
from claims.models import ClaimImport
from claims.tests.factories import submit_claim
from privacy.models import PersonalDataAccess

pytestmark = pytest.mark.django_db
A = PersonalDataAccess.Action


@pytest.fixture
def batch(incident, agent):
    claims = [
        submit_claim(service_code="kakaopay", name="박서연", description="송금 실패", consent_share_contact=True),
        submit_claim(service_code="kakaopay", name="최지훈", description="결제 오류"),
    ]
    [batch] = claims_transfer(claims=claims, actor=agent)
    return transfer_batch_export(batch_id=batch.pk)


def _claimants(batch):
    return sorted(batch.items.values_list("claim__claimant_id", flat=True))


def test_generating_the_transfer_files_is_an_export_by_the_batch_creator(batch, agent):
    row = PersonalDataAccess.objects.get(action=A.EXPORT)
    assert (row.actor, row.claimant_ids, row.claimant_count) == (agent, _claimants(batch), 2)
    assert f"묶음 #{batch.pk}" in row.reason


def test_admin_download_asks_a_reason_then_records_it(batch, agent):
    client = Client()
    client.force_login(agent)
    url = reverse("admin:claims_transferbatch_download", args=[batch.pk, "csv"])
    page = client.get(url)
    assert "내려받는 사유" in page.content.decode() and "Content-Disposition" not in page
    assert not PersonalDataAccess.objects.filter(action=A.DOWNLOAD).exists()

    download = client.get(url, {"reason": "이관 누락 확인"}, REMOTE_ADDR="192.0.2.7")
    assert "attachment" in download["Content-Disposition"]
    row = PersonalDataAccess.objects.get(action=A.DOWNLOAD)
    assert (row.actor, row.reason, row.claimant_ids, row.ip_address) == (
        agent,
        "이관 누락 확인",
        _claimants(batch),
        "192.0.2.7",
    )


def test_api_export_and_items_are_recorded(batch, affiliate_user):
    client = APIClient()
    client.force_authenticate(affiliate_user)
    assert (
        client.get(f"/api/v1/transfers/{batch.pk}/export/", {"kind": "xlsx", "reason": "처리 시작"}).status_code == 200
    )
    assert client.get(f"/api/v1/transfers/{batch.pk}/export/").status_code == 200  # unattended: the purpose stands
    downloads = PersonalDataAccess.objects.filter(action=A.DOWNLOAD).order_by("id")
    assert [(r.actor, r.reason, r.claimant_ids) for r in downloads] == [
        (affiliate_user, "처리 시작", _claimants(batch)),
        (affiliate_user, "계열사 이관 처리 (API)", _claimants(batch)),
    ]
    assert client.get(f"/api/v1/transfers/{batch.pk}/items/").status_code == 200
    listed = PersonalDataAccess.objects.get(action=A.LIST)
    assert (listed.actor, listed.claimant_ids) == (affiliate_user, _claimants(batch))


def test_claim_notes_and_history_over_the_api_are_views(agent, agent_client, incident):
    claim = submit_claim(description="문의")
    for what in ("notes", "history"):
        assert agent_client.get(f"/api/v1/claims/{claim.reference}/{what}/").status_code == 200
    rows = PersonalDataAccess.objects.filter(action=A.VIEW)
    assert [(r.actor, r.claimant_ids) for r in rows] == [(agent, [claim.claimant_id])] * 2


def test_import_report_download_asks_a_reason_and_is_recorded(agent, incident):
    job = ClaimImport.objects.create(
        incident=incident,
        file=SimpleUploadedFile("calls.csv", b"external_id\n"),
        status=ClaimImport.Status.DONE,
        report={"imported": 0, "rejected": [{"row": 2, "errors": {"phone": ["올바른 전화번호가 아닙니다."]}}]},
        created_by=agent,
    )
    client = Client()
    client.force_login(agent)
    url = reverse("admin:claims_claimimport_report", args=[job.pk, "csv"])
    assert "내려받는 사유" in client.get(url).content.decode()
    assert not PersonalDataAccess.objects.exists()
    report = client.get(url, {"reason": "거부 행 재접수"})
    assert report["Content-Disposition"] == f'attachment; filename="claim-import-{job.pk}-report.csv"'
    row = PersonalDataAccess.objects.get()
    assert (row.actor, row.action, row.reason, row.claimant_ids) == (agent, A.DOWNLOAD, "거부 행 재접수", [])
    assert row.path.startswith(url)
