"""Settlement: moving the money of released payouts exactly once.

The three steps of a chunk, each safe to repeat and to interrupt anywhere:

1. claim (one transaction): lock up to CHUNK_SIZE payouts (SKIP LOCKED), move them SCHEDULED → SUBMITTED by a
   state-conditional update and store an attempt with its idempotency key `<prefix>-<payout>-<attempt>`.
   After this commit a crash leaves only keys we can ask the gateway about.
2. send (no transaction): call the gateway with that key from a small thread pool. An answer we did not get
   (timeout, dropped connection, 5xx) is never followed by a resend: we ask the gateway about the key first.
3. record (one transaction): lock the payouts again, and apply each outcome only if the payout is still at that
   attempt and not yet final. Ledger postings are unique per (payout, kind, attempt); notifications are keyed.

A payout whose worker died stays SUBMITTED; `payouts_sweep` finds it once its lease has expired and resolves it
the same way (status query first). FAILED_RETRYABLE payouts are sent again with the *same* key, so even a
request that reaches the gateway late cannot pay twice; only a definitive refusal starts a new attempt.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from compensation.models import Entitlement
from notifications.services import NotifyItem, notify_many
from payouts import crypto
from payouts.gateways.base import (
    GatewayError,
    GatewayOutcomeUnknown,
    GatewayRequestRejected,
    GatewayUnavailable,
    TransferRequest,
    get_gateway,
    get_voucher_provider,
)
from payouts.models import BankAccount, LedgerEntry, Payout, PayoutAttempt, PayoutBatch
from payouts.services.ledger import Posting, ledger_post, posting_for

logger = logging.getLogger(__name__)

S = Payout.Status

PAID, FAILED, NOT_FOUND, UNKNOWN = "paid", "failed", "not_found", "unknown"
FAILURE_MESSAGES = {
    "account_closed": "계좌가 해지되어 송금할 수 없습니다. 새 계좌를 등록해 주세요.",
    "holder_mismatch": "예금주가 신고인과 달라 송금할 수 없습니다. 본인 명의 계좌를 등록해 주세요.",
    "no_account": "등록된 지급 계좌가 없습니다. 계좌를 등록해 주세요.",
}


def _conf(name: str) -> Any:
    return settings.PAYOUTS[name]


def idempotency_key(*, payout_id: int, attempt_no: int) -> str:
    return f"{_conf('KEY_PREFIX')}-{payout_id}-{attempt_no}"


@dataclass
class Work:
    """One claimed payout on its way to the gateway."""

    payout_id: int
    attempt_no: int
    key: str
    method: str
    amount_won: int
    reference: str
    bank_code: str = ""
    account_token: str = ""
    holder_name: str = ""
    item_sku: str = ""


@dataclass
class Outcome:
    payout_id: int
    attempt_no: int
    kind: str  # paid | failed | not_found | unknown
    code: str = ""
    value_date: date | None = None
    result_reference: str = ""
    error: str = ""


# -- 1. claim ---------------------------------------------------------------------------------------------------


def _claimable(*, batch_id: int | None, status: str) -> Any:
    queryset = Payout.objects.filter(status=status, batch__channel=PayoutBatch.Channel.GATEWAY)
    if batch_id is not None:
        queryset = queryset.filter(batch_id=batch_id)
    if status == S.FAILED_RETRYABLE:
        queryset = queryset.filter(next_retry_at__lte=timezone.now())
    return queryset


@transaction.atomic
def settlement_claim(
    *,
    batch_id: int | None = None,
    retries: bool = False,
    limit: int | None = None,
    channel: str = PayoutAttempt.Channel.GATEWAY,
) -> list[Work]:
    """Claim a chunk: SCHEDULED payouts get a new attempt and key; FAILED_RETRYABLE ones keep theirs."""
    limit = limit or _conf("CHUNK_SIZE")
    status = S.FAILED_RETRYABLE if retries else S.SCHEDULED
    if channel == PayoutAttempt.Channel.BANK_FILE:
        queryset = Payout.objects.filter(status=status, batch_id=batch_id)
    else:
        queryset = _claimable(batch_id=batch_id, status=status)
    rows = list(
        queryset.select_for_update(skip_locked=True, of=("self",))
        .order_by("id")
        .values("id", "attempt_no", "method", "amount_won", "claimant_id", "item_sku", "claim__reference")[:limit]
    )
    if not rows:
        return []
    now = timezone.now()
    ids = [r["id"] for r in rows]
    if retries:
        attempts = {
            a.payout_id: a
            for a in PayoutAttempt.objects.filter(
                payout_id__in=ids, status=PayoutAttempt.Status.PENDING
            ).select_related("bank_account")
        }
        claimed = Payout.objects.filter(id__in=ids, status=S.FAILED_RETRYABLE).update(
            status=S.SUBMITTED, submitted_at=now, next_retry_at=None, updated_at=now
        )
        assert claimed == len(ids), "rows locked by this transaction changed under it"
        work = []
        for r in rows:
            a = attempts[r["id"]]
            work.append(_work(r, a.number, a.bank_account))
        PayoutAttempt.objects.filter(pk__in=[a.pk for a in attempts.values()]).update(updated_at=now)
        return work

    accounts = {
        a.claimant_id: a
        for a in BankAccount.objects.filter(
            claimant_id__in={r["claimant_id"] for r in rows if r["method"] == Payout.Method.BANK_TRANSFER},
            status=BankAccount.Status.ACTIVE,
        )
    }
    no_account = [r for r in rows if r["method"] == Payout.Method.BANK_TRANSFER and r["claimant_id"] not in accounts]
    rows = [r for r in rows if r not in no_account]
    if no_account:
        _fail_without_account([r["id"] for r in no_account])
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    claimed = Payout.objects.filter(id__in=ids, status=S.SCHEDULED).update(
        status=S.SUBMITTED, attempt_no=F("attempt_no") + 1, submitted_at=now, next_retry_at=None, updated_at=now
    )
    assert claimed == len(ids), "rows locked by this transaction changed under it"
    work = []
    new_attempts = []
    for r in rows:
        number = r["attempt_no"] + 1
        account = accounts.get(r["claimant_id"])
        w = _work(r, number, account)
        work.append(w)
        new_attempts.append(
            PayoutAttempt(
                payout_id=r["id"],
                number=number,
                idempotency_key=w.key,
                channel=PayoutAttempt.Channel.VOUCHER if r["method"] == Payout.Method.VOUCHER else channel,
                amount_won=r["amount_won"],
                bank_account=account,
                created_at=now,
                updated_at=now,
            )
        )
    PayoutAttempt.objects.bulk_create(new_attempts, batch_size=1000)
    policies = dict(Payout.objects.filter(id__in=ids).values_list("id", "policy_id"))
    ledger_post(
        postings=[
            Posting(
                kind=LedgerEntry.Kind.SENT,
                payout_id=w.payout_id,
                policy_id=policies[w.payout_id],
                amount_won=w.amount_won,
                attempt_no=w.attempt_no,
                method=w.method,
            )
            for w in work
        ]
    )
    return work


def _work(row: Mapping[str, Any], number: int, account: BankAccount | None) -> Work:
    return Work(
        payout_id=row["id"],
        attempt_no=number,
        key=idempotency_key(payout_id=row["id"], attempt_no=number),
        method=row["method"],
        amount_won=row["amount_won"],
        reference=row["claim__reference"],
        bank_code=account.bank_code if account else "",
        account_token=account.number_encrypted if account else "",
        holder_name=account.holder_name if account else "",
        item_sku=row["item_sku"],
    )


def _fail_without_account(payout_ids: list[int]) -> None:
    from payouts.services.payouts import payout_failed_notify

    Payout.objects.filter(id__in=payout_ids, status=S.SCHEDULED).update(
        status=S.FAILED_PERMANENT, failure_code="no_account", updated_at=timezone.now()
    )
    for payout in Payout.objects.filter(id__in=payout_ids).select_related("claim", "claimant"):
        payout_failed_notify(payout=payout, reason=FAILURE_MESSAGES["no_account"])


# -- 2. send ----------------------------------------------------------------------------------------------------


def _ask(key: str, method: str, attempt: Work) -> Outcome:
    """What happened to `key`? Asked after any answer we did not get, before anything is sent again."""
    try:
        if method == Payout.Method.VOUCHER:
            voucher = get_voucher_provider().get(key)
            if voucher is None:
                return Outcome(attempt.payout_id, attempt.attempt_no, NOT_FOUND)
            return Outcome(
                attempt.payout_id,
                attempt.attempt_no,
                PAID,
                value_date=timezone.localdate(),
                result_reference=voucher.code,
            )
        result = get_gateway().get_transfer(key)
    except GatewayError as exc:
        return Outcome(attempt.payout_id, attempt.attempt_no, UNKNOWN, error=f"status query failed: {exc}")
    if result is None:
        return Outcome(attempt.payout_id, attempt.attempt_no, NOT_FOUND)
    return _from_result(attempt, result)


def _from_result(attempt: Work, result: Any) -> Outcome:
    if result.status in ("paid", "returned"):
        return Outcome(attempt.payout_id, attempt.attempt_no, PAID, value_date=result.value_date)
    return Outcome(attempt.payout_id, attempt.attempt_no, FAILED, code=result.failure_code or "refused")


def settlement_send_one(work: Work) -> Outcome:
    try:
        if work.method == Payout.Method.VOUCHER:
            voucher = get_voucher_provider().issue(
                key=work.key, sku=work.item_sku, value=work.amount_won, reference=work.reference
            )
            return Outcome(
                work.payout_id, work.attempt_no, PAID, value_date=timezone.localdate(), result_reference=voucher.code
            )
        result = get_gateway().send_transfer(
            TransferRequest(
                key=work.key,
                amount=work.amount_won,
                bank_code=work.bank_code,
                account_number=crypto.decrypt_account_number(work.account_token),
                holder_name=work.holder_name,
                reference=work.reference,
            )
        )
        return _from_result(work, result)
    except GatewayUnavailable as exc:
        # Nothing reached the gateway: retry later, with this same key.
        return Outcome(work.payout_id, work.attempt_no, NOT_FOUND, error=str(exc)[:300])
    except (GatewayOutcomeUnknown, GatewayRequestRejected) as exc:
        outcome = _ask(work.key, work.method, work)
        outcome.error = str(exc)[:300]
        return outcome


def settlement_send(work: list[Work]) -> list[Outcome]:
    if not work:
        return []
    threads = max(1, min(_conf("SEND_CONCURRENCY"), len(work)))
    if threads == 1:
        return [settlement_send_one(w) for w in work]
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="payout-send") as pool:
        return list(pool.map(settlement_send_one, work))


# -- 3. record --------------------------------------------------------------------------------------------------


@transaction.atomic
def settlement_record(*, outcomes: list[Outcome]) -> dict[str, int]:
    """Apply outcomes to payouts still waiting on that very attempt. Returns counts per applied kind."""
    from payouts.services.payouts import payout_failed_notify

    counts = {PAID: 0, FAILED: 0, NOT_FOUND: 0, UNKNOWN: 0}
    by_id = {o.payout_id: o for o in outcomes if o.kind != UNKNOWN}
    counts[UNKNOWN] = len(outcomes) - len(by_id)
    if not by_id:
        return counts
    now = timezone.now()
    payouts = list(
        Payout.objects.select_for_update(of=("self",))
        .select_related("claim", "claimant")
        .filter(id__in=list(by_id), status__in=[S.SUBMITTED, S.FAILED_RETRYABLE])
        .order_by("id")
    )
    paid, failed, retry = [], [], []
    for payout in payouts:
        outcome = by_id[payout.pk]
        if payout.attempt_no != outcome.attempt_no:
            continue  # a later attempt owns this payout now
        if outcome.kind == PAID:
            paid.append((payout, outcome))
        elif outcome.kind == FAILED:
            failed.append((payout, outcome))
        elif payout.status == S.SUBMITTED:
            retry.append((payout, outcome))
    if paid:
        Payout.objects.filter(id__in=[p.pk for p, _ in paid]).update(
            status=S.PAID, paid_at=now, failure_code="", updated_at=now
        )
        for value_date in {o.value_date for _, o in paid}:
            PayoutAttempt.objects.filter(
                payout_id__in=[p.pk for p, o in paid if o.value_date == value_date and not o.result_reference],
                number__in={o.attempt_no for _, o in paid},
                status=PayoutAttempt.Status.PENDING,
            ).update(status=PayoutAttempt.Status.SUCCEEDED, value_date=value_date, finished_at=now, updated_at=now)
        for payout, outcome in paid:
            if outcome.result_reference:  # vouchers: one code per item
                PayoutAttempt.objects.filter(payout=payout, number=outcome.attempt_no).update(
                    status=PayoutAttempt.Status.SUCCEEDED,
                    value_date=outcome.value_date,
                    result_reference=outcome.result_reference,
                    finished_at=now,
                    updated_at=now,
                )
        ledger_post(postings=[posting_for(p, LedgerEntry.Kind.PAID, attempt_no=o.attempt_no) for p, o in paid])
        _entitlements_paid(paid)
        # One bulk insert per chunk; keyed per payout, so a repeated chunk adds nothing.
        notify_many(
            event="payment_sent",
            items=[
                NotifyItem(
                    key=f"payout:{payout.pk}:paid",
                    claimant=payout.claimant,
                    claim=payout.claim,
                    context={
                        "reference": payout.claim.reference,
                        "name": payout.claimant.name,
                        "amount": payout.amount_won,
                    },
                )
                for payout, _ in paid
            ],
        )
    for payout, outcome in failed:
        Payout.objects.filter(pk=payout.pk).update(
            status=S.FAILED_PERMANENT, failure_code=outcome.code[:40], updated_at=now
        )
        attempt = PayoutAttempt.objects.filter(payout=payout, number=outcome.attempt_no).first()
        PayoutAttempt.objects.filter(
            payout=payout, number=outcome.attempt_no, status=PayoutAttempt.Status.PENDING
        ).update(status=PayoutAttempt.Status.FAILED, result_code=outcome.code[:40], finished_at=now, updated_at=now)
        if attempt is not None and attempt.bank_account_id and outcome.code in ("account_closed", "holder_mismatch"):
            BankAccount.objects.filter(pk=attempt.bank_account_id, status=BankAccount.Status.ACTIVE).update(
                status=BankAccount.Status.REJECTED, updated_at=now
            )
        ledger_post(postings=[posting_for(payout, LedgerEntry.Kind.FAILED, attempt_no=outcome.attempt_no)])
        payout_failed_notify(payout=payout, reason=FAILURE_MESSAGES.get(outcome.code, "송금이 거절되었습니다."))
    if retry:
        backoff = timedelta(seconds=_conf("RETRY_BACKOFF_SECONDS"))
        Payout.objects.filter(id__in=[p.pk for p, _ in retry]).update(
            status=S.FAILED_RETRYABLE, next_retry_at=now + backoff, updated_at=now
        )
        for payout, outcome in retry:
            PayoutAttempt.objects.filter(payout=payout, number=outcome.attempt_no).update(
                last_error=(outcome.error or "not found at the gateway")[:300], updated_at=now
            )
    counts[PAID], counts[FAILED], counts[NOT_FOUND] = len(paid), len(failed), len(retry)
    return counts


def _entitlements_paid(paid: list[tuple[Payout, Outcome]]) -> None:
    now = timezone.now()
    cash = [p.entitlement_id for p, _ in paid if p.method == Payout.Method.BANK_TRANSFER]
    Entitlement.objects.filter(id__in=cash, status=Entitlement.Status.IN_PAYOUT).update(
        status=Entitlement.Status.PAID, updated_at=now
    )
    for payout, outcome in paid:
        if payout.method == Payout.Method.VOUCHER:
            Entitlement.objects.filter(pk=payout.entitlement_id, status=Entitlement.Status.APPROVED).update(
                status=Entitlement.Status.FULFILLED,
                fulfilled_at=now,
                fulfilment_reference=outcome.result_reference[:100],
                updated_at=now,
            )


# -- the chunk, the dispatcher and the sweeper --------------------------------------------------------------------


def settlement_run_chunk(*, batch_id: int | None = None, retries: bool = False) -> int:
    """Claim, send and record one chunk. Returns how many payouts it claimed (0: nothing left)."""
    work = settlement_claim(batch_id=batch_id, retries=retries)
    if not work:
        return 0
    outcomes = settlement_send(work)
    settlement_record(outcomes=outcomes)
    return len(work)


def settlement_dispatch(*, batch_id: int) -> int:
    """Start settlement lanes for a batch: each lane is a task that settles chunks until none is left."""
    from payouts.tasks import settlement_run_chunk_task

    lanes = _conf("LANES")
    for _ in range(lanes):
        settlement_run_chunk_task.delay(batch_id=batch_id)
    return lanes


def _resolve_stuck(*, now: Any, limit: int) -> dict[str, int]:
    lease = timedelta(seconds=_conf("STUCK_AFTER_SECONDS"))
    stuck = list(
        Payout.objects.filter(status=S.SUBMITTED, submitted_at__lt=now - lease)
        .order_by("id")
        .values("id", "attempt_no", "method", "amount_won", "claim__reference", "claimant_id", "item_sku")[:limit]
    )
    if not stuck:
        return {}
    work = [_work(r, r["attempt_no"], None) for r in stuck]

    def ask(w: Work) -> Outcome:
        return _ask(w.key, w.method, w)

    threads = max(1, min(_conf("SEND_CONCURRENCY"), len(work)))
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="payout-sweep") as pool:
        outcomes = list(pool.map(ask, work))
    for outcome in outcomes:
        if outcome.kind == NOT_FOUND:
            outcome.error = "worker lost before the gateway saw the key"
    counts = settlement_record(outcomes=outcomes)
    # Not found: the retry path sends again right away, with the same key.
    Payout.objects.filter(
        id__in=[o.payout_id for o in outcomes if o.kind == NOT_FOUND], status=S.FAILED_RETRYABLE
    ).update(next_retry_at=now)
    return {f"stuck_{k}": v for k, v in counts.items()}


def payouts_sweep(*, limit: int = 1000) -> dict[str, int]:
    """Periodic: resolve payouts stuck mid-submission (status query first), restart lanes for released batches
    that stopped moving, send due retries, and close finished batches. Bounded per run."""
    from payouts.services.batches import payout_batch_settle_if_done
    from payouts.tasks import settlement_run_chunk_task

    now = timezone.now()
    report = _resolve_stuck(now=now, limit=limit)
    lease = timedelta(seconds=_conf("STUCK_AFTER_SECONDS"))
    lanes = _conf("LANES")
    restarted = 0
    for batch in PayoutBatch.objects.filter(status=PayoutBatch.Status.RELEASED, channel=PayoutBatch.Channel.GATEWAY):
        payouts = Payout.objects.filter(batch=batch)
        if payouts.filter(status=S.SCHEDULED).exists():
            last = payouts.aggregate(last=Max("submitted_at"))["last"]
            if last is None or last < now - lease:
                for _ in range(lanes):
                    settlement_run_chunk_task.delay(batch_id=batch.pk)
                restarted += 1
        elif not payouts.filter(status__in=Payout.IN_FLIGHT).exists():
            payout_batch_settle_if_done(batch_id=batch.pk)
    due = _claimable(batch_id=None, status=S.FAILED_RETRYABLE).count()
    if due:
        for _ in range(min(lanes, 1 + due // _conf("CHUNK_SIZE"))):
            settlement_run_chunk_task.delay(retries=True)
    report.update({"lanes_restarted_for_batches": restarted, "retries_due": due})
    if any(report.values()):
        logger.info("payouts sweep: %s", report)
    return report
