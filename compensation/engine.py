"""The rule engine: a policy version compiled into plain data, and its row-by-row evaluation of one claim.

The same compiled form feeds two evaluators that must agree to the won: this module (used to assess claims,
with an explanation) and `compensation.simulation` (one SQL query over all claims). Semantics, in order:

1. A claim is in scope if it belongs to the policy's incident and is not withdrawn, merged, rejected or closed.
   Transferred, answered, non-monetary and affiliate claims are "excluded": only rules with
   `include_excluded` may match them, and an excluded claim that no rule matches is not assessed at all.
2. Rules are tried in ascending priority; the first whose every set condition holds wins. Implicit conditions:
   a tiered rule needs a claimed amount inside one of its bands; a proportional-to-claimed rule needs a claimed
   amount; a monthly-fee rule needs a service with a fee and a known outage. An in-scope, non-excluded claim no
   rule matches gets remedy `none` ("적용 규칙 없음").
3. Cash amount = floor(base × causation factor), where the factor is the product of the service's chosen
   `CausationParameter` values (1 when the service has none). Proportional: floor(claimed × p × f / 100) or
   floor(fee × outage days × p × f / 3000). Outage days = ceil(outage hours / 24).
4. Then the per-claim cap; then the minimum payment (below it → 0); then the per-claimant cap in claim-id order
   over the running sum of earlier claims' amounts from step 3 (claimant = business number, else phone), and the
   minimum once more on what is left.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, localcontext
from typing import Any

EXCLUDED_STATUSES = ("transferred", "answered")
EXCLUDED_CATEGORIES = ("non_monetary", "affiliate")
OUT_OF_SCOPE_STATUSES = ("withdrawn", "merged", "rejected", "closed")
KIND_LABELS = {"individual": "개인", "small_business": "소상공인", "enterprise": "중견·대기업"}
CASH = ("cash_flat", "cash_tiered", "cash_proportional")
NO_RULE_TEXT = "적용 규칙 없음"


def won(amount: int | None) -> str:
    return f"₩{(amount or 0):,}"


def _floor_div(numerator: Decimal, denominator: int) -> int:
    with localcontext() as ctx:
        ctx.prec = 60
        return int(numerator // Decimal(denominator))


@dataclass(frozen=True)
class ServiceFacts:
    id: int
    name: str
    outage_hours: Decimal | None
    monthly_fee_won: int | None

    @property
    def outage_days(self) -> int | None:
        if self.outage_hours is None:
            return None
        return math.ceil(self.outage_hours / 24)


@dataclass(frozen=True)
class Band:
    lower: int
    upper: int | None
    amount: int

    def contains(self, value: int) -> bool:
        return value >= self.lower and (self.upper is None or value <= self.upper)


@dataclass
class CompiledRule:
    pk: int
    index: int  # 1-based position in priority order
    priority: int
    name: str
    remedy: str
    operator: str
    category: str
    claimant_kind: str
    paid: bool | None
    # None = any service; otherwise the services allowed by the service list and the outage-hours range.
    service_ids: frozenset[int] | None
    min_claimed: int | None
    max_claimed: int | None
    evidence: bool | None
    filed_from: datetime | None
    filed_until: datetime | None
    include_excluded: bool
    amount_won: int | None
    percent: Decimal | None
    proportional_base: str
    bands: list[Band]
    in_kind_item: str
    in_kind_value_won: int
    credit_days: int
    none_reason: str
    # Causation factor per service id (only services with a parameter; others are 1).
    factors: dict[int, Decimal] = field(default_factory=dict)
    factor_labels: dict[int, str] = field(default_factory=dict)

    def factor(self, service_id: int) -> Decimal:
        return self.factors.get(service_id, Decimal(1))


@dataclass
class CompiledVersion:
    version_id: int
    incident_id: int
    label: str
    rules: list[CompiledRule]
    services: dict[int, ServiceFacts]
    cap_per_claim: int | None
    cap_per_claimant: int | None
    minimum: int

    @property
    def uses_evidence(self) -> bool:
        return any(rule.evidence is not None for rule in self.rules)


@dataclass(frozen=True)
class ClaimFacts:
    id: int
    status: str
    operator: str
    category: str
    claimant_kind: str
    service_id: int
    paid: bool
    claimed_amount: int | None
    received_at: datetime
    has_evidence: bool
    claimant_key: str

    @property
    def excluded(self) -> bool:
        return self.status in EXCLUDED_STATUSES or self.category in EXCLUDED_CATEGORIES

    @property
    def in_scope(self) -> bool:
        return self.status not in OUT_OF_SCOPE_STATUSES

    def as_inputs(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "operator": self.operator,
            "category": self.category,
            "claimant_kind": self.claimant_kind,
            "service_id": self.service_id,
            "paid": self.paid,
            "claimed_amount": self.claimed_amount,
            "received_at": self.received_at.isoformat(),
            "has_evidence": self.has_evidence,
        }


@dataclass
class Outcome:
    """What one rule yields for one claim before the per-claimant cap."""

    rule: CompiledRule | None
    remedy: str
    tier: int | None = None
    base_amount: int = 0  # cash after causation, before caps
    amount: int = 0  # cash after the per-claim cap and the minimum (the "a1" of the per-claimant cap)
    book_value: int = 0
    credit_days: int = 0
    in_kind_item: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def is_cash(self) -> bool:
        return self.remedy in CASH


def rule_matches(rule: CompiledRule, claim: ClaimFacts, services: dict[int, ServiceFacts]) -> bool:
    if claim.excluded and not rule.include_excluded:
        return False
    if rule.operator and claim.operator != rule.operator:
        return False
    if rule.category and claim.category != rule.category:
        return False
    if rule.claimant_kind and claim.claimant_kind != rule.claimant_kind:
        return False
    if rule.paid is not None and claim.paid != rule.paid:
        return False
    if rule.service_ids is not None and claim.service_id not in rule.service_ids:
        return False
    amount = claim.claimed_amount
    if rule.min_claimed is not None and (amount is None or amount < rule.min_claimed):
        return False
    if rule.max_claimed is not None and (amount is None or amount > rule.max_claimed):
        return False
    if rule.evidence is not None and claim.has_evidence != rule.evidence:
        return False
    if rule.filed_from is not None and claim.received_at < rule.filed_from:
        return False
    if rule.filed_until is not None and claim.received_at > rule.filed_until:
        return False
    if rule.remedy == "cash_tiered":
        return amount is not None and any(band.contains(amount) for band in rule.bands)
    if rule.remedy == "cash_proportional":
        if rule.proportional_base == "claimed":
            return amount is not None
        service = services.get(claim.service_id)
        return service is not None and service.monthly_fee_won is not None and service.outage_days is not None
    return True


def rule_yield(rule: CompiledRule, claim: ClaimFacts, compiled: CompiledVersion) -> Outcome:
    """The remedy of a rule already known to match, with the per-claim cap and the minimum applied."""
    service = compiled.services.get(claim.service_id)
    outcome = Outcome(rule=rule, remedy=rule.remedy)
    factor = rule.factor(claim.service_id)
    if rule.remedy == "cash_flat":
        outcome.base_amount = _floor_div(Decimal(rule.amount_won or 0) * factor, 1)
    elif rule.remedy == "cash_tiered":
        assert claim.claimed_amount is not None
        for number, band in enumerate(rule.bands, start=1):
            if band.contains(claim.claimed_amount):
                outcome.tier = number
                outcome.base_amount = _floor_div(Decimal(band.amount) * factor, 1)
                break
    elif rule.remedy == "cash_proportional":
        percent = rule.percent or Decimal(0)
        if rule.proportional_base == "claimed":
            outcome.base_amount = _floor_div(Decimal(claim.claimed_amount or 0) * percent * factor, 100)
        else:
            assert service is not None and service.monthly_fee_won is not None and service.outage_days is not None
            numerator = Decimal(service.monthly_fee_won * service.outage_days) * percent * factor
            outcome.base_amount = _floor_div(numerator, 3000)
    elif rule.remedy == "in_kind":
        outcome.in_kind_item = rule.in_kind_item
        outcome.book_value = rule.in_kind_value_won
    elif rule.remedy == "service_credit":
        outcome.credit_days = rule.credit_days
        if service is not None and service.monthly_fee_won:
            outcome.book_value = service.monthly_fee_won * rule.credit_days // 30
    if outcome.is_cash:
        amount = outcome.base_amount
        if compiled.cap_per_claim is not None and amount > compiled.cap_per_claim:
            amount = compiled.cap_per_claim
            outcome.notes.append(f"1건 상한 {won(compiled.cap_per_claim)} 적용")
        if amount < compiled.minimum:
            outcome.notes.append(f"최소 지급액 {won(compiled.minimum)} 미만 미지급")
            amount = 0
        outcome.amount = amount
    return outcome


def evaluate(claim: ClaimFacts, compiled: CompiledVersion) -> Outcome | None:
    """The first matching rule's outcome; `none` if nothing matches; None if the claim is not to be assessed."""
    if not claim.in_scope:
        return None
    for rule in compiled.rules:
        if rule_matches(rule, claim, compiled.services):
            return rule_yield(rule, claim, compiled)
    if claim.excluded:
        return None
    return Outcome(rule=None, remedy="none")


