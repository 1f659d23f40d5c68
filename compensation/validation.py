"""Checks on a rule and on a whole version, shown as errors when a rule is saved and before adoption.

- missing remedy values (a flat rule without an amount, a tiered rule without bands, …);
- overlapping bands of a tiered rule;
- unreachable rules: an earlier rule (lower priority number) that matches every claim the later one could.
  The coverage test is conservative: it reports a rule only when it is certainly unreachable.
"""

import itertools
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from compensation.models import RemedyType


@dataclass
class RuleSpec:
    """A rule's conditions as plain values, from a saved rule or from an admin form not yet saved."""

    pk: int | None
    priority: int
    name: str
    remedy: str
    operator: str = ""
    category: str = ""
    claimant_kind: str = ""
    paid: bool | None = None
    service_ids: frozenset[int] | None = None
    min_outage_hours: Decimal | None = None
    max_outage_hours: Decimal | None = None
    min_claimed: int | None = None
    max_claimed: int | None = None
    evidence: bool | None = None
    filed_from: datetime | None = None
    filed_until: datetime | None = None
    include_excluded: bool = False
    proportional_base: str = ""

    @classmethod
    def from_rule(cls, rule: Any, service_ids: set[int] | None = None) -> "RuleSpec":
        if service_ids is None and rule.pk:
            service_ids = {s.pk for s in rule.match_services.all()}
        return cls(
            pk=rule.pk,
            priority=rule.priority,
            name=rule.name,
            remedy=rule.remedy,
            operator=rule.match_operator,
            category=rule.match_category,
            claimant_kind=rule.match_claimant_kind,
            paid=rule.match_paid,
            service_ids=frozenset(service_ids) if service_ids else None,
            min_outage_hours=rule.min_outage_hours,
            max_outage_hours=rule.max_outage_hours,
            min_claimed=rule.min_claimed_won,
            max_claimed=rule.max_claimed_won,
            evidence=rule.match_evidence,
            filed_from=rule.filed_from,
            filed_until=rule.filed_until,
            include_excluded=rule.include_excluded,
            proportional_base=rule.proportional_base,
        )

    @property
    def label(self) -> str:
        return f"#{self.priority} {self.name}"


