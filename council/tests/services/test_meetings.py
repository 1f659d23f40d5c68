from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.exceptions import ApplicationError
from council import services
from council.models import Meeting, MeetingEvent
from council.tests.factories import CouncilFactory, plan_meeting
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_meetings_are_numbered_in_order_per_council(council, seats):
    other = CouncilFactory()
    first = plan_meeting(council=council)
    elsewhere = plan_meeting(council=other)
    second = plan_meeting(council=council)
    assert (first.number, second.number, elsewhere.number) == (1, 2, 1)
    assert str(second) == "협의체 2차 회의" and second.number_label == "2차"


def test_transitions_follow_the_table_and_keep_history(council, seats, secretariat_user):
    meeting = plan_meeting(council=council, starts_at=timezone.now() + timedelta(days=3))
    meeting = services.meeting_transition(
        meeting=meeting, to_state=Meeting.State.POSTPONED, actor=secretariat_user, reason="위원 일정"
    )
    assert meeting.state == Meeting.State.POSTPONED and meeting.ical_sequence == 1
    # A repeat is harmless and writes nothing.
    services.meeting_transition(meeting=meeting, to_state=Meeting.State.POSTPONED, actor=secretariat_user, reason="x")
    new_start = timezone.now() + timedelta(days=10)
    meeting = services.meeting_reschedule(meeting=meeting, starts_at=new_start, actor=secretariat_user, reason="재개")
    assert meeting.state == Meeting.State.PLANNED and meeting.starts_at == new_start and meeting.ical_sequence == 2
    with pytest.raises(ApplicationError):  # not yet started
        services.meeting_transition(meeting=meeting, to_state=Meeting.State.HELD, actor=secretariat_user)
    meeting = services.meeting_transition(
        meeting=meeting, to_state=Meeting.State.CANCELLED, actor=secretariat_user, reason="취소"
    )
    with pytest.raises(ApplicationError):
        services.meeting_transition(meeting=meeting, to_state=Meeting.State.PLANNED, actor=secretariat_user)

    history = list(meeting.events.order_by("id").values_list("kind", "from_state", "to_state"))
    state_changes = [(f, t) for k, f, t in history if k == MeetingEvent.Kind.STATE_CHANGED]
    assert state_changes == [("planned", "postponed"), ("postponed", "planned"), ("planned", "cancelled")]
    assert [k for k, _, _ in history].count(MeetingEvent.Kind.RESCHEDULED) == 1
    moved = meeting.events.get(kind=MeetingEvent.Kind.RESCHEDULED)
    assert moved.actor == secretariat_user and moved.data["after"]["starts_at"] == new_start.isoformat()


def test_cancel_needs_a_reason_and_permission(council, seats, agent):
    meeting = plan_meeting(council=council)
    with pytest.raises(ValidationError):
        services.meeting_transition(meeting=meeting, to_state=Meeting.State.CANCELLED, actor=None, reason="")
    with pytest.raises(ApplicationError) as exc:
        services.meeting_transition(meeting=meeting, to_state=Meeting.State.CANCELLED, actor=agent, reason="x")
    assert exc.value.status_code == 403


def test_notice_goes_to_every_member_with_the_ics_and_again_when_moved(council, seats, secretariat_user):
    meeting = plan_meeting(council=council)
    notices = Notification.objects.filter(event="meeting_notice")
    assert notices.count() == len(seats)
    row = notices.get(user=seats["consumer"].user)
    assert row.context["meeting_number"] == 1
    assert row.attachments[0]["filename"] == "council-meeting-1.ics"
    services.meeting_reschedule(
        meeting=meeting, starts_at=meeting.starts_at + timedelta(hours=2), actor=secretariat_user, reason="장소 사정"
    )
    assert notices.count() == 2 * len(seats)
    # Nothing changed: no new notice.
    services.meeting_reschedule(meeting=meeting, place=meeting.place, actor=secretariat_user, reason="")
    assert notices.count() == 2 * len(seats)


def test_a_meeting_recorded_afterwards_sends_no_notice(council, seats):
    plan_meeting(council=council, starts_at=timezone.now() - timedelta(days=30))
    assert not Notification.objects.filter(event="meeting_notice").exists()


def test_reminder_the_day_before_is_sent_once(council, seats):
    tomorrow = timezone.localtime() + timedelta(days=1)
    meeting = plan_meeting(council=council, starts_at=tomorrow.replace(hour=14, minute=0, second=0, microsecond=0))
    plan_meeting(council=council, starts_at=timezone.now() + timedelta(days=5))
    assert services.meetings.meetings_due_reminder() == [meeting.pk]
    assert services.meeting_reminder_send(meeting_id=meeting.pk) == len(seats)
    assert services.meeting_reminder_send(meeting_id=meeting.pk) == 0
    assert Notification.objects.filter(event="meeting_reminder").count() == len(seats)


def test_attendance_proxy_must_be_named(council, seats):
    meeting = plan_meeting(council=council)
    with pytest.raises(ValidationError):
        services.attendance_record(meeting=meeting, member=seats["small"], status="proxy", actor=None)
    row = services.attendance_record(
        meeting=meeting, member=seats["small"], status="proxy", proxy_name="차남수", actor=None
    )
    assert row.proxy_name == "차남수" and row.counts_as_present
    row = services.attendance_record(meeting=meeting, member=seats["small"], status="absent", actor=None)
    assert row.proxy_name == "" and not row.counts_as_present
