"""Realistic synthetic claims at any size, in the import CSV layout.

The mix follows what Kakao reported for 19 Oct – 6 Nov 2022: 17% of reports about affiliate services,
and of the own-service reports 17.1% paid-service damage, 15.1% free-service money claims and 67.8%
non-monetary; claimants 89.6% individuals, 10.2% small businesses, 0.2% larger companies.
About 1% of claimants file twice about the same service (probable duplicates).

    python -m bench.synth 105116 var/bench/claims.csv
"""

import csv
import random
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from core.validators import business_no_with_check_digit

KST = ZoneInfo("Asia/Seoul")
COLUMNS = [
    "external_id",
    "received_at",
    "channel",
    "claimant_kind",
    "name",
    "email",
    "phone",
    "business_no",
    "service",
    "paid",
    "claimed_amount",
    "description",
]

OWN_SERVICES = ["kakaotalk", "kakao_mail", "daum_mail", "kakao_map", "daum_news", "daum_cafe", "kakao_story"]
OWN_PAID_SERVICES = ["talk_drawer_plus", "emoticon_plus", "kakaotalk", "kakao_mail"]
AFFILIATE_SERVICES = ["kakao_t", "kakaopay", "kakao_page", "melon"]
SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = ["민수", "서연", "지훈", "하은", "도윤", "수빈", "현우", "지민", "예준", "서윤", "건우", "유진", "상철", "미경"]
SHOPS = ["꽃집", "치킨", "카페", "미용실", "분식", "네일샵", "공방", "택배", "학원", "세탁소"]
NON_MONETARY_TEXT = [
    "카카오톡이 언제 복구되나요? 문의드립니다.",
    "서비스 장애가 너무 길어서 불편했습니다. 재발 방지 대책이 필요합니다.",
    "복구하느라 고생 많으셨습니다. 힘내세요!",
    "데이터센터 이중화에 대한 의견을 드립니다.",
    "정말 화가 납니다. 책임지고 보상하세요.",
    "메일 확인이 안 되어 업무에 지장이 있었습니다.",
]
MONEY_TEXT = [
    "카카오톡 주문 채널이 멈춰서 주말 매출을 놓쳤습니다.",
    "카카오T 호출이 안 되어 택시 영업을 못 했습니다.",
    "이용권 기간 동안 서비스를 쓰지 못했습니다.",
    "예약 알림이 가지 않아 손님이 오지 않았습니다.",
]
CHANNELS = ["web"] * 8 + ["call_center", "api"]
START = datetime(2022, 10, 19, 9, 0, tzinfo=KST)
SPAN_SECONDS = int((datetime(2022, 11, 6, 23, 59, tzinfo=KST) - START).total_seconds())


def _phone(rng: random.Random) -> str:
    return f"010-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"


def generate_rows(count: int, *, seed: int = 2022) -> Iterator[dict[str, str]]:
    rng = random.Random(seed)
    previous: list[dict[str, str]] = []
    for number in range(1, count + 1):
        if previous and rng.random() < 0.01:
            # The same person reports the same service again, a little later.
            row = dict(rng.choice(previous))
            row["external_id"] = f"EXT-{number:07d}"
            row["description"] = row["description"] + " (재접수)"
            yield row
            continue
        kind_roll = rng.random()
        kind = "individual" if kind_roll < 0.896 else ("small_business" if kind_roll < 0.998 else "enterprise")
        business_no = ""
        if kind == "individual":
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        else:
            name = f"{rng.choice(SURNAMES)}네 {rng.choice(SHOPS)}"
            business_no = business_no_with_check_digit(
                f"{rng.randint(101, 999)}{rng.randint(10, 99)}{rng.randint(1000, 9999)}"
            )
        category_roll = rng.random()
        if category_roll < 0.17:
            service, paid = rng.choice(AFFILIATE_SERVICES), rng.random() < 0.3
            amount = str(rng.randint(1, 60) * 10_000) if rng.random() < 0.5 else ""
            text = rng.choice(MONEY_TEXT)
        else:
            own_roll = rng.random()
            if own_roll < 0.171:
                service, paid = rng.choice(OWN_PAID_SERVICES), True
                amount = str(rng.randint(1, 100) * 1_000) if rng.random() < 0.6 else ""
                text = rng.choice(MONEY_TEXT)
            elif own_roll < 0.171 + 0.151:
                service, paid = rng.choice(OWN_SERVICES), False
                amount = str(rng.choice([50_000, 120_000, 300_000, 420_000, 800_000, 2_500_000]))
                text = rng.choice(MONEY_TEXT)
            else:
                service, paid, amount = rng.choice(OWN_SERVICES), False, ""
                text = rng.choice(NON_MONETARY_TEXT)
        received = START + timedelta(seconds=int(SPAN_SECONDS * rng.random() ** 1.6))
        row = {
            "external_id": f"EXT-{number:07d}",
            "received_at": received.isoformat(),
            "channel": rng.choice(CHANNELS),
            "claimant_kind": kind,
            "name": name,
            "email": f"user{number}@example.kr" if rng.random() < 0.7 else "",
            "phone": _phone(rng),
            "business_no": business_no,
            "service": service,
            "paid": "Y" if paid else "N",
            "claimed_amount": amount,
            "description": text,
        }
        if len(previous) < 5000:
            previous.append(row)
        yield row


def write_csv(path: Path, count: int, *, seed: int = 2022, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(generate_rows(count, seed=seed))
    return path


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 105_116
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("var/bench/claims.csv")
    print(write_csv(target, size))
