"""Writes for minutes: draft by agenda item → circulated (members comment) → approved (by the chair, or
by a resolution of a later meeting) → published. A published version is frozen (here and by a database
trigger); a correction is a new version with a reason."""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.exceptions import ApplicationError
from core.validators import contains_rrn, reject_rrn_in
from council import selectors
from council.models import (
    Attendance,
    CouncilMember,
    Meeting,
    Minutes,
    MinutesComment,
    MinutesItem,
    MinutesVersion,
    Resolution,
)
from council.services._common import absolute_url, require_perm
from notifications.services import notify

TRANSITIONS: dict[str, set[str]] = {
    MinutesVersion.State.DRAFT: {MinutesVersion.State.CIRCULATED},
    # Back to draft to work members' comments in; the comments stay on the version.
    MinutesVersion.State.CIRCULATED: {MinutesVersion.State.DRAFT, MinutesVersion.State.APPROVED},
    MinutesVersion.State.APPROVED: {MinutesVersion.State.PUBLISHED},
    MinutesVersion.State.PUBLISHED: set(),
}
# Minutes may become public: they must never carry a claimant's personal data.
_PHONE = re.compile(r"(?<!\d)01[016789][-\s.]?\d{3,4}[-\s.]?\d{4}(?!\d)")
_CLAIM_REFERENCE = re.compile(r"\b[A-Z]{2,}-\d{4}-\d{7}\b")


def _check_no_personal_data(text: str) -> None:
    if contains_rrn(text) or _PHONE.search(text) or _CLAIM_REFERENCE.search(text):
        raise ValidationError(
            {"body": ["회의록에 주민등록번호·휴대전화번호·접수번호로 보이는 내용이 있습니다. 지운 뒤 다시 시도하세요."]}
        )


def _draft_version(version_id: int) -> MinutesVersion:
    version = MinutesVersion.objects.select_for_update().get(pk=version_id)
    if version.state != MinutesVersion.State.DRAFT:
        raise ApplicationError(f"{version.get_state_display()} 상태의 회의록은 고칠 수 없습니다. 정정본을 만드세요.")
    return version


@transaction.atomic
def minutes_start(*, meeting: Meeting, actor: Any, visibility: str = Minutes.Visibility.MEMBERS) -> Minutes:
    """Open the minutes of a held meeting with a first draft holding one section per agenda item.
    Starting them again returns the existing minutes."""
    require_perm(actor, "council.add_minutes")
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.state != Meeting.State.HELD:
        raise ApplicationError("개최된 회의만 회의록을 작성할 수 있습니다.")
    existing = Minutes.objects.filter(meeting=meeting).first()
    if existing is not None:
        return existing
    minutes = Minutes(meeting=meeting, visibility=visibility)
    minutes.full_clean()
    minutes.save()
    version = MinutesVersion.objects.create(minutes=minutes, number=1, created_by=actor)
    MinutesItem.objects.bulk_create(
        MinutesItem(version=version, agenda_item=item, position=item.position)
        for item in meeting.agenda_items.order_by("position")
    )
    return minutes


@transaction.atomic
def minutes_version_update(*, version: MinutesVersion, actor: Any, summary: str) -> MinutesVersion:
    require_perm(actor, "council.change_minutesversion")
    reject_rrn_in(field="summary", label="회의록 개요", value=summary)
    version = _draft_version(version.pk)
    version.summary = summary
    version.save(update_fields=["summary", "updated_at"])
    return version


@transaction.atomic
def minutes_item_update(
    *, item: MinutesItem, actor: Any, discussion: str | None = None, decisions: str | None = None
) -> MinutesItem:
    require_perm(actor, "council.change_minutesitem")
    reject_rrn_in(field="discussion", label="논의 요지", value=discussion)
    reject_rrn_in(field="decisions", label="결정 사항", value=decisions)
    _draft_version(item.version_id)
    item = MinutesItem.objects.select_for_update().get(pk=item.pk)
    fields: list[str] = []
    if discussion is not None:
        item.discussion, fields = discussion, [*fields, "discussion"]
    if decisions is not None:
        item.decisions, fields = decisions, [*fields, "decisions"]
    if fields:
        item.save(update_fields=[*fields, "updated_at"])
    return item


