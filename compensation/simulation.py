"""The what-if simulator: any version (draft or not) applied to the current claims in ONE SQL query, no writes.

The compiled rules (`compensation.engine`) become a `CASE WHEN` over the rules in priority order that picks the
rule per claim, a second `CASE` that prices it, the caps (a window function for the per-claimant cap), and one
`GROUP BY (rule, tier, claimant kind, service, amount bucket)`. Every breakdown the council sees (by remedy,
claimant kind, service, rule, tier; the histogram; the difference against another version) is rolled up in
Python from those few hundred groups. The row-by-row evaluator in `engine` gives the same groups (the tests and
`bench/bench_simulator.py` check it) and is the baseline of the benchmark.

The SQL needs PostgreSQL (LATERAL, exact `div()` on numeric); on SQLite (the embedded `make run` demo, a few
hundred claims) `simulate` falls back to the row-by-row evaluator, which gives the same figures.
"""

import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from compensation.engine import (
    CASH,
    EXCLUDED_CATEGORIES,
    EXCLUDED_STATUSES,
    KIND_LABELS,
    OUT_OF_SCOPE_STATUSES,
    ClaimFacts,
    CompiledRule,
    CompiledVersion,
    apply_claimant_cap,
    claim_facts,
    compile_version,
    evaluate,
)
from compensation.models import RemedyType

# Upper edges (exclusive) of the amount histogram buckets; bucket 0 is "nothing paid".
HISTOGRAM_EDGES = [10_000, 30_000, 50_000, 100_000, 300_000, 1_000_000]
REMEDY_LABELS = dict(RemedyType.choices)
Group = tuple[int, int, str, int, int]  # rule index (0 = none), tier (0 = none), claimant kind, service id, bucket


def histogram_bucket(amount: int) -> int:
    if amount <= 0:
        return 0
    for index, edge in enumerate(HISTOGRAM_EDGES, start=1):
        if amount < edge:
            return index
    return len(HISTOGRAM_EDGES) + 1


def histogram_labels() -> list[str]:
    labels = ["₩0 (미지급)"]
    lower = 1
    for edge in HISTOGRAM_EDGES:
        labels.append(f"₩{lower:,}–{edge - 1:,}")
        lower = edge
    labels.append(f"₩{lower:,} 이상")
    return labels


class _Sql:
    """Builds the query text and its parameters together so they never drift apart."""

    def __init__(self) -> None:
        self.params: list[Any] = []
        self.pg = connection.vendor == "postgresql"

    def p(self, value: Any) -> str:
        """A bound parameter, for strings and datetimes (numbers are inlined: see `lit`)."""
        if isinstance(value, int | Decimal):
            return self.lit(value)
        self.params.append(value)
        return "%s"

    def lit(self, value: int | Decimal) -> str:
        """Numbers are written into the text (they are ints/Decimals from the database, never user text), so
        pieces built out of order cannot misplace a parameter."""
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise TypeError(value)
        return str(int(value)) if isinstance(value, int) else format(value, "f")

    def num(self, value: Decimal | int) -> str:
        text = self.lit(Decimal(value))
        return f"CAST({text} AS NUMERIC)" if self.pg else text

    def div(self, numerator: str, denominator: int) -> str:
        if self.pg:
            return f"div({numerator}, {denominator})"
        return f"CAST(({numerator}) / {float(denominator)} AS INTEGER)"

    def least(self, *args: str) -> str:
        return f"{'LEAST' if self.pg else 'MIN'}({', '.join(args)})"

    def greatest(self, *args: str) -> str:
        return f"{'GREATEST' if self.pg else 'MAX'}({', '.join(args)})"

    def in_list(self, column: str, values: Iterable[Any]) -> str:
        values = list(values)
        if not values:
            return "1=0"
        return f"{column} IN ({', '.join(self.p(v) for v in values)})"

    def service_case(self, values: dict[int, str], default: str) -> str:
        if not values:
            return default
        whens = " ".join(f"WHEN {self.p(sid)} THEN {expr}" for sid, expr in values.items())
        return f"(CASE c.service_id {whens} ELSE {default} END)"


