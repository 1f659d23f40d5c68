"""Risk flags a finance user must see and decide on before a payout can be approved. Each flag carries the
reason in words. (A "burst of claims from one address" flag needs the client address at intake, which claims
do not store yet; it is left out until intake records it.)"""

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Count

from claims.models import Claimant
from compensation.models import Entitlement
from payouts.models import BankAccount, Payout

CHUNK = 5000
MIN_POLICY_SAMPLE = 20  # below this many payments a percentile says nothing


def _norm(name: str) -> str:
    return "".join((name or "").split()).casefold()


def holder_matches(*, holder_name: str, claimant_name: str) -> bool:
    return _norm(holder_name) == _norm(claimant_name)


def policy_amount_p95(policy_ids: Iterable[int]) -> dict[int, int | None]:
    """95th percentile (nearest rank) of the cash entitlements of each policy; None for a small sample."""
    result: dict[int, int | None] = {}
    for policy_id in set(policy_ids):
        amounts = list(
            Entitlement.objects.filter(kind=Entitlement.Kind.CASH, assessment__version__policy_id=policy_id)
            .exclude(status=Entitlement.Status.CANCELLED)
            .order_by("amount_won")
            .values_list("amount_won", flat=True)
        )
        result[policy_id] = amounts[math.ceil(0.95 * len(amounts)) - 1] if len(amounts) >= MIN_POLICY_SAMPLE else None
    return result


def risk_flags_compute(*, payout_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The flags of each payout, computed in bulk (a few grouped queries per 5,000 payouts)."""
    flags: dict[int, list[dict[str, Any]]] = {}
    for start in range(0, len(payout_ids), CHUNK):
        ids = payout_ids[start : start + CHUNK]
        rows = list(
            Payout.objects.filter(id__in=ids).values(
                "id", "amount_won", "policy_id", "claimant_id", "claimant__name", "claimant__phone"
            )
        )
        p95 = policy_amount_p95(r["policy_id"] for r in rows)
        accounts = {
            a["claimant_id"]: a
            for a in BankAccount.objects.filter(
                claimant_id__in=[r["claimant_id"] for r in rows], status=BankAccount.Status.ACTIVE
            ).values("claimant_id", "number_hash", "holder_name")
        }
        names_per_hash: dict[str, set[str]] = defaultdict(set)
        for a in BankAccount.objects.filter(
            number_hash__in={a["number_hash"] for a in accounts.values()}, status=BankAccount.Status.ACTIVE
        ).values("number_hash", "claimant__name"):
            names_per_hash[a["number_hash"]].add(_norm(a["claimant__name"]))
        shared_phones = dict(
            Claimant.objects.filter(phone__in={r["claimant__phone"] for r in rows})
            .values("phone")
            .annotate(n=Count("name", distinct=True))
            .filter(n__gt=1)
            .values_list("phone", "n")
        )
        for r in rows:
            found: list[dict[str, Any]] = []
            name = r["claimant__name"]
            account = accounts.get(r["claimant_id"])
            if account is not None:
                others = len(names_per_hash[account["number_hash"]] - {_norm(name)})
                if others:
                    found.append(
                        _flag("shared_account", f"같은 계좌가 이름이 다른 신고인 {others}명에게도 등록되어 있습니다.")
                    )
                if not holder_matches(holder_name=account["holder_name"], claimant_name=name):
                    found.append(
                        _flag("holder_mismatch", "예금주가 신고인과 다릅니다 (사업자는 대표자 명의일 수 있음).")
                    )
            phone_names = shared_phones.get(r["claimant__phone"])
            if phone_names:
                found.append(
                    _flag("shared_phone", f"같은 전화번호를 이름이 다른 신고인 {phone_names - 1}명도 사용합니다.")
                )
            limit = p95.get(r["policy_id"])
            if limit is not None and r["amount_won"] > limit:
                amount = r["amount_won"]
                found.append(
                    _flag("above_p95", f"금액 ₩{amount:,}이 보상 기준 지급액의 95백분위 ₩{limit:,}보다 큽니다.")
                )
            flags[r["id"]] = found
    return flags


def _flag(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


def flag_codes(flags: list[dict[str, Any]]) -> set[str]:
    return {f["code"] for f in flags}
