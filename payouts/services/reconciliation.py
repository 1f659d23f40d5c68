"""Daily reconciliation: every line of the gateway's settlement report against our attempts. Findings go to
the exception queue; payouts are never changed here (a person decides, through the payout services)."""

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from core.validators import reject_rrn_in
from payouts.gateways.base import GatewayError, get_gateway
from payouts.models import PayoutAttempt, ReconciliationException, ReconciliationRun

K = ReconciliationException.Kind
CHUNK = 5000


def _attempts_by_key(keys: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for start in range(0, len(keys), CHUNK):
        for a in PayoutAttempt.objects.filter(idempotency_key__in=keys[start : start + CHUNK]).values(
            "idempotency_key", "payout_id", "amount_won", "status"
        ):
            found[a["idempotency_key"]] = a
    return found


def reconciliation_run(*, report_date: date, actor: Any = None) -> ReconciliationRun:
    if actor is not None and not actor.has_perm("payouts.add_reconciliationrun"):
        raise PermissionDenied
    run = ReconciliationRun.objects.create(report_date=report_date)
    try:
        lines = get_gateway().settlement_report(report_date)
    except GatewayError as exc:
        run.status = ReconciliationRun.Status.FAILED
        run.error = str(exc)[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at", "updated_at"])
        return run
    ours = {
        a["idempotency_key"]: a
        for a in PayoutAttempt.objects.filter(
            channel=PayoutAttempt.Channel.GATEWAY,
            value_date=report_date,
            status__in=[PayoutAttempt.Status.SUCCEEDED, PayoutAttempt.Status.RETURNED],
        ).values("idempotency_key", "payout_id", "amount_won", "status")
    }
    # Lines whose key we hold under another date or state are still ours: look them up by key.
    elsewhere = _attempts_by_key([line.key for line in lines if line.key not in ours])
    exceptions: list[ReconciliationException] = []
    matched = 0
    seen: set[str] = set()
    for line in lines:
        seen.add(line.key)
        attempt = ours.get(line.key) or elsewhere.get(line.key)
        if attempt is None:
            exceptions.append(
                ReconciliationException(
                    run=run,
                    kind=K.MISSING_OURS,
                    idempotency_key=line.key,
                    their_amount_won=line.amount,
                    their_status=line.status,
                )
            )
            continue
        base = {
            "run": run,
            "idempotency_key": line.key,
            "payout_id": attempt["payout_id"],
            "our_amount_won": attempt["amount_won"],
            "their_amount_won": line.amount,
            "their_status": line.status,
        }
        if attempt["amount_won"] != line.amount:
            exceptions.append(ReconciliationException(kind=K.AMOUNT_MISMATCH, **base))
            continue
        states: dict[str, str] = {"succeeded": "paid", "returned": "returned"}
        ours_state = states.get(str(attempt["status"]), str(attempt["status"]))
        if ours_state != line.status:
            exceptions.append(ReconciliationException(kind=K.STATUS_MISMATCH, **base))
            continue
        matched += 1
    for key, attempt in ours.items():
        if key not in seen:
            exceptions.append(
                ReconciliationException(
                    run=run,
                    kind=K.MISSING_THEIRS,
                    idempotency_key=key,
                    payout_id=attempt["payout_id"],
                    our_amount_won=attempt["amount_won"],
                )
            )
    with transaction.atomic():
        ReconciliationException.objects.bulk_create(exceptions, batch_size=1000, ignore_conflicts=True)
        run.status = ReconciliationRun.Status.DONE
        run.line_count = len(lines)
        run.matched_count = matched
        run.exception_count = len(exceptions)
        run.their_total_won = sum(line.amount for line in lines)
        run.our_total_won = sum(a["amount_won"] for a in ours.values())
        run.finished_at = timezone.now()
        run.save()
    return run


@transaction.atomic
def reconciliation_exception_resolve(
    *, exception: ReconciliationException, note: str, actor: Any
) -> ReconciliationException:
    exception = ReconciliationException.objects.select_for_update().get(pk=exception.pk)
    if exception.status == ReconciliationException.Status.RESOLVED:
        return exception
    if not (note or "").strip():
        raise ValidationError({"note": ["처리 내용을 적어 주세요."]})
    reject_rrn_in(field="note", label="처리 내용", value=note)
    if not actor.has_perm("payouts.change_reconciliationexception"):
        raise PermissionDenied
    if exception.run.status != ReconciliationRun.Status.DONE:
        raise ApplicationError("완료되지 않은 대사의 예외입니다.")
    exception.status = ReconciliationException.Status.RESOLVED
    exception.resolved_by = actor
    exception.resolved_at = timezone.now()
    exception.resolution_note = note.strip()
    exception.full_clean(exclude=["run", "payout"])
    exception.save(update_fields=["status", "resolved_by", "resolved_at", "resolution_note", "updated_at"])
    return exception
