"""Audit-record writers for council meetings, called by the services inside their transaction."""

from typing import Any

from council.models import Meeting, MeetingEvent


def meeting_planned_event(*, meeting: Meeting, actor: Any) -> MeetingEvent:
    return MeetingEvent.objects.create(
        meeting=meeting,
        kind=MeetingEvent.Kind.PLANNED,
        to_state=meeting.state,
        actor=actor,
        data={"number": meeting.number, "starts_at": meeting.starts_at.isoformat(), "place": meeting.place},
    )


def meeting_rescheduled_event(
    *, meeting: Meeting, actor: Any, reason: str, before: dict[str, Any], after: dict[str, Any]
) -> MeetingEvent:
    return MeetingEvent.objects.create(
        meeting=meeting,
        kind=MeetingEvent.Kind.RESCHEDULED,
        actor=actor,
        reason=reason,
        data={"before": before, "after": after, "sequence": meeting.ical_sequence},
    )


def meeting_state_changed_event(*, meeting: Meeting, actor: Any, from_state: str, reason: str) -> MeetingEvent:
    return MeetingEvent.objects.create(
        meeting=meeting,
        kind=MeetingEvent.Kind.STATE_CHANGED,
        from_state=from_state,
        to_state=meeting.state,
        actor=actor,
        reason=reason,
    )


def meeting_notice_sent_event(*, meeting: Meeting, actor: Any, recipients: int) -> MeetingEvent:
    return MeetingEvent.objects.create(
        meeting=meeting,
        kind=MeetingEvent.Kind.NOTICE_SENT,
        actor=actor,
        data={"recipients": recipients, "sequence": meeting.ical_sequence, "state": meeting.state},
    )


def meeting_reminder_sent_event(*, meeting: Meeting, recipients: int) -> MeetingEvent:
    return MeetingEvent.objects.create(
        meeting=meeting,
        kind=MeetingEvent.Kind.REMINDER_SENT,
        data={"recipients": recipients, "sequence": meeting.ical_sequence},
    )