def apply_claimant_cap(*, amount: int, earlier_sum: int, compiled: CompiledVersion) -> tuple[int, bool]:
    """(amount payable, whether the cap cut it) given the running sum of the claimant's earlier amounts."""
    cap = compiled.cap_per_claimant
    if cap is None or amount == 0:
        return amount, False
    left = max(0, cap - earlier_sum)
    if amount <= left:
        return amount, False
    paid = left if left >= compiled.minimum else 0
    return paid, True


def explain(claim: ClaimFacts, outcome: Outcome, compiled: CompiledVersion, *, paid: int) -> str:
    """A plain Korean sentence: who, what was claimed, which tier or remedy, and on whose authority."""
    service = compiled.services.get(claim.service_id)
    head = [KIND_LABELS.get(claim.claimant_kind, claim.claimant_kind)]
    service_based = outcome.remedy in ("service_credit", "in_kind") or (
        outcome.rule is not None and outcome.rule.proportional_base == "monthly_fee_days"
    )
    if service is not None and (service_based or claim.claimed_amount is None):
        head.append(service.name)
    if claim.claimed_amount is not None:
        head.append(f"신고 피해액 {won(claim.claimed_amount)}")
    rule = outcome.rule
    if rule is None:
        result = f"보상 없음 ({NO_RULE_TEXT})"
    elif outcome.remedy == "cash_tiered":
        result = f"{outcome.tier}구간 {won(paid)}"
    elif outcome.remedy == "cash_flat":
        result = f"정액 {won(paid)}"
    elif outcome.remedy == "cash_proportional" and rule.proportional_base == "claimed":
        result = f"신고액의 {rule.percent}% {won(paid)}"
    elif outcome.remedy == "cash_proportional":
        assert service is not None
        result = f"월 이용료 {won(service.monthly_fee_won)} × {service.outage_days}일/30 × {rule.percent}% {won(paid)}"
    elif outcome.remedy == "in_kind":
        result = f"현물 {outcome.in_kind_item} (장부가 {won(outcome.book_value)})"
    elif outcome.remedy == "service_credit":
        result = f"이용 기간 {outcome.credit_days}일 연장"
    elif outcome.remedy == "individual_review":
        result = "개별 심사 (증빙 확인 후 결정)"
    else:
        result = f"보상 없음 ({rule.none_reason or '사유 미기재'})"
    notes = list(outcome.notes)
    if rule is not None and outcome.is_cash and rule.factor_labels.get(claim.service_id):
        notes.insert(0, rule.factor_labels[claim.service_id])
    if outcome.is_cash and paid < outcome.amount:
        notes.append(f"신고인별 상한 {won(compiled.cap_per_claimant)} 적용")
    suffix = f" [{'; '.join(notes)}]" if notes else ""
    return f"{' · '.join(head)} → {result}{suffix} ({compiled.label})"


