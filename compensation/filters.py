"""FilterSets shared by the API lists, the selectors and the admin."""

import django_filters

from compensation.models import Appeal, Assessment, AssessmentRun, Entitlement, PolicyVersion, RemedyType


class PolicyVersionFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=PolicyVersion.Status.choices)
    policy = django_filters.NumberFilter(field_name="policy_id")
    incident = django_filters.CharFilter(field_name="policy__incident__code")

    class Meta:
        model = PolicyVersion
        fields = ["status", "policy", "incident"]


class AssessmentFilterSet(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=Assessment.State.choices)
    remedy = django_filters.MultipleChoiceFilter(choices=RemedyType.choices)
    version = django_filters.NumberFilter(field_name="version_id")
    claim = django_filters.CharFilter(field_name="claim__reference")
    claimant_kind = django_filters.CharFilter(field_name="claim__claimant_kind")
    service = django_filters.CharFilter(field_name="claim__service__code")
    decided_by = django_filters.NumberFilter(field_name="decided_by_id")

    class Meta:
        model = Assessment
        fields = ["state", "remedy", "version", "claim", "claimant_kind", "service", "decided_by"]


class AppealFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Appeal.Status.choices)
    assigned_to = django_filters.NumberFilter(field_name="assigned_to_id")

    class Meta:
        model = Appeal
        fields = ["status", "assigned_to"]


class EntitlementFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=Entitlement.Kind.choices)
    status = django_filters.MultipleChoiceFilter(choices=Entitlement.Status.choices)
    claim = django_filters.CharFilter(field_name="claim__reference")

    class Meta:
        model = Entitlement
        fields = ["kind", "status", "claim"]


class AssessmentRunFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AssessmentRun.Status.choices)
    version = django_filters.NumberFilter(field_name="version_id")

    class Meta:
        model = AssessmentRun
        fields = ["status", "version"]
