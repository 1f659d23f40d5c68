"""The double-entry ledger. Each posting kind has exactly one (debit, credit) pair, so no caller can post an
unbalanced or nonsensical entry; postings are unique per (payout, kind, attempt), so a repeat is a no-op."""

from collections.abc import Iterable
from dataclasses import dataclass

from payouts.models import LedgerAccount, LedgerEntry, Payout

A = LedgerAccount
K = LedgerEntry.Kind

# kind → (debit, credit). Vouchers leave through their own account instead of cash.
POSTINGS: dict[str, tuple[str, str]] = {
    K.ACCRUED: (A.EXPENSE, A.PAYABLE),
    K.SENT: (A.PAYABLE, A.IN_TRANSIT),
    K.PAID: (A.IN_TRANSIT, A.CASH),
    K.FAILED: (A.IN_TRANSIT, A.PAYABLE),
    K.RETURNED: (A.CASH, A.PAYABLE),
    K.CANCELLED: (A.PAYABLE, A.EXPENSE),
}


@dataclass(frozen=True)
class Posting:
    kind: str
    payout_id: int
    policy_id: int
    amount_won: int
    attempt_no: int = 0
    method: str = Payout.Method.BANK_TRANSFER


def ledger_post(*, postings: Iterable[Posting]) -> int:
    """Write postings (inside the caller's transaction). Returns how many rows were offered."""
    rows = []
    for p in postings:
        if p.kind not in POSTINGS:
            raise ValueError(f"unknown ledger posting kind {p.kind!r}")
        if p.amount_won <= 0:
            raise ValueError("ledger amounts are positive won")
        debit, credit = POSTINGS[p.kind]
        if p.method == Payout.Method.VOUCHER:
            debit = A.VOUCHERS if debit == A.CASH else debit
            credit = A.VOUCHERS if credit == A.CASH else credit
        rows.append(
            LedgerEntry(
                kind=p.kind,
                debit_account=debit,
                credit_account=credit,
                amount_won=p.amount_won,
                payout_id=p.payout_id,
                attempt_no=p.attempt_no,
                policy_id=p.policy_id,
            )
        )
    LedgerEntry.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return len(rows)


def posting_for(payout: Payout, kind: str, *, attempt_no: int = 0) -> Posting:
    return Posting(
        kind=kind,
        payout_id=payout.pk,
        policy_id=payout.policy_id,
        amount_won=payout.amount_won,
        attempt_no=attempt_no,
        method=payout.method,
    )
