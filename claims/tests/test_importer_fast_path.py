"""The importer's fast checks decide exactly as the shared cleaning functions, and its reader thread is safe."""

import io
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from claims import importer
from claims.importer import COLUMNS, _Validator, claims_import_csv
from claims.intake import claim_text_clean, claimant_clean
from claims.models import Claim
from claims.tests.test_importer import csv_bytes, row
from core.validators import business_no_with_check_digit

pytestmark = pytest.mark.django_db

CLAIMANTS = [
    # (kind, name, email, phone, business_no)
    ("individual", "김민수", "minsu@example.kr", "010-1234-5678", ""),
    ("individual", " 김민수 ", " MinSu@Example.KR ", " 01012345678 ", ""),
    ("individual", "김민수", "", "010 1234 5678", ""),
    ("individual", "김민수", "a.b+c@mail.co.kr", "+82-10-1234-5678", ""),
    ("individual", "김민수", "a..b@example.kr", "010-1234-5678", ""),
    ("individual", "김민수", "user@localhost", "010-1234-5678", ""),
    ("individual", "김민수", "user@exa_mple.kr", "010-1234-5678", ""),
    ("individual", "김민수", "사용자@example.kr", "010-1234-5678", ""),
    ("individual", "김민수", "user@example.kr", "02-123-4567", ""),
    ("individual", "김민수", "user@example.kr", "010-12-5678", ""),
    ("individual", "김민수", "user@example.kr", "０１０-1234-5678", ""),
    ("individual", "", "user@example.kr", "010-1234-5678", ""),
    ("individual", "가" * 101, "user@example.kr", "010-1234-5678", ""),
    ("individual", "김민수 900101-1234567", "user@example.kr", "010-1234-5678", ""),
    ("individual", "김민수", "9001011234567@example.kr", "010-1234-5678", ""),
    ("individual", "김민수", "user@example.kr", "010-1234-5678", business_no_with_check_digit("123456789")),
    ("small_business", "가게", "shop@example.kr", "010-1234-5678", business_no_with_check_digit("123456789")),
    ("small_business", "가게", "shop@example.kr", "010-1234-5678", ""),
    ("enterprise", "회사", "", "02-1234-5678", "123-45-67890"),
    ("company", "김민수", "user@example.kr", "010-1234-5678", ""),
    (" individual ", "김민수", "user@example.kr", "010-1234-5678", ""),
]


def _clean(kind, name, email, phone, business_no):
    try:
        return claimant_clean(kind=kind, name=name, email=email, phone=phone, business_no=business_no)
    except ValidationError as exc:
        return exc.message_dict


@pytest.mark.parametrize("kind,name,email,phone,business_no", CLAIMANTS)
def test_fast_claimant_check_gives_claimant_clean_s_value_or_defers_to_it(
    incident, kind, name, email, phone, business_no
):
    validate = _Validator(incident=incident, columns={c: i for i, c in enumerate(COLUMNS)}, width=len(COLUMNS))
    values = list(row(claimant_kind=kind, name=name, email=email, phone=phone, business_no=business_no).values())
    fast = validate._claimant_fast([*values, ""])
    if fast is not None:
        assert fast == _clean(kind, name, email, phone, business_no)
    # And whichever path ran, the row's outcome is the shared function's.
    checked = validate(2, values)
    expected = _clean(kind, name, email, phone, business_no)
    if "kind" in expected and isinstance(expected["kind"], list):
        expected["claimant_kind"] = expected.pop("kind")
    if isinstance(checked, dict):
        assert {k: v for k, v in checked.items() if k in expected} == expected and all(
            isinstance(v, list) for v in expected.values()
        )
    else:
        assert checked.claimant == expected


@pytest.mark.parametrize(
    "description,amount",
    [
        ("  복구가 언제 되나요? ", ""),
        ("", "420000"),
        ("", " 420000"),
        ("", "   "),
        ("", "420,000원"),
        ("", "-5"),
        ("", "99999999999999"),
        ("", "0012"),
        ("", "²"),
        ("주민번호 900101-1234567", ""),
        ("가" * 10_001, ""),
    ],
)
def test_fast_text_check_matches_claim_text_clean(incident, description, amount):
    validate = _Validator(incident=incident, columns={c: i for i, c in enumerate(COLUMNS)}, width=len(COLUMNS))
    values = list(row(description=description, claimed_amount=amount).values())
    try:
        expected = claim_text_clean(description=description, claimed_amount=amount)
    except ValidationError as exc:
        expected = exc.message_dict
    except ValueError:  # int("²"): the shared function has no answer either
        with pytest.raises(ValueError):
            validate(2, values)
        return
    checked = validate(2, values)
    if isinstance(checked, dict):
        assert checked == expected
    else:
        assert (checked.description, checked.claimed_amount) == (expected["description"], expected["claimed_amount"])


