"""`manage.py run_sandbox_gateway --port 8450 [--db var/gateway.sqlite3]`: the sandbox payment gateway as its
own server process (also runnable without Django as `python -m payouts.sandbox.server`)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from payouts.sandbox.server import add_arguments, run_from_options


class Command(BaseCommand):
    help = "샌드박스 지급 게이트웨이(HTTP 서버, 자체 SQLite 원장)를 실행합니다."

    def add_arguments(self, parser: CommandParser) -> None:
        add_arguments(parser, default_db=str(settings.VAR_DIR / "gateway.sqlite3"))

    def handle(self, *args: Any, **options: Any) -> None:
        run_from_options(options)
