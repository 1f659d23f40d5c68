from django.db import models


class BaseModel(models.Model):
    """Abstract base: every domain row knows when it was created and last changed."""

    created_at = models.DateTimeField("생성 시각", auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField("수정 시각", auto_now=True)

    class Meta:
        abstract = True