@transaction.atomic
def minutes_set_visibility(*, minutes: Minutes, visibility: str, actor: Any) -> Minutes:
    """Who may read the published text: internal, members or public; decided case by case."""
    require_perm(actor, "council.change_minutes")
    minutes = Minutes.objects.select_for_update().get(pk=minutes.pk)
    if visibility not in Minutes.Visibility.values:
        raise ValidationError({"visibility": ["내부, 위원 공개, 일반 공개 중 하나를 고르세요."]})
    if minutes.visibility != visibility:
        minutes.visibility = visibility
        minutes.save(update_fields=["visibility", "updated_at"])
    return minutes


def _attendance_snapshot(meeting: Meeting) -> list[dict[str, Any]]:
    rows = Attendance.objects.filter(meeting=meeting).select_related("member").order_by("member__role", "member__name")
    return [
        {
            "name": row.member.name,
            "organisation": row.member.organisation,
            "role": row.member.get_role_display(),
            "status": row.get_status_display(),
            "proxy_name": row.proxy_name,
        }
        for row in rows
    ]


def _resolutions_snapshot(meeting: Meeting) -> list[dict[str, Any]]:
    rows = Resolution.objects.filter(meeting=meeting).select_related("meeting__council").order_by("number")
    return [
        {
            "label": f"의결 {row.number}호",
            "title": row.title,
            "kind": row.get_kind_display(),
            "state": row.get_state_display(),
            "text": row.text,
            "for": row.votes_for,
            "against": row.votes_against,
            "abstain": row.votes_abstain,
            "recused": row.votes_recused,
        }
        for row in rows
        if row.state != Resolution.State.DRAFT
    ]


def minutes_render_text(*, version: MinutesVersion) -> str:
    """The plain text of a version: what is frozen at circulation, compared in diffs and printed."""
    from council.services.meetings import meeting_starts_label

    meeting = version.minutes.meeting
    frozen = version.state != MinutesVersion.State.DRAFT
    attendance = version.attendance_snapshot if frozen else _attendance_snapshot(meeting)
    resolutions = version.resolutions_snapshot if frozen else _resolutions_snapshot(meeting)
    lines = [
        f"{meeting.council.name} 제{meeting.number}차 회의 회의록 (제{version.number}판)",
        f"회의명: {meeting.title}",
        f"일시: {meeting_starts_label(meeting)}",
        f"장소: {meeting.place or meeting.online_url}",
    ]
    if version.correction_reason:
        lines.append(f"정정 사유: {version.correction_reason}")
    lines += ["", "1. 개요", version.summary or "(없음)", "", "2. 출석"]
    for row in attendance:
        proxy = f" (대리인: {row['proxy_name']})" if row["proxy_name"] else ""
        lines.append(f"- {row['name']} ({row['organisation']}, {row['role']}): {row['status']}{proxy}")
    lines += ["", "3. 안건별 논의"]
    for item in version.items.select_related("agenda_item").order_by("position"):
        presenter = f" (발표: {item.agenda_item.presenter})" if item.agenda_item.presenter else ""
        lines += [
            f"3-{item.position}. {item.agenda_item.title}{presenter}",
            f"  논의 요지: {item.discussion or '(없음)'}",
            f"  결정 사항: {item.decisions or '(없음)'}",
        ]
    lines += ["", "4. 의결 사항"]
    for row in resolutions:
        lines.append(
            f"- {row['label']} {row['title']} [{row['kind']}]: {row['state']} "
            f"(찬성 {row['for']}, 반대 {row['against']}, 기권 {row['abstain']}, 회피 {row['recused']})"
        )
    if not resolutions:
        lines.append("(없음)")
    return "\n".join(lines)


def _members_to_tell(meeting: Meeting) -> list[CouncilMember]:
    return list(CouncilMember.objects.filter(council_id=meeting.council_id, user__isnull=False).select_related("user"))


