"""Audit writers for the claim case history. Services call them inside their own transaction; nothing else does."""

from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction

from claims.models import AffiliateOutcome, Claim, ClaimHistory, ClaimNote, InformationRequest, Team, TransferBatch

Event = ClaimHistory.Event


def _write(*, claim: Claim, event: str, actor: Any, **fields: Any) -> ClaimHistory:
    return ClaimHistory.objects.create(claim=claim, event=event, actor=_user(actor), **fields)


def _user(actor: Any) -> Any:
    # Anonymous users (a claimant on the public page) are recorded as "no staff actor".
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def claim_transition_event(
    *, claim: Claim, actor: Any, from_status: str, to_status: str, reason: str = "", reason_code: str = "", data=None
) -> ClaimHistory:
    return _write(
        claim=claim,
        event=Event.TRANSITION,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        reason_code=reason_code,
        data=data or {},
    )


def claim_assigned_event(*, claim: Claim, actor: Any, previous_id: int | None, assignee: Any) -> ClaimHistory:
    return _write(
        claim=claim,
        event=Event.ASSIGNED,
        actor=actor,
        data={"from": previous_id, "to": getattr(assignee, "pk", None), "to_name": str(assignee or "")},
    )


def claims_assigned_events(*, claims: Iterable[Claim], actor: Any, reason: str = "") -> None:
    """Bulk variant for intake routing: one row per claim, one INSERT."""
    ClaimHistory.objects.bulk_create(
        ClaimHistory(
            claim=claim,
            event=Event.ASSIGNED,
            actor=_user(actor),
            reason=reason,
            data={"from": None, "to": claim.assigned_to_id},
        )
        for claim in claims
    )


def claim_team_routed_event(*, claim: Claim, actor: Any, team: Team | None, reason: str = "") -> ClaimHistory:
    return _write(
        claim=claim,
        event=Event.TEAM_ROUTED,
        actor=actor,
        reason=reason,
        data={"team": getattr(team, "pk", None), "team_name": str(team or "")},
    )


def claim_reclassified_event(
    *, claim: Claim, actor: Any, before: dict[str, str], after: dict[str, str]
) -> ClaimHistory:
    return _write(claim=claim, event=Event.RECLASSIFIED, actor=actor, data={"before": before, "after": after})


def claim_message_sent_event(*, claim: Claim, actor: Any, note: ClaimNote) -> ClaimHistory:
    return _write(claim=claim, event=Event.MESSAGE_SENT, actor=actor, reason=note.body, data={"note": note.pk})


def claim_info_requested_event(*, claim: Claim, actor: Any, request: InformationRequest) -> ClaimHistory:
    return _write(
        claim=claim,
        event=Event.INFO_REQUESTED,
        actor=actor,
        reason=request.question,
        data={"request": request.pk, "due_date": request.due_date.isoformat()},
    )


def claim_info_answered_event(*, claim: Claim, request: InformationRequest, files: int) -> ClaimHistory:
    return _write(
        claim=claim,
        event=Event.INFO_ANSWERED,
        actor=None,
        reason=request.answer_text,
        data={"request": request.pk, "files": files},
    )


def claim_info_expired_event(*, claim: Claim, request: InformationRequest) -> ClaimHistory:
    return _write(
        claim=claim,
        event=Event.INFO_EXPIRED,
        actor=None,
        data={"request": request.pk, "due_date": request.due_date.isoformat()},
    )


def claim_merged_in_event(*, primary: Claim, actor: Any, duplicate: Claim, reason: str = "") -> ClaimHistory:
    return _write(
        claim=primary,
        event=Event.MERGED_IN,
        actor=actor,
        reason=reason,
        data={"duplicate": duplicate.pk, "duplicate_reference": duplicate.reference},
    )


def claim_transferred_event(*, claim: Claim, actor: Any, batch: TransferBatch) -> ClaimHistory:
    return _write(
        claim=claim,
        event=Event.TRANSFERRED,
        actor=actor,
        data={"batch": batch.pk, "affiliate": batch.affiliate_id},
    )


def claim_outcome_reported_event(*, claim: Claim, actor: Any, outcome: AffiliateOutcome) -> ClaimHistory:
    return _write(
        claim=claim,
        event=Event.OUTCOME_REPORTED,
        actor=actor,
        reason=outcome.note,
        reason_code=outcome.outcome,
        data={"batch": outcome.batch_id, "amount_won": outcome.amount_won},
    )


def claims_sla_escalated_events(*, claim_ids: Iterable[int], supervisor_id: int | None) -> None:
    ClaimHistory.objects.bulk_create(
        ClaimHistory(claim_id=claim_id, event=Event.SLA_ESCALATED, actor=None, data={"supervisor": supervisor_id})
        for claim_id in claim_ids
    )


def claims_contact_corrected_events(*, claims: Iterable[Claim], actor: Any, fields: list[str], reason: str) -> None:
    """One row per claim of the claimant. Field names only: the history outlives nothing but its free text, so
    old or new phone numbers written here would survive the claimant's anonymisation."""
    ClaimHistory.objects.bulk_create(
        ClaimHistory(claim=claim, event=Event.CONTACT_CORRECTED, actor=_user(actor), reason=reason,
                     data={"fields": fields})
        for claim in claims
    )  # fmt: skip


def claim_history_redact(*, claim_ids: Iterable[int]) -> int:
    """Blank the free text (reasons, answers, messages) of these claims' history when their personal data is
    destroyed; who moved what and when stays. The append-only trigger lets exactly this through."""
    ids = list(claim_ids)
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('redress.history_redaction', 'on', true)")
        redacted = ClaimHistory.objects.filter(claim_id__in=ids).exclude(reason="").update(reason="")
        if postgres:
            # A local setting lasts to the end of the caller's outer transaction: switch it off at once. (On an
            # error the savepoint's rollback undoes the 'on' as well: settings are transactional.)
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('redress.history_redaction', 'off', true)")
        return redacted
