from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "피해 접수"

    def ready(self) -> None:
        # Celery's autodiscovery imports only `claims.tasks`; the case-work tasks live in their own module.
        from claims.casework import tasks  # noqa: F401
