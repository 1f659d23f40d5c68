"""Reads for compensation: lists scoped by permission through the FilterSets, the review queue, and the
totals of real assessments in the simulator's shape (so the two can be compared)."""

from collections import defaultdict
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet, Sum

from compensation.engine import compile_version
from compensation.filters import (
    AppealFilterSet,
    AssessmentFilterSet,
    AssessmentRunFilterSet,
    EntitlementFilterSet,
    PolicyVersionFilterSet,
)
from compensation.models import Appeal, Assessment, AssessmentRun, Entitlement, Policy, PolicyVersion
from compensation.simulation import histogram_bucket, summarize, version_meta


def _filtered(filterset_class: Any, data: dict[str, Any] | None, queryset: QuerySet) -> QuerySet:
    filterset = filterset_class(data or {}, queryset=queryset)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs


def _require(user: Any, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied


def policy_list(*, user: Any) -> QuerySet[Policy]:
    _require(user, "compensation.view_policy")
    return Policy.objects.select_related("incident").order_by("incident", "code")


def policy_version_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[PolicyVersion]:
    _require(user, "compensation.view_policyversion")
    queryset = PolicyVersion.objects.select_related("policy__incident", "adopted_by__meeting__council").annotate(
        rule_count=Count("rules")
    )
    return _filtered(PolicyVersionFilterSet, filters, queryset.order_by("policy", "-number"))


def assessment_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Assessment]:
    _require(user, "compensation.view_assessment")
    queryset = Assessment.objects.select_related(
        "claim__service", "claim__claimant", "version__policy", "rule", "decided_by", "confirmed_by"
    ).order_by("-id")
    return _filtered(AssessmentFilterSet, filters, queryset)


def assessment_get(*, pk: int, user: Any) -> Assessment:
    return assessment_list(user=user).get(pk=pk)


def review_queue(*, user: Any, individual: bool | None = None) -> QuerySet[Assessment]:
    """Open assessments awaiting a reviewer, oldest first; `individual` narrows to the individual-review queue.
    Awaiting-confirmation rows are left out for the reviewer who made the adjustment (they cannot confirm)."""
    _require(user, "compensation.decide_assessment")
    queryset = assessment_list(user=user).filter(state__in=Assessment.OPEN_STATES).order_by("id")
    if individual is True:
        queryset = queryset.filter(state=Assessment.State.INDIVIDUAL_REVIEW)
    elif individual is False:
        queryset = queryset.exclude(state=Assessment.State.INDIVIDUAL_REVIEW)
    return queryset.exclude(state=Assessment.State.AWAITING_CONFIRMATION, decided_by=user)


def appeal_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Appeal]:
    _require(user, "compensation.view_appeal")
    queryset = Appeal.objects.select_related("assessment__claim", "assigned_to", "original_reviewer", "decided_by")
    return _filtered(AppealFilterSet, filters, queryset.order_by("-id"))


def entitlement_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Entitlement]:
    _require(user, "compensation.view_entitlement")
    queryset = Entitlement.objects.select_related("claim", "assessment", "service")
    return _filtered(EntitlementFilterSet, filters, queryset.order_by("-id"))


def assessment_run_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[AssessmentRun]:
    _require(user, "compensation.view_assessmentrun")
    queryset = AssessmentRun.objects.select_related("version__policy", "started_by").defer("claim_ids")
    return _filtered(AssessmentRunFilterSet, filters, queryset.order_by("-id"))


def assessment_summary(*, version: PolicyVersion) -> dict[str, Any]:
    """The totals of the assessments made under `version`, in the shape of `simulation.simulate` (amounts as
    assessed, before reviewer decisions), so the simulator can be checked against reality."""
    compiled = compile_version(version)
    index_by_pk = {rule.pk: rule.index for rule in compiled.rules}
    groups: dict[tuple[int, int, str, int, int], list[int]] = defaultdict(lambda: [0, 0])
    rows = (
        Assessment.objects.filter(version=version)
        .values("rule_id", "tier", "claim__claimant_kind", "claim__service_id", "amount_won")
        .annotate(n=Count("id"), total=Sum("amount_won"))
    )
    for row in rows:
        key = (
            index_by_pk.get(row["rule_id"], 0),
            row["tier"] or 0,
            row["claim__claimant_kind"],
            row["claim__service_id"],
            histogram_bucket(row["amount_won"]),
        )
        groups[key][0] += row["n"]
        groups[key][1] += row["total"] or 0
    result = summarize(compiled, dict(groups))
    result["version"] = version_meta(version)
    return result
