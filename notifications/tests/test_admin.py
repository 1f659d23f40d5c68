import pytest
from django.core.mail import EmailMessage, get_connection
from django.test import Client

from claims.tests.factories import submit_claim
from conftest import make_user
from core import roles
from notifications import services
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_per_claim_page_lists_every_message_with_bounded_queries(agent, django_assert_max_num_queries):
    claim = submit_claim(name="이영희")
    services.notify(
        event="claim_message", key="m1", claim=claim, claimant=claim.claimant,
        context={"reference": claim.reference, "name": "이영희", "message": "안내드립니다"},
    )  # fmt: skip
    for _ in range(5):
        other = submit_claim()
        assert other.notifications.count() == 1
    client = _client(agent)
    url = f"/admin/notifications/notification/?claim__id__exact={claim.pk}"
    with django_assert_max_num_queries(20):
        page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count(claim.reference) >= 2 and "접수 확인" in html and "안내 메시지" in html
    search = client.get("/admin/notifications/notification/", {"q": claim.reference}).content.decode()
    assert search.count(f"?claim__id__exact={claim.pk}") == 2


def test_resend_action_goes_through_the_service(agent):
    claim = submit_claim()
    row = claim.notifications.get()
    services.notification_fail(notification=row, reason="영구 실패: 번호 없음")
    Notification.objects.filter(fallback_of=row).delete()
    response = _client(agent).post(
        "/admin/notifications/notification/",
        {"action": "resend_notifications", "_selected_action": [row.pk]},
        follow=True,
    )
    assert "1건을 다시 보내도록" in response.content.decode()
    row.refresh_from_db()
    assert row.status == "pending" and row.delivery_attempts.get().actor == agent


def test_auditor_sees_messages_but_cannot_resend(auditor):
    claim = submit_claim()
    client = _client(auditor)
    assert client.get("/admin/notifications/notification/").status_code == 200
    page = client.get(f"/admin/notifications/notification/{claim.notifications.get().pk}/change/")
    assert page.status_code == 200 and claim.reference in page.content.decode()
    assert "resend_notifications" not in client.get("/admin/notifications/notification/").content.decode()


def test_campaign_admin_shows_counts(admin_client, admin_user):
    campaign = services.campaign_create(
        name="기준 안내", event="claim_message", audience={}, context={"message": "m"}, actor=admin_user
    )
    page = admin_client.get("/admin/notifications/campaign/").content.decode()
    assert "기준 안내" in page and "발송 완료" in page
    detail = admin_client.get(f"/admin/notifications/campaign/{campaign.pk}/change/").content.decode()
    assert "최종 실패" in detail


def test_campaign_created_in_the_admin_goes_through_the_service(admin_client):
    response = admin_client.post(
        "/admin/notifications/campaign/add/",
        {"name": "새 안내", "event": "claim_message", "audience": "{}", "context": '{"message": "안내"}'},
    )
    assert response.status_code == 302
    bad = admin_client.post(
        "/admin/notifications/campaign/add/",
        {"name": "빠진 변수", "event": "claim_message", "audience": "{}", "context": "{}"},
    )
    assert bad.status_code == 200 and "공통 변수가 빠졌습니다" in bad.content.decode()


def test_dev_mailbox_shows_what_the_sink_received(smtp_sink, agent):
    smtp = get_connection("django.core.mail.backends.smtp.EmailBackend")  # tests default to the locmem backend
    EmailMessage("[테스트] 개발 메일함", "본문입니다", to=["someone@example.kr"], connection=smtp).send()
    [mail] = smtp_sink.wait_for(1)
    client = _client(agent)
    inbox = client.get("/admin/notifications/devmailbox/")
    assert inbox.status_code == 200 and "[테스트] 개발 메일함" in inbox.content.decode()
    message = client.get(f"/admin/notifications/devmailbox/{mail.key}/")
    assert "본문입니다" in message.content.decode()
    assert "받은 메일함 (개발용)" in client.get("/admin/").content.decode()
    finance = _client(make_user("fin", roles.FINANCE))
    assert finance.get("/admin/notifications/devmailbox/").status_code == 403


def test_claim_inline_shows_the_messages_on_the_claim_page(admin_client, monkeypatch):
    from claims.admin import ClaimAdmin
    from notifications.admin import ClaimNotificationInline

    monkeypatch.setattr(ClaimAdmin, "inlines", [*ClaimAdmin.inlines, ClaimNotificationInline])
    claim = submit_claim(name="최지우")
    page = admin_client.get(f"/admin/claims/claim/{claim.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "보낸 알림" in html and claim.notifications.get().subject in html
