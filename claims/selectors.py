"""Reads for claims: lists scoped to the caller, the public status lookup and the statistics report."""

from collections import defaultdict
from datetime import date
from typing import Any, cast

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone

from claims.filters import ClaimFilterSet
from claims.models import Claim, Claimant, Incident, Service
from reporting.selectors import TallyTotals, claim_tally_available, claim_tally_totals

STATS_CACHE_SECONDS = 30
OWN_CATEGORIES = (
    Claim.Category.PAID_SERVICE_DAMAGE,
    Claim.Category.FREE_SERVICE_MONETARY,
    Claim.Category.NON_MONETARY,
)


def incident_get_default() -> Incident | None:
    """The open incident that claims go to when the caller names none (the newest open one)."""
    return Incident.objects.filter(is_open=True).order_by("-occurred_at").first()


def service_get(*, incident: Incident, code: str) -> Service | None:
    return Service.objects.filter(incident=incident, code=code).select_related("affiliate").first()


def claim_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Claim]:
    if not user.has_perm("claims.view_claim"):
        raise PermissionDenied
    # Joined: the relations every row has. Prefetched (one small query each, only when some row needs it): the
    # optional ones. Joining all nine made PostgreSQL spend 100-500 ms *planning* each page (two more copies of
    # the million-row claims table among ten relations) for a query that runs in 1 ms (bench/bench_queries.py).
    queryset = Claim.objects.select_related("incident", "service", "claimant", "affiliate").prefetch_related(
        "assigned_to", "team", "duplicate_of", "merged_into", "affiliate_outcome"
    )
    if not filters:
        # DRF asks for the queryset on every request (permissions, then the list itself): skip an empty form.
        return queryset
    filterset = ClaimFilterSet(filters, queryset=queryset)
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


def _group(counts: dict[str, int], keys: list[str], parent: int) -> dict[str, dict[str, Any]]:
    return {key: _entry(counts.get(key, 0), parent) for key in keys}


def claim_stats(*, incident: Incident, use_cache: bool = True) -> dict[str, Any]:
    """The figures the company reports to the council and the press, for one incident.

    Every entry is {"count": N, "share": F}, the share a fraction of its parent group rounded to 4 places:
    `by_operator`, `by_service`, `by_status` and `by_day` of `total`; `own.by_category` and
    `own.by_claimant_kind` of the own-service claims (`own` is itself the own entry, with its breakdowns).
    `generated_at` says when the figures were counted.

    On PostgreSQL they come from the tallies that triggers keep in step with every write to the claims
    (reporting.ClaimTally): exact at the moment of the request, and a few milliseconds to read whether there
    are a thousand claims or a million, so nothing is cached. Elsewhere (SQLite in `make run`) the claims
    themselves are counted and, with `use_cache`, the result is kept for STATS_CACHE_SECONDS.
    """
    if claim_tally_available():
        return _claim_stats_from_totals(incident=incident, totals=claim_tally_totals(incident=incident))
    cache_key = f"claims:stats:v2:{incident.pk}"
    if use_cache:
        cached = cache.get(cache_key)
        if cached is not None:
            return cached
    result = _claim_stats_report(incident=incident, rows=claim_stats_rows_counted(incident=incident))
    cache.set(cache_key, result, STATS_CACHE_SECONDS)
    return result


def claim_stats_rows_counted(*, incident: Incident) -> list[tuple[str, str, str, int, str, date, int]]:
    """The same groups as claim_tally_rows, counted from the claims (a full scan of the incident's claims)."""
    rows = (
        Claim.objects.filter(incident=incident)
        .annotate(day=TruncDate("received_at", tzinfo=timezone.get_default_timezone()))
        .values_list("operator", "category", "claimant_kind", "service_id", "status", "day")
        .annotate(n=Count("*"))
        .order_by()
    )
    return list(rows)


def _claim_stats_report(*, incident: Incident, rows: list[tuple[str, str, str, int, str, date, int]]) -> dict[str, Any]:
    """The report from rows of (operator, category, claimant_kind, service_id, status, day, count)."""
    totals: dict[str, dict[Any, int]] = {
        name: defaultdict(int)
        for name in ("operator", "operator_category", "operator_claimant_kind", "service", "status", "day")
    }
    for operator, category, kind, service_id, status, day, n in rows:
        if not n:
            continue
        totals["operator"][operator] += n
        totals["operator_category"][(operator, category)] += n
        totals["operator_claimant_kind"][(operator, kind)] += n
        totals["service"][service_id] += n
        totals["status"][status] += n
        totals["day"][day] += n
    return _claim_stats_from_totals(incident=incident, totals=cast(TallyTotals, totals))


def _claim_stats_from_totals(*, incident: Incident, totals: TallyTotals) -> dict[str, Any]:
    generated_at = timezone.now()
    by_operator = totals["operator"]
    by_category = {c: n for (o, c), n in totals["operator_category"].items() if o == Claim.Operator.OWN}
    by_kind = {k: n for (o, k), n in totals["operator_claimant_kind"].items() if o == Claim.Operator.OWN}
    by_service = totals["service"]
    by_status = totals["status"]
    by_day = {day.isoformat(): n for day, n in totals["day"].items()}
    total = sum(by_operator.values())
    own = by_operator.get(Claim.Operator.OWN, 0)
    service_codes = dict(Service.objects.filter(incident=incident).order_by("code").values_list("id", "code"))
    statuses = list(Claim.Status.values) + sorted(set(by_status) - set(Claim.Status.values))
    return {
        "incident": incident.code,
        "generated_at": generated_at.isoformat(),
        "total": total,
        "by_operator": _group(by_operator, list(Claim.Operator.values), total),
        "own": {
            **_entry(own, total),
            "by_category": _group(by_category, [c.value for c in OWN_CATEGORIES], own),
            "by_claimant_kind": _group(by_kind, list(Claimant.Kind.values), own),
        },
        "by_service": _group(
            {service_codes[sid]: n for sid, n in by_service.items()}, list(service_codes.values()), total
        ),
        "by_status": _group(by_status, statuses, total),
        "by_day": _group(by_day, sorted(by_day), total),
    }
