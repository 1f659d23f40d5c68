"""`manage.py import_claims`: JSON and human output, and the exit status."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from claims.importer import COLUMNS
from claims.models import Claim
from claims.tests.test_importer import csv_bytes, row
from conftest import ROOT, _database_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def claims_file(tmp_path: Path) -> Path:
    path = tmp_path / "claims.csv"
    path.write_bytes(
        csv_bytes(
            [row(external_id="M1"), row(external_id="M2", phone="없음"), row(external_id="M3", phone="010-9999-0003")],
            encoding="cp949",
        )
    )
    return path


def test_json_prints_exactly_one_object_with_counts_and_rejected_rows(incident, claims_file):
    out = io.StringIO()
    call_command("import_claims", str(claims_file), "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result == {
        "imported": 2,
        "duplicates": 0,
        "rejected": [{"row": 3, "errors": {"phone": ["올바른 전화번호가 아닙니다 (예: 010-1234-5678)."]}}],
        "probable_duplicates": 0,
    }
    assert Claim.objects.filter(incident=incident).count() == 2

    again = io.StringIO()
    call_command("import_claims", str(claims_file), "--json", "--incident", incident.code, stdout=again)
    assert json.loads(again.getvalue())["duplicates"] == 2


def test_no_notify_queues_no_messages(incident, claims_file, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call_command("import_claims", str(claims_file), "--no-notify", stdout=io.StringIO())
    assert callbacks == [] and Claim.objects.count() == 2


def test_summary_is_readable(incident, claims_file, django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call_command("import_claims", str(claims_file), stdout=out)
    assert len(callbacks) == 1  # the claim_received messages of the chunk, queued after commit
    text = out.getvalue()
    assert "등록 imported:            2" in text
    assert "거부 rejected:             1" in text
    assert "3행: phone:" in text


def test_unknown_incident_and_missing_file_are_errors(incident, claims_file, tmp_path):
    with pytest.raises(CommandError, match="장애 코드"):
        call_command("import_claims", str(claims_file), "--incident", "nope")
    with pytest.raises(CommandError, match="파일이 없습니다"):
        call_command("import_claims", str(tmp_path / "missing.csv"))


def _manage(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    return subprocess.run(
        [sys.executable, "manage.py", "import_claims", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_exit_status_is_non_zero_only_when_the_file_is_refused_whole(incident, tmp_path):
    # Nothing here writes a claim, so the subprocess can share the test database safely.
    refused = tmp_path / "refused.csv"
    refused.write_bytes(csv_bytes([row()], columns=[c for c in COLUMNS if c != "external_id"]))
    done = _manage(str(refused), "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout) == {"refused": {"header": ["필수 열이 없습니다: external_id"]}}
    assert "file refused" in done.stderr

    # A file whose rows are all bad is not refused: exit status 0 (call_command raises CommandError otherwise).
    all_bad = tmp_path / "bad-rows.csv"
    all_bad.write_bytes(csv_bytes([row(service="nope"), row(external_id="X2", phone="1")]))
    out = io.StringIO()
    call_command("import_claims", str(all_bad), "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["imported"] == 0 and [r["row"] for r in result["rejected"]] == [2, 3]