def _condition(sql: _Sql, rule: CompiledRule, compiled: CompiledVersion) -> str:
    parts = []
    if rule.operator:
        parts.append(f"c.operator = {sql.p(rule.operator)}")
    if rule.category:
        parts.append(f"c.category = {sql.p(rule.category)}")
    if rule.claimant_kind:
        parts.append(f"c.claimant_kind = {sql.p(rule.claimant_kind)}")
    if rule.paid is not None:
        parts.append("c.paid" if rule.paid else "NOT c.paid")
    if rule.service_ids is not None:
        parts.append(sql.in_list("c.service_id", sorted(rule.service_ids)))
    if rule.min_claimed is not None:
        parts.append(f"c.claimed_amount >= {sql.p(rule.min_claimed)}")
    if rule.max_claimed is not None:
        parts.append(f"c.claimed_amount <= {sql.p(rule.max_claimed)}")
    if rule.evidence is not None:
        parts.append("(e.claim_id IS NOT NULL)" if rule.evidence else "(e.claim_id IS NULL)")
    if rule.filed_from is not None:
        parts.append(f"c.received_at >= {sql.p(rule.filed_from)}")
    if rule.filed_until is not None:
        parts.append(f"c.received_at <= {sql.p(rule.filed_until)}")
    if rule.remedy == "cash_tiered":
        parts.append(f"({' OR '.join(_band_condition(sql, band) for band in rule.bands) or '1=0'})")
    elif rule.remedy == "cash_proportional" and rule.proportional_base == "claimed":
        parts.append("c.claimed_amount IS NOT NULL")
    elif rule.remedy == "cash_proportional":
        usable = [
            sid for sid, s in compiled.services.items() if s.monthly_fee_won is not None and s.outage_days is not None
        ]
        parts.append(sql.in_list("c.service_id", usable))
    return " AND ".join(f"({part})" for part in parts) or "1=1"


def _band_condition(sql: _Sql, band: Any) -> str:
    if band.upper is None:
        return f"c.claimed_amount >= {sql.p(band.lower)}"
    return f"c.claimed_amount BETWEEN {sql.p(band.lower)} AND {sql.p(band.upper)}"


def _factor(sql: _Sql, rule: CompiledRule) -> str:
    return sql.service_case({sid: sql.num(f) for sid, f in rule.factors.items()}, "1")


def _amount(sql: _Sql, rule: CompiledRule, compiled: CompiledVersion) -> str | None:
    """SQL for the cash amount of a matched rule after causation, before caps (None for non-cash remedies)."""
    if rule.remedy == "cash_flat":
        if not rule.factors:
            return sql.p(rule.amount_won or 0)
        return sql.div(f"{sql.num(rule.amount_won or 0)} * {_factor(sql, rule)}", 1)
    if rule.remedy == "cash_tiered":
        whens = []
        for band in rule.bands:
            value = (
                sql.p(band.amount) if not rule.factors else sql.div(f"{sql.num(band.amount)} * {_factor(sql, rule)}", 1)
            )
            whens.append(f"WHEN {_band_condition(sql, band)} THEN {value}")
        return f"(CASE {' '.join(whens)} ELSE 0 END)"
    if rule.remedy == "cash_proportional" and rule.proportional_base == "claimed":
        percent = rule.percent or Decimal(0)
        if rule.factors:
            per_service = {sid: sql.num(percent * f) for sid, f in rule.factors.items()}
            multiplier = sql.service_case(per_service, sql.num(percent))
        else:
            multiplier = sql.num(percent)
        return sql.div(f"{'CAST(c.claimed_amount AS NUMERIC)' if sql.pg else 'c.claimed_amount'} * {multiplier}", 100)
    if rule.remedy == "cash_proportional":
        from compensation.engine import _floor_div

        percent = rule.percent or Decimal(0)
        values = {}
        for sid, service in compiled.services.items():
            if service.monthly_fee_won is None or service.outage_days is None:
                continue
            numerator = Decimal(service.monthly_fee_won * service.outage_days) * percent * rule.factor(sid)
            values[sid] = sql.p(_floor_div(numerator, 3000))
        return sql.service_case(values, "0")
    return None


def _tier(sql: _Sql, rule: CompiledRule) -> str:
    whens = " ".join(f"WHEN {_band_condition(sql, band)} THEN {n}" for n, band in enumerate(rule.bands, start=1))
    return f"(CASE {whens} ELSE 0 END)"


