"""Reads for the privacy officer: the monthly review of who accessed personal data."""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Max, Sum
from django.utils import timezone

from privacy.models import PersonalDataAccess

# An account that touched more claimants than this in a month is listed for a closer look.
REVIEW_VOLUME_THRESHOLD = 5000


def access_monthly_review(*, year: int, month: int) -> dict[str, Any]:
    tz = timezone.get_default_timezone()
    start = datetime.combine(date(year, month, 1), time.min, tzinfo=tz)
    end = datetime.combine((start.date() + timedelta(days=32)).replace(day=1), time.min, tzinfo=tz)
    rows = PersonalDataAccess.objects.filter(at__gte=start, at__lt=end)
    by_actor = list(
        rows.values("actor_username")
        .annotate(records=Count("id"), claimants=Sum("claimant_count"), last=Max("at"))
        .order_by("-claimants")
    )
    by_action = dict(rows.values_list("action").annotate(n=Count("id")).order_by())
    downloads = list(
        rows.filter(action__in=[PersonalDataAccess.Action.DOWNLOAD, PersonalDataAccess.Action.EXPORT]).values(
            "at", "actor_username", "ip_address", "claimant_count", "reason", "path"
        )
    )
    off_hours = rows.filter(at__hour__lt=7).count() + rows.filter(at__hour__gte=22).count()
    return {
        "period": f"{year:04d}-{month:02d}",
        "records": rows.count(),
        "by_action": by_action,
        "by_actor": by_actor,
        "heavy_users": [row for row in by_actor if (row["claimants"] or 0) > REVIEW_VOLUME_THRESHOLD],
        "downloads_and_exports": downloads,
        "off_hours_records": off_hours,
    }
