"""PIPA access records: payout lists and pages (admin and API) and bank accounts name the claimants shown."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from conftest import make_user
from payouts.models import BankAccount, Payout
from payouts.services.payouts import payouts_create_from_entitlements
from payouts.tests.factories import make_entitlements
from privacy.models import PersonalDataAccess

pytestmark = pytest.mark.django_db
A = PersonalDataAccess.Action


@pytest.fixture
def payouts(finance_users):
    make_entitlements(3, amounts=20_000)
    payouts_create_from_entitlements()
    return list(Payout.objects.order_by("id"))


def _rows():
    return [(r.actor.username, r.action, r.claimant_ids) for r in PersonalDataAccess.objects.order_by("id")]


def test_api_list_and_detail(payouts, finance_users):
    maker = finance_users[0]
    client = APIClient()
    client.force_authenticate(maker)
    assert client.get("/api/v1/payouts/payouts/").status_code == 200
    assert client.get(f"/api/v1/payouts/payouts/{payouts[0].pk}/").status_code == 200
    everyone = sorted(p.claimant_id for p in payouts)
    assert _rows() == [("maker", A.LIST, everyone), ("maker", A.VIEW, [payouts[0].claimant_id])]


def test_admin_payout_and_bank_account_pages(payouts):
    root = make_user("root", superuser=True)
    client = Client()
    client.force_login(root)
    everyone = sorted(p.claimant_id for p in payouts)
    assert client.get("/admin/payouts/payout/").status_code == 200
    assert client.get("/admin/payouts/payout/", {"q": payouts[1].claim.reference}).status_code == 200
    assert client.get(f"/admin/payouts/payout/{payouts[1].pk}/change/").status_code == 200
    account = BankAccount.objects.order_by("id").first()
    assert client.get("/admin/payouts/bankaccount/").status_code == 200
    assert client.get(f"/admin/payouts/bankaccount/{account.pk}/change/").status_code == 200
    accounts = sorted(BankAccount.objects.values_list("claimant_id", flat=True))
    assert _rows() == [
        ("root", A.LIST, everyone),
        ("root", A.SEARCH, [payouts[1].claimant_id]),
        ("root", A.VIEW, [payouts[1].claimant_id]),
        ("root", A.LIST, accounts),
        ("root", A.VIEW, [account.claimant_id]),
    ]
    assert PersonalDataAccess.objects.get(action=A.SEARCH).query == payouts[1].claim.reference