def build_query(compiled: CompiledVersion, *, per_claim: bool = False) -> tuple[str, list[Any]]:
    """One statement returning (rule index, tier, claimant kind, service id, bucket, claims, cash won) groups.

    Each per-claim step sits in a `LATERAL`/subquery fenced with `OFFSET 0` so PostgreSQL evaluates it once per
    row: without the fence the planner inlines the rule `CASE` into every expression that uses its result
    (tier, amount, caps, filter), which multiplies the work. Excluded claims (transferred, non-monetary…) are
    tested once: they only see the rules that include them, and get r = -1 when none does (then dropped)."""
    from claims.models import Claim, Claimant, ClaimEvidence

    sql = _Sql()
    use_key = compiled.cap_per_claimant is not None
    fence = " OFFSET 0" if sql.pg else ""
    evidence_join = ""
    if compiled.uses_evidence:
        evidence_join = (
            f"LEFT JOIN (SELECT DISTINCT claim_id FROM {ClaimEvidence._meta.db_table}) e ON e.claim_id = c.id"
        )
    excl = f"({sql.in_list('c.status', EXCLUDED_STATUSES)} OR {sql.in_list('c.category', EXCLUDED_CATEGORIES)})"
    included = [rule for rule in compiled.rules if rule.include_excluded]
    excluded_case = " ".join(f"WHEN {_condition(sql, rule, compiled)} THEN {rule.index}" for rule in included)
    normal_case = " ".join(f"WHEN {_condition(sql, rule, compiled)} THEN {rule.index}" for rule in compiled.rules)
    r_expr = (
        f"(CASE WHEN {excl} THEN {f'(CASE {excluded_case} ELSE -1 END)' if included else '-1'} "
        f"ELSE {f'(CASE {normal_case} ELSE 0 END)' if normal_case else '0'} END)"
    )
    m = f"CROSS JOIN LATERAL (SELECT {r_expr} AS r{fence}) m"

    tier_whens, amount_whens = [], []
    for rule in compiled.rules:
        if rule.remedy == "cash_tiered":
            tier_whens.append(f"WHEN {rule.index} THEN {_tier(sql, rule)}")
        amount = _amount(sql, rule, compiled)
        if amount is not None:
            amount_whens.append(f"WHEN {rule.index} THEN {amount}")
    tier = f"(CASE m.r {' '.join(tier_whens)} ELSE 0 END)" if tier_whens else "0"
    base = f"CAST((CASE m.r {' '.join(amount_whens)} ELSE 0 END) AS BIGINT)" if amount_whens else "0"
    t = f"CROSS JOIN LATERAL (SELECT {tier} AS tier, {base} AS base{fence}) t"

    a1 = "t.base"
    if compiled.cap_per_claim is not None:
        a1 = sql.least("t.base", sql.lit(compiled.cap_per_claim))
    minimum = sql.lit(compiled.minimum)
    where = (
        f"c.incident_id = {sql.lit(compiled.incident_id)} AND NOT {sql.in_list('c.status', OUT_OF_SCOPE_STATUSES)} "
        "AND m.r >= 0"
    )
    key = ", c.claimant_id" if use_key else ""
    capped = (
        f"SELECT c.id, c.service_id, c.claimant_kind{key}, m.r, t.tier, "
        f"(CASE WHEN {a1} < {minimum} THEN 0 ELSE {a1} END) AS a1 "
        f"FROM {Claim._meta.db_table} c {evidence_join} {m} {t} WHERE {where}{fence}"
    )
    with_k = ""
    if use_key:
        # The per-claimant cap needs a running sum per claimant key in id order: a sort and a window. Only claims
        # with money take part (a claim with a1 <= 0 neither adds to nor draws on anyone's cap and keeps a1), so
        # the per-claim rows are materialized once (`k`) and split: the cash rows alone look their claimant key
        # up (in claimant id order, for locality), are sorted by key (byte order: only equality matters) and
        # windowed; the others go straight through. Measured on 1M claims: a fifth less backend CPU than
        # sorting and windowing every row (docs/compensation.md).
        cap = compiled.cap_per_claimant
        assert cap is not None
        materialized = "MATERIALIZED " if sql.pg else ""
        with_k = f"WITH k AS {materialized}({capped}) "
        cash = f"SELECT * FROM k WHERE a1 > 0 ORDER BY claimant_id{fence}" if sql.pg else "SELECT * FROM k WHERE a1 > 0"
        keyed = (
            "SELECT ck.*, (SELECT COALESCE(NULLIF(cl.business_no, ''), cl.phone) "
            f"FROM {Claimant._meta.db_table} cl WHERE cl.id = ck.claimant_id) AS ckey FROM ({cash}) ck{fence}"
        )
        partition = 'ckey COLLATE "C"' if sql.pg else "ckey"
        earlier = (
            f"COALESCE(SUM(a1) OVER (PARTITION BY {partition} ORDER BY id "
            "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)"
        )
        if sql.pg:
            earlier = f"CAST({earlier} AS BIGINT)"
        left = sql.greatest(f"{sql.lit(cap)} - {earlier}", "0")
        windowed = f"SELECT id, r, tier, claimant_kind, service_id, a1, {left} AS left_won FROM ({keyed}) w{fence}"
        amount = f"(CASE WHEN a1 <= left_won THEN a1 WHEN left_won >= {minimum} THEN left_won ELSE 0 END)"
        source = (
            "SELECT id, r, tier, claimant_kind, service_id, a1 AS amount FROM k WHERE a1 <= 0 UNION ALL "
            f"SELECT id, r, tier, claimant_kind, service_id, {amount} AS amount FROM ({windowed}) v"
        )
    else:
        source = f"SELECT id, r, tier, claimant_kind, service_id, a1 AS amount FROM ({capped}) v"

    if per_claim:
        # Inlined, not bound: this text comes before the parameters already bound in `source`. Remedy codes are
        # a fixed vocabulary (checked), never user text.
        assert all(rule.remedy in RemedyType.values for rule in compiled.rules)
        remedies = " ".join(f"WHEN {rule.index} THEN '{rule.remedy}'" for rule in compiled.rules)
        remedy = f"(CASE r {remedies} ELSE 'none' END)" if remedies else "'none'"
        return f"{with_k}SELECT id, {remedy} AS remedy, amount FROM ({source}) s{fence}", sql.params

    bucket_whens = " ".join(f"WHEN amount < {edge} THEN {index}" for index, edge in enumerate(HISTOGRAM_EDGES, start=1))
    bucket = f"(CASE WHEN amount <= 0 THEN 0 {bucket_whens} ELSE {len(HISTOGRAM_EDGES) + 1} END)"
    paid = f"SELECT r, tier, claimant_kind, service_id, amount, {bucket} AS bucket FROM ({source}) s{fence}"
    query = (
        f"{with_k}SELECT r, tier, claimant_kind, service_id, bucket, COUNT(*), COALESCE(SUM(amount), 0) "
        f"FROM ({paid}) paid GROUP BY r, tier, claimant_kind, service_id, bucket"
    )
    return query, sql.params


