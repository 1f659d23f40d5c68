"""Folding a duplicate claim into its primary. Nothing is moved or copied: the duplicate keeps its history,
notes and evidence, and the primary shows them through claims.casework.selectors.claim_family_ids."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from claims import events
from claims.models import Claim
from claims.workflow import S, claim_lock, claim_move_locked
from core.exceptions import ApplicationError
from core.validators import reject_rrn_in


@transaction.atomic
def claim_merge(*, duplicate: Claim, primary: Claim, actor: Any, reason: str = "") -> Claim:
    """Merge `duplicate` into `primary`. Repeating the same merge is a no-op."""
    if duplicate.pk == primary.pk:
        raise ValidationError({"primary": ["같은 신고끼리는 병합할 수 없습니다."]})
    reject_rrn_in(field="reason", label="병합 사유", value=reason)
    # Lock in id order so two merges of the same pair in opposite directions cannot deadlock.
    first, second = sorted([duplicate.pk, primary.pk])
    locked = {first: claim_lock(claim_id=first), second: claim_lock(claim_id=second)}
    dup, prim = locked[duplicate.pk], locked[primary.pk]
    if dup.status == S.MERGED and dup.merged_into_id == prim.pk:
        return dup
    if dup.incident_id != prim.incident_id:
        raise ValidationError({"primary": ["같은 장애의 신고끼리만 병합할 수 있습니다."]})
    if prim.status in (S.MERGED, S.WITHDRAWN):
        raise ApplicationError(
            f"원건 {prim.reference}이(가) '{prim.get_status_display()}' 상태여서 병합할 수 없습니다."
        )
    reason = (reason or "").strip() or f"같은 내용의 신고(접수번호 {prim.reference})와 합쳐서 처리합니다."
    dup.merged_into = prim
    claim_move_locked(
        claim=dup,
        to=S.MERGED,
        actor=actor,
        reason=reason,
        data={"primary": prim.pk, "primary_reference": prim.reference},
    )
    dup.save(update_fields=["merged_into", "updated_at"])
    # Claims once merged into the duplicate now belong to the primary, so one level always shows everything.
    Claim.objects.filter(merged_into=dup).update(merged_into=prim)
    events.claim_merged_in_event(primary=prim, actor=actor, duplicate=dup, reason=reason)
    duplicate.status, duplicate.merged_into_id = dup.status, prim.pk
    return dup
