"""The sandbox gateway speaks the protocol the adapter relies on: idempotency, status query, report, faults."""

from datetime import date

import pytest

from payouts.gateways.base import GatewayOutcomeUnknown, GatewayRequestRejected, TransferRequest, get_gateway

pytestmark = pytest.mark.django_db


def _request(key: str, amount: int = 10_000, account: str = "100200300400") -> TransferRequest:
    return TransferRequest(
        key=key, amount=amount, bank_code="004", account_number=account, holder_name="김민수", reference="PAYT-1"
    )


def test_same_key_same_answer_and_reuse_with_other_parameters_refused(sandbox):
    gateway = get_gateway()
    first = gateway.send_transfer(_request("k-1"))
    again = gateway.send_transfer(_request("k-1"))
    assert first == again and first.status == "paid"
    with pytest.raises(GatewayRequestRejected):
        gateway.send_transfer(_request("k-1", amount=20_000))
    stats = sandbox.stats()
    assert stats["transfers"] == 1 and stats["posts"] == 3 and stats["paid_total"] == 10_000


def test_status_query_and_closed_account(sandbox):
    gateway = get_gateway()
    assert gateway.get_transfer("never-sent") is None
    sandbox.faults(closed_accounts=["999900001111"])
    result = gateway.send_transfer(_request("k-2", account="999900001111"))
    assert (result.status, result.failure_code) == ("failed", "account_closed")
    assert gateway.get_transfer("k-2") == result


def test_timeout_after_commit_is_reported_as_unknown_but_the_transfer_exists(sandbox):
    sandbox.faults(timeout_rate=1.0, hang_seconds=2)
    gateway = get_gateway()
    with pytest.raises(GatewayOutcomeUnknown):
        gateway.send_transfer(_request("k-3"))
    sandbox.faults(timeout_rate=0)
    assert gateway.get_transfer("k-3").status == "paid"


def test_5xx_answers_are_unknown_outcomes(sandbox):
    sandbox.faults(error_rate=1.0)
    with pytest.raises(GatewayOutcomeUnknown):
        get_gateway().send_transfer(_request("k-4"))
    sandbox.faults(error_rate=0)
    assert get_gateway().get_transfer("k-4") is None  # 503 came before anything was stored


def test_settlement_report_with_planted_lines(sandbox):
    gateway = get_gateway()
    for n in range(3):
        gateway.send_transfer(_request(f"r-{n}", amount=1_000 * (n + 1)))
    today = gateway.get_transfer("r-0").value_date
    sandbox.post(
        "/_admin/report",
        {
            "date": today.isoformat(),
            "missing": ["r-0"],
            "mismatch": {"r-1": 9},
            "extra": [{"key": "ghost", "amount": 5}],
        },
    )
    lines = {line.key: line.amount for line in gateway.settlement_report(today)}
    assert lines == {"r-1": 9, "r-2": 3_000, "ghost": 5}
    assert gateway.settlement_report(date(2000, 1, 1)) == []
