"""Writes for the agenda: ordered items, attached papers (PDF/XLSX checked by content) and frozen
snapshots of figures (claims statistics now; a compensation policy simulation through the same hook)."""

import hashlib
import json
import uuid
import zipfile
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.exceptions import ApplicationError
from core.validators import reject_rrn_in_upload
from council.models import AgendaItem, AgendaPaper, AgendaSnapshot, Meeting
from council.services._common import require_perm

PAPER_MAX_BYTES = 30 * 1024 * 1024
EDITABLE_MEETING_STATES = (Meeting.State.PLANNED, Meeting.State.POSTPONED)
# Figures may still be attached on the day (the meeting is then held), never afterwards to a cancelled one.
SNAPSHOT_MEETING_STATES = (Meeting.State.PLANNED, Meeting.State.POSTPONED, Meeting.State.HELD)


def _locked_meeting(meeting_id: int, allowed: tuple[str, ...], what: str) -> Meeting:
    meeting = Meeting.objects.select_for_update().get(pk=meeting_id)
    if meeting.state not in allowed:
        raise ApplicationError(f"{meeting.get_state_display()} 상태인 회의에는 {what}")
    return meeting


@transaction.atomic
def agenda_item_add(
    *,
    meeting: Meeting,
    title: str,
    actor: Any,
    presenter: str = "",
    minutes_allotted: int = 10,
    description: str = "",
    position: int | None = None,
) -> AgendaItem:
    """Append an item (or insert it at `position`, moving the later ones down)."""
    require_perm(actor, "council.add_agendaitem")
    meeting = _locked_meeting(meeting.pk, EDITABLE_MEETING_STATES, "안건을 추가할 수 없습니다.")
    last = AgendaItem.objects.filter(meeting=meeting).aggregate(n=Max("position"))["n"] or 0
    if position is None or position > last:
        position = last + 1
    else:
        # Shift from the bottom up so the unique (meeting, position) constraint holds at every step.
        for later in AgendaItem.objects.filter(meeting=meeting, position__gte=position).order_by("-position"):
            later.position += 1
            later.save(update_fields=["position", "updated_at"])
    item = AgendaItem(
        meeting=meeting,
        position=position,
        title=title,
        presenter=presenter,
        minutes_allotted=minutes_allotted,
        description=description,
    )
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def agenda_item_update(*, item: AgendaItem, actor: Any, **fields: Any) -> AgendaItem:
    require_perm(actor, "council.change_agendaitem")
    allowed = {"title", "presenter", "minutes_allotted", "description"}
    if set(fields) - allowed:
        raise ValidationError({name: ["변경할 수 없는 항목입니다."] for name in sorted(set(fields) - allowed)})
    _locked_meeting(item.meeting_id, EDITABLE_MEETING_STATES, "안건을 고칠 수 없습니다.")
    item = AgendaItem.objects.select_for_update().get(pk=item.pk)
    for name, value in fields.items():
        setattr(item, name, value)
    item.full_clean()
    item.save(update_fields=[*fields, "updated_at"])
    return item


@transaction.atomic
def agenda_item_remove(*, item: AgendaItem, actor: Any) -> None:
    require_perm(actor, "council.delete_agendaitem")
    _locked_meeting(item.meeting_id, EDITABLE_MEETING_STATES, "안건을 뺄 수 없습니다.")
    if item.resolutions.exists():
        raise ApplicationError("의결이 연결된 안건은 뺄 수 없습니다.")
    meeting_id, position = item.meeting_id, item.position
    item.delete()
    for later in AgendaItem.objects.filter(meeting_id=meeting_id, position__gt=position).order_by("position"):
        later.position -= 1
        later.save(update_fields=["position", "updated_at"])


def paper_kind(upload: UploadedFile) -> str:
    """'pdf' or 'xlsx', judged from the bytes (the name and the browser's content type are ignored)."""
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return AgendaPaper.Kind.PDF
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            names = set()
        finally:
            upload.seek(0)
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            return AgendaPaper.Kind.XLSX
    raise ValidationError({"file": [f"{upload.name}: PDF 또는 XLSX 파일만 올릴 수 있습니다."]})


@transaction.atomic
def agenda_paper_attach(*, item: AgendaItem, upload: UploadedFile, actor: Any) -> AgendaPaper:
    """Store a paper under MEDIA_ROOT with a random name; only the download view serves it."""
    require_perm(actor, "council.add_agendapaper")
    _locked_meeting(item.meeting_id, SNAPSHOT_MEETING_STATES, "자료를 첨부할 수 없습니다.")
    if upload.size is not None and upload.size > PAPER_MAX_BYTES:
        raise ValidationError({"file": [f"{upload.name}: 파일은 30MB 이하여야 합니다."]})
    kind = paper_kind(upload)
    # Papers go to members and may be published with the minutes: the PDF's or workbook's text is checked.
    reject_rrn_in_upload(upload, field="file")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    paper = AgendaPaper(
        agenda_item=item,
        kind=kind,
        original_name=(upload.name or f"paper.{kind}")[:255],
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    paper.file.save(f"{uuid.uuid4().hex}.{kind}", upload, save=False)
    paper.save()
    return paper


@transaction.atomic
def agenda_snapshot_attach(
    *, item: AgendaItem, kind: str, title: str, data: Any, actor: Any, source: str = ""
) -> AgendaSnapshot:
    """Freeze `data` onto the agenda item as it is now. The hook for other apps: compensation attaches a
    policy simulation with kind=AgendaSnapshot.Kind.POLICY_SIMULATION and source="policy_version:<id>"."""
    require_perm(actor, "council.add_agendasnapshot")
    _locked_meeting(item.meeting_id, SNAPSHOT_MEETING_STATES, "자료를 고정할 수 없습니다.")
    # A JSON round trip now, so dates and Decimals are stored as the text the council saw.
    frozen = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    snapshot = AgendaSnapshot(
        agenda_item=item, kind=kind, title=title, source=source, data=frozen, taken_at=timezone.now(), taken_by=actor
    )
    snapshot.full_clean()
    snapshot.save()
    return snapshot


def agenda_snapshot_attach_claim_stats(*, item: AgendaItem, actor: Any) -> AgendaSnapshot:
    """Attach the incident's claims statistics, computed fresh (not from the dashboard cache)."""
    from claims.selectors import claim_stats

    incident = item.meeting.council.incident
    stats = claim_stats(incident=incident, use_cache=False)
    title = f"피해 신고 통계 ({timezone.localtime():%Y-%m-%d %H:%M} 기준)"
    return agenda_snapshot_attach(
        item=item,
        kind=AgendaSnapshot.Kind.CLAIM_STATS,
        title=title,
        data=stats,
        actor=actor,
        source=f"incident:{incident.pk}",
    )
