"""Fixtures for case-work tests: supervisors, teams, affiliate users and quick ways into each state."""

import pytest
from django.contrib.auth.models import User

from claims.models import Affiliate, CategoryPolicy, Claim, Team
from claims.tests.factories import submit_claim
from conftest import make_user
from core import roles


@pytest.fixture
def supervisor(db) -> User:
    return make_user("supervisor", roles.SUPPORT_SUPERVISOR)


@pytest.fixture
def agent2(db) -> User:
    return make_user("agent2", roles.SUPPORT_AGENT)


@pytest.fixture
def team(db, supervisor, agent, agent2) -> Team:
    """The non-monetary team, with two agents and round-robin on."""
    team = Team.objects.create(name="비금전팀", supervisor=supervisor, auto_assign=True)
    team.agents.set([agent, agent2])
    CategoryPolicy.objects.filter(category=Claim.Category.NON_MONETARY).update(team=team)
    return team


@pytest.fixture
def kakaopay(db) -> Affiliate:
    return Affiliate.objects.get(code="kakaopay")


@pytest.fixture
def affiliate_user(db, kakaopay) -> User:
    user = make_user("paycx", roles.AFFILIATE)
    user.is_staff = False
    user.save(update_fields=["is_staff"])
    kakaopay.members.add(user)
    return user


@pytest.fixture
def other_affiliate_user(db) -> User:
    user = make_user("mobilitycx", roles.AFFILIATE)
    user.is_staff = False
    user.save(update_fields=["is_staff"])
    Affiliate.objects.get(code="kakao_mobility").members.add(user)
    return user


@pytest.fixture
def non_monetary_claim(incident) -> Claim:
    return submit_claim(description="카카오톡은 언제 복구되나요?")


@pytest.fixture
def money_claim(incident) -> Claim:
    return submit_claim(claimed_amount=300_000, description="주문 채널이 멈춰 매출을 놓쳤습니다.")
