"""Delivery through a real Celery worker on the real Redis broker, email into a real SMTP sink."""

import time

import pytest
from django.db import IntegrityError, transaction

from claims.models import Claimant
from claims.tests.factories import submit_claim
from conftest import wait_for
from notifications import selectors, services
from notifications.channels.sandbox import sandbox_fail_next
from notifications.events import EVENTS
from notifications.models import Campaign, DeliveryAttempt, Notification, SandboxMessage
from notifications.tasks import notification_deliver_task
from notifications.tests.factories import ClaimantFactory, UserFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
Outcome = DeliveryAttempt.Outcome


def _settled(ids: list[int]) -> bool:
    return not Notification.objects.filter(pk__in=ids, status__in=["pending", "sending"]).exists()


def _wait_sent(row: Notification, *, timeout: float = 30) -> Notification:
    wait_for(
        lambda: Notification.objects.filter(pk=row.pk, status__in=["sent", "failed"]).exists(),
        timeout=timeout,
        message=f"notification {row.pk} to settle",
    )
    row.refresh_from_db()
    return row


def test_every_event_renders_and_goes_through_its_channel(celery_worker_process, smtp_sink):
    rows: list[Notification] = []
    for name, spec in EVENTS.items():
        if spec.to_claimant:
            for channel in ("email", "alimtalk", "sms"):
                claimant = ClaimantFactory(preferred_channel=channel)
                rows += services.notify(event=name, key=f"t:{name}", context=spec.sample, claimant=claimant)
        else:
            attachments = [("meeting.ics", ICS, "text/calendar; method=REQUEST")] if name == "meeting_notice" else None
            rows += services.notify(
                event=name, key=f"t:{name}", context=spec.sample, user=UserFactory(), attachments=attachments
            )
    ids = [row.pk for row in rows]
    wait_for(lambda: _settled(ids), timeout=90, message="every notification delivered")

    rows = list(Notification.objects.filter(pk__in=ids))
    assert {row.status for row in rows} == {"sent"}, [
        (r.event, r.channel, r.reason) for r in rows if r.status != "sent"
    ]
    email_rows = [row for row in rows if row.channel == "email"]
    mails = {mail.notification_id: mail for mail in smtp_sink.wait_for(len(email_rows))}
    assert smtp_sink.per_notification() == {row.pk: 1 for row in email_rows}
    for row in email_rows:
        mail = mails[row.pk]
        assert mail.subject == row.subject
        assert mail.to == row.address
        assert mail.text.strip().replace("\r\n", "\n") == row.body
        assert "{{" not in row.body and "}}" not in row.body
    notice = next(row for row in email_rows if row.event == "meeting_notice")
    assert mails[notice.pk].attachment_names == ["meeting.ics"]
    assert "2022년 12월 2일(금) 오후 2:00" in notice.body

    sandbox = {msg.notification_id: msg for msg in SandboxMessage.objects.all()}
    for row in rows:
        if row.channel == "email":
            continue
        msg = sandbox[row.pk]
        assert (msg.channel, msg.recipient, msg.body) == (row.channel, row.address, row.body)
        assert row.provider_message_id == msg.provider_message_id
        if row.channel == "alimtalk":
            assert msg.kind == "ALIMTALK" and msg.template_code.startswith("RDS_")
        else:
            assert msg.kind in ("SMS", "LMS")
    assert SandboxMessage.objects.count() == len(rows) - len(email_rows)
    assert DeliveryAttempt.objects.filter(outcome=Outcome.SENT).count() == len(rows)


def test_permanent_failure_falls_back_from_alimtalk_to_sms_to_email(celery_worker_process, smtp_sink):
    claimant = ClaimantFactory(preferred_channel="alimtalk")
    sandbox_fail_next(channel="alimtalk", mode="permanent", address=claimant.phone)
    sandbox_fail_next(channel="sms", mode="permanent", address=claimant.phone)
    context = {**EVENTS["claim_decision"].sample, "name": "박지성"}
    [first] = services.notify(event="claim_decision", key="decision:1", context=context, claimant=claimant)

    wait_for(
        lambda: Notification.objects.filter(claimant=claimant, channel="email", status="sent").exists(),
        message="the email fallback to be sent",
    )
    alimtalk = Notification.objects.get(pk=first.pk)
    sms = Notification.objects.get(fallback_of=alimtalk)
    email = Notification.objects.get(fallback_of=sms)
    assert (alimtalk.status, sms.status, email.status) == ("failed", "failed", "sent")
    assert "영구 실패" in alimtalk.reason and "영구 실패" in sms.reason
    assert sms.channel == "sms" and sms.address == claimant.phone and "PGY-2022-0104231" in sms.body
    assert email.address == claimant.email and email.claim_id == alimtalk.claim_id
    assert [a.outcome for a in alimtalk.delivery_attempts.all()] == [Outcome.PERMANENT_FAILURE]
    assert [a.outcome for a in sms.delivery_attempts.all()] == [Outcome.PERMANENT_FAILURE]
    [mail] = smtp_sink.wait_for(1)
    assert mail.notification_id == email.pk and "12,300원" in mail.text and "박지성" in mail.text
    assert not SandboxMessage.objects.exists()


def test_email_refused_by_the_server_falls_back_to_kakaotalk(celery_worker_process, smtp_sink):
    claimant = ClaimantFactory(preferred_channel="email", email="reject-permanent@example.kr")
    [row] = services.notify(event="payment_sent", key="pay:1", context=EVENTS["payment_sent"].sample, claimant=claimant)
    row = _wait_sent(row)
    assert row.status == "failed" and "SMTP 550" in row.reason
    fallback = Notification.objects.get(fallback_of=row)
    _wait_sent(fallback)
    assert SandboxMessage.objects.get(notification_id=fallback.pk).kind == "ALIMTALK"
    assert smtp_sink.count() == 0


