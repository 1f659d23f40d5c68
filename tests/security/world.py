"""A small world with rows in every app and one user per role, built through the services.

Used by the role-matrix test: every API list and admin changelist has rows to show (or to hide), and every detail
and change page has a real id. Rows that only third-party apps write (beat schedules, lockout records, TOTP
devices, API tokens) are created directly, as those apps do."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core import roles

ANONYMOUS = "anonymous"
SUPERUSER = "superuser"
STAFF_NO_ROLE = "staff_no_role"


@dataclass
class World:
    users: dict[str, User | None] = field(default_factory=dict)
    # The rows one particular role may see where it sees only some (the affiliate's own transfer batches).
    own: dict[str, dict[str, set[Any]]] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)


def _user(username: str, *groups: str, staff: bool = True, superuser: bool = False) -> User:
    if superuser:
        return User.objects.create_superuser(username=username, password="pw-" + username, email=f"{username}@x.kr")
    user = User.objects.create_user(username=username, password="pw-" + username, is_staff=staff)
    user.groups.set([Group.objects.get(name=name) for name in groups])
    return user


def role_users() -> dict[str, User | None]:
    """One user per role in core.roles.ROLES, a superuser, a staff user with no role, and nobody (anonymous).
    Outside roles (council members, affiliates) are never staff."""
    outside = {roles.COUNCIL_MEMBER, roles.AFFILIATE}
    users: dict[str, User | None] = {ANONYMOUS: None, SUPERUSER: _user("root", superuser=True)}
    for role in roles.ROLES:
        users[role] = _user(f"u-{role}", role, staff=role not in outside)
    users[STAFF_NO_ROLE] = _user("u-staff-no-role")
    return users


def build_world() -> World:
    world = World(users=role_users())
    users = world.users
    root = users[SUPERUSER]
    _claims(world)
    _council(world, root)
    _compensation(world)
    _payouts(world)
    _notifications(world)
    _third_party(world)
    # The audited grant service, as the admin does it (RoleChange rows).
    from accounts.services import user_set_roles

    extra = _user("u-granted")
    user_set_roles(user=extra, roles=[Group.objects.get(name=roles.AUDITOR)], actor=root)
    return world


def _claims(world: World) -> None:
    from bench.synth import generate_rows
    from claims import services_import
    from claims.casework.bulk import claim_bulk_job_create
    from claims.casework.information_requests import information_request_create
    from claims.casework.notes import claim_note_add
    from claims.casework.transfers import affiliate_outcome_report, claims_transfer
    from claims.models import Affiliate, CannedResponse, ClaimBulkJob, Incident, Team
    from claims.tests.factories import submit_claim

    users = world.users
    agent, supervisor = users[roles.SUPPORT_AGENT], users[roles.SUPPORT_SUPERVISOR]
    incident = Incident.objects.get(code="2022-pangyo-dc-fire")
    talk = submit_claim(name="김민수", description="카카오톡 메시지를 못 보냈습니다.")
    other = submit_claim(name="이서연", claimed_amount=120_000, description="주문 채널이 멈췄습니다.")
    pay = submit_claim(service_code="kakaopay", name="박지훈", description="송금이 안 됐습니다.")
    ride = submit_claim(service_code="kakao_t", name="최하은", description="택시 호출이 안 됐습니다.")
    claim_note_add(claim=talk, body="전화로 확인함", actor=agent)
    information_request_create(
        claim=other,
        question="매출 증빙을 보내 주세요.",
        due_date=timezone.localdate() + timedelta(days=10),
        actor=agent,
    )
    batches = claims_transfer(claims=[pay, ride], actor=agent)
    kakaopay = Affiliate.objects.get(code="kakaopay")
    kakaopay.members.add(users[roles.AFFILIATE])
    own_batch = next(b for b in batches if b.affiliate_id == kakaopay.pk)
    world.own[roles.AFFILIATE] = {"claims.TransferBatch": {own_batch.pk}}
    affiliate_outcome_report(batch=own_batch, reference=pay.reference, outcome="resolved", actor=users[roles.AFFILIATE])
    assert len(batches) == 2 and len(world.own[roles.AFFILIATE]["claims.TransferBatch"]) == 1
    claim_bulk_job_create(action=ClaimBulkJob.Action.ASSIGN, claims=[talk.pk], params={"assignee_id": agent.pk},
                          actor=supervisor, enqueue=False)  # fmt: skip
    team = Team.objects.create(name="일반팀", supervisor=supervisor)
    team.agents.set([agent])
    if not CannedResponse.objects.exists():
        CannedResponse.objects.create(code="restored", title="복구 안내", body="{name}님, 서비스가 복구되었습니다.")
    csv_text = io.StringIO()
    rows = list(generate_rows(2, seed=8))
    writer = csv.DictWriter(csv_text, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    upload = SimpleUploadedFile("claims.csv", csv_text.getvalue().encode(), content_type="text/csv")
    services_import.claim_import_start(file=upload, incident=incident, actor=agent)
    world.objects.update(claim=talk, claim_other=other)


def _council(world: World, root: User) -> None:
    from council import services
    from council.models import CouncilMember, Meeting, Resolution
    from council.tests.factories import CouncilFactory, CouncilMemberFactory, plan_meeting

    council = CouncilFactory(name="피해지원 협의체")
    seat = CouncilMember.objects.create(
        council=council, name="김협의", organisation="소상공인연합회",
        constituency=CouncilMember.Constituency.SMALL_BUSINESS, term_start=date(2022, 11, 1),
        user=world.users[roles.COUNCIL_MEMBER],
    )  # fmt: skip
    CouncilMemberFactory.create_batch(2, council=council, login=False)
    meeting = plan_meeting(council=council, starts_at=timezone.now() - timedelta(hours=2))
    item = services.agenda_item_add(meeting=meeting, title="보상 기준", presenter="사무국", actor=None)
    for member in council.members.all():
        services.attendance_record(meeting=meeting, member=member, status="present", actor=None)
    meeting = services.meeting_transition(meeting=meeting, to_state=Meeting.State.HELD, actor=None)
    services.conflict_declare(meeting=meeting, member=seat, description="가족이 피해 신고인", actor=seat.user,
                              agenda_item=item)  # fmt: skip
    resolution = services.resolution_propose(
        meeting=meeting, title="보상 기준 채택", text="제1판을 채택한다.", kind=Resolution.Kind.PROCEDURE,
        tally_mode=Resolution.TallyMode.TALLY, actor=None,
    )  # fmt: skip
    services.resolution_record(resolution=resolution, actor=None, tally={"for": 2, "against": 0})
    services.action_item_create(
        meeting=meeting, title="지급 일정 보고", due_date=timezone.localdate() + timedelta(days=14), actor=root,
        owner_member=seat,
    )  # fmt: skip
    minutes = services.minutes_start(meeting=meeting, actor=root)
    world.objects.update(council=council, meeting=meeting, minutes=minutes)


def _compensation(world: World) -> None:
    from compensation.services import (
        appeal_lodge,
        assessment_accept,
        assessment_reject,
        assessment_run_start,
        claim_assess,
    )
    from compensation.tests.factories import adopt, draft_version, money_claim, tiered_2022

    users = world.users
    reviewer = users[roles.REVIEWER]
    version = draft_version(appeal_window_days=14)
    tiered_2022(version)
    version = adopt(version)
    accepted = claim_assess(claim=money_claim(claimed_amount=420_000), version=version, actor=None)
    assessment_accept(assessment=accepted, actor=reviewer)
    rejected = claim_assess(claim=money_claim(claimed_amount=250_000), version=version, actor=None)
    rejected = assessment_reject(assessment=rejected, reason_code="no_causation", actor=reviewer)
    appeal_lodge(assessment=rejected, reason="영업 손실 증빙을 추가합니다.", actor=users[roles.SUPPORT_AGENT])
    claim_assess(claim=money_claim(claimed_amount=180_000), version=version, actor=None)  # open: in the queue
    assessment_run_start(version=version, actor=users[roles.SECRETARIAT])
    world.objects.update(version=version)


def _payouts(world: World) -> None:
    from payouts.gateways.base import ReportLine
    from payouts.models import PayoutAttempt, PayoutBatch
    from payouts.services import reconciliation
    from payouts.services.bank_file import payout_batch_export_bank_file, payout_batch_import_bank_result
    from payouts.services.batches import payout_batch_approve, payout_batch_build, payout_batch_release
    from payouts.services.payouts import payouts_create_from_entitlements
    from payouts.tests.factories import make_entitlements

    users = world.users
    maker, manager = users[roles.FINANCE], users[roles.FINANCE_MANAGER]
    make_entitlements(3, amounts=20_000)
    payouts_create_from_entitlements()
    batch = payout_batch_build(actor=maker, channel=PayoutBatch.Channel.BANK_FILE)
    payout_batch_approve(batch=batch, actor=manager)
    payout_batch_release(batch=batch, actor=maker)
    payout_batch_export_bank_file(batch=batch, actor=maker)
    keys = list(PayoutAttempt.objects.filter(payout__batch=batch).values_list("idempotency_key", flat=True))
    result = "거래참조,결과코드,결과메시지\n" + "".join(f"{key},0000,정상\n" for key in keys)
    payout_batch_import_bank_result(batch=batch, actor=maker, content=result)

    class ReportOnly:
        """The provider's daily report with one line we never sent (the gateway is outside the system)."""

        def settlement_report(self, day: date) -> list[ReportLine]:
            return [ReportLine(key="rdx-unknown-1", reference="?", amount=1_000, status="paid")]

    saved = reconciliation.get_gateway
    reconciliation.get_gateway = ReportOnly  # type: ignore[assignment]
    try:
        reconciliation.reconciliation_run(report_date=timezone.localdate(), actor=maker)
    finally:
        reconciliation.get_gateway = saved
    world.objects.update(payout_batch=batch)


