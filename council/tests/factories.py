"""Council factories. Rows with no workflow (councils, seats) come from factory_boy; everything with a
state is reached through the services, so tests only hold states the code can produce. Other apps'
tests (compensation) can use `adopted_resolution()` for a `policy_adoption` resolution to point at."""

import itertools
from datetime import date, datetime, timedelta
from typing import Any

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from core import roles
from council import services
from council.models import Attendance, Council, CouncilMember, Meeting, Resolution

_seq = itertools.count(1)


def _incident() -> Any:
    """The seeded 2022 incident, or a stand-in when a transactional test has flushed the seed data."""
    from claims.models import Incident

    return Incident.objects.filter(code="2022-pangyo-dc-fire").first() or Incident.objects.get_or_create(
        code="test-incident",
        defaults={
            "name": "테스트 장애", "company_name": "카카오", "occurred_at": timezone.now(), "reference_prefix": "TST",
        },
    )[0]  # fmt: skip


class CouncilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Council

    incident = factory.LazyFunction(lambda: _incident())
    name = factory.Sequence(lambda n: f"카카오 서비스 장애 피해지원 협의체 {n}")
    short_name = "협의체"


class CouncilMemberFactory(factory.django.DjangoModelFactory):
    """A seat with its own login in the council_member group (not staff)."""

    class Meta:
        model = CouncilMember
        skip_postgeneration_save = True

    council = factory.SubFactory(CouncilFactory)
    name = factory.Sequence(lambda n: f"위원{n}")
    organisation = "한국소비자연맹"
    constituency = CouncilMember.Constituency.CONSUMER
    role = CouncilMember.Role.MEMBER
    term_start = date(2022, 11, 1)
    email = factory.Sequence(lambda n: f"member{n}@council.example.kr")

    @factory.post_generation
    def login(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create or extracted is False:
            return
        from django.contrib.auth.models import User

        user = User.objects.create_user(
            username=f"member-{self.pk}-{next(_seq)}", password="pw-member", email=self.email, is_staff=False
        )
        user.groups.add(Group.objects.get_or_create(name=roles.COUNCIL_MEMBER)[0])
        self.user = user
        self.save(update_fields=["user"])


def plan_meeting(
    *, council: Council, starts_at: datetime | None = None, title: str = "정기회의", send_notice: bool = True, **kw: Any
) -> Meeting:
    return services.meeting_plan(
        council=council,
        title=title,
        starts_at=starts_at or timezone.now() + timedelta(days=7),
        place=kw.pop("place", "판교 사옥 회의실 A"),
        actor=None,
        send_notice=send_notice,
        **kw,
    )


def held_meeting(
    *, council: Council, present: list[CouncilMember] | None = None, agenda: tuple[str, ...] = (), **kw: Any
) -> Meeting:
    """A meeting that took place an hour ago with its `agenda`, and `present` (default: every seat) present."""
    meeting = plan_meeting(council=council, starts_at=timezone.now() - timedelta(hours=1), **kw)
    for title in agenda:
        services.agenda_item_add(meeting=meeting, title=title, presenter="사무국", actor=None)
    for member in present if present is not None else council.members.all():
        services.attendance_record(meeting=meeting, member=member, status=Attendance.Status.PRESENT, actor=None)
    return services.meeting_transition(meeting=meeting, to_state=Meeting.State.HELD, actor=None)


def adopted_resolution(*, kind: str = Resolution.Kind.POLICY_ADOPTION, council: Council | None = None) -> Resolution:
    """A resolution adopted by show of hands in a held meeting of a three-member council."""
    council = council or CouncilFactory()
    if not council.members.exists():
        CouncilMemberFactory.create_batch(3, council=council, login=False)
    meeting = held_meeting(council=council)
    resolution = services.resolution_propose(
        meeting=meeting,
        title="피해 보상 기준 채택",
        text="보상 기준 제1판을 채택한다.",
        kind=kind,
        tally_mode=Resolution.TallyMode.TALLY,
        actor=None,
    )
    return services.resolution_record(
        resolution=resolution, actor=None, tally={"for": council.members.count(), "against": 0}
    )
