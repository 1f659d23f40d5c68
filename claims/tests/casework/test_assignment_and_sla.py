from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from claims.casework.business_days import business_days_after, first_response_due, is_business_day
from claims.casework.information_requests import information_request_answer, information_request_create
from claims.casework.sla import claims_escalate_overdue
from claims.models import CategoryPolicy, Claim, ClaimHistory
from claims.tests.factories import submit_claim
from claims.workflow import claim_transition
from notifications.models import Notification

pytestmark = pytest.mark.django_db
KST = ZoneInfo("Asia/Seoul")
S = Claim.Status


# --- round-robin at intake ---


def test_new_claims_go_round_robin_to_the_team_agents(team, agent, agent2):
    claims = [submit_claim(description=f"언제 복구되나요? {n}") for n in range(5)]

    assert [c.assigned_to_id for c in claims] == [agent.pk, agent2.pk, agent.pk, agent2.pk, agent.pk]
    assert {c.team_id for c in claims} == {team.pk}
    first = ClaimHistory.objects.get(claim=claims[0], event="assigned")
    assert first.actor is None and first.data["to"] == agent.pk


def test_round_robin_skips_inactive_agents_and_can_be_switched_off(team, agent, agent2):
    agent2.is_active = False
    agent2.save()
    assert {submit_claim().assigned_to_id for _ in range(3)} == {agent.pk}

    team.auto_assign = False
    team.save()
    claim = submit_claim()
    assert claim.assigned_to_id is None and claim.team_id == team.pk


def test_claims_of_other_categories_do_not_go_to_the_team(team):
    claim = submit_claim(paid=True, service_code="talk_drawer_plus", description="이용권 기간 동안 못 썼습니다")
    assert claim.category == Claim.Category.PAID_SERVICE_DAMAGE
    assert claim.team_id is None and claim.assigned_to_id is None


# --- business days and deadlines ---


def test_business_days_skip_korean_public_holidays():
    # 2022: Chuseok 9–11 September (Fri–Sun) plus a substitute holiday on Monday the 12th;
    # National Foundation Day (Mon 3 Oct); Hangul Day on a Sunday, substituted on Mon 10 Oct.
    for day in (date(2022, 9, 9), date(2022, 9, 12), date(2022, 10, 3), date(2022, 10, 10)):
        assert not is_business_day(day), day
    assert is_business_day(date(2022, 9, 13))
    assert business_days_after(date(2022, 9, 8), 3) == date(2022, 9, 15)
    assert business_days_after(date(2022, 10, 7), 1) == date(2022, 10, 11)


def test_deadline_across_chuseok(incident):
    # Non-monetary: 3 business days. Filed on the Thursday before Chuseok, due the next Thursday evening.
    received = datetime(2022, 9, 8, 10, 0, tzinfo=KST)
    claim = submit_claim(received_at=received)

    assert CategoryPolicy.objects.get(category="non_monetary").first_response_business_days == 3
    assert timezone.localtime(claim.first_response_due_at) == datetime(2022, 9, 15, 23, 59, 59, tzinfo=KST)
    assert first_response_due(received_at=received, business_days=1) == datetime(2022, 9, 13, 23, 59, 59, tzinfo=KST)


def test_deadline_follows_the_policy_set_in_the_admin(incident):
    CategoryPolicy.objects.filter(category="non_monetary").update(first_response_business_days=1)
    claim = submit_claim(received_at=datetime(2022, 10, 14, 18, 0, tzinfo=KST))  # Friday
    assert timezone.localtime(claim.first_response_due_at).date() == date(2022, 10, 17)


def test_clock_pauses_while_awaiting_the_claimant(monkeypatch, agent, money_claim):
    start = timezone.now()
    due_before = money_claim.first_response_due_at
    monkeypatch.setattr(timezone, "now", lambda: start)
    information_request_create(
        claim=money_claim,
        question="영수증을 보내 주세요.",
        due_date=timezone.localdate() + timedelta(days=7),
        actor=agent,
    )
    money_claim.refresh_from_db()
    assert money_claim.sla_paused_at == start
    # Paused claims are never overdue, however late.
    assert not Claim.objects.overdue(now=due_before + timedelta(days=30)).filter(pk=money_claim.pk).exists()

    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(days=3, hours=2))
    information_request_answer(claim=money_claim, answer_text="영수증 첨부합니다.")

    money_claim.refresh_from_db()
    assert money_claim.status == S.IN_REVIEW
    assert money_claim.sla_paused_at is None
    assert money_claim.sla_paused_seconds == (3 * 24 + 2) * 3600
    assert money_claim.first_response_due_at == due_before + timedelta(days=3, hours=2)


def test_answer_stops_the_clock(agent, non_monetary_claim):
    claim_transition(claim=non_monetary_claim, to=S.ANSWERED, actor=agent, reason="복구되었습니다.")
    non_monetary_claim.refresh_from_db()
    assert non_monetary_claim.first_responded_at is not None
    far = non_monetary_claim.first_response_due_at + timedelta(days=30)
    assert not Claim.objects.overdue(now=far).filter(pk=non_monetary_claim.pk).exists()


# --- daily escalation ---


def test_overdue_claims_are_escalated_to_the_supervisor_once_a_day(team, supervisor):
    late = [submit_claim(received_at=timezone.now() - timedelta(days=30)) for _ in range(2)]
    fresh = submit_claim()

    report = claims_escalate_overdue()

    assert report == {team.name: 2}
    message = Notification.objects.get(event="sla_escalation", user=supervisor)
    assert message.context["count"] == 2
    assert f"team__id__exact={team.pk}" in message.context["queue_url"]
    for claim in late:
        claim.refresh_from_db()
        assert claim.sla_escalated_at is not None
    fresh.refresh_from_db()
    assert fresh.sla_escalated_at is None

    claims_escalate_overdue()  # the same day again: no second message, no second history line
    assert Notification.objects.filter(event="sla_escalation", user=supervisor).count() == 1
    assert ClaimHistory.objects.filter(event="sla_escalated").count() == 2
