"""Personal-data access records and retention (PIPA)."""

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from claims.events import claim_history_redact
from core.clientip import client_ip
from privacy.models import DestructionLog, PersonalDataAccess

MAX_IDS_PER_RECORD = 1000


def access_record(
    *,
    request: HttpRequest | None = None,
    actor: Any = None,
    action: str,
    claimant_ids: Iterable[int | None],
    reason: str = "",
    query: str = "",
    without_claimants: bool = False,
) -> PersonalDataAccess | None:
    """Write who saw which claimants' personal data. No claimants, no record, unless `without_claimants`: a file
    about people who never became claimants (an import's rejected rows) is recorded by its path and reason."""
    ids = sorted({int(pk) for pk in claimant_ids if pk is not None})
    if not ids and not without_claimants:
        return None
    actor = actor if actor is not None else getattr(request, "user", None)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return PersonalDataAccess.objects.create(
        actor=actor,
        actor_username=getattr(actor, "username", "") or "anonymous",
        ip_address=client_ip(request) or None if request is not None else None,
        action=action,
        claimant_ids=ids[:MAX_IDS_PER_RECORD],
        claimant_count=len(ids),
        path=(request.get_full_path() if request is not None else "")[:500],
        query=query[:500],
        reason=reason[:500],
    )


def access_records_purge_expired(*, now: Any = None) -> int:
    """Access records are kept two years (the trigger refuses earlier deletes)."""
    cutoff = (now or timezone.now()) - timedelta(days=2 * 365)
    deleted, _ = PersonalDataAccess.objects.filter(at__lt=cutoff).delete()
    return deleted


RETENTION_DONE_STATES = ("closed", "answered", "transferred", "rejected", "withdrawn", "merged")


def _retention_days() -> int:
    return int(getattr(settings, "PRIVACY_RETENTION_DAYS", 3 * 365))


@transaction.atomic
def claim_personal_data_destroy(*, claim_id: int, basis: str) -> DestructionLog | None:
    """Anonymise one claim's claimant and delete its evidence files; statistics fields stay untouched.

    Safe to run twice: an already anonymised claimant is skipped."""
    from claims.models import Claim

    claim = Claim.objects.select_for_update().select_related("claimant").filter(pk=claim_id).first()
    if claim is None or claim.claimant.anonymised_at is not None:
        return None
    claimant = claim.claimant
    files = 0
    for evidence in claim.evidence.all():
        if evidence.file:
            evidence.file.delete(save=False)
            files += 1
        evidence.delete()
    claimant.name = "파기됨"
    claimant.email = ""
    claimant.phone = ""
    claimant.business_no = ""
    claimant.anonymised_at = timezone.now()
    claimant.save(update_fields=["name", "email", "phone", "business_no", "anonymised_at", "updated_at"])
    claim.description = ""
    claim.submitted_from = ""
    claim.save(update_fields=["description", "submitted_from", "updated_at"])
    # Notes, answers and free text in the history can name the claimant too; who did what and when stays.
    claim.notes.update(body="파기됨")
    claim.information_requests.update(answer_text="")
    claim_history_redact(claim_ids=[claim.pk])
    return DestructionLog.objects.create(
        claim_reference=claim.reference,
        claimant_id=claimant.pk,
        files_deleted=files,
        fields_cleared=[
            "claimant.name",
            "claimant.email",
            "claimant.phone",
            "claimant.business_no",
            "description",
            "submitted_from",
            "notes.body",
            "information_requests.answer_text",
            "history.reason",
        ],
        basis=basis,
    )


def claims_due_for_destruction(*, now: Any = None, limit: int = 1000) -> list[int]:
    """Claims whose purpose was fulfilled (a final state reached) more than the retention period ago.

    The moment is the last move into that state in the claim's append-only history."""
    from django.db.models import Max, Q

    from claims.models import Claim

    cutoff = (now or timezone.now()) - timedelta(days=_retention_days())
    return list(
        Claim.objects.filter(status__in=RETENTION_DONE_STATES, claimant__anonymised_at__isnull=True)
        .annotate(
            settled_at=Max(
                "history__created_at",
                filter=Q(history__event="transition", history__to_status__in=RETENTION_DONE_STATES),
            )
        )
        .filter(settled_at__lt=cutoff)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )


def claims_retention_run(*, now: Any = None, batch_size: int = 1000) -> int:
    """Destroy the personal data of every claim past its retention period, a bounded batch at a time."""
    destroyed = 0
    basis = f"목적 달성 후 보유기간 {_retention_days()}일 경과 (개인정보 보호법 제21조)"
    while ids := claims_due_for_destruction(now=now, limit=batch_size):
        for claim_id in ids:
            if claim_personal_data_destroy(claim_id=claim_id, basis=basis) is not None:
                destroyed += 1
        if len(ids) < batch_size:
            break
    return destroyed