def remedy_errors(*, rule: Any, bands: list[tuple[int, int | None, int]] | None) -> dict[str, list[str]]:
    """Field-keyed errors for missing or inconsistent remedy values. `bands` = (lower, upper, amount); None
    skips the band checks (the admin checks bands in the inline formset, which sees them)."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    remedy = rule.remedy
    if remedy == RemedyType.CASH_FLAT and not rule.amount_won:
        add("amount_won", "정액 보상에는 금액이 필요합니다.")
    if remedy == RemedyType.CASH_TIERED and bands is not None:
        if not bands:
            add("remedy", "구간별 보상에는 구간이 하나 이상 필요합니다.")
        ordered = sorted(bands, key=lambda b: b[0])
        for (lower_a, upper_a, _), (lower_b, _upper_b, _) in itertools.pairwise(ordered):
            if upper_a is None or upper_a >= lower_b:
                shown = f"{upper_a:,}" if upper_a is not None else "상한 없음"
                add("remedy", f"구간이 겹칩니다: ₩{lower_a:,}–{shown} 과 ₩{lower_b:,}부터의 구간.")
        for lower, upper, _ in bands:
            if upper is not None and upper < lower:
                add("remedy", f"구간 ₩{lower:,}–₩{upper:,}: 하한이 상한보다 큽니다.")
    if remedy == RemedyType.CASH_PROPORTIONAL:
        if rule.percent is None or rule.percent <= 0:
            add("percent", "비례 보상에는 0보다 큰 비율이 필요합니다.")
        if not rule.proportional_base:
            add("proportional_base", "비례 보상의 기준(신고액 또는 월 이용료)을 고르세요.")
    if remedy == RemedyType.IN_KIND:
        if not rule.in_kind_item:
            add("in_kind_item", "현물 보상에는 품목이 필요합니다.")
        if rule.in_kind_value_won is None:
            add("in_kind_value_won", "현물 보상에는 장부가(원)가 필요합니다.")
    if remedy == RemedyType.SERVICE_CREDIT and not rule.credit_days:
        add("credit_days", "이용 기간 연장에는 일수가 필요합니다.")
    if remedy == RemedyType.NONE and not rule.none_reason:
        add("none_reason", "보상 없음에는 사유가 필요합니다.")
    if None not in (rule.min_outage_hours, rule.max_outage_hours) and rule.min_outage_hours > rule.max_outage_hours:
        add("min_outage_hours", "장애 시간 범위의 하한이 상한보다 큽니다.")
    if None not in (rule.min_claimed_won, rule.max_claimed_won) and rule.min_claimed_won > rule.max_claimed_won:
        add("min_claimed_won", "신고액 범위의 하한이 상한보다 큽니다.")
    if rule.filed_from and rule.filed_until and rule.filed_from > rule.filed_until:
        add("filed_from", "접수 기간의 시작이 끝보다 늦습니다.")
    return errors


def _contains(outer_low: Any, outer_high: Any, inner_low: Any, inner_high: Any) -> bool:
    """Does [outer_low, outer_high] contain [inner_low, inner_high]? None = unbounded."""
    if outer_low is not None and (inner_low is None or inner_low < outer_low):
        return False
    return outer_high is None or (inner_high is not None and inner_high <= outer_high)


def covers(a: RuleSpec, b: RuleSpec) -> bool:
    """True if every claim rule `b` can match is certainly matched by `a` (so `b` after `a` is unreachable)."""
    for mine, theirs in (
        (a.operator, b.operator),
        (a.category, b.category),
        (a.claimant_kind, b.claimant_kind),
    ):
        if mine and mine != theirs:
            return False
    if a.paid is not None and a.paid != b.paid:
        return False
    if a.evidence is not None and a.evidence != b.evidence:
        return False
    if b.include_excluded and not a.include_excluded:
        return False
    if a.service_ids is not None and (b.service_ids is None or not b.service_ids <= a.service_ids):
        return False
    if not _contains(a.min_outage_hours, a.max_outage_hours, b.min_outage_hours, b.max_outage_hours):
        return False
    if not _contains(a.min_claimed, a.max_claimed, b.min_claimed, b.max_claimed):
        return False
    if not _contains(a.filed_from, a.filed_until, b.filed_from, b.filed_until):
        return False
    # Implicit conditions of `a` (see engine): only certain when `b` needs the same thing.
    if a.remedy == RemedyType.CASH_TIERED:
        return False
    if a.remedy == RemedyType.CASH_PROPORTIONAL:
        b_needs_amount = (
            b.min_claimed is not None
            or b.max_claimed is not None
            or b.remedy == RemedyType.CASH_TIERED
            or (b.remedy == RemedyType.CASH_PROPORTIONAL and b.proportional_base == "claimed")
        )
        if a.proportional_base != "claimed" or not b_needs_amount:
            return False
    return True


def reachability_errors(*, rule: RuleSpec, others: list[RuleSpec]) -> list[str]:
    """Messages if `rule` is shadowed by an earlier rule, or would shadow a later one."""
    messages = []
    for other in others:
        if other.pk is not None and other.pk == rule.pk:
            continue
        if other.priority < rule.priority and covers(other, rule):
            messages.append(f"앞선 규칙 {other.label}이(가) 이 규칙의 모든 경우를 먼저 처리하므로 적용될 수 없습니다.")
        elif other.priority > rule.priority and covers(rule, other):
            messages.append(
                f"이 규칙이 뒤의 규칙 {other.label}의 모든 경우를 먼저 처리하므로 그 규칙은 적용될 수 없습니다."
            )
    return messages


def version_errors(version: Any) -> list[str]:
    """Every problem of a version, for the admin page and as a precondition of adoption."""
    rules = list(version.rules.prefetch_related("bands", "match_services").order_by("priority"))
    specs = [RuleSpec.from_rule(rule) for rule in rules]
    messages: list[str] = []
    if not rules:
        messages.append("규칙이 하나도 없습니다.")
    for rule, spec in zip(rules, specs, strict=True):
        bands = [(b.lower_won, b.upper_won, b.amount_won) for b in rule.bands.all()]
        for field_messages in remedy_errors(rule=rule, bands=bands).values():
            messages.extend(f"{spec.label}: {message}" for message in field_messages)
        for earlier in specs:
            if earlier.priority < spec.priority and covers(earlier, spec):
                messages.append(f"{spec.label}: 앞선 규칙 {earlier.label} 때문에 적용될 수 없습니다.")
                break
    return messages