def _notifications(world: World) -> None:
    from notifications.models import Notification
    from notifications.services.campaigns import campaign_create
    from notifications.services.delivery import notification_deliver

    # One delivery through the sandbox channel writes its attempt and the sandbox's copy of the message.
    row = Notification.objects.filter(channel__in=["alimtalk", "sms"]).order_by("id").first()
    if row is not None:
        notification_deliver(notification_id=row.pk)
    campaign_create(
        name="복구 안내", event="claim_message", audience={"service": "kakaotalk"},
        context={"message": "서비스가 복구되었습니다."}, actor=world.users[roles.SECRETARIAT],
    )  # fmt: skip


def _third_party(world: World) -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_celery_beat.models import (
        ClockedSchedule,
        CrontabSchedule,
        IntervalSchedule,
        PeriodicTask,
        SolarSchedule,
    )
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from rest_framework.authtoken.models import Token

    now = timezone.now()
    interval = IntervalSchedule.objects.create(every=60, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="matrix-test", task="notifications.tasks.notification_sweep_task",
                                interval=interval)  # fmt: skip
    ClockedSchedule.objects.create(clocked_time=now)
    CrontabSchedule.objects.create(minute="5", hour="9")
    SolarSchedule.objects.create(event="sunrise", latitude=37.4, longitude=127.1)
    attempt = {"user_agent": "pytest", "ip_address": "10.0.0.1", "username": "agent", "http_accept": "*/*"}
    AccessAttempt.objects.create(**attempt, path_info="/admin/login/", failures_since_start=1)
    AccessLog.objects.create(**attempt, path_info="/admin/login/")
    AccessFailureLog.objects.create(**attempt, path_info="/admin/login/", locked_out=False)
    TOTPDevice.objects.create(user=world.users[roles.FINANCE], name="phone", confirmed=True)
    Token.objects.create(user=world.users[roles.AFFILIATE])
