"""Council preconditions shared by the secretariat and council-member scenarios, made through the services:
the 2022 council with a chair and three members who each have a workspace login."""

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from claims.models import Incident
from council import services
from council.models import Council, CouncilMember, Meeting, MinutesVersion
from e2e.helpers import PASSWORD

C = CouncilMember.Constituency
R = CouncilMember.Role
SEATS = [
    ("chair", "최난설헌", "학계 (공정거래·소비자보호)", C.EXPERT, R.CHAIR),
    ("small", "김기홍", "소상공인연합회", C.SMALL_BUSINESS, R.MEMBER),
    ("startup", "최성진", "코리아스타트업포럼", C.STARTUP, R.MEMBER),
    ("consumer", "정지연", "한국소비자연맹", C.CONSUMER, R.MEMBER),
]


def council_with_seats(
    *, secretary: Any, tag: str, short_name: str = "협의체"
) -> tuple[Council, dict[str, CouncilMember]]:
    """A council whose members log in as `<tag>-<key>` with the e2e password."""
    incident = Incident.objects.get(code="2022-pangyo-dc-fire")
    council = services.council_create(
        incident=incident, name=f"카카오 서비스 장애 피해지원 협의체 ({tag})", short_name=short_name, actor=secretary
    )
    seats = {
        key: services.council_member_create(
            council=council,
            name=name,
            organisation=org,
            constituency=constituency,
            role=role,
            term_start=date(2022, 11, 1),
            email=f"{tag}-{key}@council.example.kr",
            username=f"{tag}-{key}",
            password=PASSWORD,
            actor=secretary,
        )
        for key, name, org, constituency, role in SEATS
    }
    return council, seats


def circulated_minutes(*, council: Council, secretary: Any) -> MinutesVersion:
    """The first plenary, held an hour ago with everyone present, its draft minutes circulated to members."""
    meeting = services.meeting_plan(
        council=council,
        title="제1차 전체회의",
        starts_at=timezone.now() - timedelta(hours=1),
        place="카카오 판교아지트 3층 대회의실",
        send_notice=False,
        actor=secretary,
    )
    for title in ("피해 접수 현황 보고", "무료 서비스 이용자 보상 원칙 논의"):
        services.agenda_item_add(meeting=meeting, title=title, presenter="사무국", actor=secretary)
    for member in council.members.all():
        services.attendance_record(meeting=meeting, member=member, status="present", actor=secretary)
    meeting = services.meeting_transition(meeting=meeting, to_state=Meeting.State.HELD, actor=secretary)
    minutes = services.minutes_start(meeting=meeting, actor=secretary)
    version = minutes.versions.get()
    services.minutes_version_update(
        version=version, summary="피해 접수 현황을 공유하고 무료 서비스 이용자 보상 원칙을 논의했다.", actor=secretary
    )
    for item in version.items.select_related("agenda_item"):
        services.minutes_item_update(
            item=item, discussion=f"{item.agenda_item.title}: 위원들이 의견을 나누었다.", actor=secretary
        )
    return services.minutes_circulate(version=version, actor=secretary)
