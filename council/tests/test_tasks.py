"""The beat jobs run on a real Celery worker over the real broker, against the test database."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import wait_for
from council import services
from council.models import ActionItem, MeetingEvent
from council.tasks import action_item_reminders_due_task, meeting_reminders_due_task
from council.tests.factories import CouncilFactory, CouncilMemberFactory, held_meeting, plan_meeting
from notifications.models import Notification


@pytest.mark.django_db(transaction=True)
def test_beat_jobs_send_reminders_once_through_a_real_worker(celery_worker_process):
    council = CouncilFactory()
    members = CouncilMemberFactory.create_batch(3, council=council)
    past = held_meeting(council=council)
    overdue = services.action_item_create(
        meeting=past, title="보상 기준 초안 작성", owner_member=members[0],
        due_date=timezone.localdate() - timedelta(days=1), actor=None,
    )  # fmt: skip
    services.action_item_create(
        meeting=past, title="다음 주 과제", owner_member=members[1],
        due_date=timezone.localdate() + timedelta(days=7), actor=None,
    )  # fmt: skip
    tomorrow = (timezone.localtime() + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    meeting = plan_meeting(council=council, starts_at=tomorrow)

    # Twice, as a beat that fires again (or a redelivered message) would.
    for _ in range(2):
        meeting_reminders_due_task.delay()
        action_item_reminders_due_task.delay()

    wait_for(
        lambda: (
            Notification.objects.filter(event="meeting_reminder").count() == 3
            and Notification.objects.filter(event="action_item_due").count() == 1
        ),
        timeout=60,
        message="reminders written by the worker",
    )
    wait_for(lambda: ActionItem.objects.get(pk=overdue.pk).last_reminded_on == timezone.localdate(), timeout=30)
    assert Notification.objects.get(event="action_item_due").user == members[0].user
    assert MeetingEvent.objects.filter(meeting=meeting, kind=MeetingEvent.Kind.REMINDER_SENT).count() == 1
    # The overdue item shows on the next meeting's agenda.
    from council.selectors import meeting_agenda_text

    assert "보상 기준 초안 작성" in meeting_agenda_text(meeting=meeting)