def simulate_groups_sql(compiled: CompiledVersion) -> dict[Group, list[int]]:
    query, params = build_query(compiled)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One large sort/aggregate for a report: let it stay in memory instead of spilling to disk.
            cursor.execute("SET LOCAL work_mem = '128MB'")
            # Measured on 1M claims (backend CPU): JIT compiling the long CASE expressions costs more than it
            # saves (4.6 s vs 3.4 s), and memoizing the per-row laterals costs more than recomputing (3.4 vs 3.0).
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL enable_memoize = off")
        cursor.execute(query, params)
        rows = cursor.fetchall()
    return {(int(r), int(t), k, int(s), int(b)): [int(n), int(a)] for r, t, k, s, b, n, a in rows}


def claim_movements(current: CompiledVersion, other: CompiledVersion) -> dict[str, int]:
    """How individual claims move from `other` to `current`: more / less cash, same, remedy changed, and claims
    only one of the two would assess. One query joining both per-claim results (PostgreSQL)."""
    a_sql, a_params = build_query(current, per_claim=True)
    b_sql, b_params = build_query(other, per_claim=True)
    query = (
        "SELECT "
        "COUNT(*) FILTER (WHERE a.id IS NOT NULL AND b.id IS NOT NULL AND a.amount > b.amount), "
        "COUNT(*) FILTER (WHERE a.id IS NOT NULL AND b.id IS NOT NULL AND a.amount < b.amount), "
        "COUNT(*) FILTER (WHERE a.id IS NOT NULL AND b.id IS NOT NULL AND a.amount = b.amount "
        "AND a.remedy = b.remedy), "
        "COUNT(*) FILTER (WHERE a.id IS NOT NULL AND b.id IS NOT NULL AND a.remedy <> b.remedy), "
        "COUNT(*) FILTER (WHERE b.id IS NULL), COUNT(*) FILTER (WHERE a.id IS NULL) "
        f"FROM ({a_sql}) a FULL JOIN ({b_sql}) b ON a.id = b.id"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '128MB'")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL enable_memoize = off")
        cursor.execute(query, [*a_params, *b_params])
        row = cursor.fetchone()
    keys = ["more_cash", "less_cash", "unchanged", "remedy_changed", "only_in_this", "only_in_other"]
    return dict(zip(keys, (int(v) for v in row), strict=True))


