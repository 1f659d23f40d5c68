"""The API, the admin and the public account page call the same services and never show a full account number."""

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from payouts.models import BankAccount
from payouts.services.payouts import payouts_create_from_entitlements
from payouts.tests.factories import make_entitlements

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_batch_lifecycle_over_the_api(finance_users):
    maker, checker, _ = finance_users
    make_entitlements(4, amounts=20_000)
    payouts_create_from_entitlements()
    made = client_for(maker).post(
        "/api/v1/payouts/batches/", {"method": "bank_transfer", "max_count": 3}, format="json"
    )
    assert made.status_code == 201 and made.data["payout_count"] == 3 and made.data["total_won"] == 60_000
    url = f"/api/v1/payouts/batches/{made.data['id']}/"
    refused = client_for(maker).post(url + "approve/")
    assert refused.status_code == 403 and "4-eyes" in refused.data["detail"]
    approved = client_for(checker).post(url + "approve/")
    assert approved.status_code == 200 and approved.data["status"] == "approved"
    report = client_for(checker).get(url + "report/").data
    assert report["approved_won"] == 60_000 and report["in_flight_won"] == 60_000 and report["balanced"]
    payouts = client_for(checker).get("/api/v1/payouts/payouts/", {"batch": made.data["id"]})
    assert payouts.status_code == 200 and len(payouts.data["results"]) == 3
    assert "1002" not in str(payouts.content)  # no account number of any kind in the payload


def test_anonymous_and_agents_cannot_read_payouts(finance_users, agent):
    assert APIClient().get("/api/v1/payouts/batches/").status_code in (401, 403)
    assert client_for(agent).get("/api/v1/payouts/payouts/").status_code == 403


def test_public_page_registers_an_encrypted_account(client):
    entitlement = make_entitlements(1, with_account=False)[0]
    claim, person = entitlement.claim, entitlement.claimant
    response = client.post(
        "/payouts/account/",
        {"reference": claim.reference, "phone_last4": person.phone[-4:], "bank_code": "090",
         "account_number": "3333-12-7654321", "holder_name": person.name},
    )  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 200 and "****4321" in body and "3333127654321" not in body
    assert BankAccount.objects.get(claimant=person).number_last4 == "4321"
    wrong = client.post("/payouts/account/", {"reference": claim.reference, "phone_last4": f"{(int(person.phone[-4:]) + 1) % 10000:04d}", "bank_code": "090",
                                              "account_number": "3333127654321", "holder_name": person.name})  # fmt: skip
    assert "일치하는 신고가 없습니다" in wrong.content.decode()


def test_admin_pages_load_for_finance(finance_users, client):
    make_entitlements(2, amounts=5_000)
    payouts_create_from_entitlements()
    admin = User.objects.create_superuser("root", "root@x.kr", "pw")
    client.force_login(admin)
    for path in ["payout", "payoutbatch", "bankaccount", "ledgerentry", "reconciliationexception", "payoutattempt"]:
        response = client.get(f"/admin/payouts/{path}/")
        assert response.status_code == 200, path
        assert "1002" not in response.content.decode() or path == "ledgerentry"
