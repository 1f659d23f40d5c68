"""The issue's acceptance story: the secretariat records the 2022 council's second plenary meeting (the
organisations named in the article, with their roles) from notice to published minutes; a member comments
on the draft and votes. The article does not name a chair: the independent expert is seated as chair."""

from datetime import date, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from claims.tests.factories import submit_claim
from council import selectors, services
from council.models import AgendaSnapshot, CouncilMember, Meeting, Minutes, MinutesVersion, Resolution
from notifications.models import Notification

pytestmark = pytest.mark.django_db
KST = timezone.get_default_timezone()
C = CouncilMember.Constituency
R = CouncilMember.Role


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_second_plenary_from_notice_to_published_minutes(incident, secretariat_user):
    s = secretariat_user
    council = services.council_create(incident=incident, name="카카오 서비스 장애 피해지원 협의체", actor=s)
    seats = {}
    for key, name, org, position, constituency, role in [
        ("company", "송지혜", "카카오", "수석부사장", C.COMPANY, R.MEMBER),
        ("sb_audit", "김기홍", "소상공인연합회", "감사", C.SMALL_BUSINESS, R.MEMBER),
        ("sb_head", "차남수", "소상공인연합회", "본부장", C.SMALL_BUSINESS, R.MEMBER),
        ("startup", "최성진", "코리아스타트업포럼", "대표", C.STARTUP, R.MEMBER),
        ("consumer", "정지연", "한국소비자연맹", "사무총장", C.CONSUMER, R.MEMBER),
        ("expert", "최난설헌", "학계 (공정거래·소비자보호)", "교수", C.EXPERT, R.CHAIR),
        ("secretary", "사무국 간사", "카카오", "", C.COMPANY, R.SECRETARY),
    ]:
        seats[key] = services.council_member_create(
            council=council, name=name, organisation=org, position=position, constituency=constituency, role=role,
            term_start=date(2022, 11, 1), email=f"{key}@council.example.kr", username=f"council-{key}",
            password="pw-member-2022", actor=s,
        )  # fmt: skip
    assert all(not m.user.is_staff for m in seats.values())

    # 1차 was held in November; 2차 is planned, moved once, then held.
    first = services.meeting_plan(
        council=council, title="제1차 전체회의", starts_at=datetime(2022, 11, 15, 14, tzinfo=KST), place="판교", actor=s
    )
    services.meeting_transition(meeting=first, to_state=Meeting.State.HELD, actor=s)
    services.action_item_create(
        meeting=first, title="피해 유형별 접수 현황 정리", owner_user=s, due_date=date(2022, 11, 30), actor=s
    )
    starts = timezone.now() + timedelta(days=2)
    second = services.meeting_plan(
        council=council, title="제2차 전체회의", starts_at=starts, place="카카오 판교아지트", send_notice=False, actor=s
    )
    assert str(second) == "협의체 2차 회의"
    report = services.agenda_item_add(
        meeting=second, title="피해 접수 현황 보고", presenter="카카오", minutes_allotted=30, actor=s
    )
    principles = services.agenda_item_add(meeting=second, title="보상 원칙 논의", minutes_allotted=60, actor=s)
    submit_claim(incident=incident, paid=True, claimed_amount=30000)
    snapshot = services.agenda_snapshot_attach_claim_stats(item=report, actor=s)
    submit_claim(incident=incident)  # later claims do not change what the council saw
    snapshot.refresh_from_db()
    assert snapshot.kind == AgendaSnapshot.Kind.CLAIM_STATS and snapshot.data["total"] >= 1
    frozen_total = snapshot.data["total"]
    services.meeting_notice_send(meeting=second, actor=s)
    notice = Notification.objects.get(event="meeting_notice", user=seats["consumer"].user)
    assert "보상 원칙 논의" in notice.context["agenda"] and "피해 유형별 접수 현황 정리" in notice.context["agenda"]
    services.meeting_reschedule(meeting=second, starts_at=starts + timedelta(hours=1), actor=s, reason="일정 조정")
    assert Notification.objects.filter(event="meeting_notice", user=seats["consumer"].user).count() == 2

    # The day comes (recorded after the fact: the meeting moved into the past).
    past = timezone.now() - timedelta(hours=2)
    second = services.meeting_reschedule(meeting=second, starts_at=past, actor=s, reason="실제 개최 시각")
    for key in ("company", "sb_audit", "startup", "consumer", "expert", "secretary"):
        services.attendance_record(meeting=second, member=seats[key], status="present", actor=s)
    services.attendance_record(meeting=second, member=seats["sb_head"], status="proxy", proxy_name="소상공인연합회 정책실장", actor=s)  # fmt: skip
    second = services.meeting_transition(meeting=second, to_state=Meeting.State.HELD, actor=s)
    quorum = selectors.meeting_quorum(meeting=second)
    assert (quorum.voting_members, quorum.present_voting, quorum.has_quorum) == (6, 6, True)

    # The company declares its interest on the principles; members vote in the workspace.
    _login(seats["company"].user).post(
        reverse("council:conflict_declare", args=[second.pk]),
        {"agenda_item": principles.pk, "description": "보상 주체로서 이해당사자"},
    )
    resolution = services.resolution_propose(
        meeting=second, agenda_item=principles, kind=Resolution.Kind.POLICY_ADOPTION,
        title="무료 서비스 피해 지원 원칙", text="무료 서비스 이용자의 금전 피해도 지원 대상에 포함한다.", actor=s,
    )  # fmt: skip
    services.resolution_open_voting(resolution=resolution, actor=s)
    for key, choice in [("company", "for"), ("sb_audit", "for"), ("startup", "for"), ("consumer", "abstain"),
                        ("expert", "for")]:  # fmt: skip
        response = _login(seats[key].user).post(reverse("council:vote", args=[resolution.pk]), {"choice": choice})
        assert response.status_code == 302
    services.vote_cast(resolution=resolution, member=seats["sb_head"], choice="for", actor=s)  # the proxy's vote
    resolution = services.resolution_record(resolution=resolution, actor=s)
    assert resolution.is_adopted and str(resolution) == "협의체 2차 회의 의결 1호"
    assert (resolution.votes_for, resolution.votes_abstain, resolution.votes_recused) == (4, 1, 1)
    assert selectors.resolution_get(resolution_id=resolution.pk).meeting == second

    # Minutes: draft → circulated → a member comments → chair approves → published (public).
    minutes = services.minutes_start(meeting=second, actor=s, visibility=Minutes.Visibility.PUBLIC)
    version = minutes.versions.get()
    services.minutes_version_update(version=version, summary="피해 접수 현황을 공유하고 지원 원칙을 논의했다.", actor=s)
    for item in version.items.all():
        services.minutes_item_update(item=item, discussion=f"{item.agenda_item.title}에 대한 논의", actor=s)
    services.minutes_circulate(version=version, actor=s)
    url = reverse("council:minutes_version", args=[version.pk])
    _login(seats["consumer"].user).post(url, {"body": "소비자 단체 의견을 요지에 넣어 주세요.", "action": "comment"})
    services.minutes_revise(version=version, actor=s)
    services.minutes_version_update(
        version=version, summary="피해 접수 현황을 공유하고 지원 원칙을 논의했다. 소비자 단체 의견을 반영했다.", actor=s
    )
    services.minutes_circulate(version=version, actor=s)
    _login(seats["expert"].user).post(url, {"action": "approve"})
    version = services.minutes_publish(version=MinutesVersion.objects.get(pk=version.pk), actor=s)
    assert version.state == MinutesVersion.State.PUBLISHED and version.approved_by == seats["expert"].user
    assert version.comments.count() == 1
    assert "정지연 (한국소비자연맹, 위원): 출석" in version.body_text
    assert "대리인: 소상공인연합회 정책실장" in version.body_text
    assert "의결 1호 무료 서비스 피해 지원 원칙" in version.body_text
    page = Client().get(reverse("council:minutes_public", args=[minutes.public_token])).content.decode()
    assert "소비자 단체 의견을 반영했다" in page
    assert Notification.objects.filter(event="minutes_published").count() == len(seats)
    snapshot.refresh_from_db()
    assert snapshot.data["total"] == frozen_total
