import django_filters
from django.db.models import QuerySet

from notifications.events import EVENT_CHOICES
from notifications.models import Channel, Notification


class NotificationFilterSet(django_filters.FilterSet):
    """Shared by the selectors and the admin. The claim is matched by its exact reference."""

    status = django_filters.MultipleChoiceFilter(choices=Notification.Status.choices)
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices)
    event = django_filters.MultipleChoiceFilter(choices=EVENT_CHOICES)
    essential = django_filters.BooleanFilter()
    claim = django_filters.CharFilter(method="filter_claim", label="접수번호")
    campaign = django_filters.NumberFilter(field_name="campaign_id")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Notification
        fields = ["status", "channel", "event", "essential", "campaign"]

    def filter_claim(self, queryset: QuerySet[Notification], name: str, value: str) -> QuerySet[Notification]:
        return queryset.filter(claim__reference=(value or "").strip().upper())
