"""Writes for resolutions: propose, open the vote, declare conflicts, cast votes, record the outcome.

Voting rule (decided here and documented in docs/council.md): only members with a voting role (chair,
member) in term on the meeting day vote and count toward quorum; a proxy votes in place of the member
they represent; a member with a declared conflict is recorded as recused and is left out of every
denominator. The outcome follows `Council.voting_rule`."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from core.exceptions import ApplicationError
from council import selectors
from council.models import (
    AgendaItem,
    ConflictDeclaration,
    Council,
    CouncilMember,
    Meeting,
    MinutesVersion,
    Resolution,
    Vote,
)
from council.services._common import require_perm

TRANSITIONS: dict[str, set[str]] = {
    Resolution.State.DRAFT: {Resolution.State.VOTING, Resolution.State.ADOPTED, Resolution.State.REJECTED,
                             Resolution.State.WITHDRAWN},
    Resolution.State.VOTING: {Resolution.State.ADOPTED, Resolution.State.REJECTED, Resolution.State.WITHDRAWN},
    Resolution.State.ADOPTED: set(),
    Resolution.State.REJECTED: set(),
    Resolution.State.WITHDRAWN: set(),
}  # fmt: skip


def resolution_outcome(
    *, rule: str, votes_for: int, votes_against: int, votes_abstain: int, votes_recused: int, present_voting: int
) -> bool:
    """True when the motion carries. Recused members are out of the denominator."""
    eligible = max(present_voting - votes_recused, 0)
    if rule == Council.VotingRule.MAJORITY_PRESENT:
        return votes_for * 2 > eligible
    if rule == Council.VotingRule.TWO_THIRDS_PRESENT:
        return eligible > 0 and votes_for * 3 >= eligible * 2
    return votes_for > votes_against


def _actor_is_member(actor: Any, member: CouncilMember) -> bool:
    return actor is not None and member.user_id is not None and member.user_id == actor.pk


@transaction.atomic
def resolution_propose(
    *,
    meeting: Meeting,
    title: str,
    text: str,
    actor: Any,
    kind: str = Resolution.Kind.OTHER,
    agenda_item: AgendaItem | None = None,
    tally_mode: str = Resolution.TallyMode.PER_MEMBER,
    approves_minutes: MinutesVersion | None = None,
) -> Resolution:
    """Put a motion on a meeting (before or during it); it takes the meeting's next number (의결 N호)."""
    require_perm(actor, "council.add_resolution")
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.state not in (Meeting.State.PLANNED, Meeting.State.HELD):
        raise ApplicationError(f"{meeting.get_state_display()} 상태인 회의에는 의안을 올릴 수 없습니다.")
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise ValidationError({"agenda_item": ["이 회의의 안건이 아닙니다."]})
    if approves_minutes is not None:
        earlier = approves_minutes.minutes.meeting
        if earlier.council_id != meeting.council_id or earlier.number >= meeting.number:
            raise ValidationError({"approves_minutes": ["같은 협의체의 이전 회의 회의록만 승인할 수 있습니다."]})
    number = (Resolution.objects.filter(meeting=meeting).aggregate(n=Max("number"))["n"] or 0) + 1
    resolution = Resolution(
        meeting=meeting,
        number=number,
        title=title,
        text=text,
        kind=kind,
        agenda_item=agenda_item,
        tally_mode=tally_mode,
        approves_minutes=approves_minutes,
    )
    resolution.full_clean()
    resolution.save()
    return resolution


def _require_quorum(meeting: Meeting) -> selectors.Quorum:
    if meeting.state != Meeting.State.HELD:
        raise ApplicationError("개최된 회의에서만 표결하고 의결할 수 있습니다.")
    quorum = selectors.meeting_quorum(meeting=meeting)
    if not quorum.has_quorum:
        raise ApplicationError(
            f"의사정족수 미달입니다: 의결권자 {quorum.voting_members}명 중 {quorum.present_voting}명 출석 "
            f"(필요 {quorum.required}명).",
            extra={"quorum": {"voting_members": quorum.voting_members, "present": quorum.present_voting,
                              "required": quorum.required}},
        )  # fmt: skip
    return quorum


def _lock(resolution: Resolution) -> Resolution:
    return Resolution.objects.select_for_update(of=("self",)).select_related("meeting__council").get(pk=resolution.pk)


