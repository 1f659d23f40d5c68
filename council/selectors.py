"""Reads for the council: who sits where, quorum, what a member may see, minutes text and diffs."""

import difflib
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from council.filters import MeetingFilterSet, ResolutionFilterSet
from council.models import (
    ActionItem,
    AgendaItem,
    AgendaPaper,
    Attendance,
    ConflictDeclaration,
    CouncilMember,
    Meeting,
    Minutes,
    MinutesVersion,
    Resolution,
    Vote,
)


# --- seats ---------------------------------------------------------------------------------------
def member_seats(*, user: Any) -> QuerySet[CouncilMember]:
    """The council seats held by `user` (empty for anonymous users and staff without a seat)."""
    if not getattr(user, "is_authenticated", False):
        return CouncilMember.objects.none()
    return CouncilMember.objects.filter(user=user).select_related("council")


def member_for(*, user: Any, council_id: int) -> CouncilMember | None:
    return member_seats(user=user).filter(council_id=council_id).first()


def meeting_day(meeting: Meeting) -> Any:
    return timezone.localtime(meeting.starts_at).date()


def council_members_on(*, council_id: int, day: Any) -> QuerySet[CouncilMember]:
    """Members whose term covers `day`."""
    return CouncilMember.objects.filter(council_id=council_id, term_start__lte=day).filter(
        Q(term_end__isnull=True) | Q(term_end__gte=day)
    )


def meeting_recipients(*, meeting: Meeting) -> QuerySet[CouncilMember]:
    """Members in term on the meeting day who have a login (notices go to users)."""
    return (
        council_members_on(council_id=meeting.council_id, day=meeting_day(meeting))
        .filter(user__isnull=False)
        .select_related("user")
        .order_by("id")
    )


# --- quorum --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Quorum:
    """Quorum of one meeting. Only chair and members vote and count; secretary and observers do not."""

    voting_members: int
    present_voting: int
    required: int

    @property
    def has_quorum(self) -> bool:
        return self.voting_members > 0 and self.present_voting >= self.required


def quorum_required(*, rule: str, quorum_fixed: int | None, voting_members: int) -> int:
    from council.models import Council

    if rule == Council.QuorumRule.FIXED:
        return int(quorum_fixed or 1)
    if rule == Council.QuorumRule.TWO_THIRDS:
        return -(-2 * voting_members // 3)  # ceil(2n/3)
    return voting_members // 2 + 1


def meeting_quorum(*, meeting: Meeting) -> Quorum:
    voting = council_members_on(council_id=meeting.council_id, day=meeting_day(meeting)).filter(
        role__in=CouncilMember.VOTING_ROLES
    )
    voting_ids = set(voting.values_list("id", flat=True))
    present = Attendance.objects.filter(
        meeting=meeting,
        member_id__in=voting_ids,
        status__in=[Attendance.Status.PRESENT, Attendance.Status.PROXY],
    ).count()
    council = meeting.council
    required = quorum_required(
        rule=council.quorum_rule, quorum_fixed=council.quorum_fixed, voting_members=len(voting_ids)
    )
    return Quorum(voting_members=len(voting_ids), present_voting=present, required=required)


def member_is_present(*, meeting: Meeting, member: CouncilMember) -> bool:
    return Attendance.objects.filter(
        meeting=meeting, member=member, status__in=[Attendance.Status.PRESENT, Attendance.Status.PROXY]
    ).exists()


def member_has_conflict(*, resolution: Resolution, member: CouncilMember) -> bool:
    """A declaration for the whole meeting, or for the resolution's agenda item, covers the resolution."""
    covering = Q(agenda_item__isnull=True)
    if resolution.agenda_item_id:
        covering |= Q(agenda_item_id=resolution.agenda_item_id)
    return ConflictDeclaration.objects.filter(covering, meeting_id=resolution.meeting_id, member=member).exists()


# --- meetings ------------------------------------------------------------------------------------
def meeting_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Meeting]:
    if not user.has_perm("council.view_meeting"):
        raise PermissionDenied
    queryset = Meeting.objects.select_related("council").order_by("-starts_at")
    filterset = MeetingFilterSet(filters or {}, queryset=queryset)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs


def meeting_for_member(*, user: Any, meeting_id: int) -> tuple[Meeting, CouncilMember]:
    """The meeting with its agenda, papers and snapshots, if `user` holds a seat on its council."""
    meeting = (
        Meeting.objects.select_related("council")
        .prefetch_related(
            Prefetch(
                "agenda_items", queryset=AgendaItem.objects.prefetch_related("papers", "snapshots").order_by("position")
            )
        )
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        raise Http404
    member = member_for(user=user, council_id=meeting.council_id)
    if member is None:
        raise PermissionDenied
    return meeting, member


def workspace_meetings(*, member: CouncilMember) -> QuerySet[Meeting]:
    return Meeting.objects.filter(council_id=member.council_id).select_related("council").order_by("-starts_at")


def meeting_carried_action_items(*, meeting: Meeting) -> QuerySet[ActionItem]:
    """Open action items from earlier meetings of the council: shown on this meeting's agenda."""
    return (
        ActionItem.objects.filter(
            meeting__council_id=meeting.council_id, meeting__number__lt=meeting.number, state__in=ActionItem.OPEN_STATES
        )
        .select_related("meeting", "owner_member", "owner_user")
        .order_by("due_date", "id")
    )


def meeting_agenda_text(*, meeting: Meeting) -> str:
    """The agenda as plain text for notices and the calendar entry."""
    lines = []
    for item in meeting.agenda_items.order_by("position"):
        presenter = f" ({item.presenter})" if item.presenter else ""
        lines.append(f"{item.position}. {item.title}{presenter} - {item.minutes_allotted}분")
    carried = list(meeting_carried_action_items(meeting=meeting))
    if carried:
        lines.append("[지난 회의 조치 사항 점검]")
        lines += [f"- {a.title} (담당 {a.owner_label}, 기한 {a.due_date:%Y-%m-%d})" for a in carried]
    return "\n".join(lines)


def paper_for_download(*, user: Any, paper_id: int) -> AgendaPaper:
    """A paper, for the secretariat or for a member of the meeting's council; otherwise refused."""
    paper = AgendaPaper.objects.select_related("agenda_item__meeting").filter(pk=paper_id).first()
    if paper is None:
        raise Http404
    if user.has_perm("council.view_agendapaper"):
        return paper
    if member_for(user=user, council_id=paper.agenda_item.meeting.council_id) is None:
        raise PermissionDenied
    return paper


# --- resolutions ---------------------------------------------------------------------------------
def resolution_get(*, resolution_id: int, user: Any = None) -> Resolution:
    """One resolution with its meeting and council (for labels: `str(resolution)` is "협의체 3차 회의 의결 2호").
    With `user`, the caller must be allowed to view resolutions."""
    if user is not None and not user.has_perm("council.view_resolution"):
        raise PermissionDenied
    resolution = Resolution.objects.select_related("meeting__council", "agenda_item").filter(pk=resolution_id).first()
    if resolution is None:
        raise Http404
    return resolution


def resolution_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Resolution]:
    if not user.has_perm("council.view_resolution"):
        raise PermissionDenied
    queryset = Resolution.objects.select_related("meeting__council").order_by("-meeting__starts_at", "number")
    filterset = ResolutionFilterSet(filters or {}, queryset=queryset)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs


def resolution_adopted_policies(*, kind: str | None = None) -> QuerySet[Resolution]:
    """Adopted resolutions, e.g. for a compensation admin's FK choices (`limit_choices_to`)."""
    queryset = Resolution.objects.filter(state=Resolution.State.ADOPTED).select_related("meeting__council")
    return queryset.filter(kind=kind) if kind else queryset


def resolution_governed(*, resolution: Resolution) -> dict[str, list[Any]]:
    """Everything outside the council app that points at this resolution (e.g. compensation policy
    versions with `adopted_by`), keyed by "app_label.model.field": the walk forward from a decision."""
    governed: dict[str, list[Any]] = {}
    for relation in Resolution._meta.related_objects:
        model = relation.related_model
        if model._meta.app_label == "council":
            continue
        rows = list(model._default_manager.filter(**{relation.field.name: resolution})[:500])
        if rows:
            governed[f"{model._meta.label_lower}.{relation.field.name}"] = rows
    return governed


