"""Transfer of affiliate-operated claims: one batch per affiliate, export files, the claimant told where their
claim went; then the affiliate acknowledges the batch and reports an outcome per claim."""

from collections import defaultdict
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from claims import events
from claims.casework.exports import transfer_export_csv, transfer_export_xlsx
from claims.models import AffiliateOutcome, Claim, ClaimBulkJob, TransferBatch, TransferItem
from claims.workflow import S, claim_lock, claim_move_locked
from core.exceptions import ApplicationError
from core.validators import reject_rrn_in
from notifications.services import notify
from privacy.models import PersonalDataAccess
from privacy.services import access_record


def _check_transfer_actor(actor: Any) -> None:
    if actor is None or not actor.has_perm("claims.add_transferbatch"):
        raise ApplicationError("계열사 이관 권한이 없습니다.", status_code=403)


def transfer_batch_create(*, affiliate_id: int, actor: Any, bulk_job: ClaimBulkJob | None = None) -> TransferBatch:
    _check_transfer_actor(actor)
    if bulk_job is not None:
        # One batch per affiliate per bulk job, also when the job is resumed after a crash.
        batch, _ = TransferBatch.objects.get_or_create(
            bulk_job=bulk_job, affiliate_id=affiliate_id, defaults={"created_by": actor}
        )
        return batch
    return TransferBatch.objects.create(affiliate_id=affiliate_id, created_by=actor)


@transaction.atomic
def claim_transfer(*, claim: Claim, batch: TransferBatch, actor: Any) -> TransferItem:
    """Put one claim into a batch of its affiliate and tell the claimant. A repeat returns the existing item."""
    _check_transfer_actor(actor)
    locked = claim_lock(claim_id=claim.pk)
    existing = TransferItem.objects.filter(claim=locked).first()
    if existing is not None:
        return existing
    affiliate = locked.affiliate
    if locked.operator != Claim.Operator.AFFILIATE or affiliate is None:
        raise ApplicationError("계열사가 운영하는 서비스의 신고만 이관할 수 있습니다.")
    if batch.affiliate_id != affiliate.pk:
        raise ValidationError({"batch": ["다른 계열사의 이관 묶음입니다."]})
    claim_move_locked(
        claim=locked,
        to=S.TRANSFERRED,
        actor=actor,
        reason=f"{affiliate.name}(으)로 이관",
        data={"batch": batch.pk, "affiliate": affiliate.code},
    )
    item = TransferItem.objects.create(batch=batch, claim=locked)
    TransferBatch.objects.filter(pk=batch.pk).update(claim_count=F("claim_count") + 1)
    contact = " · ".join(part for part in (affiliate.contact_phone, affiliate.website) if part)
    notify(
        event="claim_transferred",
        key=f"claim:{locked.pk}:transferred:{batch.pk}",
        context={
            "reference": locked.reference,
            "name": locked.claimant.name,
            "service": locked.service.name,
            "affiliate_name": affiliate.name,
            "affiliate_contact": contact,
        },
        claimant=locked.claimant,
        claim=locked,
    )
    claim.status = locked.status
    return item


@transaction.atomic
def claims_transfer(*, claims: Iterable[Claim], actor: Any) -> list[TransferBatch]:
    """Transfer a small selection at once (the API, a page of the admin): one batch per affiliate, the export
    files built after commit. Larger selections go through a bulk job (claims.casework.bulk)."""
    _check_transfer_actor(actor)
    by_affiliate: dict[int, list[Claim]] = defaultdict(list)
    for claim in claims:
        if claim.affiliate_id is None:
            raise ApplicationError(f"{claim.reference}: 계열사가 운영하는 서비스의 신고가 아닙니다.")
        by_affiliate[claim.affiliate_id].append(claim)
    batches = []
    for affiliate_id, group in sorted(by_affiliate.items()):
        batch = transfer_batch_create(affiliate_id=affiliate_id, actor=actor)
        for claim in group:
            claim_transfer(claim=claim, batch=batch, actor=actor)
        batches.append(batch)
    from claims.casework.tasks import transfer_batch_export_task

    for batch in batches:
        transaction.on_commit(partial(transfer_batch_export_task.delay, batch_id=batch.pk))
    return batches


