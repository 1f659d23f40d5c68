"""Read speed with a million claims: the admin list, the API list and the statistics report.

Targets from issue 2: the admin claims list filtered by status and category, first page, ≤ 300 ms median;
`GET /api/v1/claims/` first page ≤ 100 ms; the statistics endpoint ≤ 200 ms. Requests go through Django's test
client (the whole stack but the socket), logged in as a support agent.

Each case prints the median wall time and the median CPU time (this Python process plus the PostgreSQL backend
serving it, read from /proc/PID/schedstat), each against its target, and the load average before and after: on
a shared machine the wall time includes waiting for a core, the CPU time is what the request costs.

The claims live under their own incident (`bench-1m`), so other benchmarks sharing the database do not change
the statistics measured here; they are loaded once with INSERT … SELECT (bench/synth_sql.py) and reused.

    python -m bench.bench_queries [--size 1000000] [--runs 15]
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable

from bench.common import bench_claims_load, bench_incident, ensure_database

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

TARGETS_MS = {"admin_list": 300, "api_list": 100, "stats": 200}
INCIDENT_CODE = "bench-1m"


def ensure_incident():  # type: ignore[no-untyped-def]
    return bench_incident(code=INCIDENT_CODE, name="벤치마크: 100만 건", reference_prefix="BENCH")


def ensure_claims(incident, size: int) -> int:  # type: ignore[no-untyped-def]
    return bench_claims_load(incident=incident, size=size)


def ensure_agent():  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import Group, User

    from core import roles

    user, _ = User.objects.get_or_create(username="bench_agent", defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name=roles.SUPPORT_AGENT))
    return user


class QueryRecorder:
    """An execute wrapper that keeps the SQL of every query and the time spent waiting for the database."""

    def __init__(self) -> None:
        self.sql: list[str] = []
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.sql.append(sql)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def verdict(ms: float, target: int) -> str:
    return f"{ms / target:4.2f} {'met' if ms <= target else 'NOT'}"


def _python_loop() -> int:
    total = 0
    for i in range(3_000_000):
        total += i
    return total


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def machine_speed() -> str:
    """How busy and how fast this machine is right now, to read the figures below against."""
    wall, cpu = [], []
    for _ in range(3):
        started, cpu_started = time.perf_counter(), time.process_time()
        _python_loop()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    return (
        f"{load_average()}; a 3M-step Python loop takes "
        f"{statistics.median(wall):.0f} ms wall, {statistics.median(cpu):.0f} ms CPU here "
        "(about 90 ms on an unloaded modern core)"
    )


def backend_pid() -> int | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def backend_cpu_ms(pid: int | None) -> float | None:
    """CPU time the PostgreSQL backend serving us has used so far, in ms (/proc/PID/schedstat, nanoseconds), or
    None when the server is not on this machine."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/schedstat") as stat:
            return int(stat.read().split()[0]) / 1e6
    except (OSError, ValueError, IndexError):
        return None


