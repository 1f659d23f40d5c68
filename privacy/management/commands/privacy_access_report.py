import json

from django.core.management.base import BaseCommand
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from privacy.selectors import access_monthly_review


class Command(BaseCommand):
    help = "개인정보 접근 기록 월간 점검 보고서 (JSON)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--month", help="YYYY-MM (default: last month)")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if options["month"]:
            year, month = (int(part) for part in options["month"].split("-"))
        else:
            today = timezone.localdate()
            year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
        report = access_monthly_review(year=year, month=month)
        self.stdout.write(json.dumps(report, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
