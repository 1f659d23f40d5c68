"""Writes to the claim tallies. The triggers add rows; this folds them together so reads stay small."""

from django.db import connection, transaction

_COMPACT = """
WITH gone AS (
    DELETE FROM reporting_claimtally
    RETURNING incident_id, operator, category, claimant_kind, service_id, status, day, n
)
INSERT INTO reporting_claimtally (incident_id, operator, category, claimant_kind, service_id, status, day, n)
SELECT incident_id, operator, category, claimant_kind, service_id, status, day, sum(n)
FROM gone
GROUP BY incident_id, operator, category, claimant_kind, service_id, status, day
HAVING sum(n) <> 0
ORDER BY incident_id, operator, category, claimant_kind, service_id, status, day
"""


@transaction.atomic
def claim_tally_compact() -> int:
    """Replace the rows of every group by their sum (dropping groups that sum to zero); returns the rows left.

    Safe beside the triggers and a second compaction: rows committed after this statement began are neither
    deleted nor summed here, and a row another compaction deleted first is skipped."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_COMPACT)
        return cursor.rowcount
