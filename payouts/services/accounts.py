"""Bank accounts given by claimants on the public status page."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from claims.models import Claimant
from payouts import crypto
from payouts.banks import BANKS
from payouts.models import BankAccount, Payout
from payouts.services.risk import holder_matches

MIN_DIGITS, MAX_DIGITS = 8, 16


def bank_account_clean(*, claimant: Claimant, bank_code: str, account_number: str, holder_name: str) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    number = crypto.normalize_account_number(account_number)
    holder = " ".join((holder_name or "").split())
    if bank_code not in BANKS:
        errors["bank_code"] = ["목록에 있는 은행을 고르세요."]
    if not MIN_DIGITS <= len(number) <= MAX_DIGITS:
        errors["account_number"] = [f"계좌번호는 숫자 {MIN_DIGITS}~{MAX_DIGITS}자리입니다."]
    if not holder:
        errors["holder_name"] = ["예금주를 적어 주세요."]
    elif claimant.kind == Claimant.Kind.INDIVIDUAL and not holder_matches(
        holder_name=holder, claimant_name=claimant.name
    ):
        # Individuals are paid only into their own account; a business may name its representative.
        errors["holder_name"] = ["예금주는 신고인 본인이어야 합니다."]
    if errors:
        raise ValidationError(errors)
    return {"bank_code": bank_code, "number": number, "holder_name": holder}


@transaction.atomic
def bank_account_register(
    *, claimant: Claimant, bank_code: str, account_number: str, holder_name: str, actor: Any = None
) -> BankAccount:
    """Store the claimant's account (encrypted), replacing the previous one, then re-check the claimant's
    open payouts and send again those that failed for want of a good account."""
    from payouts.services.payouts import payout_requeue, payouts_refresh_risk

    data = bank_account_clean(
        claimant=claimant, bank_code=bank_code, account_number=account_number, holder_name=holder_name
    )
    Claimant.objects.select_for_update().get(pk=claimant.pk)  # one registration per claimant at a time
    number_hash = crypto.account_hash(bank_code=data["bank_code"], number=data["number"])
    current = BankAccount.objects.filter(claimant=claimant, status=BankAccount.Status.ACTIVE).first()
    if current is not None and current.number_hash == number_hash and current.holder_name == data["holder_name"]:
        return current
    if current is not None:
        current.status = BankAccount.Status.REPLACED
        current.save(update_fields=["status", "updated_at"])
    account = BankAccount(
        claimant=claimant,
        bank_code=data["bank_code"],
        number_encrypted=crypto.encrypt_account_number(data["number"]),
        number_hash=number_hash,
        number_last4=data["number"][-4:],
        holder_name=data["holder_name"],
    )
    account.full_clean()
    account.save()
    open_payouts = list(
        Payout.objects.filter(
            claimant=claimant,
            status__in=[Payout.Status.PENDING, Payout.Status.FAILED_PERMANENT, Payout.Status.RETURNED],
        ).values_list("id", flat=True)
    )
    payouts_refresh_risk(payout_ids=open_payouts)
    for payout in Payout.objects.filter(
        id__in=open_payouts, status__in=[Payout.Status.FAILED_PERMANENT, Payout.Status.RETURNED]
    ):
        if not payout.needs_risk_decision and payout.risk_decision != Payout.RiskDecision.BLOCKED:
            payout_requeue(payout=payout, actor=actor)
    return account


def bank_account_rotate_keys(*, batch_size: int = 1000) -> int:
    """Re-encrypt every stored number under the newest key; afterwards older keys can be removed."""
    rotated = 0
    last_id = 0
    while True:
        with transaction.atomic():
            rows = list(BankAccount.objects.select_for_update().filter(id__gt=last_id).order_by("id")[:batch_size])
            if not rows:
                return rotated
            for row in rows:
                row.number_encrypted = crypto.rotate_token(row.number_encrypted)
            BankAccount.objects.bulk_update(rows, ["number_encrypted"])
            rotated += len(rows)
            last_id = rows[-1].pk
