"""Permanent failure → the claimant gives a new account → a new attempt pays once; vouchers issue one code per
item; the bank-file path exports keys and imports the bank's results idempotently. Settlement runs in-process
here (the worker paths are in test_settlement_worker.py)."""

import pytest

from notifications.models import Notification
from payouts.models import BankAccount, Payout, PayoutAttempt, PayoutBatch
from payouts.selectors import ledger_balances, payout_report_batch
from payouts.services.accounts import bank_account_register
from payouts.services.bank_file import payout_batch_export_bank_file, payout_batch_import_bank_result
from payouts.services.batches import payout_batch_approve, payout_batch_build, payout_batch_release
from payouts.services.payouts import payouts_create_from_entitlements
from payouts.services.settlement import settlement_run_chunk
from payouts.tests.factories import make_entitlements

pytestmark = pytest.mark.django_db


def released(finance_users, *, method="bank_transfer", channel="gateway") -> PayoutBatch:
    maker, checker, manager = finance_users
    batch = payout_batch_build(actor=maker, method=method, channel=channel)
    payout_batch_approve(batch=batch, actor=checker)
    return payout_batch_release(batch=batch, actor=manager)


def settle_all(batch: PayoutBatch) -> None:
    while settlement_run_chunk(batch_id=batch.pk) or settlement_run_chunk(retries=True):
        pass


def test_closed_account_asks_for_a_new_one_and_the_new_attempt_pays_once(sandbox, finance_users):
    entitlements = make_entitlements(5, amounts=30_000)
    payouts_create_from_entitlements()
    sandbox.faults(closed_accounts=[f"1002{int(entitlements[0].claim.reference.rsplit('-', 1)[1]):09d}"])
    batch = released(finance_users)
    settle_all(batch)
    failed = Payout.objects.get(batch=batch, status="failed_permanent")
    assert failed.failure_code == "account_closed"
    assert BankAccount.objects.get(claimant=failed.claimant).status == "rejected"
    note = Notification.objects.get(event="payment_failed", claimant=failed.claimant)
    assert "/payouts/account/" in note.context["action_url"]
    bank_account_register(claimant=failed.claimant, bank_code="088", account_number="110-222-333444",
                          holder_name=failed.claimant.name)  # fmt: skip
    failed.refresh_from_db()
    assert failed.status == "scheduled"
    settle_all(batch)
    failed.refresh_from_db()
    assert failed.status == "paid" and failed.attempt_no == 2
    keys = list(PayoutAttempt.objects.filter(payout=failed).order_by("number").values_list("idempotency_key", "status"))
    assert [status for _, status in keys] == ["failed", "succeeded"] and keys[0][0] != keys[1][0]
    stats = sandbox.stats()
    assert stats["references_paid_twice"] == 0 and stats["paid_total"] == 150_000
    assert sum(ledger_balances().values()) == 0 and ledger_balances()["cash"] == -150_000
    report = payout_report_batch(batch=PayoutBatch.objects.get(pk=batch.pk))
    assert report["balanced"] and report["paid_won"] == 150_000 and report["ledger_agrees"]


def test_gateway_5xx_then_recovery_retries_with_the_same_key(sandbox, finance_users):
    make_entitlements(3, amounts=10_000)
    payouts_create_from_entitlements()
    sandbox.faults(error_rate=1.0)
    batch = released(finance_users)
    settlement_run_chunk(batch_id=batch.pk)
    assert Payout.objects.filter(batch=batch, status="failed_retryable").count() == 3
    sandbox.faults(error_rate=0)
    settle_all(batch)
    assert Payout.objects.filter(batch=batch, status="paid").count() == 3
    assert PayoutAttempt.objects.filter(payout__batch=batch).count() == 3  # same attempt, same key
    assert sandbox.stats()["transfers"] == 3


def test_vouchers_issue_one_code_per_item(sandbox, finance_users):
    entitlements = make_entitlements(4, kind="in_kind", amounts=2_500)
    payouts_create_from_entitlements()
    batch = released(finance_users, method="voucher")
    settle_all(batch)
    settlement_run_chunk(batch_id=batch.pk)  # a repeat finds nothing to do
    codes = list(PayoutAttempt.objects.filter(payout__batch=batch).values_list("result_reference", flat=True))
    assert len(codes) == 4 and len(set(codes)) == 4 and all(c.startswith("RDX-") for c in codes)
    stats = sandbox.stats()
    assert stats["vouchers"] == 4 and stats["max_posts_per_voucher"] == 1
    for entitlement in entitlements:
        entitlement.refresh_from_db()
        assert entitlement.status == "fulfilled" and entitlement.fulfilment_reference in codes


def test_bank_file_export_and_result_import(sandbox, finance_users):
    make_entitlements(3, amounts=40_000)
    payouts_create_from_entitlements()
    batch = released(finance_users, channel="bank_file")
    finance = finance_users[1]
    content = payout_batch_export_bank_file(batch=batch, actor=finance)
    lines = content.strip().splitlines()
    assert lines[0] == "순번,은행코드,계좌번호,예금주,금액,거래참조" and len(lines) == 4
    assert payout_batch_export_bank_file(batch=batch, actor=finance) == content  # same references again
    keys = [line.split(",")[-1] for line in lines[1:]]
    result = (
        "거래참조,결과코드,결과메시지\n"
        + f"{keys[0]},0000,정상\n{keys[1]},0000,정상\n{keys[2]},account_closed,해지 계좌\n"
    )
    summary = payout_batch_import_bank_result(batch=batch, actor=finance, content=result)
    assert (summary["paid"], summary["failed"], summary["unknown_references"]) == (2, 1, [])
    again = payout_batch_import_bank_result(batch=batch, actor=finance, content=result)
    assert (again["paid"], again["failed"]) == (0, 0)
    assert Payout.objects.filter(batch=batch, status="paid").count() == 2
    assert sandbox.stats()["transfers"] == 0  # the bank path never touches the gateway
