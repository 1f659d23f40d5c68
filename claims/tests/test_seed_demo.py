from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command

from claims.models import Claim
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
    for username, group in [
        ("agent", "support_agent"),
        ("secretary", "secretariat"),
        ("finance", "finance"),
        ("finance2", "finance"),
        ("auditor", "auditor"),
    ]:
        user = authenticate(username=username, password=demo.DEMO_PASSWORD)
        assert user is not None, username
        assert user.is_staff and not user.is_superuser
        assert list(user.groups.values_list("name", flat=True)) == [group]
    member_group_exists = Group.objects.filter(name=demo.COUNCIL_MEMBER_GROUP).exists()
    assert User.objects.filter(username="member").exists() == member_group_exists

    claims = Claim.objects.filter(submission_id__startswith="demo:")
    assert claims.count() == 40
    assert set(claims.values_list("operator", flat=True)) == {"own", "affiliate"}
    assert len(set(claims.values_list("category", flat=True))) >= 3
    assert len(set(claims.values_list("service__code", flat=True))) >= 5
    assert all(any("\uac00" <= ch <= "\ud7a3" for ch in text) for text in claims.values_list("description", flat=True))

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


def test_logins_only_writes_nothing(settings):
    settings.DEBUG = False
    out = _seed("--logins")
    assert "admin" in out and demo.DEMO_PASSWORD in out
    assert not User.objects.exists()
