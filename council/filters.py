import django_filters

from council.models import ActionItem, Meeting, MinutesVersion, Resolution


class MeetingFilterSet(django_filters.FilterSet):
    """Shared by the API, the selectors and the admin lists."""

    council = django_filters.NumberFilter(field_name="council_id")
    state = django_filters.MultipleChoiceFilter(choices=Meeting.State.choices)
    starts_after = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Meeting
        fields = ["council", "state"]


class ResolutionFilterSet(django_filters.FilterSet):
    council = django_filters.NumberFilter(field_name="meeting__council_id")
    meeting = django_filters.NumberFilter(field_name="meeting_id")
    kind = django_filters.ChoiceFilter(choices=Resolution.Kind.choices)
    state = django_filters.MultipleChoiceFilter(choices=Resolution.State.choices)

    class Meta:
        model = Resolution
        fields = ["council", "meeting", "kind", "state"]


class MinutesVersionFilterSet(django_filters.FilterSet):
    council = django_filters.NumberFilter(field_name="minutes__meeting__council_id")
    meeting = django_filters.NumberFilter(field_name="minutes__meeting_id")
    state = django_filters.MultipleChoiceFilter(choices=MinutesVersion.State.choices)

    class Meta:
        model = MinutesVersion
        fields = ["council", "meeting", "state"]


class ActionItemFilterSet(django_filters.FilterSet):
    council = django_filters.NumberFilter(field_name="meeting__council_id")
    state = django_filters.MultipleChoiceFilter(choices=ActionItem.State.choices)
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")

    class Meta:
        model = ActionItem
        fields = ["council", "state"]
