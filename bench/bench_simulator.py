"""Policy simulator speed: a 20-rule version over 1,000,000 claims, target ≤ 10 s on PostgreSQL.

Baseline: the row-by-row Python evaluator (`compensation.engine`, the one that assesses claims), timed on a
sample of claims (fetching their facts included) and extrapolated linearly to the whole set; the ratio printed
is baseline seconds / SQL seconds. The claims are the `bench-1m` incident that bench/bench_queries.py also
uses (loaded once with INSERT … SELECT by bench/synth_sql.py and reused).

    python -m bench.bench_simulator [--size 1000000] [--runs 3] [--sample 50000] [--verify] [--explain]

CPU is reported beside wall time because the machine is shared: wall time there mostly measures the queue for
the cores. The SQL figure is the backend's CPU plus that of every parallel worker it started (from /proc, so
PostgreSQL must run on this machine), measured once as the planner chooses and once with parallel workers off.
`--verify` also runs the row-by-row engine over every claim and checks it gives the same groups as the SQL;
`--explain` prints EXPLAIN (ANALYZE, BUFFERS) of the simulator's statement under the settings it runs with.
"""

import argparse
import os
import statistics
import sys
import threading
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.common import bench_claims_load, bench_incident, ensure_database

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

KST = ZoneInfo("Asia/Seoul")
TARGET_SECONDS = 10.0
INCIDENT_CODE = "bench-1m"
POLICY_CODE = "bench-20-rules"


def ensure_incident_and_claims(size: int):  # type: ignore[no-untyped-def]
    """The same incident and claims as bench_queries (loaded once, reused by both)."""
    incident = bench_incident(code=INCIDENT_CODE, name="벤치마크: 100만 건", reference_prefix="BENCH")
    return incident, bench_claims_load(incident=incident, size=size)


