"""Writes for meetings: planning and numbering, moves and state transitions with history, notices and
reminders (with the .ics entry), attendance."""

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format

from core.exceptions import ApplicationError
from core.validators import reject_rrn_in
from council import events, selectors
from council.ics import meeting_ics
from council.models import Attendance, Council, CouncilMember, Meeting, MeetingEvent
from council.services._common import require_perm
from notifications.services import notify

TRANSITIONS: dict[str, set[str]] = {
    Meeting.State.PLANNED: {Meeting.State.HELD, Meeting.State.CANCELLED, Meeting.State.POSTPONED},
    Meeting.State.POSTPONED: {Meeting.State.PLANNED, Meeting.State.CANCELLED},
    Meeting.State.HELD: set(),
    Meeting.State.CANCELLED: set(),
}
# Moving the date or place of one of these meetings re-sends the notice with a higher SEQUENCE.
RESCHEDULABLE = (Meeting.State.PLANNED, Meeting.State.POSTPONED)
_SCHEDULE_FIELDS = ("starts_at", "place", "online_url", "duration_minutes")


def meeting_starts_label(meeting: Meeting) -> str:
    return date_format(timezone.localtime(meeting.starts_at), "Y년 n월 j일 (D) H:i")


@transaction.atomic
def meeting_plan(
    *,
    council: Council,
    title: str,
    starts_at: datetime,
    actor: Any,
    place: str = "",
    online_url: str = "",
    duration_minutes: int = 120,
    send_notice: bool = True,
) -> Meeting:
    """Plan the council's next meeting: it takes the next number (1차, 2차 …) under a lock on the council.
    Members are sent the notice at once unless `send_notice` is False (e.g. while the agenda is drafted:
    send it later with `meeting_notice_send`). A meeting in the past (recorded afterwards) gets no notice."""
    require_perm(actor, "council.add_meeting")
    Council.objects.select_for_update().only("id").get(pk=council.pk)
    number = (Meeting.objects.filter(council=council).aggregate(n=Max("number"))["n"] or 0) + 1
    meeting = Meeting(
        council=council,
        number=number,
        title=title,
        starts_at=starts_at,
        place=place,
        online_url=online_url,
        duration_minutes=duration_minutes,
    )
    meeting.full_clean()
    meeting.save()
    events.meeting_planned_event(meeting=meeting, actor=actor)
    if send_notice:
        _notice_send(meeting=meeting, actor=actor)
    return meeting


@transaction.atomic
def meeting_reschedule(
    *,
    meeting: Meeting,
    actor: Any,
    reason: str,
    starts_at: datetime | None = None,
    place: str | None = None,
    online_url: str | None = None,
    duration_minutes: int | None = None,
) -> Meeting:
    """Move a planned or postponed meeting (a postponed one is planned again). The calendar SEQUENCE goes
    up and members get the notice again; a call that changes nothing is a no-op."""
    require_perm(actor, "council.change_meeting")
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("council").get(pk=meeting.pk)
    if meeting.state not in RESCHEDULABLE:
        raise ApplicationError(f"{meeting.get_state_display()} 상태의 회의는 일정을 바꿀 수 없습니다.")
    wanted = {"starts_at": starts_at, "place": place, "online_url": online_url, "duration_minutes": duration_minutes}
    changes = {k: v for k, v in wanted.items() if v is not None and getattr(meeting, k) != v}
    replanned = meeting.state == Meeting.State.POSTPONED
    if not changes and not replanned:
        return meeting
    if not (reason or "").strip():
        raise ValidationError({"reason": ["변경 사유를 적어 주세요."]})
    before = {k: _jsonable(getattr(meeting, k)) for k in _SCHEDULE_FIELDS}
    for name, value in changes.items():
        setattr(meeting, name, value)
    from_state = meeting.state
    meeting.state = Meeting.State.PLANNED
    meeting.ical_sequence += 1
    meeting.full_clean()
    meeting.save(update_fields=[*changes, "state", "ical_sequence", "updated_at"])
    after = {k: _jsonable(getattr(meeting, k)) for k in _SCHEDULE_FIELDS}
    events.meeting_rescheduled_event(meeting=meeting, actor=actor, reason=reason, before=before, after=after)
    if replanned:
        events.meeting_state_changed_event(meeting=meeting, actor=actor, from_state=from_state, reason=reason)
    _notice_send(meeting=meeting, actor=actor)
    return meeting


@transaction.atomic
def meeting_rename(*, meeting: Meeting, title: str, actor: Any) -> Meeting:
    """Change the title (not part of the schedule: no notice, no SEQUENCE change)."""
    require_perm(actor, "council.change_meeting")
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.title != title:
        meeting.title = title
        meeting.full_clean()
        meeting.save(update_fields=["title", "updated_at"])
    return meeting


@transaction.atomic
def meeting_transition(*, meeting: Meeting, to_state: str, actor: Any, reason: str = "") -> Meeting:
    """Move a meeting along TRANSITIONS. Held needs the start time to have passed; cancelling or
    postponing tells members (the calendar entry is cancelled); planning a postponed meeting again
    without moving it re-sends the notice."""
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("council").get(pk=meeting.pk)
    if meeting.state == to_state:
        return meeting
    if to_state not in TRANSITIONS[meeting.state]:
        raise ApplicationError(
            f"{meeting.get_state_display()} 상태에서 {Meeting.State(to_state).label} 상태로 바꿀 수 없습니다."
        )
    require_perm(actor, "council.change_meeting")
    if to_state in (Meeting.State.CANCELLED, Meeting.State.POSTPONED) and not (reason or "").strip():
        raise ValidationError({"reason": ["취소·연기 사유를 적어 주세요."]})
    reject_rrn_in(field="reason", label="사유", value=reason)
    now = timezone.now()
    fields = ["state", "updated_at"]
    if to_state == Meeting.State.HELD:
        if meeting.starts_at > now:
            raise ApplicationError("회의 시작 시각 전에는 개최로 기록할 수 없습니다.")
        meeting.held_at = now
        fields.append("held_at")
    else:
        meeting.ical_sequence += 1
        fields.append("ical_sequence")
    from_state = meeting.state
    meeting.state = to_state
    meeting.save(update_fields=fields)
    events.meeting_state_changed_event(meeting=meeting, actor=actor, from_state=from_state, reason=reason)
    if to_state != Meeting.State.HELD:
        _notice_send(meeting=meeting, actor=actor)
    return meeting


