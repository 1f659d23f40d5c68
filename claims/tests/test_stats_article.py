"""The statistics report reproduces the figures Kakao gave the council (Hankyung, 2 Dec 2022; /work/shared/seed).

"피해 호소 사례가 총 10만5116건 … 83%인 8만7198건이 카카오 자체 서비스 관련 건 … 나머지 17%는 … 계열사 연관 사례.
카카오 관련 사례 중 … 일반 이용자가 89.6% … 소상공인은 10.2%, 중대형 기업은 0.2% … 유료 서비스에 대한 피해 접수 건수는
1만4918건(17.1%), 무료 서비스 중 금전적 피해를 주장한 내용은 약 1만3198건(15.1%) … 나머지 67.8%는 … 문의, 의견, 항의, 격려."

The category and claimant shares are of the 87,198 own-service reports (14,918 / 87,198 = 17.1%), which is exactly what
`own.by_category` and `own.by_claimant_kind` report. The article gives no claimant counts, only shares; the counts
below are the integers nearest 89.6 / 10.2 / 0.2% of 87,198 that add up to it.
"""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db.models import F

from bench.synth_sql import insert_claims
from claims.models import Claim

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

TOTAL = 105_116
OWN = 87_198
AFFILIATE = TOTAL - OWN  # 17,918
OWN_CATEGORIES = {"paid_service_damage": 14_918, "free_service_monetary": 13_198, "non_monetary": 59_082}
OWN_KINDS = {"individual": 78_130, "small_business": 8_894, "enterprise": 174}
# Affiliate reports get a very different claimant mix: were they counted into `own`, the shares would move.
AFFILIATE_KINDS = {"individual": 9_000, "small_business": 8_000, "enterprise": 918}


def percent(share: float, places: int) -> Decimal:
    """A share as the article prints it: a percentage rounded half-up to `places` decimals."""
    return (Decimal(str(share)) * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@pytest.fixture
def article_claims(incident):
    insert_claims(
        incident=incident,
        operator=Claim.Operator.OWN,
        categories=OWN_CATEGORIES,
        kinds=OWN_KINDS,
        statuses={"received": 50_000, "in_review": 20_000, "answered": 17_198},
        claimants_per_kind=100,
    )
    insert_claims(
        incident=incident,
        operator=Claim.Operator.AFFILIATE,
        categories={"affiliate": AFFILIATE},
        kinds=AFFILIATE_KINDS,
        statuses={"transferred": 15_000, "received": 2_918},
        salt=1,
        claimants_per_kind=100,
    )
    return incident


def test_report_reproduces_the_article(agent_client, article_claims):
    response = agent_client.get("/api/v1/stats/claims/", {"incident": article_claims.code, "fresh": "1"})
    assert response.status_code == 200
    body = response.json()

    assert body["total"] == TOTAL
    operator = body["by_operator"]
    assert operator["own"] == {"count": OWN, "share": 0.8295}
    assert operator["affiliate"] == {"count": AFFILIATE, "share": 0.1705}
    assert (percent(operator["own"]["share"], 0), percent(operator["affiliate"]["share"], 0)) == (83, 17)

    own = body["own"]
    assert own["count"] == OWN
    categories = own["by_category"]
    assert {key: entry["count"] for key, entry in categories.items()} == OWN_CATEGORIES
    assert [categories[key]["share"] for key in OWN_CATEGORIES] == [0.1711, 0.1514, 0.6776]
    assert [percent(categories[key]["share"], 1) for key in OWN_CATEGORIES] == [
        Decimal("17.1"),
        Decimal("15.1"),
        Decimal("67.8"),
    ]

    kinds = own["by_claimant_kind"]
    assert {key: entry["count"] for key, entry in kinds.items()} == OWN_KINDS
    assert [kinds[key]["share"] for key in OWN_KINDS] == [0.896, 0.102, 0.002]
    assert [percent(kinds[key]["share"], 1) for key in OWN_KINDS] == [Decimal("89.6"), Decimal("10.2"), Decimal("0.2")]

    # The other groups account for every report.
    for group in ("by_service", "by_status", "by_day"):
        assert sum(entry["count"] for entry in body[group].values()) == TOTAL, group
    assert body["by_status"]["transferred"] == {"count": 15_000, "share": 0.1427}
    assert (
        sum(body["by_service"][code]["count"] for code in ("kakao_t", "kakaopay", "kakao_page", "melon")) == AFFILIATE
    )
    # Reports came in from 19 Oct to 6 Nov 2022 (KST).
    assert min(body["by_day"]) == "2022-10-19" and max(body["by_day"]) <= "2022-11-06"

    # The bulk loader wrote what intake would have: claimant kind copied, operator, affiliate and payment in step.
    claims = Claim.objects.filter(incident=article_claims)
    assert claims.filter(operator="own", affiliate__isnull=False).count() == 0
    assert claims.filter(operator="affiliate", service__affiliate__isnull=True).count() == 0
    assert claims.filter(category="paid_service_damage", paid=False).count() == 0
    assert claims.filter(category="free_service_monetary", claimed_amount__isnull=True).count() == 0
    assert claims.exclude(claimant_kind=F("claimant__kind")).count() == 0