def compile_version(version: Any) -> CompiledVersion:
    """Read a version's rules, bands, service list and causation parameters into plain data (5 queries)."""
    from claims.models import Service
    from compensation.models import CausationParameter, Rule

    incident_id = version.policy.incident_id
    services = {
        s.pk: ServiceFacts(
            id=s.pk,
            name=s.name,
            outage_hours=(
                Decimal(str(round((s.outage_ended_at - s.outage_started_at).total_seconds() / 3600, 1)))
                if s.outage_ended_at is not None
                else None
            ),
            monthly_fee_won=s.monthly_fee_won,
        )
        for s in Service.objects.filter(incident_id=incident_id)
    }
    params = {p.service_id: p for p in CausationParameter.objects.filter(version=version)}
    rules = []
    queryset = Rule.objects.filter(version=version).order_by("priority").prefetch_related("bands", "match_services")
    for index, rule in enumerate(queryset, start=1):
        service_ids: set[int] | None = {s.pk for s in rule.match_services.all()} or None
        if rule.min_outage_hours is not None or rule.max_outage_hours is not None:
            allowed = {
                sid
                for sid, facts in services.items()
                if facts.outage_hours is not None
                and (rule.min_outage_hours is None or facts.outage_hours >= rule.min_outage_hours)
                and (rule.max_outage_hours is None or facts.outage_hours <= rule.max_outage_hours)
            }
            service_ids = allowed if service_ids is None else service_ids & allowed
        factors: dict[int, Decimal] = {}
        labels: dict[int, str] = {}
        if rule.uses_causation:
            for sid, param in params.items():
                factor = Decimal(1)
                parts = []
                if rule.use_sector_margin:
                    factor *= param.sector_margin
                    parts.append(f"업종 이익률 {param.sector_margin.normalize()}")
                if rule.use_market_share:
                    factor *= param.market_share
                    parts.append(f"시장 점유율 {param.market_share.normalize()}")
                if rule.use_alternative and param.alternative_available:
                    factor *= param.alternative_factor
                    parts.append(f"대체 서비스 계수 {param.alternative_factor.normalize()}")
                if factor != 1:
                    factors[sid] = factor
                    labels[sid] = " × ".join(parts)
        rules.append(
            CompiledRule(
                pk=rule.pk,
                index=index,
                priority=rule.priority,
                name=rule.name,
                remedy=rule.remedy,
                operator=rule.match_operator,
                category=rule.match_category,
                claimant_kind=rule.match_claimant_kind,
                paid=rule.match_paid,
                service_ids=frozenset(service_ids) if service_ids is not None else None,
                min_claimed=rule.min_claimed_won,
                max_claimed=rule.max_claimed_won,
                evidence=rule.match_evidence,
                filed_from=rule.filed_from,
                filed_until=rule.filed_until,
                include_excluded=rule.include_excluded,
                amount_won=rule.amount_won,
                percent=rule.percent,
                proportional_base=rule.proportional_base or "claimed",
                bands=[Band(b.lower_won, b.upper_won, b.amount_won) for b in sorted(rule.bands.all(), key=_band_key)],
                in_kind_item=rule.in_kind_item,
                in_kind_value_won=rule.in_kind_value_won or 0,
                credit_days=rule.credit_days or 0,
                none_reason=rule.none_reason,
                factors=factors,
                factor_labels=labels,
            )
        )
    return CompiledVersion(
        version_id=version.pk,
        incident_id=incident_id,
        label=version_label(version),
        rules=rules,
        services=services,
        cap_per_claim=version.cap_per_claim_won,
        cap_per_claimant=version.cap_per_claimant_won,
        minimum=version.minimum_payment_won,
    )


