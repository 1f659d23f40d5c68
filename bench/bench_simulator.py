"""Policy simulator speed: a 20-rule version over 1,000,000 claims, target ≤ 10 s on PostgreSQL.

Baseline: the row-by-row Python evaluator (`compensation.engine`, the one that assesses claims), timed on a
sample of claims (fetching their facts included) and extrapolated linearly to the whole set; the ratio printed
is baseline seconds / SQL seconds. The claims are the `bench-1m` incident that bench/bench_queries.py also
uses (loaded once with INSERT … SELECT by bench/synth_sql.py and reused).

    python -m bench.bench_simulator [--size 1000000] [--runs 3] [--sample 50000]
"""

import argparse
import os
import statistics
import sys
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

KST = ZoneInfo("Asia/Seoul")
TARGET_SECONDS = 10.0
INCIDENT_CODE = "bench-1m"
POLICY_CODE = "bench-20-rules"


def ensure_database() -> None:
    import psycopg

    url = urlparse(os.environ["DATABASE_URL"])
    name = url.path.lstrip("/")
    with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def ensure_incident_and_claims(size: int):  # type: ignore[no-untyped-def]
    """Reuse bench_queries' loader when it is there (same incident, same data); else the same steps here."""
    try:
        from bench.bench_queries import ensure_claims, ensure_incident
    except ImportError:
        ensure_incident, ensure_claims = _ensure_incident, _ensure_claims
    incident = ensure_incident()
    return incident, ensure_claims(incident, size)


def _ensure_incident():  # type: ignore[no-untyped-def]
    from claims.models import Incident, Service

    source = Incident.objects.get(code="2022-pangyo-dc-fire")
    incident, _ = Incident.objects.get_or_create(
        code=INCIDENT_CODE,
        defaults={
            "name": "벤치마크: 100만 건",
            "company_name": source.company_name,
            "occurred_at": source.occurred_at,
            "reference_prefix": "BENCH",
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


def _ensure_claims(incident, size: int) -> int:  # type: ignore[no-untyped-def]
    from django.db import connection

    from bench.synth_sql import insert_reported_mix
    from claims.models import Claim

    have = Claim.objects.filter(incident=incident).count()
    if have < size:
        started = time.perf_counter()
        insert_reported_mix(incident=incident, total=size - have, salt=have)
        print(f"loaded {size - have:,} claims in {time.perf_counter() - started:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE claims_claimant")
            cursor.execute("VACUUM ANALYZE claims_claim")
    return Claim.objects.filter(incident=incident).count()


def backend_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a PostgreSQL backend on this machine, from /proc; -1 when unreadable.
    On a shared, busy machine wall time mostly measures the queue for the two cores; this does not."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return -1.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sample", type=int, default=50_000)
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from compensation.engine import claim_facts, compile_version
    from compensation.simulation import simulate, simulate_groups_python

    call_command("migrate", verbosity=0)
    incident, total = ensure_incident_and_claims(args.size)
    version = ensure_version(incident)
    compiled = compile_version(version)
    print(f"claims in incident {INCIDENT_CODE}: {total:,}; version: {version} with {len(compiled.rules)} rules")

    times, cpu_times = [], []
    result = None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    for _ in range(args.runs):
        before = backend_cpu_seconds(backend)
        result = simulate(version=version)
        times.append(result["seconds"])
        cpu_times.append(backend_cpu_seconds(backend) - before)
    sql_seconds = statistics.median(times)
    sql_cpu = statistics.median(cpu_times)
    assert result is not None
    totals = result["totals"]
    print(
        f"simulated: {totals['claims']:,} claims, cash ₩{totals['cash_won']:,}, individual review "
        f"{totals['individual_review']:,}, in-kind/credit book value ₩{totals['book_value_won']:,}"
    )

    started = time.perf_counter()
    sample = list(claim_facts(incident_id=incident.pk, with_evidence=compiled.uses_evidence, limit=args.sample))
    fetch = time.perf_counter() - started
    started, started_cpu = time.perf_counter(), time.process_time()
    simulate_groups_python(compiled, sample)
    evaluate = time.perf_counter() - started
    evaluate_cpu = time.process_time() - started_cpu
    scale = total / max(1, len(sample))
    python_seconds = (fetch + evaluate) * scale
    print(f"{'case':52} {'seconds':>8} {'target':>7} {'ratio':>6}")
    sql_label = f"SQL simulator (median of {args.runs} runs)"
    python_label = f"row-by-row Python (fetch + evaluate {len(sample):,}, extrapolated)"
    print(f"{sql_label:52} {sql_seconds:8.2f} {TARGET_SECONDS:7.1f} {sql_seconds / TARGET_SECONDS:6.2f}")
    if sql_cpu >= 0:
        print(f"{'  of which PostgreSQL backend CPU (load-independent)':52} {sql_cpu:8.2f}")
    print(f"{python_label:52} {python_seconds:8.2f} {'':7} {python_seconds / sql_seconds:6.1f}x")
    if sql_cpu > 0:
        python_cpu = evaluate_cpu * scale
        print(
            f"{'  CPU only: Python evaluation vs PostgreSQL backend':52} {python_cpu:8.2f} {'':7} "
            f"{python_cpu / sql_cpu:6.1f}x"
        )
    print(f"machine load average while measuring: {os.getloadavg()[0]:.1f} (2 cores)")
    print(
        f"baseline measured on the first {len(sample):,} claims (fetch {fetch:.2f} s + evaluate {evaluate:.2f} s) "
        f"and extrapolated × {scale:.0f}. ratio column: SQL / target (≤ 1.00 meets it); Python / SQL for the baseline."
    )


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    main()