def resolution_votes(*, resolution: Resolution) -> QuerySet[Vote]:
    return resolution.votes.select_related("member").order_by("member__name")


# --- minutes -------------------------------------------------------------------------------------
def minutes_version_previous(*, version: MinutesVersion) -> MinutesVersion | None:
    return (
        MinutesVersion.objects.filter(minutes_id=version.minutes_id, number__lt=version.number)
        .order_by("-number")
        .first()
    )


def minutes_latest_published(*, minutes: Minutes) -> MinutesVersion | None:
    return minutes.versions.filter(state=MinutesVersion.State.PUBLISHED).order_by("-number").first()


def minutes_version_text(*, version: MinutesVersion) -> str:
    """The text of a version: frozen once circulated, rendered live while a draft."""
    if version.state != MinutesVersion.State.DRAFT and version.body_text:
        return version.body_text
    from council.services.minutes import minutes_render_text

    return minutes_render_text(version=version)


def minutes_version_diff_html(*, version: MinutesVersion) -> str:
    """A side-by-side HTML table of this version against the previous one ('' for the first)."""
    previous = minutes_version_previous(version=version)
    if previous is None:
        return ""
    return difflib.HtmlDiff(wrapcolumn=70).make_table(
        minutes_version_text(version=previous).splitlines(),
        minutes_version_text(version=version).splitlines(),
        fromdesc=f"제{previous.number}판",
        todesc=f"제{version.number}판",
        context=True,
        numlines=2,
    )


def minutes_version_for_reader(*, user: Any, version_id: int) -> tuple[MinutesVersion, CouncilMember | None]:
    """A version the user may read: the secretariat reads all; a member of the council reads circulated
    and approved versions (to comment) and published ones unless the minutes are internal."""
    version = (
        MinutesVersion.objects.select_related("minutes__meeting__council")
        .prefetch_related("items__agenda_item")
        .filter(pk=version_id)
        .first()
    )
    if version is None:
        raise Http404
    member = member_for(user=user, council_id=version.minutes.meeting.council_id)
    if user.has_perm("council.view_minutesversion"):
        return version, member
    if member is None or version.state == MinutesVersion.State.DRAFT:
        raise PermissionDenied
    if version.state == MinutesVersion.State.PUBLISHED and version.minutes.visibility == Minutes.Visibility.INTERNAL:
        raise PermissionDenied
    return version, member


def minutes_public(*, token: Any) -> Minutes:
    """Published minutes whose visibility is public; anything else is a 404 (existence is not revealed)."""
    minutes = Minutes.objects.select_related("meeting__council").filter(public_token=token).first()
    if minutes is None or minutes.visibility != Minutes.Visibility.PUBLIC:
        raise Http404
    if minutes_latest_published(minutes=minutes) is None:
        raise Http404
    return minutes


def workspace_open_versions(*, member: CouncilMember) -> QuerySet[MinutesVersion]:
    return MinutesVersion.objects.filter(
        minutes__meeting__council_id=member.council_id, state=MinutesVersion.State.CIRCULATED
    ).select_related("minutes__meeting")


def workspace_published_versions(*, member: CouncilMember) -> QuerySet[MinutesVersion]:
    return (
        MinutesVersion.objects.filter(
            minutes__meeting__council_id=member.council_id, state=MinutesVersion.State.PUBLISHED
        )
        .exclude(minutes__visibility=Minutes.Visibility.INTERNAL)
        .select_related("minutes__meeting")
        .order_by("-minutes__meeting__number", "-number")
    )


def workspace_open_resolutions(*, member: CouncilMember) -> QuerySet[Resolution]:
    return Resolution.objects.filter(
        meeting__council_id=member.council_id, state=Resolution.State.VOTING
    ).select_related("meeting")


def workspace_action_items(*, member: CouncilMember) -> QuerySet[ActionItem]:
    return (
        ActionItem.objects.filter(meeting__council_id=member.council_id, state__in=ActionItem.OPEN_STATES)
        .select_related("meeting", "owner_member", "owner_user")
        .order_by("due_date")
    )