@transaction.atomic
def meeting_notice_send(*, meeting: Meeting, actor: Any) -> int:
    """(Re)send the notice of a planned meeting, e.g. once its agenda is final. Returns the recipients."""
    require_perm(actor, "council.change_meeting")
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("council").get(pk=meeting.pk)
    if meeting.state != Meeting.State.PLANNED:
        raise ApplicationError("예정된 회의만 소집 통지를 보낼 수 있습니다.")
    return _notice_send(meeting=meeting, actor=actor)


def _notice_send(*, meeting: Meeting, actor: Any) -> int:
    if meeting.starts_at <= timezone.now():
        return 0  # a meeting recorded after the fact: nobody needs a calendar entry
    recipients = list(selectors.meeting_recipients(meeting=meeting))
    event = events.meeting_notice_sent_event(meeting=meeting, actor=actor, recipients=len(recipients))
    agenda = selectors.meeting_agenda_text(meeting=meeting)
    ics = meeting_ics(meeting=meeting, agenda_text=agenda)
    title = meeting.title
    if meeting.state in (Meeting.State.CANCELLED, Meeting.State.POSTPONED):
        title = f"[{meeting.get_state_display()}] {title}"
    context = {
        "council": meeting.council.name,
        "meeting_title": title,
        "meeting_number": meeting.number,
        "starts_at": timezone.localtime(meeting.starts_at),
        "place": meeting.place or meeting.online_url,
        "agenda": agenda,
    }
    filename = f"council-meeting-{meeting.number}.ics"
    for member in recipients:
        notify(
            event="meeting_notice",
            key=f"meeting:{meeting.pk}:notice:{event.pk}:member:{member.pk}",
            context=context,
            user=member.user,
            attachments=[(filename, ics, "text/calendar; charset=utf-8; method=" + ics_method(ics))],
        )
    return len(recipients)


def ics_method(ics: str) -> str:
    return "CANCEL" if "\r\nMETHOD:CANCEL\r\n" in ics else "REQUEST"


@transaction.atomic
def meeting_reminder_send(*, meeting_id: int) -> int:
    """The day-before reminder for one planned meeting; sent once per schedule (a repeat is a no-op)."""
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("council").get(pk=meeting_id)
    if meeting.state != Meeting.State.PLANNED or meeting.starts_at <= timezone.now():
        return 0
    if meeting.events.filter(kind=MeetingEvent.Kind.REMINDER_SENT, data__sequence=meeting.ical_sequence).exists():
        return 0
    recipients = list(selectors.meeting_recipients(meeting=meeting))
    context = {
        "council": meeting.council.name,
        "meeting_title": meeting.title,
        "meeting_number": meeting.number,
        "starts_at": timezone.localtime(meeting.starts_at),
        "place": meeting.place or meeting.online_url,
    }
    for member in recipients:
        notify(
            event="meeting_reminder",
            key=f"meeting:{meeting.pk}:reminder:{meeting.ical_sequence}:member:{member.pk}",
            context=context,
            user=member.user,
        )
    events.meeting_reminder_sent_event(meeting=meeting, recipients=len(recipients))
    return len(recipients)


def meetings_due_reminder(*, now: datetime | None = None) -> list[int]:
    """Ids of planned meetings that start tomorrow (Korean calendar day)."""
    today = timezone.localdate(now or timezone.now())
    start = timezone.make_aware(datetime.combine(today + timedelta(days=1), datetime.min.time()))
    return list(
        Meeting.objects.filter(
            state=Meeting.State.PLANNED, starts_at__gte=start, starts_at__lt=start + timedelta(days=1)
        ).values_list("id", flat=True)[:200]
    )


@transaction.atomic
def attendance_record(
    *, meeting: Meeting, member: CouncilMember, status: str, actor: Any, proxy_name: str = "", note: str = ""
) -> Attendance:
    """Record (or correct) whether a member attended; a proxy must be named."""
    require_perm(actor, "council.add_attendance")
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.state not in (Meeting.State.PLANNED, Meeting.State.HELD):
        raise ApplicationError(f"{meeting.get_state_display()} 상태인 회의의 출석은 기록할 수 없습니다.")
    if member.council_id != meeting.council_id:
        raise ValidationError({"member": ["이 협의체의 위원이 아닙니다."]})
    if not member.in_term(selectors.meeting_day(meeting)):
        raise ValidationError({"member": ["회의일에 임기 중인 위원이 아닙니다."]})
    proxy_name = (proxy_name or "").strip()
    if status == Attendance.Status.PROXY and not proxy_name:
        raise ValidationError({"proxy_name": ["대리 출석이면 대리인 이름을 적어 주세요."]})
    if status != Attendance.Status.PROXY:
        proxy_name = ""
    row = Attendance.objects.select_for_update().filter(meeting=meeting, member=member).first()
    if row is None:
        row = Attendance(meeting=meeting, member=member)
    row.status, row.proxy_name, row.note = status, proxy_name, note
    row.full_clean()
    row.save()
    return row


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
