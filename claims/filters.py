import contextlib
import re

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from claims.models import Claim, Claimant
from core.validators import normalize_business_no, normalize_phone

_REFERENCE = re.compile(r"^[A-Z0-9]+-[A-Z0-9-]*\d{7}$")


class ClaimFilterSet(django_filters.FilterSet):
    """Shared by the API list, the selectors and the admin. Personal data is matched exactly, never by LIKE."""

    # distinct=False: these filter a column of the claim itself, so no row can repeat, and the SELECT DISTINCT
    # django-filter adds by default would make PostgreSQL sort every matching row before taking a page.
    status = django_filters.MultipleChoiceFilter(choices=Claim.Status.choices, distinct=False)
    category = django_filters.MultipleChoiceFilter(choices=Claim.Category.choices, distinct=False)
    operator = django_filters.ChoiceFilter(choices=Claim.Operator.choices)
    claimant_kind = django_filters.ChoiceFilter(choices=Claim.claimant_kind.field.choices)
    service = django_filters.CharFilter(field_name="service__code")
    incident = django_filters.CharFilter(field_name="incident__code")
    received_after = django_filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = django_filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="lt")
    assigned_to = django_filters.NumberFilter(field_name="assigned_to_id")
    q = django_filters.CharFilter(method="filter_exact_key", label="접수번호·전화번호·사업자번호 (정확히 일치)")

    class Meta:
        model = Claim
        fields = ["status", "category", "operator", "claimant_kind", "service", "incident", "assigned_to"]

    def filter_exact_key(self, queryset: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        return claim_filter_by_key(queryset, value)


def _contact_match(value: str, *, via: str = "") -> Q:
    """Q for a phone or business number equal to `value` once normalised as at intake (empty: neither)."""
    match = Q()
    with contextlib.suppress(ValidationError):
        match |= Q(**{f"{via}phone": normalize_phone(value)})
    with contextlib.suppress(ValidationError):
        match |= Q(**{f"{via}business_no": normalize_business_no(value)})
    return match


def claim_filter_by_key(queryset: QuerySet[Claim], value: str) -> QuerySet[Claim]:
    value = (value or "").strip()
    if not value:
        return queryset
    if _REFERENCE.match(value.upper()):
        return queryset.filter(reference=value.upper())
    match = _contact_match(value, via="claimant__")
    return queryset.filter(match) if match else queryset.none()


def claimant_filter_by_key(queryset: QuerySet[Claimant], value: str) -> QuerySet[Claimant]:
    """Claimants whose phone or business number is exactly `value` (normalised); none for anything else, an
    empty value included: claimants are found, never browsed."""
    match = _contact_match(value)
    return queryset.filter(match) if match else queryset.none()
