"""Helpers shared by the case-work admin pages."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from core import roles
from core.exceptions import ApplicationError

User = get_user_model()


def error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    if isinstance(exc, ApplicationError):
        return exc.message
    return str(exc)


def agent_choices() -> QuerySet:
    return (
        User.objects.filter(is_active=True, groups__name__in=[roles.SUPPORT_AGENT, roles.SUPPORT_SUPERVISOR])
        .distinct()
        .order_by("username")
    )


def local_time(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def html_table(headers: list[str], rows: Any) -> str:
    rows = list(rows)
    if not rows:
        return "-"
    head = format_html_join("", "<th>{}</th>", ((h,) for h in headers))
    body = format_html_join(
        "", "<tr>{}</tr>", ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in rows)
    )
    return format_html('<table class="casework"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>', head, body)
