import pytest
from django.core.exceptions import ValidationError

from core.masking import mask_name, mask_phone
from core.validators import (
    business_no_with_check_digit,
    contains_rrn,
    normalize_business_no,
    normalize_phone,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("010-1234-5678", "01012345678"),
        ("+82 10 1234 5678", "01012345678"),
        ("02-123-4567", "021234567"),
        ("031-123-4567", "0311234567"),
        ("011 234 5678", "0112345678"),
    ],
)
def test_phone_is_normalised_to_digits(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "12345", "010-12-34", "123-4567-8901", "abc"])
def test_bad_phone_is_refused(raw):
    with pytest.raises(ValidationError):
        normalize_phone(raw)


def test_business_number_check_digit():
    # 220-81-62517 is a published, valid business registration number.
    assert normalize_business_no("220-81-62517") == "2208162517"
    with pytest.raises(ValidationError):
        normalize_business_no("220-81-62518")
    with pytest.raises(ValidationError):
        normalize_business_no("12345")


def test_generated_business_numbers_pass_the_check():
    for first_nine in ["123456789", "101010101", "999999999"]:
        assert normalize_business_no(business_no_with_check_digit(first_nine))


@pytest.mark.parametrize("text", ["900101-1234567", "9001011234567", "주민번호 851231 2345678 입니다"])
def test_rrn_is_detected(text):
    assert contains_rrn(text)


@pytest.mark.parametrize(
    "text", ["010-1234-5678", "PGY-2022-0104231", "금액 1300000원", "20221015-1", "991332-1234567"]
)
def test_non_rrn_numbers_pass(text):
    assert not contains_rrn(text)


def test_masks():
    assert mask_phone("01012345678") == "010-****-5678"
    assert mask_name("김민수") == "김*수"
    assert mask_name("남궁민수") == "남**수"
    assert mask_name("이훈") == "이*"
