"""Reads of the claim tallies."""

from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Sum

from reporting.models import ClaimTally

TallyRow = tuple[str, str, str, int, str, date, int]


def claim_tally_available() -> bool:
    """The triggers that keep the tallies exist only on PostgreSQL (SQLite in `make run` counts rows instead)."""
    return connection.vendor == "postgresql"


def claim_tally_rows(*, incident: Any) -> list[TallyRow]:
    """(operator, category, claimant_kind, service_id, status, day, count) for every non-empty group now."""
    rows = (
        ClaimTally.objects.filter(incident=incident)
        .values_list("operator", "category", "claimant_kind", "service_id", "status", "day")
        .annotate(total=Sum("n"))
        .order_by()
    )
    return [row for row in rows if row[6]]
