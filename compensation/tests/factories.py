"""Compensation factories. Policies, versions and rules go through the services; claims through intake."""

import itertools
from typing import Any

from claims.models import Claim, Incident, Service
from claims.tests.factories import submit_claim
from compensation.models import Policy, PolicyVersion, Rule
from compensation.services import policy_create, policy_version_adopt, policy_version_create, rule_save
from core.validators import business_no_with_check_digit

_seq = itertools.count(1)


def business_no() -> str:
    n = next(_seq)
    return business_no_with_check_digit(f"{120 + n % 800}{10 + n % 89}{1000 + n % 9000}")


def money_claim(
    *,
    kind: str = "small_business",
    claimed_amount: int | None = 420_000,
    service_code: str = "kakaotalk",
    paid: bool = False,
    phone: str | None = None,
    business: str | None = None,
    **extra: Any,
) -> Claim:
    """A claim about lost money (triage files it as free-service monetary or paid-service damage)."""
    if kind != "individual" and business is None:
        business = business_no()
    return submit_claim(
        kind=kind,
        name="김네 꽃집" if kind != "individual" else "김민수",
        business_no=business or "",
        phone=phone,
        claimed_amount=claimed_amount,
        service_code=service_code,
        paid=paid,
        description="카카오톡 주문 채널이 멈춰서 주말 매출을 놓쳤습니다.",
        **extra,
    )


def draft_version(*, incident: Incident | None = None, **fields: Any) -> PolicyVersion:
    incident = incident or Incident.objects.get(code="2022-pangyo-dc-fire")
    policy = Policy.objects.filter(incident=incident, code="test-policy").first() or policy_create(
        incident=incident, code="test-policy", name="시험 보상 기준", actor=None
    )
    return policy_version_create(policy=policy, actor=None, **fields)


def add_rule(
    version: PolicyVersion,
    *,
    priority: int,
    remedy: str,
    bands: list[tuple[int, int | None, int]] | None = None,
    services: list[str] | None = None,
    **fields: Any,
) -> Rule:
    service_ids = set()
    if services:
        service_ids = set(
            Service.objects.filter(incident_id=version.policy.incident_id, code__in=services).values_list(
                "pk", flat=True
            )
        )
    fields.setdefault("name", f"규칙 {priority}")
    return rule_save(
        rule=Rule(version=version, priority=priority, remedy=remedy, **fields),
        bands=bands or [],
        service_ids=service_ids,
        actor=None,
    )


def adopt(version: PolicyVersion) -> PolicyVersion:
    from council.tests.factories import adopted_resolution

    return policy_version_adopt(version=version, resolution=adopted_resolution(), actor=None)


def tiered_2022(version: PolicyVersion) -> Rule:
    return add_rule(
        version,
        priority=10,
        remedy="cash_tiered",
        match_claimant_kind="small_business",
        bands=[(0, 300_000, 30_000), (300_001, 500_000, 50_000)],
    )


def run_bulk(version: PolicyVersion, actor: Any = None) -> Any:
    """Start a bulk run and process it inline (the Celery path has its own test with a real worker)."""
    from compensation.services import assessment_run_process, assessment_run_start

    run = assessment_run_start(version=version, actor=actor)
    return assessment_run_process(run_id=run.pk)


def assessed(version: PolicyVersion) -> dict[int, Any]:
    from compensation.models import Assessment

    return {a.claim_id: a for a in Assessment.objects.filter(version=version).select_related("rule")}