def transfer_batch_export(*, batch_id: int) -> TransferBatch:
    """(Re)build the CSV and XLSX files of a batch. Safe to run twice: the files are simply rebuilt."""
    batch = TransferBatch.objects.select_related("affiliate").get(pk=batch_id)
    stamp = timezone.localtime().strftime("%Y%m%d%H%M%S")
    name = f"transfer-{batch.affiliate.code}-{batch.pk}-{stamp}"
    csv_bytes = transfer_export_csv(batch=batch)
    xlsx_bytes = transfer_export_xlsx(batch=batch)
    with transaction.atomic():
        locked = TransferBatch.objects.select_for_update().get(pk=batch_id)
        old = [f for f in (locked.csv_file, locked.xlsx_file) if f]
        locked.csv_file.save(f"{name}.csv", ContentFile(csv_bytes), save=False)
        locked.xlsx_file.save(f"{name}.xlsx", ContentFile(xlsx_bytes), save=False)
        locked.claim_count = locked.items.count()
        locked.exported_at = timezone.now()
        locked.save(update_fields=["csv_file", "xlsx_file", "claim_count", "exported_at", "updated_at"])
        # The files carry consenting claimants' names and contacts: a generated export is an access too.
        access_record(
            actor=locked.created_by,
            action=PersonalDataAccess.Action.EXPORT,
            claimant_ids=locked.items.values_list("claim__claimant_id", flat=True),
            reason=f"계열사 이관 파일 생성 ({batch.affiliate.name}, 묶음 #{batch.pk})",
        )
    for stale in old:
        if stale.name:
            stale.storage.delete(stale.name)
    return locked


def _check_affiliate_member(*, batch: TransferBatch, actor: Any, perm: str) -> None:
    if actor is None or not actor.has_perm(perm) or not batch.affiliate.members.filter(pk=actor.pk).exists():
        raise ApplicationError("이 이관 묶음을 처리할 권한이 없습니다.", status_code=403)


@transaction.atomic
def transfer_batch_acknowledge(*, batch: TransferBatch, actor: Any) -> TransferBatch:
    """The affiliate confirms it received the batch. Repeats are no-ops."""
    _check_affiliate_member(batch=batch, actor=actor, perm="claims.change_transferbatch")
    locked = TransferBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.status != TransferBatch.Status.ACKNOWLEDGED:
        locked.status = TransferBatch.Status.ACKNOWLEDGED
        locked.acknowledged_at = timezone.now()
        locked.acknowledged_by = actor
        locked.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "updated_at"])
    return locked


@transaction.atomic
def affiliate_outcome_report(
    *, batch: TransferBatch, reference: str, outcome: str, actor: Any, amount_won: int | None = None, note: str = ""
) -> AffiliateOutcome:
    """What the affiliate did with one claim of its batch. The first report closes the claim in Redress;
    a later report corrects the outcome (each report is in the claim history)."""
    _check_affiliate_member(batch=batch, actor=actor, perm="claims.add_affiliateoutcome")
    item = TransferItem.objects.filter(batch=batch, claim__reference=(reference or "").strip().upper()).first()
    if item is None:
        raise ValidationError({"reference": ["이 이관 묶음에 없는 접수번호입니다."]})
    if outcome not in AffiliateOutcome.Outcome.values:
        raise ValidationError({"outcome": ["resolved, rejected, compensated 중 하나여야 합니다."]})
    if outcome == AffiliateOutcome.Outcome.COMPENSATED:
        if not amount_won or amount_won <= 0:
            raise ValidationError({"amount_won": ["보상 지급이면 지급액(원)을 적어 주세요."]})
    elif amount_won is not None:
        raise ValidationError({"amount_won": ["보상 지급일 때만 지급액을 적습니다."]})
    reject_rrn_in(field="note", label="계열사 처리 결과 비고", value=note)
    locked = claim_lock(claim_id=item.claim_id)
    record = AffiliateOutcome.objects.select_for_update().filter(claim=locked).first()
    values = {"outcome": outcome, "amount_won": amount_won, "note": (note or "").strip()}
    if record is not None and all(getattr(record, k) == v for k, v in values.items()):
        return record
    if record is None:
        record = AffiliateOutcome(claim=locked, batch=batch, reported_by=actor, **values)
    else:
        for key, value in values.items():
            setattr(record, key, value)
        record.reported_by = actor
    record.full_clean()
    record.save()
    events.claim_outcome_reported_event(claim=locked, actor=actor, outcome=record)
    if locked.status == S.TRANSFERRED:
        # The affiliate user cannot move claims in Redress; the system closes the claim on its report.
        claim_move_locked(
            claim=locked,
            to=S.CLOSED,
            actor=None,
            reason=f"계열사 처리 결과: {record.get_outcome_display()}",
            data={"batch": batch.pk},
        )
    return record