def simulate_groups_python(compiled: CompiledVersion, claims: Iterable[ClaimFacts]) -> dict[Group, list[int]]:
    """The row-by-row baseline: the assessment engine on each claim, claims in id order."""
    groups: dict[Group, list[int]] = defaultdict(lambda: [0, 0])
    earlier: dict[str, int] = defaultdict(int)
    for claim in claims:
        outcome = evaluate(claim, compiled)
        if outcome is None:
            continue
        paid = outcome.amount
        if outcome.is_cash and compiled.cap_per_claimant is not None:
            paid, _ = apply_claimant_cap(
                amount=outcome.amount, earlier_sum=earlier[claim.claimant_key], compiled=compiled
            )
            earlier[claim.claimant_key] += outcome.amount
        key = (
            outcome.rule.index if outcome.rule else 0,
            outcome.tier or 0,
            claim.claimant_kind,
            claim.service_id,
            histogram_bucket(paid),
        )
        groups[key][0] += 1
        groups[key][1] += paid
    return dict(groups)


def _empty_row() -> dict[str, int]:
    return {"claims": 0, "cash_won": 0, "paid_claims": 0, "book_value_won": 0, "credit_days": 0}


def summarize(compiled: CompiledVersion, groups: dict[Group, list[int]]) -> dict[str, Any]:
    """Roll the groups up into every breakdown the council reads. JSON-able."""
    rules = {rule.index: rule for rule in compiled.rules}
    totals = _empty_row() | {"individual_review": 0, "none": 0}
    by_remedy: dict[str, dict[str, int]] = defaultdict(_empty_row)
    by_kind: dict[str, dict[str, int]] = defaultdict(_empty_row)
    by_service: dict[int, dict[str, int]] = defaultdict(_empty_row)
    by_rule: dict[int, dict[str, int]] = defaultdict(_empty_row)
    by_tier: dict[tuple[int, int], dict[str, int]] = defaultdict(_empty_row)
    histogram = [0] * (len(HISTOGRAM_EDGES) + 2)
    for (index, tier, kind, service_id, bucket), (count, amount) in groups.items():
        rule = rules.get(index)
        remedy = rule.remedy if rule else "none"
        book = 0
        days = 0
        if rule is not None and remedy == "in_kind":
            book = rule.in_kind_value_won * count
        elif rule is not None and remedy == "service_credit":
            days = rule.credit_days * count
            fee = compiled.services[service_id].monthly_fee_won if service_id in compiled.services else None
            book = (fee * rule.credit_days // 30) * count if fee else 0
        paid_claims = count if bucket > 0 else 0
        for row in (totals, by_remedy[remedy], by_kind[kind], by_service[service_id], by_rule[index]):
            row["claims"] += count
            row["cash_won"] += amount
            row["paid_claims"] += paid_claims
            row["book_value_won"] += book
            row["credit_days"] += days
        if tier:
            tier_row = by_tier[(index, tier)]
            tier_row["claims"] += count
            tier_row["cash_won"] += amount
        if remedy == "individual_review":
            totals["individual_review"] += count
        if remedy == "none":
            totals["none"] += count
        if remedy in CASH:
            histogram[bucket] += count

    def rule_name(index: int) -> str:
        return f"#{rules[index].priority} {rules[index].name}" if index in rules else "적용 규칙 없음"

    def tier_label(index: int, tier: int) -> str:
        band = rules[index].bands[tier - 1]
        upper = f"₩{band.upper:,}" if band.upper is not None else "상한 없음"
        return f"{rule_name(index)} · {tier}구간 (₩{band.lower:,}–{upper} → ₩{band.amount:,})"

    return {
        "totals": totals,
        "by_remedy": [
            {"key": key, "label": REMEDY_LABELS.get(key, key), **row}
            for key, row in sorted(by_remedy.items(), key=lambda kv: list(REMEDY_LABELS).index(kv[0]))
        ],
        "by_claimant_kind": [
            {"key": key, "label": KIND_LABELS.get(key, key), **row} for key, row in sorted(by_kind.items())
        ],
        "by_service": [
            {
                "key": sid,
                "label": compiled.services[sid].name if sid in compiled.services else str(sid),
                **row,
            }
            for sid, row in sorted(by_service.items(), key=lambda kv: -kv[1]["claims"])
        ],
        "by_rule": [
            {
                "key": index,
                "rule_id": rules[index].pk if index in rules else None,
                "label": rule_name(index),
                "remedy": rules[index].remedy if index in rules else "none",
                "remedy_label": REMEDY_LABELS[rules[index].remedy if index in rules else "none"],
                **row,
            }
            for index, row in sorted(by_rule.items(), key=lambda kv: (kv[0] == 0, kv[0]))
        ],
        "by_tier": [
            {"key": f"{index}:{tier}", "label": tier_label(index, tier), **row}
            for (index, tier), row in sorted(by_tier.items())
        ],
        "histogram": [
            {"bucket": i, "label": label, "claims": histogram[i]} for i, label in enumerate(histogram_labels())
        ],
    }


def _diff(current: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """Current minus other, for the totals and each keyed breakdown."""

    def rows(section: str) -> list[dict[str, Any]]:
        mine = {row["key"]: row for row in current[section]}
        theirs = {row["key"]: row for row in other[section]}
        out = []
        for key in list(mine) + [k for k in theirs if k not in mine]:
            a, b = mine.get(key, {}), theirs.get(key, {})
            label = (a or b)["label"]
            out.append(
                {
                    "key": key,
                    "label": label,
                    "claims": a.get("claims", 0) - b.get("claims", 0),
                    "cash_won": a.get("cash_won", 0) - b.get("cash_won", 0),
                    "book_value_won": a.get("book_value_won", 0) - b.get("book_value_won", 0),
                }
            )
        return out

    return {
        "totals": {key: current["totals"][key] - other["totals"].get(key, 0) for key in current["totals"]},
        "by_remedy": rows("by_remedy"),
        "by_claimant_kind": rows("by_claimant_kind"),
        "by_service": rows("by_service"),
    }


def version_meta(version: Any) -> dict[str, Any]:
    return {
        "id": version.pk,
        "policy": version.policy.name,
        "number": version.number,
        "label": str(version),
        "status": version.status,
        "status_label": version.get_status_display(),
        "cap_per_claim_won": version.cap_per_claim_won,
        "cap_per_claimant_won": version.cap_per_claimant_won,
        "minimum_payment_won": version.minimum_payment_won,
        "rules": version.rules.count(),
    }


def simulate(*, version: Any, engine: str = "sql") -> dict[str, Any]:
    """Apply `version` to the incident's current claims. `engine="python"` runs the row-by-row baseline."""
    started = time.perf_counter()
    compiled = compile_version(version)
    if connection.vendor != "postgresql":
        # The embedded SQLite demo has no LATERAL; its few hundred claims are evaluated row by row instead.
        engine = "python"
    if engine == "sql":
        groups = simulate_groups_sql(compiled)
    else:
        groups = simulate_groups_python(
            compiled, claim_facts(incident_id=compiled.incident_id, with_evidence=compiled.uses_evidence)
        )
    result = summarize(compiled, groups)
    result["version"] = version_meta(version)
    result["engine"] = engine
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result


def policy_simulation_snapshot(*, version: Any, compare_to: Any = None) -> dict[str, Any]:
    """A frozen, JSON-able simulation of `version` (optionally against `compare_to`) for a council agenda item.

    Shape: {"kind": "compensation.simulation", "generated_at", "version", "totals", "by_remedy",
    "by_claimant_kind", "by_service", "by_rule", "by_tier", "histogram", "seconds",
    "compare": None | {"version", "totals", "by_remedy", "by_claimant_kind", "by_service", "diff",
    "claims_moving": {"more_cash", "less_cash", "unchanged", "remedy_changed", "only_in_this", "only_in_other"}}}.
    Money is whole won (int)."""
    if compare_to is not None and compare_to.policy.incident_id != version.policy.incident_id:
        from django.core.exceptions import ValidationError

        raise ValidationError({"compare_to": ["같은 장애의 보상 기준끼리만 비교할 수 있습니다."]})
    snapshot = simulate(version=version)
    snapshot["kind"] = "compensation.simulation"
    snapshot["generated_at"] = _now_iso()
    snapshot["compare"] = None
    if compare_to is not None:
        other = simulate(version=compare_to)
        snapshot["compare"] = {
            "version": other["version"],
            "totals": other["totals"],
            "by_remedy": other["by_remedy"],
            "by_claimant_kind": other["by_claimant_kind"],
            "by_service": other["by_service"],
            "diff": _diff(snapshot, other),
            "claims_moving": (
                claim_movements(compile_version(version), compile_version(compare_to))
                if connection.vendor == "postgresql"
                else None
            ),
        }
    return snapshot


def _now_iso() -> str:
    now: datetime = timezone.localtime()
    return now.isoformat(timespec="seconds")
