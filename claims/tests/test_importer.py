"""The CSV importer against PostgreSQL: row errors, encodings, idempotency, duplicates, chunks and resume."""

import csv
import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from claims import importer
from claims.importer import COLUMNS, claims_import_csv
from claims.models import CategoryPolicy, Claim, Claimant, ClaimHistory, Team
from claims.services import claim_find_probable_duplicate
from claims.tests.factories import submit_claim
from conftest import make_user
from core import roles
from core.validators import business_no_with_check_digit
from notifications.models import Notification

pytestmark = pytest.mark.django_db
KST = ZoneInfo("Asia/Seoul")
_digits = business_no_with_check_digit("123456789")
BUSINESS_NO = f"{_digits[:3]}-{_digits[3:5]}-{_digits[5:]}"


def row(**overrides: str) -> dict[str, str]:
    values = {
        "external_id": "CC-0001",
        "received_at": "2022-10-20 09:30",
        "channel": "call_center",
        "claimant_kind": "individual",
        "name": "김민수",
        "email": "minsu@example.kr",
        "phone": "010-1234-5678",
        "business_no": "",
        "service": "kakaotalk",
        "paid": "N",
        "claimed_amount": "",
        "description": "카카오톡이 언제 복구되나요?",
    }
    values.update(overrides)
    return values


def csv_bytes(rows: list[dict[str, str]], *, columns=COLUMNS, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def run(data: bytes, incident, **kwargs):
    return claims_import_csv(incident=incident, source=io.BytesIO(data), notify=False, **kwargs)


@pytest.fixture(params=["copy", "orm"])
def write_path(request, monkeypatch):
    """Both write paths: COPY (PostgreSQL) and bulk_create (the SQLite fallback), run here on PostgreSQL."""
    if request.param == "orm":
        original = importer._ChunkWriter.__init__

        def portable(self, **kwargs):
            original(self, **kwargs)
            self.postgres = False

        monkeypatch.setattr(importer._ChunkWriter, "__init__", portable)
    return request.param


def test_good_rows_are_imported_and_bad_rows_reported_by_spreadsheet_row(incident, write_path):
    data = csv_bytes(
        [
            row(external_id="A1"),
            row(external_id="A2", phone="12345", paid="maybe"),
            row(external_id="A3", claimant_kind="small_business", name="민수네 꽃집", business_no="123-45-67890",
                phone="02-555-1234", service="kakao_t", paid="Y", claimed_amount="420,000"),
            row(external_id="A4", service="nope", claimed_amount="-5", channel="fax"),
            row(external_id="A5", channel="", paid="1", service="talk_drawer_plus", received_at="2022-10-21T01:00:00Z"),
        ]
    )  # fmt: skip
    result = run(data, incident)

    assert (result.imported, result.duplicates, result.total_rows) == (2, 0, 5)
    assert [r["row"] for r in result.rejected] == [3, 4, 5]
    by_row = {r["row"]: r["errors"] for r in result.rejected}
    assert set(by_row[3]) == {"phone", "paid"}
    assert by_row[4] == {"business_no": ["사업자등록번호의 검증번호가 맞지 않습니다."]}
    assert set(by_row[5]) == {"service", "claimed_amount", "channel"}

    first = Claim.objects.select_related("claimant").get(external_id="A1")
    assert first.reference.startswith("PGY-2022-")
    assert first.channel == "call_center" and first.status == "received"
    assert first.received_at == datetime(2022, 10, 20, 9, 30, tzinfo=KST)
    assert (first.operator, first.category, first.subtype) == ("own", "non_monetary", "inquiry")
    assert first.claimant.phone == "01012345678" and first.claimant_kind == "individual"
    assert first.first_response_due_at is not None

    fifth = Claim.objects.get(external_id="A5")
    assert fifth.channel == "import" and fifth.paid is True and fifth.category == "paid_service_damage"
    assert fifth.received_at == datetime(2022, 10, 21, 10, 0, tzinfo=KST)
    assert Claimant.objects.count() == 2


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949"])
def test_encodings_utf8_with_and_without_bom_and_cp949(incident, encoding):
    data = csv_bytes([row(name="홍길동", description="복구하느라 고생 많으셨습니다. 힘내세요!")], encoding=encoding)
    if encoding == "utf-8-sig":
        assert data.startswith(b"\xef\xbb\xbf")
    result = run(data, incident)
    assert result.imported == 1, result.rejected
    claim = Claim.objects.select_related("claimant").get()
    assert claim.claimant.name == "홍길동"
    assert claim.subtype == "encouragement"


def test_undecodable_and_utf16_files_are_refused(incident):
    with pytest.raises(ValidationError) as excinfo:
        run("external_id\n".encode("utf-16"), incident)
    assert "file" in excinfo.value.message_dict
    with pytest.raises(ValidationError):
        run(b"external_id,name\n\xff\xfe\xfa,\x80\n", incident)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("TRUE", True), ("1", True), ("Y", True), ("y", True),
     ("false", False), ("0", False), ("N", False), ("n", False)],
)  # fmt: skip
def test_paid_accepts_bool_variants(incident, raw, expected):
    result = run(csv_bytes([row(paid=raw)]), incident)
    assert result.imported == 1
    assert Claim.objects.get().paid is expected


