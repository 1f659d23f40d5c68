"""`manage.py import_claims PATH [--incident CODE] [--json]`: the bulk import from the command line."""

import json
import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.importer import ImportResult, claims_import_csv
from claims.models import Incident
from claims.selectors import incident_get_default

REJECTED_SHOWN = 20


class Command(BaseCommand):
    help = (
        "CSV 파일의 피해 신고를 일괄 등록합니다 (UTF-8 또는 CP949). Import claims from a CSV file. "
        "Bad rows are reported and skipped; the exit status is non-zero only when the file is refused whole."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="CSV file; header row required")
        parser.add_argument("--incident", metavar="CODE", help="incident code (default: the open incident)")
        parser.add_argument("--json", action="store_true", help="print one JSON object with the result")
        parser.add_argument("--no-notify", action="store_true", help="do not send claimants the claim_received message")

    def handle(self, *args: Any, **options: Any) -> None:
        as_json = options["json"]
        incident = self._incident(options["incident"])
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"파일이 없습니다: {path}")
        show_progress = not as_json and options["verbosity"] >= 1 and sys.stderr.isatty()
        try:
            result = claims_import_csv(
                incident=incident,
                source=path,
                progress=self._progress if show_progress else None,
                notify=not options["no_notify"],
            )
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"file": exc.messages}
            if as_json:
                self.stdout.write(json.dumps({"refused": errors}, ensure_ascii=False))
            raise CommandError(
                "파일 전체를 거부했습니다 (등록된 건 없음) / file refused, nothing imported: "
                + "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())
            ) from exc
        if show_progress:
            self.stderr.write("")
        if as_json:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        else:
            self._summary(result, incident)

    def _incident(self, code: str | None) -> Incident:
        if code:
            incident = Incident.objects.filter(code=code).first()
            if incident is None:
                raise CommandError(f"장애 코드를 찾을 수 없습니다: {code}")
            return incident
        incident = incident_get_default()
        if incident is None:
            raise CommandError("접수 중인 장애가 없습니다. --incident CODE 로 지정해 주세요.")
        return incident

    def _progress(self, processed: int, total: int, result: ImportResult) -> None:
        self.stderr.write(f"\r{processed:,} / {total:,} 행 처리", ending="")
        self.stderr.flush()

    def _summary(self, result: ImportResult, incident: Incident) -> None:
        write = self.stdout.write
        write(f"{incident.code}: {result.total_rows:,}행 / rows")
        write(self.style.SUCCESS(f"  등록 imported:            {result.imported:,}"))
        write(f"  이미 등록됨 duplicates:    {result.duplicates:,}")
        write(f"  중복 의심 probable dup.:   {result.probable_duplicates:,}")
        style = self.style.WARNING if result.rejected else str
        write(style(f"  거부 rejected:             {len(result.rejected):,}"))
        for item in result.rejected[:REJECTED_SHOWN]:
            reasons = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in item["errors"].items())
            write(f"    {item['row']}행: {reasons}")
        if len(result.rejected) > REJECTED_SHOWN:
            write(f"    … {len(result.rejected) - REJECTED_SHOWN:,}건 더 (--json 으로 전체 보기 / all with --json)")