@transaction.atomic
def minutes_circulate(*, version: MinutesVersion, actor: Any) -> MinutesVersion:
    """Freeze the text (with attendance and resolutions as they now stand) and send it to members."""
    version = (
        MinutesVersion.objects.select_for_update(of=("self",))
        .select_related("minutes__meeting__council")
        .get(pk=version.pk)
    )
    if version.state == MinutesVersion.State.CIRCULATED:
        return version
    if MinutesVersion.State.CIRCULATED not in TRANSITIONS[version.state]:
        raise ApplicationError(f"{version.get_state_display()} 상태의 회의록은 회람할 수 없습니다.")
    require_perm(actor, "council.change_minutesversion")
    meeting = version.minutes.meeting
    version.attendance_snapshot = _attendance_snapshot(meeting)
    version.resolutions_snapshot = _resolutions_snapshot(meeting)
    version.state = MinutesVersion.State.CIRCULATED
    version.body_text = minutes_render_text(version=version)
    _check_no_personal_data(version.body_text)
    version.circulated_at = timezone.now()
    version.save(
        update_fields=[
            "attendance_snapshot",
            "resolutions_snapshot",
            "state",
            "body_text",
            "circulated_at",
            "updated_at",
        ]
    )
    url = absolute_url(reverse("council:minutes_version", args=[version.pk]))
    for member in _members_to_tell(meeting):
        notify(
            event="minutes_circulated",
            key=f"minutes_version:{version.pk}:circulated:{version.circulated_at.isoformat()}:member:{member.pk}",
            context={"council": meeting.council.name, "meeting_title": meeting.title, "workspace_url": url},
            user=member.user,
        )
    return version


@transaction.atomic
def minutes_revise(*, version: MinutesVersion, actor: Any) -> MinutesVersion:
    """Take circulated minutes back to draft to work in comments (the comments stay)."""
    version = MinutesVersion.objects.select_for_update().get(pk=version.pk)
    if version.state == MinutesVersion.State.DRAFT:
        return version
    if MinutesVersion.State.DRAFT not in TRANSITIONS[version.state]:
        raise ApplicationError(f"{version.get_state_display()} 상태의 회의록은 초안으로 되돌릴 수 없습니다.")
    require_perm(actor, "council.change_minutesversion")
    version.state = MinutesVersion.State.DRAFT
    version.save(update_fields=["state", "updated_at"])
    return version


@transaction.atomic
def minutes_comment_add(
    *, version: MinutesVersion, member: CouncilMember, body: str, actor: Any, item: MinutesItem | None = None
) -> MinutesComment:
    """A member comments on circulated minutes, in their own name only."""
    if actor is None or member.user_id != actor.pk:
        raise ApplicationError("본인 명의로만 의견을 남길 수 있습니다.", status_code=403)
    version = (
        MinutesVersion.objects.select_for_update(of=("self",)).select_related("minutes__meeting").get(pk=version.pk)
    )
    if version.state != MinutesVersion.State.CIRCULATED:
        raise ApplicationError("회람 중인 회의록에만 의견을 남길 수 있습니다.")
    if member.council_id != version.minutes.meeting.council_id:
        raise ApplicationError("이 협의체의 위원이 아닙니다.", status_code=403)
    if item is not None and item.version_id != version.pk:
        raise ValidationError({"item": ["이 회의록의 안건이 아닙니다."]})
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": ["의견을 적어 주세요."]})
    reject_rrn_in(field="body", label="위원 의견", value=body)
    comment = MinutesComment(version=version, member=member, item=item, body=body)
    comment.full_clean()
    comment.save()
    return comment


