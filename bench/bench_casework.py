"""Case-work write speed: what a bulk job costs over the plain service loop, freezing a selection, exports.

Figures and their baselines:
  1. bulk close job (item lock + status + counters per item, one transaction each) vs claim_transition called
     in a plain loop over the same number of claims: the ratio is the price of resumability;
  2. freezing a selection with one INSERT … SELECT vs building the items in Python (bulk_create of ids);
  3. transfer export rows per second, CSV and XLSX.
Claims are written straight into PostgreSQL (bench/synth_sql.py) under their own incident (`bench-casework`),
each run on fresh rows.

    python -m bench.bench_casework [--size 2000]
"""

import argparse
import os
import time

from bench.common import bench_incident, ensure_database

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

INCIDENT_CODE = "bench-casework"


def ensure_incident():  # type: ignore[no-untyped-def]
    return bench_incident(code=INCIDENT_CODE, name="벤치마크: 사건 처리", reference_prefix="BCW")


def ensure_agent():  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import Group, User

    from core import roles

    user, _ = User.objects.get_or_create(username="bench-casework-agent", defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name=roles.SUPPORT_AGENT))
    return User.objects.get(pk=user.pk)  # fresh permission cache


def fresh_claims(incident, n: int, *, operator: str = "own") -> list[int]:  # type: ignore[no-untyped-def]
    from bench.synth_sql import IdSlots, insert_claims
    from claims.models import Claim

    slots = IdSlots.reserve(n)
    category = Claim.Category.AFFILIATE if operator == "affiliate" else Claim.Category.NON_MONETARY
    insert_claims(
        incident=incident,
        operator=operator,
        categories={category: n},
        kinds={"individual": n},
        statuses={"received": n},
        slots=slots,
    )
    return list(Claim.objects.filter(pk__gte=slots.first_id, pk__lt=slots.first_id + n).values_list("pk", flat=True))


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:8.1f}/s ({seconds * 1000:7.0f} ms for {n:,})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2000)
    args = parser.parse_args()
    n = args.size

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from claims.casework.bulk import _freeze_selection, claim_bulk_job_create, claim_bulk_job_run
    from claims.casework.exports import transfer_export_csv, transfer_export_xlsx
    from claims.models import Claim, ClaimBulkJob, TransferBatch, TransferItem
    from claims.workflow import claim_transition
    from config.celery import app

    incident = ensure_incident()
    agent = ensure_agent()

    # 1. bulk job vs plain loop
    loop_ids = fresh_claims(incident, n)
    started = time.perf_counter()
    for pk in loop_ids:
        claim_transition(claim=Claim(pk=pk), to=Claim.Status.CLOSED, actor=agent, reason="벤치마크 종결")
    loop_s = time.perf_counter() - started

    job_ids = fresh_claims(incident, n)
    started = time.perf_counter()
    job = claim_bulk_job_create(
        action="close", claims=Claim.objects.filter(pk__in=job_ids), actor=agent, params={"reason": "벤치마크 종결"}
    )
    freeze_s = time.perf_counter() - started
    started = time.perf_counter()
    job = claim_bulk_job_run(job_id=job.pk)
    job_s = time.perf_counter() - started
    assert job.status == ClaimBulkJob.Status.DONE and job.done_count == n, (job.status, job.done_count)
    print(f"close, plain claim_transition loop (baseline): {rate(n, loop_s)}")
    print(f"close, bulk job items:                         {rate(n, job_s)}  ratio {loop_s / job_s:.2f}x")

    # 2. freezing the selection
    everything = Claim.objects.filter(incident=incident)
    total = everything.count()
    baseline_job = ClaimBulkJob.objects.create(action="close", params={"reason": "x"}, created_by=agent)
    started = time.perf_counter()
    _freeze_selection(job=baseline_job, claims=list(everything.values_list("pk", flat=True)))
    python_s = time.perf_counter() - started
    sql_job = ClaimBulkJob.objects.create(action="close", params={"reason": "x"}, created_by=agent)
    started = time.perf_counter()
    _freeze_selection(job=sql_job, claims=everything)
    sql_s = time.perf_counter() - started
    print(f"freeze {total:,} claims, ids in Python + bulk_create (baseline): {python_s * 1000:7.0f} ms")
    print(f"freeze {total:,} claims, INSERT … SELECT:                        {sql_s * 1000:7.0f} ms"
          f"  ratio {python_s / sql_s:.1f}x  (job creation with {n:,}: {freeze_s * 1000:.0f} ms)")  # fmt: skip

    # 3. export
    batch = TransferBatch.objects.create(affiliate_id=incident.services.exclude(affiliate=None)[0].affiliate_id,
                                         created_by=agent)  # fmt: skip
    TransferItem.objects.bulk_create(
        TransferItem(batch=batch, claim_id=pk) for pk in fresh_claims(incident, n, operator="affiliate")
    )
    started = time.perf_counter()
    csv_bytes = transfer_export_csv(batch=batch)
    csv_s = time.perf_counter() - started
    started = time.perf_counter()
    xlsx_bytes = transfer_export_xlsx(batch=batch)
    xlsx_s = time.perf_counter() - started
    print(f"export CSV:  {rate(n, csv_s)}  {len(csv_bytes) / 1024:,.0f} KiB")
    print(f"export XLSX: {rate(n, xlsx_s)}  {len(xlsx_bytes) / 1024:,.0f} KiB  (CSV is {xlsx_s / csv_s:.1f}x faster)")

    # Nothing consumes this run's claim_closed deliveries; leave the broker as we found it.
    with app.connection_for_write() as conn:
        app.control.purge(connection=conn)


if __name__ == "__main__":
    main()