@transaction.atomic
def resolution_open_voting(*, resolution: Resolution, actor: Any) -> Resolution:
    """Open the vote (members then vote in the workspace). Refused without quorum."""
    resolution = _lock(resolution)
    if resolution.state == Resolution.State.VOTING:
        return resolution
    if Resolution.State.VOTING not in TRANSITIONS[resolution.state]:
        raise ApplicationError(f"{resolution.get_state_display()} 상태의 의안은 표결에 부칠 수 없습니다.")
    require_perm(actor, "council.change_resolution")
    _require_quorum(resolution.meeting)
    resolution.state = Resolution.State.VOTING
    resolution.save(update_fields=["state", "updated_at"])
    return resolution


def _recount(resolution: Resolution) -> None:
    counts = resolution.votes.aggregate(
        f=Count("id", filter=Q(choice=Vote.Choice.FOR)),
        a=Count("id", filter=Q(choice=Vote.Choice.AGAINST)),
        ab=Count("id", filter=Q(choice=Vote.Choice.ABSTAIN)),
        r=Count("id", filter=Q(choice=Vote.Choice.RECUSED)),
    )
    resolution.votes_for, resolution.votes_against = counts["f"], counts["a"]
    resolution.votes_abstain, resolution.votes_recused = counts["ab"], counts["r"]
    resolution.save(update_fields=["votes_for", "votes_against", "votes_abstain", "votes_recused", "updated_at"])


@transaction.atomic
def vote_cast(*, resolution: Resolution, member: CouncilMember, choice: str, actor: Any) -> Vote:
    """A member votes (or the secretariat records the vote). A declared conflict turns it into `recused`.
    A member may change their vote while the vote is open."""
    resolution = _lock(resolution)
    if not _actor_is_member(actor, member):
        require_perm(actor, "council.add_vote")
    if resolution.state != Resolution.State.VOTING:
        raise ApplicationError("표결 중인 의안이 아닙니다.")
    if resolution.tally_mode != Resolution.TallyMode.PER_MEMBER:
        raise ApplicationError("이 의안은 집계만 기록합니다.")
    if member.council_id != resolution.meeting.council_id or not member.is_voting:
        raise ApplicationError("이 의안에 의결권이 없는 위원입니다.", status_code=403)
    if not member.in_term(selectors.meeting_day(resolution.meeting)):
        raise ApplicationError("회의일에 임기 중인 위원이 아닙니다.", status_code=403)
    if not selectors.member_is_present(meeting=resolution.meeting, member=member):
        raise ApplicationError("출석(또는 대리 출석)한 위원만 표결할 수 있습니다.")
    if choice not in Vote.Choice.values:
        raise ValidationError({"choice": ["찬성, 반대, 기권, 회피 중 하나를 고르세요."]})
    if selectors.member_has_conflict(resolution=resolution, member=member):
        choice = Vote.Choice.RECUSED
    vote, _ = Vote.objects.select_for_update().get_or_create(
        resolution=resolution, member=member, defaults={"choice": choice, "cast_by": actor}
    )
    if vote.choice != choice:
        vote.choice, vote.cast_by = choice, actor
        vote.save(update_fields=["choice", "cast_by", "updated_at"])
    _recount(resolution)
    return vote


@transaction.atomic
def conflict_declare(
    *, meeting: Meeting, member: CouncilMember, description: str, actor: Any, agenda_item: AgendaItem | None = None
) -> ConflictDeclaration:
    """Record a conflict of interest for the meeting or one agenda item. Votes the member already cast on
    resolutions still being voted that it covers become `recused`; decided resolutions stand as recorded."""
    if not _actor_is_member(actor, member):
        require_perm(actor, "council.add_conflictdeclaration")
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if member.council_id != meeting.council_id:
        raise ValidationError({"member": ["이 협의체의 위원이 아닙니다."]})
    if meeting.state == Meeting.State.CANCELLED:
        raise ApplicationError("취소된 회의입니다.")
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise ValidationError({"agenda_item": ["이 회의의 안건이 아닙니다."]})
    if not (description or "").strip():
        raise ValidationError({"description": ["이해관계의 내용을 적어 주세요."]})
    declaration = ConflictDeclaration(
        meeting=meeting, member=member, agenda_item=agenda_item, description=description.strip(), declared_by=actor
    )
    declaration.full_clean()
    declaration.save()
    open_resolutions = Resolution.objects.select_for_update().filter(meeting=meeting, state=Resolution.State.VOTING)
    if agenda_item is not None:
        open_resolutions = open_resolutions.filter(agenda_item=agenda_item)
    for resolution in open_resolutions:
        changed = (
            Vote.objects.filter(resolution=resolution, member=member)
            .exclude(choice=Vote.Choice.RECUSED)
            .update(choice=Vote.Choice.RECUSED, updated_at=timezone.now())
        )
        if changed:
            _recount(resolution)
    return declaration


