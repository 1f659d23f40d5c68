from django.conf import settings
from django.db import models


class RoleChange(models.Model):
    """One grant or revocation of a role (group) to a staff account. Written by accounts.services; kept 3 years."""

    class Action(models.TextChoices):
        GRANTED = "granted", "부여"  # the user joined the group
        REVOKED = "revoked", "회수"  # the user left the group

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_changes")
    role = models.CharField("역할", max_length=150)
    action = models.CharField("구분", max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="처리자",
    )
    at = models.DateTimeField("시각", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "역할 변경 기록"
        verbose_name_plural = "역할 변경 기록"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user} {self.get_action_display()} {self.role}"
