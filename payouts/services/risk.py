"""Risk flags a finance user must see and decide on before a payout can be approved. Each flag carries the
reason in words."""

import math
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count

from claims.models import Claim, Claimant
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
                "id",
                "amount_won",
                "policy_id",
                "claimant_id",
                "claimant__name",
                "claimant__phone",
                "claim_id",
                "claim__submitted_from",
                "claim__received_at",
            )
        )
        bursts = address_bursts(
            claims=[(r["claim_id"], r["claim__submitted_from"], r["claim__received_at"]) for r in rows]
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
            burst = bursts.get(r["claim_id"])
            if burst is not None:
                minutes = settings.PAYOUTS["RISK_BURST_MINUTES"]
                found.append(
                    _flag(
                        "address_burst",
                        f"이 신고와 같은 접속 주소에서 {minutes}분 안에 신고 {burst}건이 접수되었습니다.",
                    )
                )
            flags[r["id"]] = found
    return flags


def burst_sizes(times: Sequence[datetime], window: timedelta) -> list[int]:
    """For sorted times: the most claims in any `window`-long span containing each one (at least 1).

    The busiest span around claim i can be taken to end at some claim j >= i with t_j <= t_i + window, so the
    answer is the largest "claims in the span ending at j" over those j: two pointers and a sliding maximum."""
    ending: list[int] = []
    lo = 0
    for j, t in enumerate(times):
        while t - times[lo] > window:
            lo += 1
        ending.append(j - lo + 1)
    best: list[int] = []
    candidates: deque[int] = deque()  # indices j >= i within reach, their `ending` decreasing
    hi = 0
    for i, t in enumerate(times):
        while hi < len(times) and times[hi] - t <= window:
            while candidates and ending[candidates[-1]] <= ending[hi]:
                candidates.pop()
            candidates.append(hi)
            hi += 1
        while candidates[0] < i:
            candidates.popleft()
        best.append(ending[candidates[0]])
    return best


def address_bursts(*, claims: Sequence[tuple[int, str, datetime]]) -> dict[int, int]:
    """Of the given claims (id, address hash, received at), those filed in a burst from one address: at least
    RISK_BURST_CLAIMS claims from that address within RISK_BURST_MINUTES. Maps claim id to the burst's size."""
    threshold = int(settings.PAYOUTS["RISK_BURST_CLAIMS"])
    window = timedelta(minutes=int(settings.PAYOUTS["RISK_BURST_MINUTES"]))
    wanted = [(pk, address, at) for pk, address, at in claims if address]
    if not wanted:
        return {}
    ids = {pk for pk, _, _ in wanted}
    # Only the neighbourhood of the claims asked about; the partial (submitted_from, received_at) index serves it.
    nearby = (
        Claim.objects.filter(
            submitted_from__in={address for _, address, _ in wanted},
            received_at__gte=min(at for _, _, at in wanted) - window,
            received_at__lte=max(at for _, _, at in wanted) + window,
        )
        # Repeats the index's condition: with a long IN list PostgreSQL cannot prove it on its own.
        .exclude(submitted_from="")
        .order_by("submitted_from", "received_at", "id")
        .values_list("submitted_from", "received_at", "id")
    )
    per_address: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for address, at, pk in nearby:
        per_address[address].append((at, pk))
    result: dict[int, int] = {}
    for filed in per_address.values():
        sizes = burst_sizes([at for at, _ in filed], window)
        for (_, pk), size in zip(filed, sizes, strict=True):
            if pk in ids and size >= threshold:
                result[pk] = size
    return result


def _flag(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


def flag_codes(flags: list[dict[str, Any]]) -> set[str]:
    return {f["code"] for f in flags}