@transaction.atomic
def resolution_record(*, resolution: Resolution, actor: Any, tally: dict[str, int] | None = None) -> Resolution:
    """Close the vote and record the outcome under the council's voting rule.

    Per-member resolutions count their Vote rows; tally resolutions take `tally` ({"for", "against",
    "abstain", "recused"}). Refused without quorum. An adopted resolution that approves earlier minutes
    approves them. Recording an already decided resolution again is a no-op."""
    resolution = _lock(resolution)
    if resolution.is_decided:
        return resolution
    if resolution.state not in (Resolution.State.DRAFT, Resolution.State.VOTING):
        raise ApplicationError(f"{resolution.get_state_display()} 상태의 의안은 의결할 수 없습니다.")
    require_perm(actor, "council.change_resolution")
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("council").get(pk=resolution.meeting_id)
    quorum = _require_quorum(meeting)
    if resolution.tally_mode == Resolution.TallyMode.PER_MEMBER:
        if resolution.state != Resolution.State.VOTING:
            raise ApplicationError("위원별 표결 의안은 먼저 표결에 부쳐야 합니다.")
        if tally is not None:
            raise ValidationError({"tally": ["위원별 표결 의안에는 집계를 따로 넣지 않습니다."]})
        _recount(resolution)
    else:
        counts = _clean_tally(tally, present_voting=quorum.present_voting)
        resolution.votes_for, resolution.votes_against = counts["for"], counts["against"]
        resolution.votes_abstain, resolution.votes_recused = counts["abstain"], counts["recused"]
    carried = resolution_outcome(
        rule=meeting.council.voting_rule,
        votes_for=resolution.votes_for,
        votes_against=resolution.votes_against,
        votes_abstain=resolution.votes_abstain,
        votes_recused=resolution.votes_recused,
        present_voting=quorum.present_voting,
    )
    now = timezone.now()
    resolution.present_voting = quorum.present_voting
    resolution.state = Resolution.State.ADOPTED if carried else Resolution.State.REJECTED
    resolution.decided_at = now
    resolution.adopted_at = now if carried else None
    resolution.save(
        update_fields=[
            "state", "decided_at", "adopted_at", "present_voting",
            "votes_for", "votes_against", "votes_abstain", "votes_recused", "updated_at",
        ]
    )  # fmt: skip
    if carried and resolution.approves_minutes is not None:
        from council.services.minutes import minutes_approve

        minutes_approve(version=resolution.approves_minutes, actor=actor, resolution=resolution)
    return resolution


def _clean_tally(tally: dict[str, int] | None, *, present_voting: int) -> dict[str, int]:
    if tally is None:
        raise ValidationError({"tally": ["찬성·반대·기권·회피 수를 넣어 주세요."]})
    counts: dict[str, int] = {}
    for key in ("for", "against", "abstain", "recused"):
        value = tally.get(key, 0)
        if not isinstance(value, int) or value < 0:
            raise ValidationError({f"tally.{key}": ["0 이상의 정수여야 합니다."]})
        counts[key] = value
    if sum(counts.values()) > present_voting:
        raise ValidationError({"tally": [f"표 수의 합이 출석 의결권자 수({present_voting}명)보다 많습니다."]})
    return counts


@transaction.atomic
def resolution_withdraw(*, resolution: Resolution, actor: Any) -> Resolution:
    resolution = _lock(resolution)
    if resolution.state == Resolution.State.WITHDRAWN:
        return resolution
    if Resolution.State.WITHDRAWN not in TRANSITIONS[resolution.state]:
        raise ApplicationError("의결이 끝난 의안은 철회할 수 없습니다.")
    require_perm(actor, "council.change_resolution")
    resolution.state = Resolution.State.WITHDRAWN
    resolution.save(update_fields=["state", "updated_at"])
    return resolution