def test_temporary_failures_are_retried_with_backoff(celery_worker_process, smtp_sink):
    claimant = ClaimantFactory(preferred_channel="sms")
    sandbox_fail_next(channel="sms", mode="temporary", times=2, address=claimant.phone)
    [row] = services.notify(
        event="claim_closed", key="close:1", context=EVENTS["claim_closed"].sample, claimant=claimant
    )
    row = _wait_sent(row, timeout=40)
    assert row.status == "sent" and row.attempts == 3
    attempts = list(row.delivery_attempts.all())
    assert [a.outcome for a in attempts] == [Outcome.TEMPORARY_FAILURE, Outcome.TEMPORARY_FAILURE, Outcome.SENT]
    first_gap = (attempts[1].created_at - attempts[0].created_at).total_seconds()
    second_gap = (attempts[2].created_at - attempts[1].created_at).total_seconds()
    assert first_gap >= 1 and second_gap >= 2  # base 1 s, doubled
    assert SandboxMessage.objects.filter(notification_id=row.pk).count() == 1
    assert not Notification.objects.filter(fallback_of=row).exists()


def test_exhausted_retries_fail_with_the_reason_and_fall_back(celery_worker_process, smtp_sink):
    claimant = ClaimantFactory(preferred_channel="sms")
    sandbox_fail_next(channel="sms", mode="temporary", times=3, address=claimant.phone)
    [row] = services.notify(
        event="claim_closed", key="close:2", context=EVENTS["claim_closed"].sample, claimant=claimant
    )
    row = _wait_sent(row, timeout=40)
    assert row.status == "failed" and "3회" in row.reason
    fallback = _wait_sent(Notification.objects.get(fallback_of=row))
    assert fallback.channel == "email" and fallback.status == "sent"  # after SMS: email
    assert smtp_sink.per_notification() == {fallback.pk: 1}


def test_a_task_delivered_many_times_sends_once(celery_worker_process, smtp_sink):
    claimant = ClaimantFactory(preferred_channel="email")
    ran_before = celery_worker_process.output().count("succeeded")
    [row] = services.notify(
        event="claim_message", key="dup:1", context=EVENTS["claim_message"].sample, claimant=claimant
    )
    for _ in range(5):  # a redelivered message, a second sweep, an impatient admin
        notification_deliver_task.delay(row.pk)
    swept = services.notification_sweep(grace_seconds=0)["requeued"]  # 1 if the row was still pending
    _wait_sent(row)
    wait_for(
        lambda: celery_worker_process.output().count("succeeded") >= ran_before + 6 + swept,
        message="every duplicate task to run",
    )
    assert smtp_sink.per_notification() == {row.pk: 1}
    assert row.delivery_attempts.count() == 1
    # And the database itself refuses a second row for the same occurrence, recipient and channel.
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            event=row.event, key=row.key, claimant=claimant, channel=row.channel, body="again", address=row.address
        )


def test_a_campaign_fans_out_in_chunks_and_sends_each_claimant_once(celery_worker_process, smtp_sink, admin_user):
    claims = [submit_claim(name=f"신고인{n}") for n in range(25)]
    others = [submit_claim(service_code="kakao_map") for _ in range(3)]
    opted_out = [claims[3].claimant_id, claims[7].claimant_id]
    Claimant.objects.filter(pk__in=opted_out).update(opted_out_optional=True)
    sandbox_fail_next(channel="alimtalk", mode="permanent", address=claims[5].claimant.phone)

    campaign = services.campaign_create(
        name="보상 기준 확정 안내",
        event="claim_message",
        audience={"service": "kakaotalk"},
        context={"message": "보상 기준이 확정되어 12월부터 결과를 차례로 알려 드립니다."},
        actor=admin_user,
    )
    services.campaign_start(campaign=campaign, actor=admin_user)
    wait_for(
        lambda: (
            Notification.objects.filter(campaign=campaign).count() == 26
            and not Notification.objects.filter(campaign=campaign, status__in=["pending", "sending"]).exists()
        ),
        timeout=90,
        message="the campaign to be written and delivered",
    )
    counts = selectors.campaign_counts(campaign=Campaign.objects.get(pk=campaign.pk))
    assert counts == {
        "recipients": 25, "written": 26, "sent": 23, "pending": 0, "failed": 1, "failed_final": 0,
        "cancelled": 2, "fallbacks": 1,
    }  # fmt: skip
    rows = Notification.objects.filter(campaign=campaign)
    assert set(rows.filter(status="cancelled").values_list("claimant_id", flat=True)) == set(opted_out)
    assert not rows.filter(claim__in=others).exists()
    sent_ids = set(rows.filter(status="sent").values_list("id", flat=True))
    sandbox = list(
        SandboxMessage.objects.filter(notification_id__in=sent_ids).values_list("notification_id", flat=True)
    )
    assert sorted(sandbox) == sorted(sent_ids)  # each exactly once
    fallback = rows.get(fallback_of__isnull=False)
    assert fallback.channel == "sms" and fallback.claim_id == claims[5].pk
    assert "12월부터" in fallback.body and claims[5].reference in fallback.body
    assert celery_worker_process.output().count("campaign_send_chunk_task") >= 3  # 25 claims in chunks of 10

    # A chunk run again (a redelivered task) adds nothing.
    services.campaign_send_chunk(campaign_id=campaign.pk, after_id=0)
    time.sleep(2)  # and the chain it restarts
    assert Notification.objects.filter(campaign=campaign).count() == 26
