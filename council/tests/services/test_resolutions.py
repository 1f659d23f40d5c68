import pytest
from django.core.exceptions import ValidationError

from core.exceptions import ApplicationError
from council import selectors, services
from council.models import Council, Resolution, Vote
from council.tests.factories import CouncilFactory, CouncilMemberFactory, held_meeting

pytestmark = pytest.mark.django_db


def _propose(meeting, **kw):
    return services.resolution_propose(meeting=meeting, title="보상 기준", text="기준을 채택한다.", actor=None, **kw)


def test_quorum_counts_only_voting_members(council, seats):
    # 4 voting members (chair + 3); secretary and observer present do not count.
    meeting = held_meeting(
        council=council, present=[seats["chair"], seats["small"], seats["secretary"], seats["observer"]]
    )
    quorum = selectors.meeting_quorum(meeting=meeting)
    assert (quorum.voting_members, quorum.present_voting, quorum.required) == (4, 2, 3)
    assert not quorum.has_quorum


def test_recording_a_resolution_without_quorum_is_refused(council, seats):
    meeting = held_meeting(council=council, present=[seats["chair"], seats["small"]])
    resolution = _propose(meeting, tally_mode=Resolution.TallyMode.TALLY)
    with pytest.raises(ApplicationError, match="의사정족수 미달"):
        services.resolution_record(resolution=resolution, actor=None, tally={"for": 2})
    with pytest.raises(ApplicationError, match="의사정족수 미달"):
        services.resolution_open_voting(resolution=resolution, actor=None)
    resolution.refresh_from_db()
    assert resolution.state == Resolution.State.DRAFT
    # A proxy for a third voting member brings the meeting to quorum.
    services.attendance_record(
        meeting=meeting, member=seats["startup"], status="proxy", proxy_name="대리인", actor=None
    )
    resolution = services.resolution_record(resolution=resolution, actor=None, tally={"for": 3})
    assert resolution.is_adopted and resolution.present_voting == 3 and resolution.adopted_at is not None


def test_declared_conflict_turns_a_vote_into_recused(council, seats):
    meeting = held_meeting(council=council)
    resolution = services.resolution_open_voting(resolution=_propose(meeting), actor=None)
    services.vote_cast(resolution=resolution, member=seats["small"], choice="for", actor=seats["small"].user)
    services.conflict_declare(
        meeting=meeting, member=seats["small"], description="연합회 회원사가 보상 대상", actor=seats["small"].user
    )
    assert Vote.objects.get(member=seats["small"]).choice == Vote.Choice.RECUSED
    # Later votes by the member are recorded as recused whatever they choose.
    vote = services.vote_cast(resolution=resolution, member=seats["small"], choice="against", actor=seats["small"].user)
    assert vote.choice == Vote.Choice.RECUSED
    services.vote_cast(resolution=resolution, member=seats["chair"], choice="for", actor=seats["chair"].user)
    services.vote_cast(resolution=resolution, member=seats["startup"], choice="against", actor=seats["startup"].user)
    services.vote_cast(resolution=resolution, member=seats["consumer"], choice="for", actor=seats["consumer"].user)
    resolution = services.resolution_record(resolution=resolution, actor=None)
    assert (resolution.votes_for, resolution.votes_against, resolution.votes_abstain, resolution.votes_recused) == (
        2, 1, 0, 1,
    )  # fmt: skip
    assert resolution.state == Resolution.State.ADOPTED
    # The record stands: a late declaration never rewrites a decided resolution.
    services.conflict_declare(meeting=meeting, member=seats["chair"], description="늦은 신고", actor=None)
    assert Vote.objects.get(resolution=resolution, member=seats["chair"]).choice == Vote.Choice.FOR
    assert services.resolution_record(resolution=resolution, actor=None).votes_for == 2  # repeat is a no-op


def test_only_present_voting_members_vote_in_their_own_name(council, seats):
    meeting = held_meeting(
        council=council, present=[seats["chair"], seats["small"], seats["startup"], seats["observer"]]
    )
    resolution = services.resolution_open_voting(resolution=_propose(meeting), actor=None)
    with pytest.raises(ApplicationError):  # observers do not vote
        services.vote_cast(resolution=resolution, member=seats["observer"], choice="for", actor=seats["observer"].user)
    with pytest.raises(ApplicationError):  # absent
        services.vote_cast(resolution=resolution, member=seats["consumer"], choice="for", actor=seats["consumer"].user)
    with pytest.raises(ApplicationError):  # someone else's vote
        services.vote_cast(resolution=resolution, member=seats["chair"], choice="for", actor=seats["small"].user)


@pytest.mark.parametrize(
    ("rule", "tally", "present", "carried"),
    [
        (Council.VotingRule.MAJORITY_CAST, {"for": 2, "against": 1, "abstain": 1}, 4, True),
        (Council.VotingRule.MAJORITY_CAST, {"for": 2, "against": 2}, 4, False),
        (Council.VotingRule.MAJORITY_PRESENT, {"for": 2, "against": 1, "abstain": 1}, 4, False),
        (Council.VotingRule.MAJORITY_PRESENT, {"for": 2, "against": 1, "recused": 1}, 4, True),
        (Council.VotingRule.TWO_THIRDS_PRESENT, {"for": 3, "against": 1}, 4, True),
        (Council.VotingRule.TWO_THIRDS_PRESENT, {"for": 2, "against": 1}, 4, False),
    ],
)
def test_outcome_follows_the_councils_voting_rule(rule, tally, present, carried):
    council = CouncilFactory(voting_rule=rule)
    CouncilMemberFactory.create_batch(present, council=council, login=False)
    meeting = held_meeting(council=council)
    resolution = _propose(meeting, tally_mode=Resolution.TallyMode.TALLY)
    resolution = services.resolution_record(resolution=resolution, actor=None, tally=tally)
    assert resolution.is_adopted is carried
    assert resolution.state == (Resolution.State.ADOPTED if carried else Resolution.State.REJECTED)


def test_tally_cannot_exceed_present_voting_members(council, seats):
    meeting = held_meeting(council=council, present=[seats["chair"], seats["small"], seats["startup"]])
    resolution = _propose(meeting, tally_mode=Resolution.TallyMode.TALLY)
    with pytest.raises(ValidationError):
        services.resolution_record(resolution=resolution, actor=None, tally={"for": 3, "against": 1})


def test_resolution_numbering_label_and_forward_walk(council, seats):
    meeting = held_meeting(council=council)
    first, second = _propose(meeting), _propose(meeting, kind=Resolution.Kind.POLICY_ADOPTION)
    assert (first.number, second.number) == (1, 2)
    found = selectors.resolution_get(resolution_id=second.pk)
    assert str(found) == "협의체 1차 회의 의결 2호"
    assert selectors.resolution_governed(resolution=found) == {}