def test_paid_rejects_anything_else(incident):
    result = run(csv_bytes([row(paid="maybe"), row(external_id="X2", paid="")]), incident)
    assert result.imported == 0
    assert [set(r["errors"]) for r in result.rejected] == [{"paid"}, {"paid"}]


def test_missing_required_header_refuses_the_whole_file(incident):
    columns = [c for c in COLUMNS if c not in ("phone", "paid")]
    before = (Claim.objects.count(), Claimant.objects.count())
    with pytest.raises(ValidationError) as excinfo:
        run(csv_bytes([row(), row(external_id="B")], columns=columns), incident)
    assert "phone" in str(excinfo.value.message_dict["header"]) and "paid" in str(excinfo.value.message_dict["header"])
    assert (Claim.objects.count(), Claimant.objects.count()) == before


def test_broken_csv_is_refused_before_anything_is_written(incident):
    data = csv_bytes([row(external_id=f"C{i}") for i in range(5)]) + b'C9,2022-10-20 09:30,,individual,"unterminated\n'
    with pytest.raises(ValidationError):
        run(data, incident)
    assert Claim.objects.count() == 0


def test_optional_columns_may_be_left_out_and_columns_come_in_any_order(incident):
    columns = ["paid", "service", "phone", "name", "claimant_kind", "received_at", "external_id"]
    result = run(csv_bytes([row()], columns=columns), incident)
    assert result.imported == 1
    claim = Claim.objects.get()
    assert claim.channel == "import" and claim.description == "" and claim.claimed_amount is None


def test_a_row_with_more_cells_than_the_header_is_rejected(incident):
    data = (
        csv_bytes([row()])
        + "D2,2022-10-20 09:30,web,individual,김,,010-1111-2222,,kakaotalk,N,,내용,남는 칸\r\n".encode()
    )
    result = run(data, incident)
    assert result.imported == 1
    assert result.rejected == [{"row": 3, "errors": {"row": [result.rejected[0]["errors"]["row"][0]]}}]


def test_reimporting_the_same_file_adds_nothing(incident, write_path):
    data = csv_bytes([row(external_id=f"R{i}", phone=f"010-2000-{i:04d}") for i in range(6)] + [row(external_id="R1")])
    first = run(data, incident)
    assert (first.imported, first.duplicates) == (6, 1)  # R1 twice in the file
    references = set(Claim.objects.values_list("reference", flat=True))

    second = run(data, incident)
    assert (second.imported, second.duplicates, second.rejected) == (0, 7, [])
    assert set(Claim.objects.values_list("reference", flat=True)) == references
    assert Claimant.objects.count() == 6


def test_external_ids_are_per_incident_and_trimmed(incident):
    run(csv_bytes([row(external_id="  E1 ")]), incident)
    assert Claim.objects.get().external_id == "E1"
    assert run(csv_bytes([row(external_id="E1")]), incident).duplicates == 1


