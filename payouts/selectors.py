"""Reads for payouts: lists scoped by permission, the trial balance and the approved = paid + in flight +
failed + cancelled report per policy and per batch."""

from collections import defaultdict
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet, Sum

from compensation.models import Entitlement
from payouts.filters import PayoutBatchFilterSet, PayoutFilterSet
from payouts.models import BankAccount, LedgerAccount, LedgerEntry, Payout, PayoutBatch


def _filtered(filterset_class: Any, data: dict[str, Any] | None, queryset: QuerySet) -> QuerySet:
    filterset = filterset_class(data or {}, queryset=queryset)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs


def payout_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Payout]:
    if not user.has_perm("payouts.view_payout"):
        raise PermissionDenied
    queryset = Payout.objects.select_related("claim", "claimant", "policy", "batch")
    return _filtered(PayoutFilterSet, filters, queryset)


def payout_batch_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[PayoutBatch]:
    if not user.has_perm("payouts.view_payoutbatch"):
        raise PermissionDenied
    queryset = PayoutBatch.objects.select_related("created_by", "approved_by")
    return _filtered(PayoutBatchFilterSet, filters, queryset)


def ledger_balances(*, policy_id: int | None = None, payout_ids: Any = None) -> dict[str, int]:
    """Debit-positive balance per account. Their sum is zero by construction; tests assert it anyway."""
    entries = LedgerEntry.objects.all()
    if policy_id is not None:
        entries = entries.filter(policy_id=policy_id)
    if payout_ids is not None:
        entries = entries.filter(payout_id__in=payout_ids)
    balances = dict.fromkeys(LedgerAccount.values, 0)
    for account, total in entries.values_list("debit_account").annotate(total=Sum("amount_won")).order_by():
        balances[account] += total
    for account, total in entries.values_list("credit_account").annotate(total=Sum("amount_won")).order_by():
        balances[account] -= total
    return balances


_CATEGORY = {
    Payout.Status.PAID: "paid",
    Payout.Status.CANCELLED: "cancelled",
    **{status: "in_flight" for status in Payout.IN_FLIGHT},
    **{status: "failed" for status in Payout.FAILED},
}


def _sum_by_status(queryset: QuerySet[Payout]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for status, total in queryset.values_list("status").annotate(total=Sum("amount_won")).order_by():
        totals[_CATEGORY[status]] += total
    return totals


def payout_report_batch(*, batch: PayoutBatch) -> dict[str, Any]:
    totals = _sum_by_status(Payout.objects.filter(batch=batch))
    return _report(
        approved=batch.total_won,
        totals=totals,
        ledger=ledger_balances(payout_ids=Payout.objects.filter(batch=batch).values("id")),
    )


def payout_report_policy(*, policy_id: int) -> dict[str, Any]:
    """Approved = every cash entitlement of the policy; each is counted once, by its live (or last) payout."""
    cash = Entitlement.objects.filter(kind=Entitlement.Kind.CASH, assessment__version__policy_id=policy_id)
    approved = cash.aggregate(total=Sum("amount_won"))["total"] or 0
    totals = _sum_by_status(Payout.objects.filter(policy_id=policy_id).exclude(status=Payout.Status.CANCELLED))
    without_live = cash.exclude(payouts__in=Payout.objects.exclude(status=Payout.Status.CANCELLED))
    totals["cancelled"] += (
        without_live.filter(status=Entitlement.Status.CANCELLED).aggregate(t=Sum("amount_won"))["t"] or 0
    )
    totals["in_flight"] += (
        without_live.filter(~Q(status=Entitlement.Status.CANCELLED)).aggregate(t=Sum("amount_won"))["t"] or 0
    )
    return _report(approved=approved, totals=totals, ledger=ledger_balances(policy_id=policy_id))


def _report(*, approved: int, totals: dict[str, int], ledger: dict[str, int]) -> dict[str, Any]:
    parts = {key: totals.get(key, 0) for key in ("paid", "in_flight", "failed", "cancelled")}
    accounted = sum(parts.values())
    return {
        "approved_won": approved,
        **{f"{key}_won": value for key, value in parts.items()},
        "difference_won": approved - accounted,
        "balanced": approved == accounted,
        # Money out per the ledger (credit balance of cash, vouchers): must equal what the payouts say was paid.
        "ledger_paid_won": -(ledger[LedgerAccount.CASH] + ledger[LedgerAccount.VOUCHERS]),
        "ledger_agrees": -(ledger[LedgerAccount.CASH] + ledger[LedgerAccount.VOUCHERS]) == parts["paid"],
        "ledger_balance_sum": sum(ledger.values()),
    }


def claim_awaits_bank_account(*, claim_id: int, claimant_id: int) -> bool:
    """Whether the claimant should give (or replace) the account a claim's cash is paid to: a cash entitlement
    is neither paid nor cancelled, and no active account is on file or a transfer failed for want of a good one."""
    open_cash = Entitlement.objects.filter(
        claim_id=claim_id,
        kind=Entitlement.Kind.CASH,
        status__in=[Entitlement.Status.APPROVED, Entitlement.Status.IN_PAYOUT],
    )
    if not open_cash.exists():
        return False
    if not BankAccount.objects.filter(claimant_id=claimant_id, status=BankAccount.Status.ACTIVE).exists():
        return True
    return Payout.objects.filter(
        claim_id=claim_id, status__in=[Payout.Status.FAILED_PERMANENT, Payout.Status.RETURNED]
    ).exists()
