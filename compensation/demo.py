"""The demo policy modelled on the 2022 outcome, for `seed_demo` (owned by the demo helper) and for tests.

- small businesses: reported loss ≤ ₩300,000 → ₩30,000; ≤ ₩500,000 → ₩50,000; above → individual review;
- larger companies → individual review;
- paid-service users → subscription extension per service (톡서랍 플러스 6일, 이모티콘 플러스 5일, others 5일);
- individual free-service users → an in-kind emoticon pack (book value ₩3,300);
adopted by a `policy_adoption` resolution of a demo council meeting (the council is reused if one exists).

    from compensation.demo import seed_demo_policy
    version = seed_demo_policy()            # idempotent: returns the existing adopted version on a repeat
"""

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from compensation.models import Policy, PolicyVersion, RemedyType, Rule
from compensation.services import policy_create, policy_version_adopt, policy_version_create, rule_save

POLICY_CODE = "pangyo-2022-compensation"
INCIDENT_CODE = "2022-pangyo-dc-fire"
EMOTICON_PACK = "카카오톡 이모티콘 3종 세트"


def _rules(services: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "priority": 10,
            "name": "소상공인 피해액 50만원 이하 (구간별 정액)",
            "match_claimant_kind": "small_business",
            "match_operator": "own",
            "remedy": RemedyType.CASH_TIERED,
            "bands": [(0, 300_000, 30_000), (300_001, 500_000, 50_000)],
        },
        {
            "priority": 20,
            "name": "소상공인 피해액 50만원 초과 (개별 심사·증빙 필요)",
            "match_claimant_kind": "small_business",
            "match_operator": "own",
            "min_claimed_won": 500_001,
            "remedy": RemedyType.INDIVIDUAL_REVIEW,
        },
        {
            "priority": 30,
            "name": "중견·대기업 (개별 심사)",
            "match_claimant_kind": "enterprise",
            "match_operator": "own",
            "remedy": RemedyType.INDIVIDUAL_REVIEW,
        },
        {
            "priority": 40,
            "name": "톡서랍 플러스 이용자 (이용 기간 연장)",
            "match_paid": True,
            "services": [services["talk_drawer_plus"]],
            "remedy": RemedyType.SERVICE_CREDIT,
            "credit_days": 6,
        },
        {
            "priority": 50,
            "name": "이모티콘 플러스 이용자 (이용 기간 연장)",
            "match_paid": True,
            "services": [services["emoticon_plus"]],
            "remedy": RemedyType.SERVICE_CREDIT,
            "credit_days": 5,
        },
        {
            "priority": 60,
            "name": "기타 유료 서비스 이용자 (이용 기간 연장)",
            "match_paid": True,
            "match_operator": "own",
            "remedy": RemedyType.SERVICE_CREDIT,
            "credit_days": 5,
        },
        {
            "priority": 70,
            "name": "무료 서비스 개인 이용자 (이모티콘 지급)",
            "match_claimant_kind": "individual",
            "match_paid": False,
            "match_operator": "own",
            "remedy": RemedyType.IN_KIND,
            "in_kind_item": EMOTICON_PACK,
            "in_kind_value_won": 3_300,
        },
    ]


def demo_rules_create(*, version: PolicyVersion, actor: Any = None) -> None:
    from claims.models import Service

    services = {s.code: s for s in Service.objects.filter(incident_id=version.policy.incident_id)}
    for spec in _rules(services):
        spec = dict(spec)
        bands = spec.pop("bands", [])
        chosen = spec.pop("services", [])
        rule_save(rule=Rule(version=version, **spec), bands=bands, service_ids={s.pk for s in chosen}, actor=actor)


def demo_resolution(*, incident: Any, title: str = "피해 보상 기준 채택") -> Any:
    """A `policy_adoption` resolution adopted by show of hands at a held demo meeting."""
    from council.models import Attendance, Council, CouncilMember, Meeting, Resolution
    from council.services import (
        attendance_record,
        council_create,
        council_member_create,
        meeting_plan,
        meeting_transition,
        resolution_propose,
        resolution_record,
    )

    council = Council.objects.filter(incident=incident).order_by("id").first()
    if council is None:
        council = council_create(incident=incident, name="카카오 서비스 장애 피해지원 협의체", actor=None)
    if not council.members.exists():
        seats = [
            ("최난설헌", "학계", CouncilMember.Role.CHAIR, CouncilMember.Constituency.EXPERT),
            ("김기홍", "소상공인연합회", CouncilMember.Role.MEMBER, CouncilMember.Constituency.SMALL_BUSINESS),
            ("정지연", "한국소비자연맹", CouncilMember.Role.MEMBER, CouncilMember.Constituency.CONSUMER),
        ]
        for name, organisation, role, constituency in seats:
            council_member_create(
                council=council,
                name=name,
                organisation=organisation,
                role=role,
                constituency=constituency,
                term_start=date(2022, 11, 1),
                actor=None,
            )
    meeting = meeting_plan(
        council=council,
        title="보상 기준 의결",
        starts_at=timezone.now() - timedelta(hours=1),
        place="판교 사옥 회의실 A",
        actor=None,
        send_notice=False,
    )
    for member in council.members.all():
        attendance_record(meeting=meeting, member=member, status=Attendance.Status.PRESENT, actor=None)
    meeting = meeting_transition(meeting=meeting, to_state=Meeting.State.HELD, actor=None)
    resolution = resolution_propose(
        meeting=meeting,
        title=title,
        text=(
            "소상공인 구간별 보상, 유료 이용자 이용 기간 연장, 무료 이용자 이모티콘 지급을 내용으로 하는 "
            "보상 기준을 채택한다."
        ),
        kind=Resolution.Kind.POLICY_ADOPTION,
        tally_mode=Resolution.TallyMode.TALLY,
        actor=None,
    )
    voting = [m for m in council.members.all() if m.role in (CouncilMember.Role.CHAIR, CouncilMember.Role.MEMBER)]
    return resolution_record(resolution=resolution, actor=None, tally={"for": len(voting), "against": 0})


@transaction.atomic
def seed_demo_policy(*, incident: Any = None, adopt: bool = True, actor: Any = None) -> PolicyVersion:
    """Create (once) the 2022-like policy and, with `adopt`, have a demo council meeting adopt it."""
    from claims.models import Incident

    incident = incident or Incident.objects.get(code=INCIDENT_CODE)
    policy = Policy.objects.filter(incident=incident, code=POLICY_CODE).first()
    if policy is None:
        policy = policy_create(
            incident=incident,
            code=POLICY_CODE,
            name="판교 데이터센터 화재 피해 보상 기준",
            description=(
                "2022년 협의체 결정을 본뜬 보상 기준: 소상공인 구간별 정액, 유료 이용자 기간 연장, 무료 이용자 현물."
            ),
            actor=actor,
        )
    version = policy.versions.order_by("number").first()
    if version is None:
        version = policy_version_create(
            policy=policy,
            actor=actor,
            title="제1판 (2022년 결정 기준)",
            appeal_window_days=14,
            second_review_above_won=100_000,
        )
        demo_rules_create(version=version, actor=actor)
    if adopt and version.status == PolicyVersion.Status.DRAFT:
        version = policy_version_adopt(version=version, resolution=demo_resolution(incident=incident), actor=actor)
    return version
