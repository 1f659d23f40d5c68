"""Thin Celery tasks: ids in, one service call. Every one is safe to run twice."""

from celery import shared_task

from notifications import services


@shared_task(ignore_result=True)
def notification_deliver_task(notification_id: int) -> str:
    """Send one notification (claimed with a conditional update; a duplicate task does nothing)."""
    return services.notification_deliver(notification_id=notification_id)


@shared_task(ignore_result=True, soft_time_limit=600)
def notification_deliver_batch_task(notification_ids: list[int]) -> dict[str, int]:
    """Send a batch of campaign notifications (routed to the `bulk` queue)."""
    return services.notification_deliver_batch(notification_ids=notification_ids)


@shared_task(ignore_result=True)
def notification_sweep_task() -> dict[str, int]:
    """Beat, every minute: re-enqueue pending rows whose task was lost and take back expired leases."""
    return services.notification_sweep()


@shared_task(ignore_result=True)
def campaign_plan_task(campaign_id: int) -> int:
    """Count a started campaign's audience and start its chain of chunks (bulk queue)."""
    return services.campaign_plan(campaign_id=campaign_id)


@shared_task(ignore_result=True)
def campaign_send_chunk_task(campaign_id: int, after_id: int) -> int:
    """Write one chunk of a campaign's outbox rows, queue their delivery and the next chunk (bulk queue)."""
    return services.campaign_send_chunk(campaign_id=campaign_id, after_id=after_id)
