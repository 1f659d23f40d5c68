"""iCalendar (RFC 5545) text for a meeting notice, written by hand: one VEVENT whose UID never changes
and whose SEQUENCE goes up each time the meeting is moved or cancelled, so calendar programs update
the entry they already have instead of adding a second one."""

from datetime import UTC, datetime, timedelta

from django.conf import settings

from council.models import Meeting

PRODID = "-//Redress//Council//KO"


def _escape(text: str) -> str:
    # RFC 5545 3.3.11: backslash, semicolon, comma and newlines are escaped in TEXT values.
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1) without splitting a UTF-8 character."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts: list[str] = []
    current = b""
    limit = 75
    for char in line:
        piece = char.encode("utf-8")
        if len(current) + len(piece) > limit:
            parts.append(current.decode("utf-8"))
            current = b""
            limit = 74  # continuation lines start with one space
        current += piece
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def meeting_ics(*, meeting: Meeting, agenda_text: str = "", now: datetime | None = None) -> str:
    """The calendar entry for `meeting` as CRLF-terminated iCalendar text.

    Times are written in UTC (`...Z`), which every client converts to local time: this avoids shipping a
    VTIMEZONE block for Asia/Seoul. A cancelled or postponed meeting is sent as METHOD:CANCEL.
    """
    cancelled = meeting.state in (Meeting.State.CANCELLED, Meeting.State.POSTPONED)
    ends_at = meeting.starts_at + timedelta(minutes=meeting.duration_minutes)
    host = str(settings.REDRESS["PUBLIC_BASE_URL"]).split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    location = meeting.place or meeting.online_url
    description = agenda_text
    if meeting.online_url:
        description = f"온라인: {meeting.online_url}\n{description}".strip()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{'CANCEL' if cancelled else 'REQUEST'}",
        "BEGIN:VEVENT",
        f"UID:{meeting.ical_uid}@{host}",
        f"SEQUENCE:{meeting.ical_sequence}",
        f"DTSTAMP:{_utc(now or datetime.now(UTC))}",
        f"DTSTART:{_utc(meeting.starts_at)}",
        f"DTEND:{_utc(ends_at)}",
        f"SUMMARY:{_escape(f'{meeting.council.short_name} {meeting.number_label} {meeting.title}')}",
        f"LOCATION:{_escape(location)}",
        f"DESCRIPTION:{_escape(description)}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
    ]
    if meeting.online_url:
        lines.append(f"URL:{meeting.online_url}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(_fold(line) + "\r\n" for line in lines)
