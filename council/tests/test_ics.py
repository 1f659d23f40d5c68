from datetime import timedelta

import icalendar
import pytest
from django.utils import timezone

from council import services
from council.ics import meeting_ics
from council.models import Meeting
from council.tests.factories import plan_meeting

pytestmark = pytest.mark.django_db


def _event(text: str):
    calendar = icalendar.Calendar.from_ical(text)
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert len(events) == 1
    return calendar, events[0]


def test_ics_parses_back_with_stable_uid_and_rising_sequence(council, seats, secretariat_user):
    starts = timezone.now().replace(microsecond=0) + timedelta(days=3)
    meeting = plan_meeting(council=council, starts_at=starts, title="제2차 전체회의", place="판교 사옥, 회의실 A; 3층")
    services.agenda_item_add(meeting=meeting, title="피해 접수 현황 보고", actor=None)
    text = meeting_ics(meeting=meeting, agenda_text="1. 피해 접수 현황 보고\n2. 보상 원칙 논의")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    calendar, event = _event(text)
    assert str(calendar["METHOD"]) == "REQUEST" and str(calendar["VERSION"]) == "2.0"
    assert event.decoded("DTSTART") == starts
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=meeting.duration_minutes)
    assert str(event["SUMMARY"]) == "협의체 1차 제2차 전체회의"
    assert str(event["LOCATION"]) == "판교 사옥, 회의실 A; 3층"
    assert "보상 원칙 논의" in str(event["DESCRIPTION"])
    uid, sequence = str(event["UID"]), int(event["SEQUENCE"])

    meeting = services.meeting_reschedule(
        meeting=meeting, starts_at=starts + timedelta(days=1), actor=secretariat_user, reason="장소 사정"
    )
    _, moved = _event(meeting_ics(meeting=meeting))
    assert str(moved["UID"]) == uid and int(moved["SEQUENCE"]) == sequence + 1
    assert moved.decoded("DTSTART") == starts + timedelta(days=1)

    meeting = services.meeting_transition(
        meeting=meeting, to_state=Meeting.State.CANCELLED, actor=secretariat_user, reason="취소"
    )
    calendar, cancelled = _event(meeting_ics(meeting=meeting))
    assert str(calendar["METHOD"]) == "CANCEL" and str(cancelled["STATUS"]) == "CANCELLED"
    assert str(cancelled["UID"]) == uid and int(cancelled["SEQUENCE"]) == sequence + 2


def test_notice_attachment_is_the_meetings_ics(council, seats):
    import base64

    from notifications.models import Notification

    meeting = plan_meeting(council=council)
    row = Notification.objects.filter(event="meeting_notice", user=seats["chair"].user).get()
    attachment = row.attachments[0]
    assert attachment["mimetype"].startswith("text/calendar")
    _, event = _event(base64.b64decode(attachment["content_b64"]).decode())
    assert str(event["UID"]).startswith(str(meeting.ical_uid))
