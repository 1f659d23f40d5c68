"""Reads of the claim tallies."""

from datetime import date
from typing import Any, TypedDict, cast

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


class TallyTotals(TypedDict):
    """Claim counts of one incident by each attribute the report breaks down by (groups of zero left out)."""

    operator: dict[str, int]
    operator_category: dict[tuple[str, str], int]
    operator_claimant_kind: dict[tuple[str, str], int]
    service: dict[int, int]
    status: dict[str, int]
    day: dict[date, int]


_COLUMNS = ("operator", "category", "claimant_kind", "service_id", "status", "day")
# Each breakdown and the columns it groups by; GROUPING() tells a result row's set by the columns it leaves out.
_SETS = {
    "operator": ("operator",),
    "operator_category": ("operator", "category"),
    "operator_claimant_kind": ("operator", "claimant_kind"),
    "service": ("service_id",),
    "status": ("status",),
    "day": ("day",),
}
_SET_BY_MASK = {
    sum(1 << (len(_COLUMNS) - 1 - i) for i, column in enumerate(_COLUMNS) if column not in columns): (name, columns)
    for name, columns in _SETS.items()
}
_TOTALS_SQL = f"""
SELECT GROUPING({", ".join(_COLUMNS)}), {", ".join(_COLUMNS)}, sum(n)
FROM reporting_claimtally
WHERE incident_id = %s
GROUP BY GROUPING SETS ({", ".join("(" + ", ".join(columns) + ")" for columns in _SETS.values())})
HAVING sum(n) <> 0
"""


def claim_tally_totals(*, incident: Any) -> TallyTotals:
    """The report's breakdowns summed by PostgreSQL in one pass over the tallies (GROUPING SETS): some sixty rows
    reach Python instead of one per combination of all six attributes (thousands: one per day and service and
    status...), which made reading and folding them most of the statistics endpoint's time."""
    totals: dict[str, dict[Any, int]] = {name: {} for name in _SETS}
    with connection.cursor() as cursor:
        cursor.execute(_TOTALS_SQL, [incident.pk])
        for mask, *values, n in cursor.fetchall():
            name, columns = _SET_BY_MASK[mask]
            row = dict(zip(_COLUMNS, values, strict=True))
            key = row[columns[0]] if len(columns) == 1 else tuple(row[column] for column in columns)
            totals[name][key] = int(n)
    return cast(TallyTotals, totals)
