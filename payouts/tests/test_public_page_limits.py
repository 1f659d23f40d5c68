"""The public account page is throttled per client address like the status page, and the status page points a
claimant whose cash compensation waits for an account to it (issue 8)."""

import pytest
import redis
from django.conf import settings
from django.test import Client

from claims.tests.factories import submit_claim
from core.clientip import address_hash
from payouts.models import Payout
from payouts.services.accounts import bank_account_register
from payouts.services.bank_file import payout_batch_export_bank_file, payout_batch_import_bank_result
from payouts.services.batches import payout_batch_approve, payout_batch_build, payout_batch_release
from payouts.services.payouts import payouts_create_from_entitlements
from payouts.tests.factories import make_entitlements

pytestmark = pytest.mark.django_db
ACCOUNT_LINK = 'href="/payouts/account/"'


@pytest.fixture
def low_rates(settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "bank_account": "3/hour", "claim_status": "3/hour"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def lookup(reference: str = "PAYT-NOPE", last4: str = "0000") -> dict[str, str]:
    return {"reference": reference, "phone_last4": last4, "bank_code": "088",
            "account_number": "110222333444", "holder_name": "김민수"}  # fmt: skip


@pytest.mark.parametrize("path", ["/payouts/account/", "/claims/status/"])
def test_lookups_are_throttled_per_client_address(path, low_rates):
    client = Client(REMOTE_ADDR="203.0.113.7")
    # A client-written X-Forwarded-For changes nothing: the counter follows the real client address.
    codes = [client.post(path, lookup(), HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.post(path, lookup())
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "요청이 너무 많습니다" in refused.content.decode()
    assert client.get(path).status_code == 200  # the page itself still opens
    assert Client(REMOTE_ADDR="203.0.113.8").post(path, lookup()).status_code == 200
    keys = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"]).keys("*throttle*")
    assert any(address_hash("203.0.113.7").encode() in key for key in keys)


def status_page(claim) -> str:
    response = Client().post(
        "/claims/status/", {"reference": claim.reference, "phone_last4": claim.claimant.phone[-4:]}
    )
    assert response.status_code == 200 and claim.reference in response.content.decode()
    return response.content.decode()


def test_status_page_links_to_the_account_page_while_cash_waits_for_an_account(finance_users):
    claim = make_entitlements(1, with_account=False)[0].claim
    assert ACCOUNT_LINK in status_page(claim)
    bank_account_register(claimant=claim.claimant, bank_code="088", account_number="110-222-333444",
                          holder_name=claim.claimant.name)  # fmt: skip
    assert ACCOUNT_LINK not in status_page(claim)


def test_status_page_links_to_the_account_page_after_the_bank_refused_the_account(finance_users):
    maker, checker, manager = finance_users
    claim = make_entitlements(1, amounts=40_000)[0].claim
    payouts_create_from_entitlements()
    assert ACCOUNT_LINK not in status_page(claim)
    batch = payout_batch_build(actor=maker, channel="bank_file")
    payout_batch_approve(batch=batch, actor=checker)
    payout_batch_release(batch=batch, actor=manager)
    key = payout_batch_export_bank_file(batch=batch, actor=checker).strip().splitlines()[1].split(",")[-1]
    payout_batch_import_bank_result(
        batch=batch, actor=checker, content=f"거래참조,결과코드,결과메시지\n{key},account_closed,해지 계좌\n"
    )
    assert Payout.objects.get(claim=claim).status == Payout.Status.FAILED_PERMANENT
    assert ACCOUNT_LINK in status_page(claim)


def test_no_link_without_cash_compensation(incident):
    assert ACCOUNT_LINK not in status_page(submit_claim())
