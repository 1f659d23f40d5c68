"""The daily SLA escalation: overdue claims are reported to their team's supervisor, one message a day."""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from claims import events
from claims.models import Claim, Team
from core import roles
from notifications.services import notify


def queue_url(*, team: Team | None) -> str:
    base = f"{settings.REDRESS['PUBLIC_BASE_URL']}/admin/claims/claim/?queue=overdue"
    return f"{base}&team__id__exact={team.pk}" if team is not None else f"{base}&team__isnull=True"


def _mark_escalated(*, queryset: Any, now: datetime, supervisor_id: int | None, batch_size: int) -> int:
    """Stamp claims overdue for the first time and write their history line, in bounded batches."""
    marked = 0
    while True:
        with transaction.atomic():
            ids = list(
                queryset.filter(sla_escalated_at__isnull=True)
                .select_for_update(skip_locked=True)
                .order_by("id")
                .values_list("id", flat=True)[:batch_size]
            )
            if not ids:
                return marked
            Claim.objects.filter(pk__in=ids).update(sla_escalated_at=now)
            events.claims_sla_escalated_events(claim_ids=ids, supervisor_id=supervisor_id)
        marked += len(ids)


def claims_escalate_overdue(*, now: datetime | None = None, batch_size: int = 2000) -> dict[str, int]:
    """Beat job body. Each supervisor gets one `sla_escalation` a day with the count of their team's overdue
    claims (the message key holds the date, so a second run on the same day sends nothing)."""
    now = now or timezone.now()
    day = timezone.localtime(now).date().isoformat()
    report: dict[str, int] = {}
    overdue = Claim.objects.overdue(now=now)
    for team in Team.objects.select_related("supervisor").order_by("id"):
        team_overdue = overdue.filter(team=team)
        count = team_overdue.count()
        if not count:
            continue
        report[team.name] = count
        _mark_escalated(queryset=team_overdue, now=now, supervisor_id=team.supervisor_id, batch_size=batch_size)
        if team.supervisor is not None:
            notify(
                event="sla_escalation",
                key=f"sla:team:{team.pk}:{day}",
                context={"count": count, "queue_url": queue_url(team=team)},
                user=team.supervisor,
            )
    unrouted = overdue.filter(team__isnull=True)
    count = unrouted.count()
    if count:
        report["-"] = count
        _mark_escalated(queryset=unrouted, now=now, supervisor_id=None, batch_size=batch_size)
        # No team: every supervisor hears about them.
        group = Group.objects.filter(name=roles.SUPPORT_SUPERVISOR).first()
        for user in group.user_set.filter(is_active=True) if group else []:
            notify(
                event="sla_escalation",
                key=f"sla:unrouted:{user.pk}:{day}",
                context={"count": count, "queue_url": queue_url(team=None)},
                user=user,
            )
    return report
