"""`manage.py seed_demo`: demo logins for every role, the adopted demo compensation policy and ~200 demo claims.
Safe to run twice."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core import demo, roles


class Command(BaseCommand):
    help = (
        "데모 사용자(역할별), 데모 보상 기준, 데모 피해 신고를 만듭니다. "
        "두 번 실행해도 중복되지 않습니다. DEBUG에서만 실행됩니다."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--claims", type=int, default=demo.DEMO_CLAIMS, help="demo claims to file (default 200)")
        parser.add_argument("--force", action="store_true", help="run even when DEBUG is off (never in production)")
        parser.add_argument("--logins", action="store_true", help="only print the demo logins, write nothing")

    def handle(self, *args: Any, claims: int, force: bool, logins: bool, **options: Any) -> None:
        if logins:
            self._print_logins()
            return
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates users with a published password: it runs only with DEBUG=True (or --force)."
            )
        result = demo.demo_seed(claims=claims)
        self.stdout.write(
            f"demo claims: {result.claims_created} created, {result.claims_existing} already there"
            + (f", {result.claims_rejected} rejected" if result.claims_rejected else "")
            + f" (total {demo.demo_claim_count()})"
        )
        if result.users_created:
            self.stdout.write(f"demo users created: {', '.join(result.users_created)}")
        if result.users_skipped:
            self.stdout.write(f"skipped (role not built yet): {', '.join(result.users_skipped)}")
        if result.policy is not None:
            version = result.policy
            self.stdout.write(
                f"demo compensation policy: {version.policy.name} {version.number}판 ({version.get_status_display()})"
            )
        self._print_logins()

    def _print_logins(self) -> None:
        self.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
        available = demo.demo_logins_available()
        for login in available:
            self.stdout.write(f"  {login.username:<10} {login.role:<19} {login.label}")
        affiliate = next((login for login in available if login.role == roles.AFFILIATE), None)
        token = demo.demo_api_token(username=affiliate.username) if affiliate else None
        if affiliate and token:
            self.stdout.write(
                f"  {affiliate.username} signs in to the API with the header 'Authorization: Token {token}'"
                " (e.g. GET /api/v1/transfers/)"
            )
