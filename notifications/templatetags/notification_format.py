"""Filters for message templates that accept whatever a caller passes (a date or already formatted text)."""

from datetime import date, datetime

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import timezone, translation

register = template.Library()

_WEEKDAYS_KO = "월화수목금토일"


@register.filter
def when(value: object) -> object:
    """`2022년 12월 2일(금) 오후 2:00` in Korean, `Fri 2 Dec 2022, 14:00` in English; text passes through."""
    english = translation.get_language() == "en"
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        if english:
            return value.strftime("%a %-d %b %Y, %H:%M")
        half = "오전" if value.hour < 12 else "오후"
        hour = value.hour % 12 or 12
        day = f"{value.year}년 {value.month}월 {value.day}일({_WEEKDAYS_KO[value.weekday()]})"
        return f"{day} {half} {hour}:{value.minute:02d}"
    if isinstance(value, date):
        if english:
            return value.strftime("%a %-d %b %Y")
        return f"{value.year}년 {value.month}월 {value.day}일({_WEEKDAYS_KO[value.weekday()]})"
    return value


@register.filter
def won(value: object) -> object:
    """Whole won with thousands separators: 12300 → `12,300원` (`KRW 12,300` in English)."""
    if value in (None, ""):
        return ""
    grouped = intcomma(value, use_l10n=False)  # type: ignore[arg-type]
    return f"KRW {grouped}" if translation.get_language() == "en" else f"{grouped}원"
