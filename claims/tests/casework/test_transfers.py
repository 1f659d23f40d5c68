import csv
import io

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from claims.casework.bulk import claim_bulk_job_create, claim_bulk_job_run
from claims.casework.exports import COLUMNS, neutralise, transfer_export_csv, transfer_export_xlsx
from claims.casework.transfers import claims_transfer, transfer_batch_export
from claims.models import AffiliateOutcome, Claim, ClaimHistory, TransferBatch
from claims.tests.factories import submit_claim
from core.exceptions import ApplicationError
from notifications.models import Notification

pytestmark = pytest.mark.django_db
S = Claim.Status
HEADERS = [header for _, header in COLUMNS]


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def pay_claims(incident):
    consented = submit_claim(
        service_code="kakaopay",
        name="박서연",
        phone="010-2222-3333",
        description='=HYPERLINK("http://evil.example","클릭")',
        consent_share_contact=True,
    )
    private = submit_claim(service_code="kakaopay", name="최지훈", phone="010-4444-5555", description="+송금 실패")
    return consented, private


@pytest.fixture
def batch(pay_claims, agent):
    [batch] = claims_transfer(claims=list(pay_claims), actor=agent)
    return transfer_batch_export(batch_id=batch.pk)


def test_neutralise_every_trigger():
    for raw in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(raw) == "'" + raw
    assert neutralise("보통 글") == "보통 글"
    assert neutralise(42) == 42


def test_transfer_moves_claims_and_tells_claimants_where_they_went(pay_claims, batch, kakaopay):
    for claim in pay_claims:
        claim.refresh_from_db()
        assert claim.status == S.TRANSFERRED
        notice = Notification.objects.get(claim=claim, event="claim_transferred")
        assert notice.context["affiliate_name"] == "카카오페이"
        assert kakaopay.contact_phone in notice.context["affiliate_contact"]
        assert ClaimHistory.objects.get(claim=claim, to_status=S.TRANSFERRED).data["batch"] == batch.pk
    assert (batch.affiliate, batch.claim_count, batch.created_by.username) == (kakaopay, 2, "agent")


def test_export_csv_has_contact_only_with_consent_and_no_formulas(pay_claims, batch):
    consented, private = pay_claims
    with batch.csv_file.open("rb") as handle:
        rows = list(csv.reader(io.StringIO(handle.read().decode("utf-8-sig"))))

    assert rows[0] == HEADERS
    by_ref = {row[0]: dict(zip(HEADERS, row, strict=True)) for row in rows[1:]}
    assert by_ref[consented.reference]["이름/상호"] == "박서연"
    assert by_ref[consented.reference]["전화번호"] == "01022223333"
    assert by_ref[private.reference]["이름/상호"] == ""
    assert by_ref[private.reference]["전화번호"] == ""
    assert by_ref[private.reference]["이메일"] == ""
    assert by_ref[consented.reference]["내용"].startswith("'=HYPERLINK")
    assert by_ref[private.reference]["내용"] == "'+송금 실패"
    assert "01044445555" not in transfer_export_csv(batch=batch).decode("utf-8-sig")


