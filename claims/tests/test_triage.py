import pytest

from claims.triage import guess_subtype, triage


def test_affiliate_service_goes_to_affiliate_whatever_else():
    result = triage(service_affiliate_id=7, paid=True, claimed_amount=100_000, description="")
    assert (result.operator, result.affiliate_id, result.category, result.rule) == (
        "affiliate",
        7,
        "affiliate",
        "affiliate_service",
    )


def test_own_paid_is_paid_service_damage():
    result = triage(service_affiliate_id=None, paid=True, claimed_amount=None, description="")
    assert (result.category, result.rule) == ("paid_service_damage", "own_paid")


def test_own_free_with_money_is_free_service_monetary():
    result = triage(service_affiliate_id=None, paid=False, claimed_amount=420_000, description="")
    assert (result.category, result.rule) == ("free_service_monetary", "own_free_monetary")


def test_own_free_without_money_is_non_monetary_with_subtype():
    result = triage(service_affiliate_id=None, paid=False, claimed_amount=0, description="고생 많으셨어요, 힘내세요")
    assert (result.category, result.subtype, result.rule) == ("non_monetary", "encouragement", "own_non_monetary")


@pytest.mark.parametrize(
    ("text", "subtype"),
    [
        ("카카오톡 언제 복구되나요?", "inquiry"),
        ("보상 절차를 알려주세요", "inquiry"),
        ("너무 불편하고 화가 납니다", "complaint"),
        ("응원합니다!", "encouragement"),
        ("데이터센터를 이중화하면 좋겠습니다", "opinion"),
        ("", "opinion"),
    ],
)
def test_subtype_guess(text, subtype):
    assert guess_subtype(text) == subtype
