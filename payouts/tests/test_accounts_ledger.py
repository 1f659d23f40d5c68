"""Bank accounts encrypted at rest with a keyed hash beside them; the ledger is append-only and balances."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.utils import DatabaseError

from claims.models import Claimant
from payouts import crypto
from payouts.models import BankAccount, LedgerEntry
from payouts.selectors import ledger_balances
from payouts.services.accounts import bank_account_register, bank_account_rotate_keys
from payouts.services.payouts import payout_cancel, payouts_create_from_entitlements
from payouts.tests.factories import make_entitlements

pytestmark = pytest.mark.django_db


def claimant(kind: str = "individual") -> Claimant:
    return make_entitlements(1, with_account=False, claimant_kind=kind)[0].claimant


def test_number_is_encrypted_at_rest_hashed_and_masked():
    person = claimant()
    account = bank_account_register(
        claimant=person, bank_code="090", account_number="3333-01-2345678", holder_name=person.name
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT number_encrypted, number_hash FROM payouts_bankaccount WHERE id = %s", [account.pk])
        stored, digest = cursor.fetchone()
    assert "33330123" not in stored and "2345678" not in stored
    assert crypto.decrypt_account_number(stored) == "3333012345678"
    assert digest == crypto.account_hash(bank_code="090", number="3333012345678")
    assert account.masked == "카카오뱅크 ****5678" and str(account) == account.masked


def test_individual_holder_must_be_the_claimant_and_bad_input_is_field_keyed():
    person = claimant()
    with pytest.raises(ValidationError) as exc:
        bank_account_register(claimant=person, bank_code="999", account_number="12", holder_name="남남")
    assert set(exc.value.message_dict) == {"bank_code", "account_number", "holder_name"}


def test_new_account_replaces_the_old_one():
    person = claimant()
    first = bank_account_register(
        claimant=person, bank_code="004", account_number="11112222333", holder_name=person.name
    )
    second = bank_account_register(
        claimant=person, bank_code="088", account_number="44445555666", holder_name=person.name
    )
    first.refresh_from_db()
    assert first.status == "replaced" and second.status == "active"


def test_key_rotation_reencrypts_and_old_key_can_go(settings):
    person = claimant()
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PAYOUTS = {**settings.PAYOUTS, "ACCOUNT_KEYS": [old]}
    crypto.reset_key_cache()
    try:
        account = bank_account_register(
            claimant=person, bank_code="004", account_number="99998888777", holder_name=person.name
        )
        settings.PAYOUTS = {**settings.PAYOUTS, "ACCOUNT_KEYS": [new, old]}
        crypto.reset_key_cache()
        assert bank_account_rotate_keys() >= 1
        settings.PAYOUTS = {**settings.PAYOUTS, "ACCOUNT_KEYS": [new]}
        crypto.reset_key_cache()
        account.refresh_from_db()
        assert crypto.decrypt_account_number(account.number_encrypted) == "99998888777"
    finally:
        crypto.reset_key_cache()


def test_production_refuses_to_run_without_keys(settings, monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setattr(crypto, "_in_production", lambda: True)
    settings.PAYOUTS = {**settings.PAYOUTS, "ACCOUNT_KEYS": []}
    crypto.reset_key_cache()
    try:
        with pytest.raises(ImproperlyConfigured):
            crypto.encrypt_account_number("123")
    finally:
        crypto.reset_key_cache()


def test_ledger_balances_and_cannot_be_rewritten(finance_users):
    make_entitlements(5, amounts=10_000)
    ids = payouts_create_from_entitlements()
    from payouts.models import Payout

    payout_cancel(payout=Payout.objects.get(pk=ids[0]), reason="중복 보상", actor=finance_users[0])
    balances = ledger_balances()
    assert sum(balances.values()) == 0
    assert balances["payable"] == -40_000 and balances["expense"] == 40_000
    entry = LedgerEntry.objects.first()
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(amount_won=1)
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    # Creating payouts again makes one for the cancelled entitlement only (one live payout per entitlement).
    again = payouts_create_from_entitlements()
    assert len(again) == 1 and LedgerEntry.objects.filter(kind="accrued").count() == 6
    assert ledger_balances()["payable"] == -50_000 and BankAccount.objects.count() == 5
