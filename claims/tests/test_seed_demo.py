from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command

from accounts.models import RoleChange
from claims.models import Affiliate, Claim
from compensation.models import Policy, PolicyVersion
from core import demo

pytestmark = pytest.mark.django_db


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        _seed("--claims", "3")
    assert not User.objects.filter(username="admin").exists()
    assert Claim.objects.count() == 0


def test_seeds_logins_and_claims_once(settings):
    settings.DEBUG = True
    out = _seed("--claims", "40")

    assert demo.DEMO_PASSWORD in out
    admin = authenticate(username="admin", password=demo.DEMO_PASSWORD)
    assert admin is not None and admin.is_superuser
    for login in demo.DEMO_LOGINS[1:]:
        if not Group.objects.filter(name=login.role).exists():
            assert not User.objects.filter(username=login.username).exists()
            continue
        user = authenticate(username=login.username, password=demo.DEMO_PASSWORD)
        assert user is not None, login.username
        assert user.is_staff == login.staff and not user.is_superuser
        assert list(user.groups.values_list("name", flat=True)) == [login.role]
    for username in ("agent", "secretary", "finance", "finance2", "auditor"):
        assert User.objects.filter(username=username, is_staff=True).exists()
    if Group.objects.filter(name="council_member").exists():
        member = User.objects.get(username="member")
        assert not member.is_staff
        assert member.council_seats.count() == 1
    # Grants went through the audited service.
    assert RoleChange.objects.filter(user__username="agent", role="support_agent", action="granted").count() == 1

    claims = Claim.objects.filter(submission_id__startswith="demo:")
    assert claims.count() == 40
    assert set(claims.values_list("operator", flat=True)) == {"own", "affiliate"}
    assert len(set(claims.values_list("category", flat=True))) >= 3
    assert len(set(claims.values_list("service__code", flat=True))) >= 5
    assert all(any("\uac00" <= ch <= "\ud7a3" for ch in text) for text in claims.values_list("description", flat=True))

    # The demo compensation policy, adopted by a council resolution, so `make run` can assess claims under it.
    version = PolicyVersion.objects.get()
    assert version.status == PolicyVersion.Status.ADOPTED and version.adopted_by is not None
    assert version.rules.count() >= 5
    assert "demo compensation policy:" in out and "채택" in out

    # The affiliate login: API only, acting for Kakao Mobility, its token printed with the other logins.
    affiliate_user = User.objects.get(username="affiliate")
    assert not affiliate_user.is_staff
    assert list(affiliate_user.affiliates.values_list("code", flat=True)) == ["kakao_mobility"]
    token = demo.demo_api_token(username="affiliate")
    assert token and f"Authorization: Token {token}" in out
    assert out.index("Demo logins") < out.index(token)  # scripts/run.sh prints from "Demo logins" on

    # Twice: nothing new, and a password the user changed is kept.
    agent = User.objects.get(username="agent")
    agent.set_password("changed-by-agent-1")
    agent.save()
    users_before = User.objects.count()
    out = _seed("--claims", "40")
    assert "0 created, 40 already there" in out
    assert Claim.objects.count() == 40
    assert User.objects.count() == users_before
    assert authenticate(username="agent", password="changed-by-agent-1") is not None
    assert RoleChange.objects.filter(user__username="agent").count() == 1
    if Group.objects.filter(name="council_member").exists():
        assert User.objects.get(username="member").council_seats.count() == 1
    assert (Policy.objects.count(), PolicyVersion.objects.count()) == (1, 1)
    assert PolicyVersion.objects.get().adopted_by_id == version.adopted_by_id
    assert Affiliate.objects.get(code="kakao_mobility").members.count() == 1
    assert demo.demo_api_token(username="affiliate") == token


def test_logins_only_writes_nothing(settings):
    settings.DEBUG = False
    out = _seed("--logins")
    assert "admin" in out and demo.DEMO_PASSWORD in out
    assert not User.objects.exists()
