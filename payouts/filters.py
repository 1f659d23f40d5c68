import django_filters

from payouts.models import Payout, PayoutBatch, ReconciliationException


class PayoutFilterSet(django_filters.FilterSet):
    """Shared by the API, the selectors and batch building: method, policy, amount range, status."""

    status = django_filters.MultipleChoiceFilter(choices=Payout.Status.choices)
    method = django_filters.ChoiceFilter(choices=Payout.Method.choices)
    policy = django_filters.NumberFilter(field_name="policy_id")
    batch = django_filters.NumberFilter(field_name="batch_id")
    min_won = django_filters.NumberFilter(field_name="amount_won", lookup_expr="gte")
    max_won = django_filters.NumberFilter(field_name="amount_won", lookup_expr="lte")
    reference = django_filters.CharFilter(field_name="claim__reference")
    flagged = django_filters.BooleanFilter(method="filter_flagged")

    class Meta:
        model = Payout
        fields = ["status", "method", "policy", "batch"]

    def filter_flagged(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.exclude(risk_flags=[]) if value else queryset.filter(risk_flags=[])


class PayoutBatchFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=PayoutBatch.Status.choices)
    channel = django_filters.ChoiceFilter(choices=PayoutBatch.Channel.choices)

    class Meta:
        model = PayoutBatch
        fields = ["status", "channel"]


class ReconciliationExceptionFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ReconciliationException.Status.choices)
    kind = django_filters.ChoiceFilter(choices=ReconciliationException.Kind.choices)
    report_date = django_filters.DateFilter(field_name="run__report_date")

    class Meta:
        model = ReconciliationException
        fields = ["status", "kind", "report_date"]
