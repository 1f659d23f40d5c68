"""Who works a claim: routing new claims to a team (with their SLA deadline), round-robin among the team's
agents, and assignment by hand or in bulk."""

from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from claims import events
from claims.casework.business_days import first_response_due
from claims.models import CategoryPolicy, Claim, Team
from claims.workflow import claim_lock
from core.exceptions import ApplicationError

User = get_user_model()

DEFAULT_BUSINESS_DAYS = 5


def team_next_agents(*, team: Team, count: int = 1) -> list[int]:
    """The next `count` agents of a team in round-robin order, moving the team's cursor.

    The team row is locked so concurrent intakes hand out consecutive agents, never the same one twice."""
    locked = Team.objects.select_for_update().get(pk=team.pk)
    agent_ids = list(locked.agents.filter(is_active=True).order_by("id").values_list("id", flat=True))
    if not agent_ids:
        return []
    start = next((i for i, pk in enumerate(agent_ids) if pk > (locked.last_assigned_user_id or 0)), 0)
    chosen = [agent_ids[(start + i) % len(agent_ids)] for i in range(count)]
    locked.last_assigned_user_id = chosen[-1]
    locked.save(update_fields=["last_assigned_user_id", "updated_at"])
    return chosen


def _policies() -> dict[str, CategoryPolicy]:
    return {policy.category: policy for policy in CategoryPolicy.objects.select_related("team")}


def claim_route_on_intake(*, claim: Claim) -> Claim:
    """Called by claim_submit inside its transaction: team, first-response deadline, round-robin agent."""
    return claims_route_new(claims=[claim])[0]


def claims_route_new(*, claims: list[Claim]) -> list[Claim]:
    """Route freshly filed claims (intake or a bulk import): set team and deadline, auto-assign if the team
    asks for it. Works in one pass per team so an import of thousands makes a handful of queries."""
    if not claims:
        return claims
    policies = _policies()
    by_team: dict[int, list[Claim]] = defaultdict(list)
    for claim in claims:
        policy = policies.get(claim.category)
        days = policy.first_response_business_days if policy else DEFAULT_BUSINESS_DAYS
        claim.first_response_due_at = first_response_due(received_at=claim.received_at, business_days=days)
        if claim.sla_paused_seconds:
            # Re-routed after waiting on the claimant: that time never counts against the team.
            claim.first_response_due_at += timedelta(seconds=claim.sla_paused_seconds)
        claim.team = policy.team if policy else None
        if claim.team is not None:
            by_team[claim.team.pk].append(claim)
    assigned: list[Claim] = []
    for team_claims in by_team.values():
        team = team_claims[0].team
        if team is None or not team.auto_assign:
            continue
        unassigned = [claim for claim in team_claims if claim.assigned_to_id is None]
        agents = team_next_agents(team=team, count=len(unassigned)) if unassigned else []
        for claim, agent_id in zip(unassigned, agents, strict=False):
            claim.assigned_to_id = agent_id
            assigned.append(claim)
    Claim.objects.bulk_update(claims, ["first_response_due_at", "team", "assigned_to"], batch_size=1000)
    if assigned:
        events.claims_assigned_events(claims=assigned, actor=None, reason="순번제 자동 배정")
    return claims


def claims_route_by_reference(*, references: list[str]) -> int:
    """For bulk writers that create claims without claim_submit (the CSV import): route them once written."""
    claims = list(
        Claim.objects.filter(reference__in=references)
        .select_related("team")
        .only("id", "category", "received_at", "sla_paused_seconds", "team", "assigned_to")
        .order_by("id")
    )
    claims_route_new(claims=claims)
    return len(claims)


def _check_assign(*, actor: Any, assignee: Any) -> None:
    if actor is None:
        return
    if not actor.has_perm("claims.change_claim"):
        raise ApplicationError("신고를 배정할 권한이 없습니다.", status_code=403)
    if assignee is not None and assignee.pk != actor.pk and not actor.has_perm("claims.assign_claim"):
        raise ApplicationError("다른 상담원에게 배정하려면 팀장 권한이 필요합니다.", status_code=403)
    if assignee is not None and not (assignee.is_active and assignee.has_perm("claims.change_claim")):
        raise ApplicationError("신고를 처리할 수 없는 사용자에게는 배정할 수 없습니다.")


@transaction.atomic
def claim_assign(*, claim: Claim, assignee: Any, actor: Any) -> Claim:
    """Give a claim to an agent (or take it away with assignee=None). Agents may take claims for themselves;
    assigning to someone else needs `claims.assign_claim`. Repeating the same assignment is a no-op."""
    _check_assign(actor=actor, assignee=assignee)
    locked = claim_lock(claim_id=claim.pk)
    new_id = assignee.pk if assignee is not None else None
    if locked.assigned_to_id != new_id:
        previous = locked.assigned_to_id
        locked.assigned_to = assignee
        locked.save(update_fields=["assigned_to", "updated_at"])
        events.claim_assigned_event(claim=locked, actor=actor, previous_id=previous, assignee=assignee)
    claim.assigned_to_id = locked.assigned_to_id
    claim.assigned_to = assignee
    return claim


def user_get_assignable(*, user_id: int) -> Any:
    return User.objects.filter(pk=user_id, is_active=True).first()
