"""Council jobs: the day-before meeting reminder and overdue action-item reminders. The beat entries
that run the two `*_due_task` scanners are in CELERY_BEAT_SCHEDULE (config/settings/base.py)."""

from celery import shared_task

from council.services import action_items as action_item_services
from council.services import meetings as meeting_services


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def meeting_reminder_send_task(*, meeting_id: int) -> int:
    """Send one meeting's day-before reminder; a repeat finds it already sent and sends nothing."""
    return meeting_services.meeting_reminder_send(meeting_id=meeting_id)


@shared_task
def meeting_reminders_due_task() -> int:
    """Beat (hourly): queue the reminder of every planned meeting that starts tomorrow."""
    ids = meeting_services.meetings_due_reminder()
    for meeting_id in ids:
        meeting_reminder_send_task.delay(meeting_id=meeting_id)
    return len(ids)


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def action_item_remind_task(*, item_id: int) -> bool:
    """Remind one action item's owner (at most once a day)."""
    return action_item_services.action_item_remind(item_id=item_id)


@shared_task
def action_item_reminders_due_task() -> int:
    """Beat (daily): queue reminders for open action items that are due or overdue."""
    ids = action_item_services.action_items_due_for_reminder()
    for item_id in ids:
        action_item_remind_task.delay(item_id=item_id)
    return len(ids)
