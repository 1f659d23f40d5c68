"""Business days in Korea: weekdays that are not public holidays (from the maintained `holidays` package)."""

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
from django.utils import timezone


@lru_cache(maxsize=32)
def _holidays_for(year: int) -> holidays.HolidayBase:
    # Includes lunar holidays (Seollal, Chuseok) and substitute holidays, which a hand-typed list gets wrong.
    return holidays.country_holidays("KR", years=year)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays_for(day.year)


def business_days_after(start: date, count: int) -> date:
    """The `count`-th business day after `start` (start itself is never counted)."""
    day = start
    remaining = count
    while remaining > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            remaining -= 1
    return day


def first_response_due(*, received_at: datetime, business_days: int) -> datetime:
    """End of the N-th business day after the (Korean) day of receipt."""
    received_day = timezone.localtime(received_at).date()
    due_day = business_days_after(received_day, business_days)
    return timezone.make_aware(datetime.combine(due_day, time(23, 59, 59)))
