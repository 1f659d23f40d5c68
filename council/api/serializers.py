from rest_framework import serializers

from council.models import AgendaItem, Attendance, Meeting, MinutesItem, MinutesVersion, Resolution, Vote


class AgendaItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgendaItem
        fields = ["id", "position", "title", "presenter", "minutes_allotted", "description"]


class AttendanceSerializer(serializers.ModelSerializer):
    member = serializers.CharField(source="member.name")
    organisation = serializers.CharField(source="member.organisation")

    class Meta:
        model = Attendance
        fields = ["member", "organisation", "status", "proxy_name"]


class MeetingSerializer(serializers.ModelSerializer):
    council = serializers.CharField(source="council.name")
    number_label = serializers.CharField()
    agenda_items = AgendaItemSerializer(many=True, read_only=True)
    attendance = AttendanceSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id", "council", "number", "number_label", "title", "starts_at", "duration_minutes", "place",
            "online_url", "state", "ical_sequence", "held_at", "agenda_items", "attendance",
        ]  # fmt: skip


class MeetingTransitionSerializer(serializers.Serializer):
    to_state = serializers.ChoiceField(choices=Meeting.State.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class MeetingRescheduleSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(required=False)
    place = serializers.CharField(required=False, allow_blank=True)
    online_url = serializers.URLField(required=False, allow_blank=True)
    duration_minutes = serializers.IntegerField(required=False, min_value=1)
    reason = serializers.CharField()


class VoteSerializer(serializers.ModelSerializer):
    member = serializers.CharField(source="member.name")

    class Meta:
        model = Vote
        fields = ["member", "choice"]


class ResolutionSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="__str__", read_only=True)  # type: ignore[assignment]
    meeting_number = serializers.IntegerField(source="meeting.number", read_only=True)
    votes = VoteSerializer(many=True, read_only=True)

    class Meta:
        model = Resolution
        fields = [
            "id", "label", "meeting", "meeting_number", "number", "agenda_item", "title", "text", "kind", "state",
            "tally_mode", "votes_for", "votes_against", "votes_abstain", "votes_recused", "present_voting",
            "decided_at", "adopted_at", "approves_minutes", "votes",
        ]  # fmt: skip


class ResolutionRecordSerializer(serializers.Serializer):
    tally = serializers.DictField(child=serializers.IntegerField(min_value=0), required=False)


class MinutesItemSerializer(serializers.ModelSerializer):
    agenda_title = serializers.CharField(source="agenda_item.title")

    class Meta:
        model = MinutesItem
        fields = ["position", "agenda_title", "discussion", "decisions"]


class MinutesVersionSerializer(serializers.ModelSerializer):
    meeting = serializers.IntegerField(source="minutes.meeting_id")
    visibility = serializers.CharField(source="minutes.visibility")
    items = MinutesItemSerializer(many=True, read_only=True)

    class Meta:
        model = MinutesVersion
        fields = [
            "id", "meeting", "visibility", "number", "state", "correction_reason", "summary", "body_text",
            "circulated_at", "approved_at", "approved_by_resolution", "published_at", "items",
        ]  # fmt: skip
