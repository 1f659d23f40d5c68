from celery import shared_task

from reporting.services import claim_tally_compact


@shared_task(ignore_result=True)
def claim_tally_compact_task() -> None:
    """Periodic (CELERY_BEAT_SCHEDULE): fold the tally rows written since the last run. Safe to run twice."""
    claim_tally_compact()
