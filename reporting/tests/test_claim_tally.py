"""The claim tallies agree with a count of the claims after every kind of write, and survive compaction."""

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from bench.synth_sql import insert_claims
from claims.models import Claim
from claims.selectors import claim_stats, claim_stats_rows_counted
from claims.tests.factories import submit_claim
from claims.workflow import claim_transition
from reporting.models import ClaimTally
from reporting.selectors import claim_tally_rows
from reporting.services import claim_tally_compact
from reporting.tasks import claim_tally_compact_task

pytestmark = pytest.mark.django_db


def assert_tally_matches_count(incident) -> None:
    tallied = Counter(claim_tally_rows(incident=incident))
    counted = Counter(claim_stats_rows_counted(incident=incident))
    assert tallied == counted
    assert sum(row[6] for row in tallied) == Claim.objects.filter(incident=incident).count()


def sql(statement: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def test_tally_follows_every_writer(incident, agent):
    # Intake, one claim at a time.
    first = submit_claim()
    submit_claim(service_code="kakao_t")
    submit_claim(kind="small_business", business_no="220-81-62517", name="꽃집", claimed_amount=300_000)
    submit_claim(received_at=datetime(2022, 10, 19, 23, 30, tzinfo=ZoneInfo("UTC")))  # 20 Oct in Seoul
    assert_tally_matches_count(incident)

    # A transition through the workflow service, and a repeat of it (no change).
    claim_transition(claim=first, to=Claim.Status.IN_REVIEW, actor=agent)
    claim_transition(claim=first, to=Claim.Status.IN_REVIEW, actor=agent)
    assert_tally_matches_count(incident)

    # A bulk insert in one statement, as the importer's COPY or the benchmark loader writes.
    insert_claims(
        incident=incident,
        operator="own",
        categories={"paid_service_damage": 40, "non_monetary": 60},
        kinds={"individual": 90, "small_business": 10},
        statuses={"received": 70, "in_review": 30},
        claimants_per_kind=5,
    )
    assert_tally_matches_count(incident)

    # Bulk updates of the counted columns (status, category, service, the day), and of an uncounted one.
    assert sql("UPDATE claims_claim SET status = 'closed' WHERE status = 'in_review' AND paid") > 0
    sql("UPDATE claims_claim SET received_at = received_at + interval '3 days' WHERE mod(id, 3) = 0")
    sql("UPDATE claims_claim SET description = description || '!'")
    assert_tally_matches_count(incident)

    # An insert that conflicts writes nothing, and deletes take claims out.
    sql("INSERT INTO claims_claim SELECT * FROM claims_claim WHERE id = %s ON CONFLICT DO NOTHING", [first.pk])
    removed = sql(
        "DELETE FROM claims_claim WHERE external_id IS NULL AND claimant_id NOT IN "
        "(SELECT claimant_id FROM claims_claim WHERE id = %s) AND mod(id, 4) = 0 "
        "AND NOT EXISTS (SELECT 1 FROM notifications_notification n WHERE n.claim_id = claims_claim.id)",
        [first.pk],
    )
    assert removed > 0
    assert_tally_matches_count(incident)


def test_tally_follows_the_bulk_import(incident, tmp_path):
    """The importer streams claims with COPY: the insert trigger sees those rows too."""
    from bench.synth import write_csv
    from claims.importer import claims_import_csv

    submit_claim()
    result = claims_import_csv(incident=incident, source=write_csv(tmp_path / "claims.csv", 300), notify=False)
    assert result.imported > 250
    assert_tally_matches_count(incident)
    # The same file again imports nothing and changes no tally.
    before = Counter(claim_tally_rows(incident=incident))
    claims_import_csv(incident=incident, source=tmp_path / "claims.csv", notify=False)
    assert Counter(claim_tally_rows(incident=incident)) == before


def test_compaction_folds_rows_and_keeps_the_sums(incident):
    for _ in range(3):
        submit_claim()
        submit_claim(service_code="kakao_t")
    sql(
        "UPDATE claims_claim SET status = 'closed' WHERE service_id IN (SELECT id FROM claims_service WHERE code = 'kakao_t')"
    )
    before = Counter(claim_tally_rows(incident=incident))
    assert ClaimTally.objects.count() > len(before)  # one row per statement and group, some of them negative

    left = claim_tally_compact()

    assert left == ClaimTally.objects.count() == len(before)  # one row per non-empty group
    assert Counter(claim_tally_rows(incident=incident)) == before
    assert not ClaimTally.objects.filter(n__lte=0).exists()
    claim_tally_compact_task()  # the periodic task; running it again changes nothing
    assert Counter(claim_tally_rows(incident=incident)) == before
    assert_tally_matches_count(incident)


def test_report_from_tallies_is_current_and_equals_the_count(incident):
    submit_claim()
    submit_claim(paid=True, service_code="emoticon_plus")
    first = claim_stats(incident=incident)
    submit_claim(service_code="kakao_t")
    # Nothing is cached: a claim filed a moment ago is in the next report.
    second = claim_stats(incident=incident)
    assert (first["total"], second["total"]) == (2, 3)
    from claims.selectors import _claim_stats_report

    counted = _claim_stats_report(incident=incident, rows=claim_stats_rows_counted(incident=incident))
    assert {k: v for k, v in counted.items() if k != "generated_at"} == {
        k: v for k, v in second.items() if k != "generated_at"
    }
