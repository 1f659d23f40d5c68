"""`manage.py run_sandbox_gateway --port 8450`: the sandbox payment gateway as its own server process."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from payouts.sandbox.server import serve


class Command(BaseCommand):
    help = "샌드박스 지급 게이트웨이(HTTP 서버, 자체 SQLite 원장)를 실행합니다."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8450)
        parser.add_argument("--db", default=str(settings.VAR_DIR / "gateway.sqlite3"), help="the sandbox's own ledger")
        parser.add_argument("--latency-ms", type=float, default=0.0)
        parser.add_argument("--error-rate", type=float, default=0.0, help="share of POSTs answered 503 before commit")
        parser.add_argument("--timeout-rate", type=float, default=0.0, help="share of POSTs that hang after commit")
        parser.add_argument("--hang-seconds", type=float, default=5.0)
        parser.add_argument("--closed-accounts", default="", help="comma-separated account numbers")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--verbose", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        faults = {
            "latency_ms": options["latency_ms"],
            "error_rate": options["error_rate"],
            "timeout_rate": options["timeout_rate"],
            "hang_seconds": options["hang_seconds"],
            "closed_accounts": [a for a in options["closed_accounts"].split(",") if a],
            "seed": options["seed"],
        }
        serve(
            host=options["host"],
            port=options["port"],
            db_path=options["db"],
            faults=faults,
            verbose=options["verbose"],
        )
