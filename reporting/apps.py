from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """Figures kept for reports: running tallies of claims that the statistics read instead of counting rows."""

    name = "reporting"
    verbose_name = "보고서"
