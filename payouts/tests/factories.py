"""Payout factories.

Approved entitlements are compensation's output. Tests here need a thousand of them in a second, so they are
written directly in the shape compensation's services leave them (an approved assessment, an APPROVED
entitlement); payouts themselves are always made and moved through payouts services."""

import itertools
import time
from datetime import timedelta
from typing import Any

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from claims.models import Claim, Claimant, Incident, Service
from compensation.models import Assessment, Entitlement, Policy, PolicyVersion
from payouts import crypto
from payouts.models import BankAccount

_seq = itertools.count(1)
# References must not collide with an earlier run's rows (the benchmark reuses its database).
_RUN = format(time.time_ns() // 1_000_000 % 36**7, "X")
SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = ["민수", "서연", "지훈", "하은", "도윤", "수빈", "현우", "지민", "예준", "서윤", "건우", "유진"]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"fin{n}")
    is_staff = True

    @factory.post_generation
    def groups(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        for name in extracted or ():
            self.groups.add(Group.objects.get(name=name))


def incident_and_service() -> tuple[Incident, Service]:
    incident, _ = Incident.objects.get_or_create(
        code="payouts-test",
        defaults={
            "name": "지급 시험 장애",
            "company_name": "시험",
            "occurred_at": timezone.now() - timedelta(days=30),
            "reference_prefix": "PAYT",
        },
    )
    service, _ = Service.objects.get_or_create(
        incident=incident, code="talk", defaults={"name": "톡", "outage_started_at": incident.occurred_at}
    )
    return incident, service


def policy_version(*, code: str = "pay-policy") -> PolicyVersion:
    incident, _ = incident_and_service()
    policy, _ = Policy.objects.get_or_create(incident=incident, code=code, defaults={"name": f"보상 기준 {code}"})
    version = PolicyVersion.objects.filter(policy=policy).first()
    if version is None:
        version = PolicyVersion.objects.create(policy=policy, number=1, title="1판")
    return version


def person_name(n: int) -> str:
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n // len(SURNAMES)) % len(GIVEN)] + str(n)


def make_entitlements(
    count: int,
    *,
    amounts: Any = None,
    kind: str = Entitlement.Kind.CASH,
    with_account: bool = True,
    policy_code: str = "pay-policy",
    claimant_kind: str = Claimant.Kind.INDIVIDUAL,
    names: list[str] | None = None,
    phones: list[str] | None = None,
) -> list[Entitlement]:
    """`count` approved entitlements, each with its own claimant, claim and approved assessment."""
    incident, service = incident_and_service()
    version = policy_version(code=policy_code)
    start = next(_seq) * 100_000
    now = timezone.now()
    numbers = range(start, start + count)
    claimants = Claimant.objects.bulk_create(
        [
            Claimant(
                kind=claimant_kind,
                name=names[i] if names else person_name(n),
                phone=phones[i] if phones else f"010{n % 100_000_000:08d}",
                business_no="" if claimant_kind == Claimant.Kind.INDIVIDUAL else f"{n % 10**10:010d}",
            )
            for i, n in enumerate(numbers)
        ]
    )
    claims = Claim.objects.bulk_create(
        [
            Claim(
                reference=f"PAYT-{_RUN}-{n:09d}",
                incident=incident,
                service=service,
                claimant=c,
                claimant_kind=c.kind,
                paid=True,
                claimed_amount=100_000,
                channel=Claim.Channel.WEB,
                received_at=now,
                consent_privacy=True,
                status=Claim.Status.ASSESSED,
                operator=Claim.Operator.OWN,
                category=Claim.Category.PAID_SERVICE_DAMAGE,
                triage_rule="test",
            )
            for c, n in zip(claimants, numbers, strict=True)
        ]
    )
    assessments = Assessment.objects.bulk_create(
        [
            Assessment(
                claim=claim,
                version=version,
                claimant_key=claim.claimant.phone,
                remedy="cash_flat",
                amount_won=_amount(amounts, i),
                explanation="시험",
                state=Assessment.State.APPROVED,
                decision=Assessment.Decision.ACCEPT,
                decided_at=now,
            )
            for i, claim in enumerate(claims)
        ]
    )
    entitlements = Entitlement.objects.bulk_create(
        [
            Entitlement(
                claim=a.claim,
                claimant=a.claim.claimant,
                assessment=a,
                kind=kind,
                amount_won=a.amount_won,
                item_description="" if kind == Entitlement.Kind.CASH else "이모티콘 이용권",
                service_credit_days=30 if kind == Entitlement.Kind.SERVICE_CREDIT else 0,
            )
            for a in assessments
        ]
    )
    if with_account and kind == Entitlement.Kind.CASH:
        BankAccount.objects.bulk_create(
            [bank_account_row(c, number=f"1002{n:09d}") for c, n in zip(claimants, numbers, strict=True)]
        )
    return entitlements


def _amount(amounts: Any, i: int) -> int:
    if amounts is None:
        return 10_000 + (i % 50) * 1_000
    if callable(amounts):
        return int(amounts(i))
    if isinstance(amounts, int):
        return amounts
    return int(amounts[i])


def bank_account_row(
    claimant: Claimant, *, number: str, bank_code: str = "004", holder: str | None = None
) -> BankAccount:
    """An ACTIVE account row as `bank_account_register` stores it (for bulk set-up)."""
    return BankAccount(
        claimant=claimant,
        bank_code=bank_code,
        number_encrypted=crypto.encrypt_account_number(number),
        number_hash=crypto.account_hash(bank_code=bank_code, number=number),
        number_last4=number[-4:],
        holder_name=holder or claimant.name,
    )
