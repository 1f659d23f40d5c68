"""The importer's fast checks decide exactly as the shared cleaning functions, and its reader thread is safe."""

import io
import threading

import pytest
from django.core.exceptions import ValidationError

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
def test_rows_another_import_commits_meanwhile_are_skipped_not_imported_twice(incident, settings, monkeypatch):
    settings.REDRESS = {**settings.REDRESS, "IMPORT_CHUNK_ROWS": 4}
    rows = [row(external_id=f"Q{i}", phone=f"010-5100-{i % 5:04d}") for i in range(30)]
    look_up = importer._ChunkWriter._look_up
    raced = []

    def racing_look_up(self, chunk, in_transaction):
        planned = look_up(self, chunk, in_transaction)
        if not raced and any(r.external_id == "Q13" for r in chunk.rows):
            # Another import commits a row of this chunk after it was looked up, before it commits.
            raced.append("racing")  # the other import looks up its chunk too
            raced[0] = claims_import_csv(incident=incident, source=io.BytesIO(csv_bytes([rows[13]])), notify=False)
        return planned

    monkeypatch.setattr(importer._ChunkWriter, "_look_up", racing_look_up)
    result = claims_import_csv(incident=incident, source=io.BytesIO(csv_bytes(rows)), notify=False)
    assert raced[0].imported == 1
    assert (result.imported, result.duplicates, result.total_rows) == (29, 1, 30)
    stored = list(Claim.objects.filter(external_id__startswith="Q").values_list("external_id", flat=True))
    assert sorted(stored) == sorted(f"Q{i}" for i in range(30))
    assert Claim.objects.filter(external_id__startswith="Q", duplicate_of__isnull=True).count() == 5
    assert _no_helper_threads()
