"""Risk flag: the payout's claim was filed in a burst from one client address (issue 7)."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from claims.models import Claim, Incident, Service
from claims.services import claim_submit
from core.clientip import address_hash
from payouts.models import Payout
from payouts.services.payouts import payouts_create_from_entitlements
from payouts.services.risk import burst_sizes
from payouts.tests.factories import make_entitlements

pytestmark = pytest.mark.django_db
T0 = timezone.now() - timedelta(days=3)


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.PAYOUTS = {**settings.PAYOUTS, "RISK_BURST_CLAIMS": 5, "RISK_BURST_MINUTES": 10}


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_burst_sizes_take_the_busiest_window_around_each_claim():
    window = timedelta(minutes=10)
    assert burst_sizes([at(m) for m in (0, 1, 2, 30, 31)], window) == [3, 3, 3, 2, 2]
    # Windows may straddle a claim: 4 and 8 are in both [0, 10] and [2, 12].
    assert burst_sizes([at(m) for m in (0, 4, 8, 12)], window) == [3, 3, 3, 3]
    assert burst_sizes([at(0), at(0), at(10), at(10.5)], window) == [3, 3, 3, 2]
    assert burst_sizes([], window) == []


def file_from(address: str, minutes: float) -> Claim:
    """Another claim from `address`, filed through intake as the form or the API would."""
    incident = Incident.objects.get(code="2022-pangyo-dc-fire")  # reference data from the claims migrations
    claim, _ = claim_submit(
        incident=incident,
        service=Service.objects.get(incident=incident, code="kakaotalk"),
        claimant={
            "kind": "individual",
            "name": "김민수",
            "email": "",
            "phone": f"010-7777-{int(minutes * 10):04d}",
            "business_no": "",
        },
        paid=False,
        claimed_amount=None,
        description="",
        channel=Claim.Channel.WEB,
        consent_privacy=True,
        received_at=at(minutes),
        submitted_from=address_hash(address),
    )
    return claim


def paid_claim(address: str, minutes: float) -> int:
    """A claim with an approved cash entitlement, marked as filed from `address` at `minutes`."""
    entitlement = make_entitlements(1, amounts=10_000)[0]
    # The payouts factory writes claims directly (like its entitlements); give this one its intake facts.
    Claim.objects.filter(pk=entitlement.claim_id).update(
        submitted_from=address_hash(address) if address else "", received_at=at(minutes)
    )
    return entitlement.claim_id


def flags_of(claim_id: int) -> list[dict[str, str]]:
    return Payout.objects.get(claim_id=claim_id).risk_flags


def test_claim_filed_in_a_burst_is_flagged_with_the_reason_in_korean(finance_users):
    burst = paid_claim("203.0.113.7", 4)
    for minutes in (0, 2, 6, 8):
        file_from("203.0.113.7", minutes)
    spread = paid_claim("203.0.113.8", 0)
    for minutes in (5, 10, 15, 20):  # five claims, but never more than three within ten minutes
        file_from("203.0.113.8", minutes)
    no_address = paid_claim("", 0)
    payouts_create_from_entitlements()

    assert flags_of(burst) == [
        {"code": "address_burst", "message": "이 신고와 같은 접속 주소에서 10분 안에 신고 5건이 접수되었습니다."}
    ]
    assert flags_of(spread) == [] and flags_of(no_address) == []
    assert Payout.objects.get(claim_id=burst).needs_risk_decision


def test_a_later_claim_from_a_burst_address_is_not_flagged(finance_users):
    for minutes in (0, 1, 2, 3, 4):
        file_from("203.0.113.7", minutes)
    later = paid_claim("203.0.113.7", 60)
    within = paid_claim("203.0.113.7", 12)  # [2, 12] holds 2, 3, 4 and this one: four, below five
    payouts_create_from_entitlements()
    assert flags_of(later) == [] and flags_of(within) == []


def test_the_threshold_comes_from_settings(finance_users, settings):
    claim_id = paid_claim("203.0.113.7", 0)
    file_from("203.0.113.7", 1)
    settings.PAYOUTS = {**settings.PAYOUTS, "RISK_BURST_CLAIMS": 2, "RISK_BURST_MINUTES": 5}
    payouts_create_from_entitlements()
    assert "5분 안에 신고 2건" in flags_of(claim_id)[0]["message"]
