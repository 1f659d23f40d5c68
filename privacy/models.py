from django.conf import settings
from django.db import models


class PersonalDataAccess(models.Model):
    """Who looked at which claimants' personal data, when, from where and why (PIPA access record).

    Append-only: written by privacy.services.access_record; a database trigger refuses UPDATE, and DELETE of rows
    younger than the two-year retention, whoever the database user is."""

    class Action(models.TextChoices):
        VIEW = "view", "열람"  # one claim or claimant opened
        LIST = "list", "목록"  # a page of claims listed
        SEARCH = "search", "검색"  # a search by personal data (phone, business number)
        EXPORT = "export", "내보내기"  # a file with personal data generated
        DOWNLOAD = "download", "내려받기"  # evidence or an export downloaded

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    actor_username = models.CharField(max_length=150)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    claimant_ids = models.JSONField(default=list)
    claimant_count = models.PositiveIntegerField(default=0)
    path = models.CharField(max_length=500, blank=True)
    query = models.CharField(max_length=500, blank=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = "개인정보 접근 기록"
        verbose_name_plural = "개인정보 접근 기록"
        ordering = ["-at"]
        indexes = [models.Index(fields=["actor", "at"], name="access_actor_at_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} ({self.claimant_count})"


class DestructionLog(models.Model):
    """One claim whose personal data was destroyed after its retention period, written by the retention job."""

    claim_reference = models.CharField(max_length=32, db_index=True)
    claimant_id = models.BigIntegerField()
    destroyed_at = models.DateTimeField(auto_now_add=True)
    files_deleted = models.PositiveIntegerField(default=0)
    fields_cleared = models.JSONField(default=list)
    basis = models.CharField(max_length=200)

    class Meta:
        verbose_name = "파기 기록"
        verbose_name_plural = "파기 기록"
        ordering = ["-destroyed_at"]

    def __str__(self) -> str:
        return f"{self.claim_reference} {self.destroyed_at:%Y-%m-%d}"