def test_probable_duplicates_are_flagged_within_the_file_and_against_the_database(incident, write_path):
    earlier = submit_claim(phone="010-7777-0001")
    data = csv_bytes(
        [
            row(external_id="P1", phone="010-7777-0001"),  # same phone and service as a claim already filed
            row(external_id="P2", claimant_kind="small_business", name="꽃집", business_no=BUSINESS_NO,
                phone="010-7777-0002", service="kakao_map"),
            row(external_id="P3", claimant_kind="small_business", name="꽃집 2호점", business_no=BUSINESS_NO,
                phone="010-7777-0003", service="kakao_map"),  # same business number as P2
            row(external_id="P4", phone="010-7777-0002", service="daum_mail"),  # same phone, other service
            row(external_id="P5", phone="010-7777-0003", service="kakao_map"),  # P3's phone; P3 is a duplicate
        ]
    )  # fmt: skip
    result = run(data, incident)
    assert result.imported == 5, result.rejected
    assert result.probable_duplicates == 2
    claims = {c.external_id: c for c in Claim.objects.filter(external_id__startswith="P")}
    assert claims["P1"].duplicate_of_id == earlier.pk
    assert claims["P2"].duplicate_of_id is None
    assert claims["P3"].duplicate_of_id == claims["P2"].pk
    assert claims["P4"].duplicate_of_id is None
    # Like the API (claim_find_probable_duplicate), only claims that are not duplicates themselves are matched.
    assert claims["P5"].duplicate_of_id is None
    assert (
        claim_find_probable_duplicate(
            incident_id=incident.pk, service_id=claims["P5"].service_id, phone="01077770003", business_no=""
        )
        == claims["P5"]
    )

    # Later imports see the file's claims in the database.
    again = run(csv_bytes([row(external_id="P6", phone="010-7777-0002", service="kakao_map")]), incident)
    assert again.probable_duplicates == 1
    assert Claim.objects.get(external_id="P6").duplicate_of_id == claims["P2"].pk


@pytest.mark.parametrize(
    ("field", "value"),
    [("description", "제 주민번호는 900101-1234567 입니다"), ("name", "김민수 9001011234567"),
     ("external_id", "9001011234567")],
)  # fmt: skip
def test_resident_registration_numbers_are_refused_in_any_field(incident, field, value):
    result = run(csv_bytes([row(**{field: value})]), incident)
    assert result.imported == 0
    assert list(result.rejected[0]["errors"]) == [field]
    assert "주민등록번호" in result.rejected[0]["errors"][field][0]
    assert not Claim.objects.exists()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2022-10-20 09:30", datetime(2022, 10, 20, 9, 30, tzinfo=KST)),
        ("2022-10-20 09:30:15", datetime(2022, 10, 20, 9, 30, 15, tzinfo=KST)),
        ("2022-10-20T09:30:00+09:00", datetime(2022, 10, 20, 9, 30, tzinfo=KST)),
        ("2022-10-20T00:30:00Z", datetime(2022, 10, 20, 9, 30, tzinfo=KST)),
        ("2022/10/20 9:30", datetime(2022, 10, 20, 9, 30, tzinfo=KST)),
    ],
)
def test_received_at_formats(incident, raw, expected):
    result = run(csv_bytes([row(received_at=raw)]), incident)
    assert result.imported == 1, result.rejected
    assert Claim.objects.get().received_at == expected


@pytest.mark.parametrize("raw", ["", "어제", "2022-13-01 10:00", "2022-10-01 10:00", "2099-01-01 00:00"])
def test_bad_received_at_is_rejected(incident, raw):
    result = run(csv_bytes([row(received_at=raw)]), incident)
    assert list(result.rejected[0]["errors"]) == ["received_at"]


