"""The 2022 Pangyo data centre fire and its service catalogue. Ordinary data: admins may edit or add more."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import migrations

KST = ZoneInfo("Asia/Seoul")
FIRE = datetime(2022, 10, 15, 15, 19, tzinfo=KST)

AFFILIATES = [
    ("kakao_mobility", "카카오모빌리티", "1599-9400", "https://www.kakaomobility.com"),
    ("kakaopay", "카카오페이", "1644-7405", "https://www.kakaopay.com"),
    ("kakao_entertainment", "카카오엔터테인먼트", "1566-7727", "https://www.kakaoent.com"),
]

# code, name, affiliate, restored (KST), monthly fee in won for paid subscriptions
SERVICES = [
    ("kakaotalk", "카카오톡", None, datetime(2022, 10, 20, 23, 0, tzinfo=KST), None),
    ("talk_drawer_plus", "톡서랍 플러스", None, datetime(2022, 10, 20, 23, 0, tzinfo=KST), 1900),
    ("emoticon_plus", "이모티콘 플러스", None, datetime(2022, 10, 19, 18, 0, tzinfo=KST), 4900),
    ("kakao_mail", "카카오메일", None, datetime(2022, 10, 20, 23, 0, tzinfo=KST), None),
    ("daum_mail", "다음 메일", None, datetime(2022, 10, 19, 9, 0, tzinfo=KST), None),
    ("kakao_map", "카카오맵", None, datetime(2022, 10, 16, 12, 0, tzinfo=KST), None),
    ("daum_news", "다음 뉴스", None, datetime(2022, 10, 16, 6, 0, tzinfo=KST), None),
    ("daum_cafe", "다음 카페", None, datetime(2022, 10, 17, 9, 0, tzinfo=KST), None),
    ("kakao_story", "카카오스토리", None, datetime(2022, 10, 17, 12, 0, tzinfo=KST), None),
    ("kakao_t", "카카오T", "kakao_mobility", datetime(2022, 10, 16, 1, 0, tzinfo=KST), None),
    ("kakaopay", "카카오페이", "kakaopay", datetime(2022, 10, 15, 23, 0, tzinfo=KST), None),
    ("kakao_page", "카카오페이지", "kakao_entertainment", datetime(2022, 10, 16, 9, 0, tzinfo=KST), None),
    ("melon", "멜론", "kakao_entertainment", datetime(2022, 10, 15, 23, 30, tzinfo=KST), 10900),
]


def load(apps, schema_editor):
    Incident = apps.get_model("claims", "Incident")
    Affiliate = apps.get_model("claims", "Affiliate")
    Service = apps.get_model("claims", "Service")
    incident, _ = Incident.objects.get_or_create(
        code="2022-pangyo-dc-fire",
        defaults={
            "name": "2022년 판교 데이터센터 화재 서비스 장애",
            "company_name": "카카오",
            "occurred_at": FIRE,
            "reference_prefix": "PGY-2022",
            "is_open": True,
            "support_contact": "카카오 고객센터 1577-3754",
        },
    )
    affiliates = {}
    for code, name, phone, site in AFFILIATES:
        affiliates[code], _ = Affiliate.objects.get_or_create(
            code=code, defaults={"name": name, "contact_phone": phone, "website": site}
        )
    for code, name, affiliate, restored, fee in SERVICES:
        Service.objects.get_or_create(
            incident=incident,
            code=code,
            defaults={
                "name": name,
                "affiliate": affiliates.get(affiliate),
                "outage_started_at": FIRE,
                "outage_ended_at": restored,
                "monthly_fee_won": fee,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