@transaction.atomic
def minutes_approve(*, version: MinutesVersion, actor: Any, resolution: Resolution | None = None) -> MinutesVersion:
    """Approve circulated minutes: by the council's chair (actor holds the chair seat), or by an adopted
    resolution of a later meeting of the same council that names this version."""
    version = (
        MinutesVersion.objects.select_for_update(of=("self",)).select_related("minutes__meeting").get(pk=version.pk)
    )
    if version.state == MinutesVersion.State.APPROVED:
        return version
    if MinutesVersion.State.APPROVED not in TRANSITIONS[version.state]:
        raise ApplicationError(f"{version.get_state_display()} 상태의 회의록은 승인할 수 없습니다. 먼저 회람하세요.")
    meeting = version.minutes.meeting
    if resolution is not None:
        ok = (
            resolution.is_adopted
            and resolution.approves_minutes_id == version.pk
            and resolution.meeting.council_id == meeting.council_id
            and resolution.meeting.number > meeting.number
        )
        if not ok:
            raise ApplicationError("이 회의록을 승인하는 가결된 다음 회의 의결이 아닙니다.")
    else:
        chair = CouncilMember.objects.filter(
            council_id=meeting.council_id, role=CouncilMember.Role.CHAIR, user_id=getattr(actor, "pk", 0) or 0
        ).exists()
        if not chair:
            raise ApplicationError("위원장만 회의록을 승인할 수 있습니다.", status_code=403)
    version.state = MinutesVersion.State.APPROVED
    version.approved_at = timezone.now()
    version.approved_by = actor
    version.approved_by_resolution = resolution
    version.save(update_fields=["state", "approved_at", "approved_by", "approved_by_resolution", "updated_at"])
    return version


def minutes_public_path(minutes: Minutes) -> str:
    return reverse("council:minutes_public", args=[minutes.public_token])


@transaction.atomic
def minutes_publish(*, version: MinutesVersion, actor: Any) -> MinutesVersion:
    """Make approved minutes final. From here on the row can never change."""
    version = (
        MinutesVersion.objects.select_for_update(of=("self",))
        .select_related("minutes__meeting__council")
        .get(pk=version.pk)
    )
    if version.state == MinutesVersion.State.PUBLISHED:
        return version
    if MinutesVersion.State.PUBLISHED not in TRANSITIONS[version.state]:
        raise ApplicationError(
            f"{version.get_state_display()} 상태의 회의록은 확정할 수 없습니다. 먼저 승인을 받으세요."
        )
    require_perm(actor, "council.change_minutesversion")
    _check_no_personal_data(version.body_text)
    version.state = MinutesVersion.State.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = actor
    version.save(update_fields=["state", "published_at", "published_by", "updated_at"])
    minutes = version.minutes
    meeting = minutes.meeting
    if minutes.visibility != Minutes.Visibility.INTERNAL:
        if minutes.visibility == Minutes.Visibility.PUBLIC:
            url = absolute_url(minutes_public_path(minutes))
        else:
            url = absolute_url(reverse("council:minutes_version", args=[version.pk]))
        for member in _members_to_tell(meeting):
            notify(
                event="minutes_published",
                key=f"minutes_version:{version.pk}:published:member:{member.pk}",
                context={"council": meeting.council.name, "meeting_title": meeting.title, "url": url},
                user=member.user,
            )
    return version


@transaction.atomic
def minutes_correct(*, minutes: Minutes, reason: str, actor: Any) -> MinutesVersion:
    """Start a correction of published minutes: a new draft version copied from the latest published one.
    The published version stays as it was, readable with the diff."""
    require_perm(actor, "council.add_minutesversion")
    minutes = Minutes.objects.select_for_update().get(pk=minutes.pk)
    if not (reason or "").strip():
        raise ValidationError({"reason": ["정정 사유를 적어 주세요."]})
    reject_rrn_in(field="reason", label="정정 사유", value=reason)
    if minutes.versions.filter(state__in=MinutesVersion.OPEN_STATES).exists():
        raise ApplicationError("작성 중인 판이 있습니다. 그 판을 먼저 확정하세요.")
    latest = selectors.minutes_latest_published(minutes=minutes)
    if latest is None:
        raise ApplicationError("확정된 판이 없습니다. 정정이 아니라 초안을 고치세요.")
    number = (minutes.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = MinutesVersion.objects.create(
        minutes=minutes, number=number, correction_reason=reason.strip(), summary=latest.summary, created_by=actor
    )
    MinutesItem.objects.bulk_create(
        MinutesItem(
            version=version,
            agenda_item_id=item.agenda_item_id,
            position=item.position,
            discussion=item.discussion,
            decisions=item.decisions,
        )
        for item in latest.items.order_by("position")
    )
    return version
