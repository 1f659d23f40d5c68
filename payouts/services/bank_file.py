"""The bank path: export a released `bank_file` batch as a firm-banking CSV, import the bank's result file.

Export layout (UTF-8 CSV, header row): 순번,은행코드,계좌번호,예금주,금액,거래참조
Result layout: 거래참조,결과코드,결과메시지 — 결과코드 0000 = 정상 이체, anything else = refused with that code
(`account_closed`, `holder_mismatch` or a bank code). 거래참조 is our idempotency key, so importing the same
result file twice changes nothing."""

import csv
import io
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from payouts import crypto, events
from payouts.models import Payout, PayoutAttempt, PayoutBatch
from payouts.services.settlement import FAILED, PAID, Outcome, settlement_claim, settlement_record

EXPORT_HEADER = ["순번", "은행코드", "계좌번호", "예금주", "금액", "거래참조"]
RESULT_HEADER = ["거래참조", "결과코드", "결과메시지"]
BANK_CODES = {"0000": PAID}


def payout_batch_export_bank_file(*, batch: PayoutBatch, actor: Any) -> str:
    """Claim the batch's scheduled payouts as bank-file attempts and return the CSV. Exporting again returns
    the same lines with the same references (never new ones) while the bank's result is outstanding."""
    if not actor.has_perm("payouts.export_payoutbatch"):
        raise PermissionDenied
    batch = PayoutBatch.objects.get(pk=batch.pk)
    if batch.channel != PayoutBatch.Channel.BANK_FILE:
        raise ApplicationError("은행 이체 파일 경로의 배치가 아닙니다.")
    if batch.status != PayoutBatch.Status.RELEASED:
        raise ApplicationError("지급을 시작(release)한 배치만 파일로 내보낼 수 있습니다.")
    while settlement_claim(batch_id=batch.pk, channel=PayoutAttempt.Channel.BANK_FILE, limit=5000):
        pass
    attempts = (
        PayoutAttempt.objects.filter(
            payout__batch=batch,
            payout__status=Payout.Status.SUBMITTED,
            status=PayoutAttempt.Status.PENDING,
            channel=PayoutAttempt.Channel.BANK_FILE,
        )
        .select_related("bank_account")
        .order_by("payout_id")
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_HEADER)
    total = count = 0
    for count, attempt in enumerate(attempts, start=1):
        account = attempt.bank_account
        assert account is not None  # bank-file attempts are made only for payouts with an account
        writer.writerow(
            [
                count,
                account.bank_code,
                crypto.decrypt_account_number(account.number_encrypted),
                account.holder_name,
                attempt.amount_won,
                attempt.idempotency_key,
            ]
        )
        total += attempt.amount_won
    with transaction.atomic():
        events.payout_bank_file_exported_event(batch=batch, actor=actor, count=count, total_won=total)
    return out.getvalue()


def payout_batch_import_bank_result(*, batch: PayoutBatch, actor: Any, content: str) -> dict[str, Any]:
    if not actor.has_perm("payouts.export_payoutbatch"):
        raise PermissionDenied
    reader = csv.reader(io.StringIO(content.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None or [h.strip() for h in header[:3]] != RESULT_HEADER:
        raise ValidationError({"file": [f"첫 줄은 {','.join(RESULT_HEADER)} 이어야 합니다."]})
    lines = [row for row in reader if row and any(cell.strip() for cell in row)]
    keys = [row[0].strip() for row in lines]
    attempts = {
        a.idempotency_key: a
        for a in PayoutAttempt.objects.filter(
            idempotency_key__in=keys, payout__batch=batch, channel=PayoutAttempt.Channel.BANK_FILE
        )
    }
    outcomes, unknown = [], []
    today = timezone.localdate()
    for row in lines:
        key, code = row[0].strip(), (row[1].strip() if len(row) > 1 else "")
        attempt = attempts.get(key)
        if attempt is None:
            unknown.append(key)
            continue
        kind = BANK_CODES.get(code, FAILED)
        outcomes.append(
            Outcome(attempt.payout_id, attempt.number, kind, code="" if kind == PAID else code, value_date=today)
        )
    counts = settlement_record(outcomes=outcomes)
    summary = {"lines": len(lines), "paid": counts[PAID], "failed": counts[FAILED], "unknown_references": unknown}
    with transaction.atomic():
        events.payout_bank_file_imported_event(batch=batch, actor=actor, summary=summary)
    return summary
