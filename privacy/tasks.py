from celery import shared_task

from privacy import services


@shared_task(acks_late=True)
def claims_retention_run_task() -> int:
    """Daily: destroy personal data past its retention period (idempotent: destroyed claims are skipped)."""
    return services.claims_retention_run()


@shared_task(acks_late=True)
def access_records_purge_task() -> int:
    """Daily: drop access records older than two years, and role-change records older than three."""
    from accounts.services import role_changes_purge_expired

    return services.access_records_purge_expired() + role_changes_purge_expired()
