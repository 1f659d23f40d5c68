"""Rule matching and priorities: every condition, first match wins, exclusions, no rule → none."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from claims.models import Claim
from claims.tests.factories import submit_claim
from compensation.simulation import simulate
from compensation.tests.factories import add_rule, adopt, assessed, draft_version, money_claim, run_bulk

KST = ZoneInfo("Asia/Seoul")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _by_claim(version):
    run_bulk(version)
    result = assessed(version)
    # The SQL simulator must agree with the row-by-row assessment on every test set.
    sim = simulate(version=version)
    assert sim["totals"]["claims"] == len(result)
    assert sim["totals"]["cash_won"] == sum(a.amount_won for a in result.values())
    return result


def test_first_match_wins_in_priority_order_not_creation_order(db):
    version = draft_version()
    add_rule(version, priority=20, remedy="cash_flat", amount_won=5_000, name="누구나")
    add_rule(version, priority=10, remedy="cash_flat", amount_won=10_000, match_claimant_kind="small_business")
    shop = money_claim(kind="small_business")
    person = money_claim(kind="individual")
    result = _by_claim(adopt(version))
    assert result[shop.pk].amount_won == 10_000
    assert result[shop.pk].rule.priority == 10
    assert result[person.pk].amount_won == 5_000
    assert result[person.pk].rule.priority == 20


def test_conditions_operator_category_paid_service_amount_range(db):
    version = draft_version()
    add_rule(version, priority=10, remedy="cash_flat", amount_won=1_000, match_paid=True, services=["emoticon_plus"])
    add_rule(
        version, priority=20, remedy="cash_flat", amount_won=2_000, match_category="free_service_monetary",
        min_claimed_won=100_000, max_claimed_won=200_000,
    )  # fmt: skip
    add_rule(version, priority=30, remedy="cash_flat", amount_won=3_000, match_operator="own")
    paid_emoticon = money_claim(kind="individual", service_code="emoticon_plus", paid=True, claimed_amount=4_900)
    paid_drawer = money_claim(kind="individual", service_code="talk_drawer_plus", paid=True, claimed_amount=1_900)
    in_range = money_claim(kind="individual", claimed_amount=150_000)
    out_of_range = money_claim(kind="individual", claimed_amount=200_001)
    result = _by_claim(adopt(version))
    assert paid_emoticon.category == Claim.Category.PAID_SERVICE_DAMAGE
    assert result[paid_emoticon.pk].amount_won == 1_000
    assert result[paid_drawer.pk].amount_won == 3_000
    assert result[in_range.pk].amount_won == 2_000
    assert result[out_of_range.pk].amount_won == 3_000


def test_outage_hours_evidence_and_filing_window(db):
    version = draft_version()
    # daum_news was down ~15 h, kakaotalk ~128 h (reference data).
    add_rule(version, priority=10, remedy="cash_flat", amount_won=7_000, min_outage_hours=100)
    add_rule(version, priority=20, remedy="cash_flat", amount_won=6_000, match_evidence=True)
    window_start = datetime(2022, 10, 20, tzinfo=KST)
    add_rule(
        version, priority=30, remedy="cash_flat", amount_won=5_000,
        filed_from=window_start, filed_until=window_start + timedelta(days=1),
    )  # fmt: skip
    long_outage = money_claim(kind="individual", service_code="kakaotalk")
    with_proof = money_claim(
        kind="individual", service_code="daum_news", evidence=[SimpleUploadedFile("p.pdf", PDF, "application/pdf")]
    )
    in_window = money_claim(kind="individual", service_code="daum_news", received_at=window_start + timedelta(hours=2))
    late = money_claim(kind="individual", service_code="daum_news", received_at=window_start + timedelta(days=3))
    result = _by_claim(adopt(version))
    assert result[long_outage.pk].amount_won == 7_000
    assert result[with_proof.pk].amount_won == 6_000
    assert result[in_window.pk].amount_won == 5_000
    assert result[late.pk].remedy == "none"
    assert result[late.pk].rule is None
    assert "적용 규칙 없음" in result[late.pk].explanation


def test_transferred_and_non_monetary_excluded_unless_a_rule_says_so(db):
    version = draft_version()
    add_rule(version, priority=10, remedy="cash_flat", amount_won=1_000)
    affiliate = money_claim(kind="individual", service_code="kakao_t")
    question = submit_claim(description="카카오톡이 언제 복구되나요? 문의드립니다.")
    money = money_claim(kind="individual")
    assert affiliate.category == Claim.Category.AFFILIATE
    assert question.category == Claim.Category.NON_MONETARY
    result = _by_claim(adopt(version))
    assert set(result) == {money.pk}

    second = draft_version()
    add_rule(
        second, priority=5, remedy="in_kind", in_kind_item="이모티콘", in_kind_value_won=2_000,
        match_category="non_monetary", include_excluded=True,
    )  # fmt: skip
    add_rule(second, priority=10, remedy="cash_flat", amount_won=1_000)
    result = _by_claim(adopt(second))
    assert result[question.pk].remedy == "in_kind"
    assert affiliate.pk not in result


@pytest.mark.parametrize(
    ("claimed", "tier", "amount"), [(120_000, 1, 30_000), (300_000, 1, 30_000), (420_000, 2, 50_000)]
)
def test_tiers_and_explanation(db, claimed, tier, amount):
    version = draft_version()
    add_rule(
        version, priority=10, remedy="cash_tiered", match_claimant_kind="small_business",
        bands=[(0, 300_000, 30_000), (300_001, 500_000, 50_000)],
    )  # fmt: skip
    add_rule(
        version, priority=20, remedy="individual_review", match_claimant_kind="small_business",
        min_claimed_won=500_001,
    )  # fmt: skip
    claim = money_claim(claimed_amount=claimed)
    big = money_claim(claimed_amount=800_000)
    adopted = adopt(version)
    result = _by_claim(adopted)
    assert (result[claim.pk].tier, result[claim.pk].amount_won) == (tier, amount)
    assert result[claim.pk].explanation == (
        f"소상공인 · 신고 피해액 ₩{claimed:,} → {tier}구간 ₩{amount:,} ({adopted.adoption_label})"
    )
    assert "협의체" in adopted.adoption_label and "의결 1호" in adopted.adoption_label
    assert result[big.pk].state == "individual_review"
    assert result[big.pk].inputs["claim"]["claimed_amount"] == 800_000
