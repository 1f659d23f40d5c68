from django.apps import AppConfig


class CouncilConfig(AppConfig):
    name = "council"
    verbose_name = "피해지원 협의체"
