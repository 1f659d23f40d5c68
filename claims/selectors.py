"""Reads for claims: lists scoped to the caller, the public status lookup and the statistics report."""

from collections import defaultdict
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone

from claims.filters import ClaimFilterSet
from claims.models import Claim, Claimant, Incident, Service

STATS_CACHE_SECONDS = 30


def incident_get_default() -> Incident | None:
    """The open incident that claims go to when the caller names none (the newest open one)."""
    return Incident.objects.filter(is_open=True).order_by("-occurred_at").first()


def service_get(*, incident: Incident, code: str) -> Service | None:
    return Service.objects.filter(incident=incident, code=code).select_related("affiliate").first()


def claim_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Claim]:
    if not user.has_perm("claims.view_claim"):
        raise PermissionDenied
    queryset = Claim.objects.select_related("incident", "service", "claimant", "affiliate", "assigned_to")
    filterset = ClaimFilterSet(filters or {}, queryset=queryset)
    if not filterset.is_valid():
        from django.core.exceptions import ValidationError

        raise ValidationError(filterset.errors)
    return filterset.qs


def claim_get(*, reference: str, user: Any) -> Claim:
    claim = claim_list(user=user).filter(reference=reference).first()
    if claim is None:
        raise Http404
    return claim


def claim_public_status(*, reference: str, phone_last4: str) -> Claim | None:
    """What a claimant can see: only with the reference and the last four digits of the phone."""
    reference = (reference or "").strip().upper()
    phone_last4 = (phone_last4 or "").strip()
    if not reference or len(phone_last4) != 4 or not phone_last4.isdigit():
        return None
    claim = (
        Claim.objects.select_related("service", "claimant", "affiliate", "incident").filter(reference=reference).first()
    )
    if claim is None or not claim.claimant.phone.endswith(phone_last4):
        return None
    return claim


def _entry(count: int, parent: int) -> dict[str, Any]:
    return {"count": count, "share": round(count / parent, 4) if parent else 0.0}


def _group(counts: dict[str, int], keys: list[str] | None = None) -> dict[str, dict[str, Any]]:
    total = sum(counts.values())
    keys = keys if keys is not None else sorted(counts)
    return {key: _entry(counts.get(key, 0), total) for key in keys}


def claim_stats(*, incident: Incident, use_cache: bool = True) -> dict[str, Any]:
    """The figures the company reports to the council and the press.

    One GROUP BY over the claims table; shares are fractions of their parent group, rounded to 4 places.
    Cached briefly because a million-row scan should not run on every dashboard refresh.
    """
    cache_key = f"claims:stats:{incident.pk}"
    if use_cache:
        cached = cache.get(cache_key)
        if cached is not None:
            return cached
    rows = (
        Claim.objects.filter(incident=incident)
        .annotate(day=TruncDate("received_at", tzinfo=timezone.get_default_timezone()))
        .values_list("operator", "category", "claimant_kind", "service_id", "status", "day")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_operator: dict[str, int] = defaultdict(int)
    by_category: dict[str, int] = defaultdict(int)
    by_kind: dict[str, int] = defaultdict(int)
    by_service: dict[int, int] = defaultdict(int)
    by_status: dict[str, int] = defaultdict(int)
    by_day: dict[str, int] = defaultdict(int)
    for operator, category, kind, service_id, status, day, n in rows:
        by_operator[operator] += n
        by_service[service_id] += n
        by_status[status] += n
        by_day[day.isoformat()] += n
        if operator == Claim.Operator.OWN:
            by_category[category] += n
            by_kind[kind] += n
    total = sum(by_operator.values())
    service_codes = dict(Service.objects.filter(incident=incident).values_list("id", "code"))
    own_categories = [
        Claim.Category.PAID_SERVICE_DAMAGE,
        Claim.Category.FREE_SERVICE_MONETARY,
        Claim.Category.NON_MONETARY,
    ]
    result = {
        "incident": incident.code,
        "generated_at": timezone.now().isoformat(),
        "total": total,
        "by_operator": _group(by_operator, list(Claim.Operator.values)),
        "own": {
            "count": by_operator.get(Claim.Operator.OWN, 0),
            "by_category": _group(by_category, [str(c) for c in own_categories]),
            "by_claimant_kind": _group(by_kind, list(Claimant.Kind.values)),
        },
        "by_service": _group({service_codes[sid]: n for sid, n in by_service.items()}, sorted(service_codes.values())),
        "by_status": _group(by_status, list(Claim.Status.values)),
        "by_day": _group(by_day),
    }
    cache.set(cache_key, result, STATS_CACHE_SECONDS)
    return result