def _band_key(band: Any) -> int:
    return int(band.lower_won)


def version_label(version: Any) -> str:
    """What an explanation cites: the adopting resolution, or the draft itself."""
    if version.adoption_label:
        return str(version.adoption_label)
    return f"{version} 초안"


def claim_key(*, business_no: str, phone: str) -> str:
    return business_no or phone


def claim_facts(
    *, incident_id: int, claim_ids: list[int] | None = None, with_evidence: bool = True, limit: int | None = None
) -> Any:
    """ClaimFacts for the incident's claims (or the given ids, or the first `limit`), in id order, streamed."""
    from django.db.models import Exists, OuterRef

    from claims.models import Claim, ClaimEvidence

    queryset = Claim.objects.filter(incident_id=incident_id).order_by("id")
    if claim_ids is not None:
        queryset = queryset.filter(id__in=claim_ids)
    if with_evidence:
        queryset = queryset.annotate(has_evidence=Exists(ClaimEvidence.objects.filter(claim_id=OuterRef("pk"))))
    fields = [
        "id", "status", "operator", "category", "claimant_kind", "service_id", "paid", "claimed_amount",
        "received_at", "claimant__business_no", "claimant__phone",
    ]  # fmt: skip
    if with_evidence:
        fields.append("has_evidence")
    rows = queryset.values_list(*fields)
    if limit is not None:
        rows = rows[:limit]
    for row in rows.iterator(chunk_size=5000):
        yield ClaimFacts(
            id=row[0],
            status=row[1],
            operator=row[2],
            category=row[3],
            claimant_kind=row[4],
            service_id=row[5],
            paid=row[6],
            claimed_amount=row[7],
            received_at=row[8],
            has_evidence=bool(row[11]) if with_evidence else False,
            claimant_key=claim_key(business_no=row[9], phone=row[10]),
        )
