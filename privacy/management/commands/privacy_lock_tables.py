from django.core.management.base import BaseCommand, CommandError
from django.db import connection

APPEND_ONLY_TABLES = ["privacy_personaldataaccess", "privacy_destructionlog", "accounts_rolechange"]


class Command(BaseCommand):
    help = (
        "Revoke UPDATE, DELETE and TRUNCATE on the audit tables from the application's database role "
        "(run once per deployment as the database owner; retention purges then run as the owner)."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--role", required=True, help="the role the web and worker processes connect as")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if connection.vendor != "postgresql":
            raise CommandError("Only PostgreSQL has roles to lock.")
        role = options["role"]
        with connection.cursor() as cursor:
            for table in APPEND_ONLY_TABLES:
                cursor.execute(f'REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM "{role}"')
                cursor.execute(f'GRANT SELECT, INSERT ON {table} TO "{role}"')
        self.stdout.write(f"{', '.join(APPEND_ONLY_TABLES)}: append-only for {role}")
