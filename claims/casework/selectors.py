"""Reads for case work: a claim's family (itself and the duplicates merged into it), its history and notes,
agent queues and the transfer batches a user may see."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone

from claims.models import (
    Claim,
    ClaimEvidence,
    ClaimHistory,
    ClaimNote,
    ClaimQuerySet,
    InformationRequest,
    TransferBatch,
    TransferItem,
)

QUEUES: dict[str, str] = {
    "mine": "내 담당",
    "mine_overdue": "내 담당 · 기한 초과",
    "unassigned": "미배정",
    "overdue": "기한 초과",
    "awaiting_claimant": "보완 대기",
    "non_monetary_open": "비금전 · 미처리",
    "affiliate_open": "계열사 이관 대상 · 미처리",
}


def claim_queue_filter(*, queryset: ClaimQuerySet, queue: str, user: Any) -> ClaimQuerySet:
    """The named work queues agents open many times a day (the admin's "업무함" filter)."""
    now = timezone.now()
    if queue == "mine":
        return queryset.open().filter(assigned_to=user)
    if queue == "mine_overdue":
        return queryset.overdue(now=now).filter(assigned_to=user)
    if queue == "unassigned":
        return queryset.open().filter(assigned_to__isnull=True)
    if queue == "overdue":
        return queryset.overdue(now=now)
    if queue == "awaiting_claimant":
        return queryset.filter(status=Claim.Status.AWAITING_CLAIMANT)
    if queue == "non_monetary_open":
        return queryset.open().filter(category=Claim.Category.NON_MONETARY)
    if queue == "affiliate_open":
        return queryset.open().filter(operator=Claim.Operator.AFFILIATE)
    return queryset


def claim_family_ids(*, claim: Claim) -> list[int]:
    """The claim and every duplicate merged into it (merges are flattened to one level)."""
    return [claim.pk, *Claim.objects.filter(merged_into=claim).values_list("pk", flat=True)]


def claim_history_list(*, claim: Claim, user: Any = None) -> QuerySet[ClaimHistory]:
    """`user=None`: the caller (an admin page that already checked access) vouches for the reader."""
    if user is not None and not user.has_perm("claims.view_claimhistory"):
        raise PermissionDenied
    return (
        ClaimHistory.objects.filter(claim_id__in=claim_family_ids(claim=claim))
        .select_related("actor", "claim")
        .only(
            "id",
            "event",
            "from_status",
            "to_status",
            "reason",
            "reason_code",
            "data",
            "created_at",
            "claim__reference",
            "actor__username",
        )
        .order_by("created_at", "id")
    )


def claim_note_list(*, claim: Claim, user: Any = None) -> QuerySet[ClaimNote]:
    if user is not None and not user.has_perm("claims.view_claimnote"):
        raise PermissionDenied
    return (
        ClaimNote.objects.filter(claim_id__in=claim_family_ids(claim=claim))
        .select_related("author", "claim")
        .order_by("created_at", "id")
    )


def claim_evidence_list(*, claim: Claim) -> QuerySet[ClaimEvidence]:
    return (
        ClaimEvidence.objects.filter(claim_id__in=claim_family_ids(claim=claim))
        .select_related("claim")
        .order_by("created_at", "id")
    )


def claim_information_requests(*, claim: Claim) -> QuerySet[InformationRequest]:
    return (
        InformationRequest.objects.filter(claim_id__in=claim_family_ids(claim=claim))
        .select_related("requested_by", "claim")
        .order_by("-id")
    )


def _is_staff_reader(user: Any) -> bool:
    return bool(user.is_staff and user.has_perm("claims.view_claim"))


def transfer_batch_list(*, user: Any) -> QuerySet[TransferBatch]:
    """Staff see every batch; an affiliate user sees only the batches of the affiliates they belong to."""
    if not user.is_authenticated or not user.has_perm("claims.view_transferbatch"):
        raise PermissionDenied
    queryset = TransferBatch.objects.select_related("affiliate", "created_by", "acknowledged_by").order_by("-id")
    if _is_staff_reader(user):
        return queryset
    return queryset.filter(affiliate__members=user)


def transfer_item_list(*, batch: TransferBatch) -> QuerySet[TransferItem]:
    return (
        TransferItem.objects.filter(batch=batch)
        .select_related("claim__service", "claim__claimant", "claim__affiliate_outcome")
        .order_by("id")
    )