def test_export_xlsx_has_no_formula_cells(pay_claims, batch):
    consented, private = pay_claims
    with batch.xlsx_file.open("rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    for row in sheet.iter_rows(min_row=2):
        assert all(cell.data_type != "f" for cell in row)
    by_ref = {row[0]: dict(zip(HEADERS, row, strict=True)) for row in rows[1:]}
    assert by_ref[consented.reference]["내용"].startswith("'=HYPERLINK")
    assert by_ref[private.reference]["전화번호"] in (None, "")
    assert transfer_export_xlsx(batch=batch)[:2] == b"PK"


def test_only_affiliate_claims_are_transferred(incident, agent):
    own = submit_claim()
    with pytest.raises(ApplicationError):
        claims_transfer(claims=[own], actor=agent)
    own.refresh_from_db()
    assert own.status == S.RECEIVED and not TransferBatch.objects.exists()


def test_bulk_transfer_makes_one_batch_per_affiliate(incident, agent):
    claims = [
        submit_claim(service_code="kakaopay"),
        submit_claim(service_code="kakao_t"),
        submit_claim(service_code="kakaopay"),
        submit_claim(service_code="melon"),
        submit_claim(),  # own service: skipped
    ]
    job = claim_bulk_job_create(action="transfer", claims=[c.pk for c in claims], actor=agent, enqueue=False)
    job = claim_bulk_job_run(job_id=job.pk)

    assert (job.done_count, job.skipped_count) == (4, 1)
    batches = {b.affiliate.code: b for b in TransferBatch.objects.filter(bulk_job=job).select_related("affiliate")}
    assert {code: b.claim_count for code, b in batches.items()} == {
        "kakaopay": 2,
        "kakao_mobility": 1,
        "kakao_entertainment": 1,
    }
    assert all(b.csv_file and b.xlsx_file for b in batches.values())


# --- the affiliate side, through the API ---


def test_affiliate_sees_only_its_own_batches(batch, affiliate_user, other_affiliate_user, agent, incident):
    [other_batch] = claims_transfer(claims=[submit_claim(service_code="kakao_t")], actor=agent)

    mine = client_for(affiliate_user).get("/api/v1/transfers/").json()["results"]
    assert [b["id"] for b in mine] == [batch.pk]
    assert client_for(affiliate_user).get(f"/api/v1/transfers/{other_batch.pk}/").status_code == 404
    assert client_for(other_affiliate_user).get(f"/api/v1/transfers/{batch.pk}/").status_code == 404
    assert client_for(other_affiliate_user).post(f"/api/v1/transfers/{batch.pk}/acknowledge/").status_code == 404
    # Affiliates never read claims directly.
    assert client_for(affiliate_user).get("/api/v1/claims/").status_code == 403


def test_affiliate_items_follow_consent(batch, pay_claims, affiliate_user):
    consented, private = pay_claims
    items = client_for(affiliate_user).get(f"/api/v1/transfers/{batch.pk}/items/").json()["results"]
    by_ref = {item["reference"]: item for item in items}
    assert by_ref[consented.reference]["contact"]["phone"] == "01022223333"
    assert by_ref[private.reference]["contact"] is None
    export = client_for(affiliate_user).get(f"/api/v1/transfers/{batch.pk}/export/?kind=csv")
    assert export.status_code == 200 and "attachment" in export["Content-Disposition"]
    assert "01044445555" not in export.content.decode("utf-8-sig")


def test_acknowledge_and_report_outcomes(batch, pay_claims, affiliate_user, agent):
    consented, private = pay_claims
    client = client_for(affiliate_user)

    ack = client.post(f"/api/v1/transfers/{batch.pk}/acknowledge/")
    assert ack.status_code == 200 and ack.json()["status"] == "acknowledged"
    assert client.post(f"/api/v1/transfers/{batch.pk}/acknowledge/").status_code == 200  # repeat: no-op

    url = f"/api/v1/transfers/{batch.pk}/outcomes/"
    missing_amount = client.post(url, {"reference": consented.reference, "outcome": "compensated"}, format="json")
    assert missing_amount.status_code == 400 and "amount_won" in missing_amount.json()
    paid = client.post(
        url,
        {"reference": consented.reference, "outcome": "compensated", "amount_won": 12000, "note": "포인트 지급"},
        format="json",
    )
    assert paid.status_code == 200, paid.json()
    refused = client.post(url, {"reference": private.reference, "outcome": "rejected"}, format="json")
    assert refused.status_code == 200
    stranger = client.post(url, {"reference": "PGY-2022-9999999", "outcome": "resolved"}, format="json")
    assert stranger.status_code == 400

    consented.refresh_from_db()
    assert consented.status == S.CLOSED
    assert AffiliateOutcome.objects.get(claim=consented).amount_won == 12000
    # Shown on the claim in Redress.
    detail = client_for(agent).get(f"/api/v1/claims/{consented.reference}/").json()
    assert detail["affiliate_outcome"] == {"outcome": "compensated", "amount_won": 12000, "note": "포인트 지급"}
    assert ClaimHistory.objects.filter(claim=consented, event="outcome_reported").count() == 1


def test_agents_cannot_acknowledge_for_an_affiliate(batch, agent):
    response = client_for(agent).post(f"/api/v1/transfers/{batch.pk}/acknowledge/")
    assert response.status_code == 403
