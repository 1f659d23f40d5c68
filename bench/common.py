"""Setup shared by the benchmarks: their own PostgreSQL database, an incident of their own with a copy of the 2022
service catalogue (so the figures measure only their rows), and synthetic claims loaded once and reused."""

import os
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse


def ensure_database() -> None:
    """Create the benchmark database (DATABASE_URL) if it does not exist yet."""
    import psycopg

    url = urlparse(os.environ["DATABASE_URL"])
    name = url.path.lstrip("/")
    with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def bench_incident(*, code: str, name: str, reference_prefix: str) -> Any:
    """An incident of the benchmark's own with a copy of the 2022 fire's services."""
    from claims.models import Incident, Service

    source = Incident.objects.get(code="2022-pangyo-dc-fire")
    incident, _ = Incident.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "company_name": source.company_name,
            "occurred_at": source.occurred_at,
            "reference_prefix": reference_prefix,
            "is_open": False,
        },
    )
    for service in Service.objects.filter(incident=source):
        Service.objects.get_or_create(
            incident=incident,
            code=service.code,
            defaults={
                "name": service.name,
                "affiliate": service.affiliate,
                "outage_started_at": service.outage_started_at,
                "outage_ended_at": service.outage_ended_at,
                "monthly_fee_won": service.monthly_fee_won,
            },
        )
    return incident


def bench_claims_load(*, incident: Any, size: int, after_load: Callable[[Any], None] | None = None) -> int:
    """Top the incident up to `size` claims in the reported mix (INSERT … SELECT); `after_load(cursor)` adjusts the
    fixture rows just loaded. Returns the incident's claim count."""
    from django.db import connection

    from bench.synth_sql import insert_reported_mix
    from claims.models import Claim

    have = Claim.objects.filter(incident=incident).count()
    if have < size:
        started = time.perf_counter()
        insert_reported_mix(incident=incident, total=size - have, salt=have)
        elapsed = time.perf_counter() - started
        print(f"loaded {size - have:,} claims in {elapsed:.1f} s ({(size - have) / elapsed:,.0f} rows/s)")
        with connection.cursor() as cursor:
            if after_load is not None:
                after_load(cursor)
            # Fresh statistics and a set visibility map, as autovacuum would leave them on a live system.
            cursor.execute("VACUUM ANALYZE claims_claimant")
            cursor.execute("VACUUM ANALYZE claims_claim")
    return Claim.objects.filter(incident=incident).count()