def process_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process on this machine, from /proc; -1 when unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return -1.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class PostgresCpu:
    """CPU seconds of one PostgreSQL backend and of the parallel workers it starts, over a `with` block.

    Parallel workers are separate processes (children of the postmaster, cmdline "parallel worker for PID n")
    that exit when their query ends, taking their CPU counters with them, so a thread polls the postmaster's
    children every `interval` seconds and keeps the last CPU figure seen for each worker of this backend. A
    worker's CPU after the last poll before it exits is missed (at most `interval` per worker)."""

    def __init__(self, backend: int, interval: float = 0.01) -> None:
        self.backend = backend
        self.interval = interval
        self.marker = f"parallel worker for PID {backend}".encode()
        try:  # the postmaster is the backend's parent
            self.postmaster = int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:  # PostgreSQL on another machine: no CPU figure (seconds < 0)
            self.postmaster = -1
        self.workers: dict[int, float] = {}
        self.others: set[int] = set()
        self.backend_seconds = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _children(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.postmaster}/task/{self.postmaster}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]

    def _sample(self) -> None:
        for pid in self._children():
            if pid in self.others:
                continue
            if pid not in self.workers:
                try:
                    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                if self.marker not in cmdline:
                    self.others.add(pid)
                    continue
            seconds = process_cpu_seconds(pid)
            if seconds >= 0:
                self.workers[pid] = seconds

    def _poll(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> "PostgresCpu":
        self._sample()
        self.others |= set(self.workers)  # workers of an earlier statement, if any, are not ours
        self.workers.clear()
        self._start = process_cpu_seconds(self.backend)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.backend_seconds = process_cpu_seconds(self.backend) - self._start
        self._stop.set()
        self._thread.join()

    @property
    def seconds(self) -> float:
        if self.postmaster < 0:
            return -1.0
        return self.backend_seconds + sum(self.workers.values())


def twenty_rules(services: dict[str, int]) -> list[dict]:  # type: ignore[type-arg]
    """Twenty rules using every kind of condition and remedy the engine has (the order is the priority)."""
    own_free = [services[c] for c in ("kakaotalk", "kakao_mail", "daum_mail", "kakao_map", "daum_cafe")]
    rules: list[dict] = [  # type: ignore[type-arg]
        {"name": "대기업 개별 심사", "match_claimant_kind": "enterprise", "remedy": "individual_review"},
        {"name": "소상공인 고액 개별 심사", "match_claimant_kind": "small_business", "min_claimed_won": 1_000_001,
         "remedy": "individual_review"},
        {"name": "소상공인 증빙 제출 비례", "match_claimant_kind": "small_business", "match_evidence": True,
         "remedy": "cash_proportional", "percent": Decimal("20"), "proportional_base": "claimed",
         "use_sector_margin": True},
        {"name": "소상공인 구간", "match_claimant_kind": "small_business", "match_operator": "own",
         "remedy": "cash_tiered", "bands": [(0, 100_000, 10_000), (100_001, 300_000, 30_000),
                                            (300_001, 500_000, 50_000), (500_001, 1_000_000, 80_000)]},
        {"name": "톡서랍 플러스 연장", "match_paid": True, "services": [services["talk_drawer_plus"]],
         "remedy": "service_credit", "credit_days": 6},
        {"name": "이모티콘 플러스 연장", "match_paid": True, "services": [services["emoticon_plus"]],
         "remedy": "service_credit", "credit_days": 5},
        {"name": "유료 카카오톡 이용료 비례", "match_paid": True, "services": [services["kakaotalk"]],
         "remedy": "cash_proportional", "percent": Decimal("300"), "proportional_base": "monthly_fee_days"},
        {"name": "유료 메일 정액", "match_paid": True, "services": [services["kakao_mail"]],
         "remedy": "cash_flat", "amount_won": 2_000, "use_alternative": True},
        {"name": "장기 장애 서비스 유료", "match_paid": True, "min_outage_hours": Decimal("100"),
         "remedy": "service_credit", "credit_days": 7},
        {"name": "초기 접수 무료 고액", "match_category": "free_service_monetary", "min_claimed_won": 700_000,
         "filed_until": datetime(2022, 10, 25, tzinfo=KST), "remedy": "cash_proportional", "percent": Decimal("5"),
         "proportional_base": "claimed", "use_market_share": True},
        {"name": "무료 금전 피해 중액", "match_category": "free_service_monetary", "min_claimed_won": 200_000,
         "max_claimed_won": 699_999, "remedy": "cash_flat", "amount_won": 20_000},
        {"name": "무료 금전 피해 소액", "match_category": "free_service_monetary", "max_claimed_won": 199_999,
         "match_claimant_kind": "individual", "remedy": "cash_flat", "amount_won": 5_000},
        {"name": "단기 장애 서비스 무료", "match_paid": False, "max_outage_hours": Decimal("30"),
         "match_claimant_kind": "individual", "remedy": "none", "none_reason": "장애 시간이 짧아 보상 대상 아님"},
        {"name": "주요 서비스 개인 무료 현물", "match_paid": False, "services": own_free,
         "match_claimant_kind": "individual", "remedy": "in_kind", "in_kind_item": "이모티콘 3종",
         "in_kind_value_won": 3_300},
        {"name": "후기 접수 개인", "match_claimant_kind": "individual", "filed_from": datetime(2022, 11, 1, tzinfo=KST),
         "remedy": "in_kind", "in_kind_item": "쿠폰", "in_kind_value_won": 1_000},
        {"name": "계열사 이관 건 안내", "match_category": "affiliate", "include_excluded": True,
         "remedy": "none", "none_reason": "계열사 보상 절차로 이관"},
        {"name": "비금전 격려 감사 쿠폰", "match_category": "non_monetary", "include_excluded": True,
         "match_claimant_kind": "small_business", "remedy": "in_kind", "in_kind_item": "감사 쿠폰",
         "in_kind_value_won": 500},
        {"name": "기타 유료 이용자", "match_paid": True, "match_operator": "own", "remedy": "service_credit",
         "credit_days": 3},
        {"name": "기타 소상공인", "match_claimant_kind": "small_business", "remedy": "cash_flat",
         "amount_won": 10_000},
        {"name": "기타 개인", "match_claimant_kind": "individual", "remedy": "in_kind", "in_kind_item": "쿠폰",
         "in_kind_value_won": 500},
    ]  # fmt: skip
    return rules


def ensure_version(incident):  # type: ignore[no-untyped-def]
    from claims.models import Service
    from compensation.models import CausationParameter, Policy, Rule
    from compensation.services import causation_parameter_save, policy_create, policy_version_create, rule_save

    policy = Policy.objects.filter(incident=incident, code=POLICY_CODE).first()
    if policy is None:
        policy = policy_create(incident=incident, code=POLICY_CODE, name="벤치마크 20개 규칙", actor=None)
    version = policy.versions.filter(status="draft").order_by("-number").first()
    if version is not None and version.rules.count() == 20:
        return version
    version = policy_version_create(
        policy=policy,
        actor=None,
        cap_per_claim_won=60_000,
        cap_per_claimant_won=100_000,
        minimum_payment_won=1_000,
    )
    services = dict(Service.objects.filter(incident=incident).values_list("code", "pk"))
    for code, margin in (("kakaotalk", "0.25"), ("kakao_mail", "0.4"), ("daum_cafe", "0.3")):
        causation_parameter_save(
            parameter=CausationParameter(
                version=version,
                service_id=services[code],
                sector_margin=Decimal(margin),
                market_share=Decimal("0.8"),
                alternative_available=True,
                alternative_factor=Decimal("0.5"),
            ),
            actor=None,
        )
    for priority, spec in enumerate(twenty_rules(services), start=1):
        spec = dict(spec)
        bands = spec.pop("bands", [])
        chosen = set(spec.pop("services", []))
        rule_save(
            rule=Rule(version=version, priority=priority * 10, **spec), bands=bands, service_ids=chosen, actor=None
        )
    return version


def measure_sql(version, runs: int, *, parallel: bool):  # type: ignore[no-untyped-def]
    """(wall seconds, PostgreSQL CPU seconds, workers seen, last result) for each of `runs` simulations."""
    from django.db import connection

    from compensation.simulation import simulate

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
        # A session setting, under the SET LOCALs the simulator makes for its own statement.
        cursor.execute(
            "RESET max_parallel_workers_per_gather" if parallel else "SET max_parallel_workers_per_gather = 0"
        )
    walls, cpus, workers, result = [], [], [], None
    for _ in range(runs):
        with PostgresCpu(backend) as cpu:
            started = time.perf_counter()
            result = simulate(version=version)
            walls.append(time.perf_counter() - started)
        cpus.append(cpu.seconds)
        workers.append(len(cpu.workers))
    with connection.cursor() as cursor:
        cursor.execute("RESET max_parallel_workers_per_gather")
    return walls, cpus, workers, result


def explain(compiled) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection, transaction

    from compensation.simulation import build_query

    query, params = build_query(compiled)
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in ("work_mem = '128MB'", "jit = off", "enable_memoize = off"):  # as simulate_groups_sql
            cursor.execute(f"SET LOCAL {setting}")
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}", params)
        print("\n".join(row[0] for row in cursor.fetchall()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sample", type=int, default=50_000)
    parser.add_argument("--verify", action="store_true", help="row-by-row engine over every claim, same groups")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN (ANALYZE, BUFFERS) of the query")
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from compensation.engine import claim_facts, compile_version
    from compensation.simulation import simulate_groups_python, simulate_groups_sql

    call_command("migrate", verbosity=0)
    incident, total = ensure_incident_and_claims(args.size)
    version = ensure_version(incident)
    compiled = compile_version(version)
    print(f"claims in incident {INCIDENT_CODE}: {total:,}; version: {version} with {len(compiled.rules)} rules")
    if args.explain:
        explain(compiled)

    load_before = os.getloadavg()[0]
    walls, cpus, workers, result = measure_sql(version, args.runs, parallel=True)
    serial_walls, serial_cpus, _, _ = measure_sql(version, args.runs, parallel=False)
    load_after = os.getloadavg()[0]
    sql_seconds, sql_cpu = statistics.median(walls), statistics.median(cpus)
    assert result is not None
    totals = result["totals"]
    print(
        f"simulated: {totals['claims']:,} claims, cash ₩{totals['cash_won']:,}, individual review "
        f"{totals['individual_review']:,}, in-kind/credit book value ₩{totals['book_value_won']:,}"
    )

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    with PostgresCpu(backend) as fetch_pg:
        started, started_cpu = time.perf_counter(), time.process_time()
        sample = list(claim_facts(incident_id=incident.pk, with_evidence=compiled.uses_evidence, limit=args.sample))
        fetch, fetch_cpu = time.perf_counter() - started, time.process_time() - started_cpu
    started, started_cpu = time.perf_counter(), time.process_time()
    simulate_groups_python(compiled, sample)
    evaluate, evaluate_cpu = time.perf_counter() - started, time.process_time() - started_cpu
    scale = total / max(1, len(sample))
    python_seconds = (fetch + evaluate) * scale
    python_cpu = (fetch_cpu + fetch_pg.seconds + evaluate_cpu) * scale

    met = "met" if sql_seconds <= TARGET_SECONDS else "NOT met"
    print(f"{'case':58} {'wall s':>8} {'CPU s':>7} {'runs (wall)':>24}")
    row = "{:58} {:8.2f} {:7.2f} {:>24}"
    print(
        row.format(
            f"SQL simulator, planner's choice (median of {args.runs})",
            sql_seconds,
            sql_cpu,
            " ".join(f"{w:.2f}" for w in walls),
        )
    )
    print(
        row.format(
            f"SQL simulator, parallel workers off (median of {args.runs})",
            statistics.median(serial_walls),
            statistics.median(serial_cpus),
            " ".join(f"{w:.2f}" for w in serial_walls),
        )
    )
    print(row.format(f"row-by-row Python ({len(sample):,} claims, extrapolated)", python_seconds, python_cpu, ""))
    print(
        f"  SQL CPU = PostgreSQL backend + parallel workers ({max(workers)} seen per run); Python CPU = client "
        "fetch + evaluate + backend for the fetch"
    )
    print(
        f"target: ≤ {TARGET_SECONDS:.0f} s wall for {len(compiled.rules)} rules × {total:,} claims: {met} "
        f"(median {sql_seconds:.2f} s; CPU alone {sql_cpu:.2f} s)"
    )
    print(
        f"ratio vs row-by-row Python: {python_seconds / sql_seconds:.1f}x wall, "
        f"{python_cpu / max(sql_cpu, 1e-9):.1f}x CPU"
    )
    print(
        f"load average (1 min) while measuring SQL: {load_before:.1f} → {load_after:.1f} on {os.cpu_count()} cores; "
        f"baseline measured on the first {len(sample):,} claims (fetch {fetch:.2f} s + evaluate {evaluate:.2f} s) "
        f"and extrapolated × {scale:.0f}"
    )
    if args.verify:
        started = time.perf_counter()
        python_groups = simulate_groups_python(
            compiled, claim_facts(incident_id=incident.pk, with_evidence=compiled.uses_evidence)
        )
        elapsed = time.perf_counter() - started
        same = python_groups == simulate_groups_sql(compiled)
        print(
            f"verify: row-by-row engine over all {total:,} claims in {elapsed:.1f} s gives "
            f"{'the same' if same else 'DIFFERENT'} groups as the SQL ({len(python_groups)} groups)"
        )


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    main()