def measure(fn: Callable[[], object], runs: int, warmup: int = 2) -> dict[str, float]:
    """Medians in ms of: wall time; this process's CPU time; the PostgreSQL backend's CPU time; their sum; time
    waiting for the database.

    On a shared machine the wall time includes waiting for a core; the CPU time (Python + PostgreSQL) is what the
    request costs when it has the machine to itself, so both are printed."""
    from django.db import connection

    for _ in range(warmup):
        fn()
    wall, cpu, pg, total, db = [], [], [], [], []
    for _ in range(runs):
        pid = backend_pid()
        recorder = QueryRecorder()
        pg_started = backend_cpu_ms(pid)
        started, cpu_started = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(recorder):
            fn()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        pg_ended = backend_cpu_ms(pid)
        db.append(recorder.seconds * 1000)
        if pg_started is not None and pg_ended is not None and backend_pid() == pid:
            pg.append(pg_ended - pg_started)
            total.append(cpu[-1] + pg[-1])
    nan = float("nan")
    return {
        "wall": statistics.median(wall),
        "max": max(wall),
        "cpu": statistics.median(cpu),
        "pg": statistics.median(pg) if pg else nan,
        "cpu_total": statistics.median(total) if total else statistics.median(cpu),
        "db": statistics.median(db),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    incident = ensure_incident()
    total = ensure_claims(incident, args.size)
    from reporting.services import claim_tally_compact

    claim_tally_compact()  # what the beat task does every 10 minutes
    client = Client()
    client.force_login(ensure_agent())
    print(f"claims in incident {INCIDENT_CODE}: {total:,} (all incidents: ", end="")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM claims_claim")
        print(f"{cursor.fetchone()[0]:,})")

    def get(url: str, **params: str) -> Callable[[], object]:
        def call() -> object:
            response = client.get(url, params)
            if response.status_code != 200:
                raise SystemExit(f"{url} {params} answered {response.status_code}")
            return response

        return call

    common = {"status__exact": "received", "category__exact": "non_monetary"}  # ~23% of the claims
    rare = {"status__exact": "rejected", "category__exact": "paid_service_damage"}  # ~0.14%
    cases = [
        ("admin list, received+non_monetary, p.1", "admin_list", get("/admin/claims/claim/", **common)),
        ("admin list, rejected+paid, p.1", "admin_list", get("/admin/claims/claim/", **rare)),
        ("GET /api/v1/claims/ p.1", "api_list", get("/api/v1/claims/")),
        (
            "GET /api/v1/claims/?status&category p.1",
            "api_list",
            get("/api/v1/claims/", status="received", category="non_monetary"),
        ),
        ("GET /api/v1/stats/claims/ (tallies)", "stats", get("/api/v1/stats/claims/", incident=INCIDENT_CODE)),
    ]
    print(machine_speed())
    print(
        f"medians of {args.runs} runs, in ms. cpu = this Python process + its PostgreSQL backend (py, pg); "
        "db = time waiting for the database"
    )
    print(
        f"{'case':42} {'wall':>7} {'max':>7} {'cpu':>6} {'py':>6} {'pg':>5} {'db':>6} {'target':>6} "
        f"{'wall':>9} {'cpu':>9} {'queries':>7}"
    )
    failed_wall, failed_cpu = [], []
    stats_median = 0.0
    for label, target, call in cases:
        recorder = QueryRecorder()
        with connection.execute_wrapper(recorder):
            call()
        m = measure(call, args.runs)
        limit = TARGETS_MS[target]
        if m["wall"] > limit:
            failed_wall.append(label)
        if m["cpu_total"] > limit:
            failed_cpu.append(label)
        if target == "stats":
            stats_median = m["wall"]
        print(
            f"{label:42} {m['wall']:7.1f} {m['max']:7.1f} {m['cpu_total']:6.1f} {m['cpu']:6.1f} {m['pg']:5.1f} "
            f"{m['db']:6.1f} {limit:6d} {verdict(m['wall'], limit):>9} {verdict(m['cpu_total'], limit):>9} "
            f"{len(recorder.sql):7d}"
        )
        if target == "admin_list":
            counts = [sql for sql in recorder.sql if "COUNT(" in sql.upper() and "claims_claim" in sql]
            estimates = [sql for sql in recorder.sql if sql.startswith("EXPLAIN")]
            print(f"{'':42} claim COUNTs: {len(counts)}, planner row estimates: {len(estimates)}")
    print(f"after the cases: {load_average()}")

    # Named baseline: the same report counted from the claims, as it was before the tallies (and still is on SQLite).
    from claims.selectors import _claim_stats_report, claim_stats_rows_counted
    from reporting.models import ClaimTally

    def counted() -> object:
        return _claim_stats_report(incident=incident, rows=claim_stats_rows_counted(incident=incident))

    baseline = measure(counted, max(3, args.runs // 5), warmup=1)["wall"]
    print(
        f"baseline: counting the {total:,} claims instead {baseline:.0f} ms median; tallies "
        f"{baseline / max(stats_median, 0.001):.0f}x faster ({ClaimTally.objects.filter(incident=incident).count():,} "
        "tally rows, summed by PostgreSQL)"
    )
    print(
        "met = median ≤ target; the cpu verdict is what the request costs without waiting for a busy core. "
        + (f"Over target on wall time: {'; '.join(failed_wall)}. " if failed_wall else "All met on wall time. ")
        + (f"Over target on CPU time: {'; '.join(failed_cpu)}." if failed_cpu else "All met on CPU time.")
    )


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    main()
