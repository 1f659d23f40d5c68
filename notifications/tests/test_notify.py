import base64
from datetime import date

import pytest
from django.db import transaction

from claims.tests.factories import submit_claim
from notifications import services
from notifications.models import Notification
from notifications.tests.factories import ClaimantFactory, UserFactory

pytestmark = pytest.mark.django_db

CTX = {"reference": "PGY-2022-0000001", "name": "홍길동", "message": "보상 기준 안내"}


def test_claim_submit_writes_the_received_notification_in_its_transaction():
    claim = submit_claim(name="김민수")
    rows = list(Notification.objects.filter(claim=claim))
    assert len(rows) == 1
    row = rows[0]
    assert (row.event, row.key, row.status) == ("claim_received", f"claim:{claim.pk}:received", "pending")
    assert row.claimant == claim.claimant and row.essential
    # The claimant did not choose: KakaoTalk first, with its approved template code.
    assert row.channel == "alimtalk" and row.address == claim.claimant.phone
    assert row.template_code == "RDS_CLAIM_RECEIVED"
    assert claim.reference in row.body and "김민수" in row.body and "/claims/status/" in row.body


def test_a_repeated_key_returns_the_first_rows_and_writes_nothing():
    claimant = ClaimantFactory()
    first = services.notify(event="claim_message", key="k1", context=CTX, claimant=claimant)
    again = services.notify(event="claim_message", key="k1", context={**CTX, "message": "다른 내용"}, claimant=claimant)
    assert [r.pk for r in again] == [r.pk for r in first]
    assert Notification.objects.count() == 1


def test_rows_roll_back_with_the_callers_transaction():
    claimant = ClaimantFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.notify(event="claim_message", key="k2", context=CTX, claimant=claimant)
        raise RuntimeError("the change failed")
    assert not Notification.objects.exists()


def test_opt_out_cancels_optional_messages_but_not_essential_ones():
    claimant = ClaimantFactory(opted_out_optional=True)
    [optional] = services.notify(event="claim_message", key="o1", context=CTX, claimant=claimant)
    [essential] = services.notify(
        event="claim_closed", key="o2", context={**CTX, "reason": "기한 경과"}, claimant=claimant
    )
    assert optional.status == "cancelled" and "수신" in optional.reason
    assert essential.status == "pending" and essential.essential


def test_channel_follows_preference_then_falls_to_what_the_claimant_can_receive(settings):
    by_sms = ClaimantFactory(preferred_channel="sms")
    [row] = services.notify(event="claim_message", key="c1", context=CTX, claimant=by_sms)
    assert (row.channel, row.address) == ("sms", by_sms.phone)
    no_email = ClaimantFactory(preferred_channel="email", email="")
    [row] = services.notify(event="claim_message", key="c2", context=CTX, claimant=no_email)
    assert row.channel == "alimtalk"
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "ENABLED_CHANNELS": ["sms", "email"]}
    [row] = services.notify(
        event="claim_message", key="c3", context=CTX, claimant=ClaimantFactory(preferred_channel="alimtalk")
    )
    assert row.channel == "sms"


def test_english_speaking_claimants_get_english_wording():
    claimant = ClaimantFactory(language="en")
    [row] = services.notify(event="claim_message", key="e1", context=CTX, claimant=claimant)
    assert row.language == "en" and row.subject.startswith("[Support Centre]")


def test_users_get_email_with_attachments():
    user = UserFactory()
    context = {
        "council": "협의체", "meeting_title": "제1차 회의", "meeting_number": 1,
        "starts_at": "2022년 12월 2일 14:00", "place": "회의실", "agenda": "1. 보상 기준",
    }  # fmt: skip
    ics = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    [row] = services.notify(
        event="meeting_notice", key="m1", context=context, user=user,
        attachments=[("meeting.ics", ics, "text/calendar; charset=utf-8; method=REQUEST")],
    )  # fmt: skip
    assert (row.channel, row.address) == ("email", user.email)
    assert row.attachments[0]["filename"] == "meeting.ics"
    assert base64.b64decode(row.attachments[0]["content_b64"]).decode() == ics
    no_email = UserFactory(email="")
    [row] = services.notify(event="meeting_notice", key="m2", context=context, user=no_email)
    assert row.status == "cancelled"


def test_caller_mistakes_raise():
    claimant = ClaimantFactory()
    with pytest.raises(ValueError, match="Unknown"):
        services.notify(event="claim_recieved", key="x", context=CTX, claimant=claimant)
    with pytest.raises(ValueError, match="message"):
        services.notify(event="claim_message", key="x", context={"reference": "R", "name": "N"}, claimant=claimant)
    with pytest.raises(ValueError):
        services.notify(event="claim_message", key="x", context=CTX, user=UserFactory())
    with pytest.raises(ValueError):
        services.notify(event="claim_message", key="x", context=CTX)


def test_context_keeps_dates_for_fallback_rendering():
    claimant = ClaimantFactory()
    context = {**CTX, "due_date": date(2022, 12, 9), "status_url": "http://x/claims/status/", "request_text": "영수증"}
    [row] = services.notify(event="info_requested", key="d1", context=context, claimant=claimant)
    assert "2022년 12월 9일(금)" in row.subject
    assert row.context["due_date"] == {"__t": "date", "v": "2022-12-09"}


def test_notify_many_is_one_bulk_insert_and_repeatable(django_assert_max_num_queries):
    claimants = [ClaimantFactory() for _ in range(30)]
    items = [services.NotifyItem(key="bulk:1", context=CTX, claimant=c) for c in claimants]
    with django_assert_max_num_queries(6):
        assert services.notify_many(event="claim_message", items=items) == 30
    services.notify_many(event="claim_message", items=items)
    assert Notification.objects.filter(key="bulk:1").count() == 30