def test_a_failure_while_writing_stops_the_reader_thread(incident, monkeypatch, settings):
    settings.REDRESS = {**settings.REDRESS, "IMPORT_CHUNK_ROWS": 2}
    data = csv_bytes([row(external_id=f"T{i}", phone=f"010-4000-{i:04d}") for i in range(40)])

    def fail(self, rows, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(importer._ChunkWriter, "write", fail)
    with pytest.raises(RuntimeError, match="database went away"):
        claims_import_csv(incident=incident, source=io.BytesIO(data), notify=False)
    assert not [t for t in threading.enumerate() if t.name == "claims-import-reader" and t.is_alive()]
    assert not Claim.objects.filter(external_id__startswith="T").exists()


def test_a_failure_while_reading_is_raised_in_the_caller(incident, monkeypatch):
    def broken(self, number, values):
        raise LookupError("validator bug")

    monkeypatch.setattr(_Validator, "__call__", broken)
    with pytest.raises(LookupError, match="validator bug"):
        claims_import_csv(incident=incident, source=io.BytesIO(csv_bytes([row()])), notify=False)


def _no_helper_threads() -> bool:
    return not [t for t in threading.enumerate() if t.name.startswith("claims-import-") and t.is_alive()]


@pytest.mark.django_db(transaction=True)
def test_pipelined_writer_links_duplicates_across_chunks_and_stops_its_thread(incident, settings):
    # No transaction around the import: chunks are looked up on the helper thread's own connection.
    settings.REDRESS = {**settings.REDRESS, "IMPORT_CHUNK_ROWS": 4}
    data = csv_bytes([row(external_id=f"P{i}", phone=f"010-5000-{i % 7:04d}") for i in range(30)])
    result = claims_import_csv(incident=incident, source=io.BytesIO(data), notify=False)
    assert (result.imported, result.probable_duplicates, result.duplicates) == (30, 23, 0)
    claims = {
        c.external_id: c for c in Claim.objects.filter(external_id__startswith="P").select_related("duplicate_of")
    }
    for i in range(30):
        original = claims[f"P{i}"].duplicate_of
        assert (original.external_id if original else None) == (f"P{i % 7}" if i >= 7 else None)
    assert len({c.reference for c in claims.values()}) == 30
    assert _no_helper_threads()


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_one_incident_take_turns_and_store_each_row_once(incident, settings):
    settings.REDRESS = {**settings.REDRESS, "IMPORT_CHUNK_ROWS": 4}
    data = csv_bytes([row(external_id=f"Q{i}", phone=f"010-5100-{i % 5:04d}") for i in range(30)])
    results = []

    def run_import() -> None:
        try:
            results.append(claims_import_csv(incident=incident, source=io.BytesIO(data), notify=False))
        finally:
            connection.close()

    # Both imports start while something else holds the incident's import lock: both wait, then run in turn.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [importer._ADVISORY_LOCK_NAMESPACE, incident.pk])
    threads = [threading.Thread(target=run_import) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    assert not Claim.objects.filter(external_id__startswith="Q").exists() and not results
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [importer._ADVISORY_LOCK_NAMESPACE, incident.pk])
    for thread in threads:
        thread.join(timeout=60)

    assert sorted((r.imported, r.duplicates) for r in results) == [(0, 30), (30, 0)]
    stored = list(Claim.objects.filter(external_id__startswith="Q").values_list("external_id", flat=True))
    assert sorted(stored) == sorted(f"Q{i}" for i in range(30))
    assert Claim.objects.filter(external_id__startswith="Q", duplicate_of__isnull=True).count() == 5
    assert _no_helper_threads()


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_commit_in_file_order_and_a_failure_rolls_back_every_later_chunk(incident, settings):
    # Chunk 3 fails inside its transaction while chunk 4, on the other writer, is written and waits for its turn.
    settings.REDRESS = {**settings.REDRESS, "IMPORT_CHUNK_ROWS": 2, "IMPORT_WRITERS": 2}
    data = csv_bytes([row(external_id=f"W{i}", phone=f"010-5200-{i:04d}") for i in range(10)])
    seen = []

    def fail_on_third_chunk(processed, total, result):
        seen.append((processed, result.imported, threading.current_thread().name))
        if len(seen) == 3:
            raise RuntimeError("worker killed")

    with pytest.raises(RuntimeError, match="worker killed"):
        claims_import_csv(incident=incident, source=io.BytesIO(data), progress=fail_on_third_chunk, notify=False)
    assert [(processed, imported) for processed, imported, _ in seen] == [(2, 2), (4, 4), (6, 6)]
    assert {name for _, _, name in seen} == {"claims-import-write-0", "claims-import-write-1"}
    stored = sorted(Claim.objects.filter(external_id__startswith="W").values_list("external_id", flat=True))
    assert stored == ["W0", "W1", "W2", "W3"]  # whole chunks, in file order, nothing after the failed one
    assert _no_helper_threads()

    resumed = claims_import_csv(incident=incident, source=io.BytesIO(data), notify=False)
    assert (resumed.imported, resumed.duplicates) == (6, 4)
    assert Claim.objects.filter(external_id__startswith="W").count() == 10


@pytest.mark.django_db(transaction=True)
def test_a_claim_s_service_must_belong_to_its_incident(incident):
    from claims.models import Incident, Service

    other = Incident.objects.create(
        code="other-outage", name="다른 장애", occurred_at=incident.occurred_at, reference_prefix="OTH-2022"
    )
    foreign = Service.objects.create(
        incident=other, code="kakaotalk", name="카카오톡", outage_started_at=incident.occurred_at
    )
    claims_import_csv(incident=incident, source=io.BytesIO(csv_bytes([row(external_id="F1")])), notify=False)
    claim = Claim.objects.get(external_id="F1")
    with pytest.raises(IntegrityError, match="claim_service_of_incident_fk"), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(service=foreign)
    assert Claim.objects.get(pk=claim.pk).service.incident_id == incident.pk
