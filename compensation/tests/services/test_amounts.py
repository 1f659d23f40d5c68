"""Caps per claim and per claimant, minimum payment, proportional remedies and causation multipliers."""

from decimal import Decimal

from claims.models import Service
from compensation.models import CausationParameter
from compensation.services import causation_parameter_save
from compensation.simulation import simulate
from compensation.tests.factories import add_rule, adopt, assessed, draft_version, money_claim, run_bulk


def _run(version):
    adopted = adopt(version)
    run_bulk(adopted)
    result = assessed(adopted)
    sim = simulate(version=adopted)
    assert sim["totals"]["cash_won"] == sum(a.amount_won for a in result.values())
    return result


def test_cap_per_claim_and_minimum_payment(db):
    version = draft_version(cap_per_claim_won=40_000, minimum_payment_won=5_000)
    add_rule(version, priority=10, remedy="cash_proportional", percent=Decimal("10"), proportional_base="claimed")
    big = money_claim(kind="individual", claimed_amount=900_000)  # 90,000 → capped at 40,000
    mid = money_claim(kind="individual", claimed_amount=120_000)  # 12,000
    tiny = money_claim(kind="individual", claimed_amount=40_000)  # 4,000 < minimum → 0
    result = _run(version)
    assert result[big.pk].amount_won == 40_000
    assert "1건 상한" in result[big.pk].explanation
    assert result[mid.pk].amount_won == 12_000
    assert result[tiny.pk].amount_won == 0
    assert "최소 지급액" in result[tiny.pk].explanation


def test_cap_per_claimant_sums_claims_of_the_same_business_in_id_order(db):
    version = draft_version(cap_per_claimant_won=70_000, minimum_payment_won=1_000)
    add_rule(version, priority=10, remedy="cash_flat", amount_won=30_000)
    business = "1234567891"
    from core.validators import business_no_with_check_digit

    business = business_no_with_check_digit("123456789")
    first = money_claim(business=business, service_code="kakaotalk")
    second = money_claim(business=business, service_code="kakao_mail")
    third = money_claim(business=business, service_code="daum_cafe")  # only 10,000 left
    fourth = money_claim(business=business, service_code="daum_mail")  # nothing left
    other = money_claim()
    result = _run(version)
    assert [result[c.pk].amount_won for c in (first, second, third, fourth)] == [30_000, 30_000, 10_000, 0]
    assert "신고인별 상한" in result[third.pk].explanation
    assert result[other.pk].amount_won == 30_000


def test_monthly_fee_proportional_and_causation_multipliers(db):
    version = draft_version()
    drawer = Service.objects.get(code="talk_drawer_plus", incident=version.policy.incident)
    causation_parameter_save(
        parameter=CausationParameter(
            version=version, service=drawer, alternative_available=True, alternative_factor=Decimal("0.5"),
            sector_margin=Decimal("0.3"), market_share=Decimal("0.9"),
        ),
        actor=None,
    )  # fmt: skip
    add_rule(
        version, priority=10, remedy="cash_proportional", percent=Decimal("200"),
        proportional_base="monthly_fee_days", match_paid=True, use_alternative=True,
    )  # fmt: skip
    add_rule(
        version, priority=20, remedy="cash_proportional", percent=Decimal("100"), proportional_base="claimed",
        use_sector_margin=True,
    )  # fmt: skip
    paid = money_claim(kind="individual", service_code="talk_drawer_plus", paid=True, claimed_amount=10_000)
    shop = money_claim(service_code="talk_drawer_plus", claimed_amount=333_333)
    result = _run(version)
    # 1,900 won/month × 6 days (127.7 h) / 30 × 200% × 0.5 (alternative available) = 380 (floor).
    assert result[paid.pk].amount_won == 380
    assert result[paid.pk].inputs["service"]["outage_days"] == 6
    # 333,333 × 30% margin = 99,999.9 → 99,999.
    assert result[shop.pk].amount_won == 99_999
    assert "업종 이익률 0.3" in result[shop.pk].explanation