def test_each_chunk_commits_with_its_progress_and_a_crash_resumes_where_it_stopped(incident, settings):
    settings.REDRESS = {**settings.REDRESS, "IMPORT_CHUNK_ROWS": 2}
    data = csv_bytes([row(external_id=f"K{i}", phone=f"010-3000-{i:04d}") for i in range(7)])
    seen = []

    def crash_on_third_chunk(processed, total, result):
        seen.append((processed, total, result.imported))
        if len(seen) == 3:
            assert Claim.objects.filter(external_id__startswith="K").count() == 6  # inside the chunk's transaction
            raise RuntimeError("worker killed")

    with pytest.raises(RuntimeError):
        run(data, incident, progress=crash_on_third_chunk)
    assert seen[:2] == [(2, 7, 2), (4, 7, 4)]
    assert Claim.objects.count() == 4  # the third chunk rolled back whole, nothing half-written

    resumed = run(data, incident)
    assert (resumed.imported, resumed.duplicates) == (3, 4)
    assert Claim.objects.count() == Claimant.objects.count() == 7


def test_imported_claims_are_routed_like_intake(incident):
    supervisor = make_user("lead", roles.SUPPORT_SUPERVISOR)
    agents = [make_user(f"agent{i}", roles.SUPPORT_AGENT) for i in range(2)]
    team = Team.objects.create(name="비금전팀", supervisor=supervisor, auto_assign=True)
    team.agents.set(agents)
    CategoryPolicy.objects.filter(category=Claim.Category.NON_MONETARY).update(team=team)

    result = run(csv_bytes([row(external_id=f"T{i}", phone=f"010-4000-{i:04d}") for i in range(4)]), incident)
    assert result.imported == 4
    claims = list(Claim.objects.order_by("id"))
    assert {c.team_id for c in claims} == {team.pk}
    assert [c.assigned_to_id for c in claims] == [agents[0].pk, agents[1].pk, agents[0].pk, agents[1].pk]
    via_intake = submit_claim(phone="010-4000-9999", received_at=datetime(2022, 10, 20, 9, 30, tzinfo=KST))
    assert via_intake.first_response_due_at == claims[0].first_response_due_at  # same day, same rules
    assert ClaimHistory.objects.filter(claim__in=claims, event=ClaimHistory.Event.ASSIGNED).count() == 4


def test_claimants_get_the_claim_received_message_after_the_chunk_commits(incident, django_capture_on_commit_callbacks):
    from claims.importer_intake import claims_received_notify_many

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = claims_import_csv(incident=incident, source=io.BytesIO(csv_bytes([row()])))
    assert result.imported == 1 and len(callbacks) == 1
    claim = Claim.objects.get()
    # What the queued task runs; twice, as a redelivered task would.
    claims_received_notify_many(claim_ids=[claim.pk])
    claims_received_notify_many(claim_ids=[claim.pk])
    sent = Notification.objects.get(event="claim_received", claim=claim)
    assert sent.key == f"claim:{claim.pk}:received" and sent.claimant_id == claim.claimant_id
    assert claim.reference in str(sent.context)


def test_source_may_be_a_path(incident, tmp_path: Path):
    path = tmp_path / "claims.csv"
    path.write_bytes(csv_bytes([row()]))
    assert claims_import_csv(incident=incident, source=path, notify=False).imported == 1


def test_statistics_are_refreshed_once_when_an_import_fills_a_table_described_as_empty(incident, settings, monkeypatch):
    from django.db import connection

    settings.REDRESS = {**settings.REDRESS, "IMPORT_CHUNK_ROWS": 3}
    monkeypatch.setattr(importer, "ANALYZE_AFTER_ROWS", 3)
    analysed = []
    real_execute = connection.cursor().__class__.execute

    def spy(self, sql, params=None):
        if str(sql).startswith("ANALYZE"):
            analysed.append(sql)
        return real_execute(self, sql, params)

    monkeypatch.setattr(connection.cursor().__class__, "execute", spy)
    result = run(csv_bytes([row(external_id=f"S{i}", phone=f"010-6000-{i:04d}") for i in range(12)]), incident)
    assert result.imported == 12
    # Once, before the 2nd chunk (3 rows written, statistics said 0); not again as the table keeps growing.
    assert len(analysed) == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'claims_claim'::regclass")
        assert cursor.fetchone()[0] >= 3

    # Statistics that describe the table as large enough already are left to autovacuum.
    run(csv_bytes([row(external_id=f"U{i}", phone=f"010-6100-{i:04d}") for i in range(12)]), incident)
    assert len(analysed) == 1
