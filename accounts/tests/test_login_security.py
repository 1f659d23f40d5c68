import time

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import RoleChange
from accounts.services import user_set_roles
from conftest import make_user

pytestmark = pytest.mark.django_db


def login(client, username, password, ip="198.51.100.1"):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_lockout_after_repeated_failures(settings, agent):
    settings.AXES_ENABLED = True
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "agent", "wrong").status_code == 200
    assert login(client, "agent", "wrong").status_code == 429
    locked = login(client, "agent", "pw-agent")
    assert locked.status_code == 429
    # Another address is not locked out for the same user (lockout is per user and address).
    assert login(Client(), "agent", "pw-agent", ip="198.51.100.2").status_code == 302


def test_spoofed_forwarded_for_does_not_escape_lockout(settings, agent):
    settings.AXES_ENABLED = True
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        # The proxy appends the real address; whatever the client wrote before it is ignored.
        client.post(
            "/admin/login/",
            {"username": "agent", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 198.51.100.9",
        )
    again = client.post(
        "/admin/login/",
        {"username": "agent", "password": "pw-agent"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.9",
    )
    assert again.status_code == 429


def test_idle_session_times_out(settings, agent):
    settings.SESSION_IDLE_TIMEOUT = 1
    client = Client()
    client.force_login(agent)
    assert client.get("/admin/").status_code == 200
    session = client.session
    session["last_seen"] = int(time.time()) - 5
    session.save()
    assert client.get("/admin/").status_code == 302


def test_disabling_an_account_ends_its_sessions(agent):
    client = Client()
    client.force_login(agent)
    assert client.get("/admin/").status_code == 200
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert client.get("/admin/").status_code == 302
    assert client.get("/api/v1/claims/").status_code in (401, 403)


def test_finance_needs_totp_when_enforced(settings, finance_user):
    settings.OTP_ENFORCED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp otherwise makes us wait after the wrong code
    client = Client()
    client.force_login(finance_user)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/otp/")
    enrol = client.get("/accounts/otp/")
    assert "QR" in enrol.content.decode()
    device = TOTPDevice.objects.get(user=finance_user)
    assert client.post("/accounts/otp/?next=/admin/", {"token": "000000"}).status_code == 200
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    verified = client.post("/accounts/otp/?next=/admin/", {"token": code})
    assert verified.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_agent_does_not_need_totp(settings, agent):
    settings.OTP_ENFORCED = True
    client = Client()
    client.force_login(agent)
    assert client.get("/admin/").status_code == 200


def test_role_grants_and_revocations_are_logged(agent):
    admin = make_user("root", superuser=True)
    finance = Group.objects.get(name="finance")
    user_set_roles(user=agent, roles=[finance], actor=admin)
    rows = {(c.role, c.action, c.actor_id) for c in RoleChange.objects.filter(user=agent)}
    assert rows == {("finance", "granted", admin.id), ("support_agent", "revoked", admin.id)}
    assert list(agent.groups.values_list("name", flat=True)) == ["finance"]


def test_role_change_through_the_user_admin_is_logged(agent):
    admin = make_user("root", superuser=True)
    client = Client()
    client.force_login(admin)
    page = client.get(f"/admin/auth/user/{agent.pk}/change/")
    form = page.context["adminform"].form
    data = {
        k: v
        for k, v in form.initial.items()
        if v is not None and k not in ("groups", "user_permissions", "last_login", "date_joined")
    }
    data.update(
        {"groups": [Group.objects.get(name="auditor").pk], "date_joined_0": "2026-01-01", "date_joined_1": "09:00:00"}
    )
    response = client.post(f"/admin/auth/user/{agent.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert set(RoleChange.objects.values_list("role", "action")) == {
        ("auditor", "granted"),
        ("support_agent", "revoked"),
    }
