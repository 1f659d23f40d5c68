"""What intake does to each new claim besides storing it, done in bulk for the import.

`claim_submit` routes each claim with `claims.casework.assignment.claim_route_on_intake` and queues the
claim_received message with `notify`. Both cost milliseconds per claim (a deadline computed against the holiday
calendar, a `bulk_update` whose CASE grows with the batch, a rendered template per message), which a
100,000-row import cannot pay inline. So the import:
- routes with the same rules and building blocks (category policy → team and first-response deadline,
  round-robin agent when the team auto-assigns, an `assigned` history row), computing each deadline once per
  day of receipt and writing team, deadline and agent in the same COPY as the claim;
- queues the claim_received messages per chunk after commit (`claim_import_notify_task` → `notify_many`),
  keyed like `claim_submit`'s, so a repeat never sends twice. A worker killed between a chunk's commit and that
  task, or a broker down at that moment, would leave the chunk's claimants without their notice:
  `claims_received_notices_restore` (beat) writes the ones missing.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from claims import events
from claims.casework.assignment import DEFAULT_BUSINESS_DAYS, team_next_agents
from claims.casework.business_days import first_response_due
from claims.models import CategoryPolicy, Claim

if TYPE_CHECKING:
    from claims.importer import _Row


class ImportRouter:
    """Team, deadline and agent for imported claims, by the rules of `claims_route_new`."""

    def __init__(self) -> None:
        self.policies = {p.category: p for p in CategoryPolicy.objects.select_related("team")}
        self._due: dict[tuple[date, int], datetime] = {}

    def plan(self, rows: "list[_Row]") -> None:
        """Set team, deadline and agent on the rows (before they are written)."""
        self.assign(self.route(rows))

    def route(self, rows: "list[_Row]") -> "dict[int, tuple[Any, list[_Row]]]":
        """Set team and deadline on the rows; no database access, so it may run in another thread. Returns the
        rows to hand out round-robin, per team, for `assign` (in the chunk's transaction)."""
        auto: dict[int, list[_Row]] = defaultdict(list)
        teams = {}
        tz = timezone.get_current_timezone()  # what first_response_due's localtime() uses
        for row in rows:
            policy = self.policies.get(row.category)
            days = policy.first_response_business_days if policy else DEFAULT_BUSINESS_DAYS
            day = row.received_at.astimezone(tz).date()
            due = self._due.get((day, days))
            if due is None:
                due = self._due[(day, days)] = first_response_due(received_at=row.received_at, business_days=days)
            row.first_response_due_at = due
            team = policy.team if policy else None
            row.team_id = team.pk if team else None
            if team is not None and team.auto_assign:
                auto[team.pk].append(row)
                teams[team.pk] = team
        return {team_id: (teams[team_id], team_rows) for team_id, team_rows in auto.items()}

    def assign(self, auto: "dict[int, tuple[Any, list[_Row]]]") -> None:
        """The round-robin agent of each row `route` left for it (moves the teams' cursors: in the transaction)."""
        for team, team_rows in auto.values():
            agents = team_next_agents(team=team, count=len(team_rows))
            for row, agent_id in zip(team_rows, agents, strict=False):
                row.assigned_to_id = agent_id

    def record(self, rows: "list[_Row]") -> None:
        """History rows for the claims given to an agent (after the claims are written)."""
        assigned = [Claim(pk=r.claim_id, assigned_to_id=r.assigned_to_id) for r in rows if r.assigned_to_id]
        if assigned:
            events.claims_assigned_events(claims=assigned, actor=None, reason="순번제 자동 배정")


def claims_imported_notify(*, claim_ids: list[int]) -> None:
    """Queue the claim_received messages of one committed chunk. The hook `claims_import_csv(notify=False)` skips."""
    if not claim_ids:
        return

    def enqueue() -> None:
        from claims.tasks import claim_import_notify_task

        claim_import_notify_task.delay(claim_ids=claim_ids)

    transaction.on_commit(enqueue, robust=True)


def claims_received_notify_many(*, claim_ids: list[int]) -> int:
    """The claim_received message for each of these claims, in one bulk outbox write (repeats add nothing)."""
    from notifications.services import NotifyItem, notify_many

    status_url = f"{settings.REDRESS['PUBLIC_BASE_URL']}/claims/status/"
    claims = Claim.objects.filter(pk__in=claim_ids).select_related("claimant", "service").order_by("id")
    items: list[Any] = [
        NotifyItem(
            key=f"claim:{claim.pk}:received",
            context={
                "reference": claim.reference,
                "name": claim.claimant.name,
                "service": claim.service.name,
                "status_url": status_url,
            },
            claimant=claim.claimant,
            claim=claim,
        )
        for claim in claims
    ]
    with transaction.atomic():
        return notify_many(event="claim_received", items=items)


# A chunk's own notify task normally writes its notices within seconds; only older gaps are repaired.
NOTICE_GRACE = timedelta(minutes=10)
NOTICE_LOOKBACK = timedelta(days=2)


def claims_received_notices_restore(*, now: datetime | None = None, limit: int = 5000) -> int:
    """Periodic (beat): imported claims (they have an external id) created in the last two days whose
    claim_received notice was never written get it now. Returns how many claims were given one."""
    from notifications.models import Notification

    now = now or timezone.now()
    missing = list(
        Claim.objects.filter(
            external_id__isnull=False, created_at__gte=now - NOTICE_LOOKBACK, created_at__lt=now - NOTICE_GRACE
        )
        .exclude(Exists(Notification.objects.filter(claim_id=OuterRef("pk"), event="claim_received")))
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
    if missing:
        claims_received_notify_many(claim_ids=missing)
    return len(missing)
