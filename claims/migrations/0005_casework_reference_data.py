"""Default handling rules per category and the first canned answers. Ordinary data: supervisors edit them."""

from django.db import migrations

# category, first-response business days
POLICIES = [
    ("paid_service_damage", 10),
    ("free_service_monetary", 10),
    ("non_monetary", 3),
    ("affiliate", 2),
]

# code, subtype, title, body
CANNED = [
    (
        "inquiry-general",
        "inquiry",
        "문의 답변 (일반)",
        "{name}님, 안녕하세요. 접수번호 {reference}로 남겨 주신 {service} 관련 문의에 답변드립니다.\n"
        "장애로 불편을 드려 진심으로 사과드립니다. 서비스는 현재 모두 정상화되었으며, 보상 기준과 일정은 "
        "공지사항을 통해 안내드리고 있습니다. 추가로 궁금하신 점은 고객센터로 문의해 주세요.",
    ),
    (
        "opinion-thanks",
        "opinion",
        "의견 감사 답변",
        "{name}님, 접수번호 {reference}로 보내 주신 {service} 관련 의견 잘 받았습니다.\n"
        "주신 의견은 재발 방지 대책과 서비스 개선에 반영하겠습니다. 귀한 시간 내어 주셔서 감사합니다.",
    ),
    (
        "complaint-apology",
        "complaint",
        "불만 사과 답변",
        "{name}님, 접수번호 {reference}로 말씀해 주신 {service} 장애 관련 불편에 깊이 사과드립니다.\n"
        "같은 일이 다시 일어나지 않도록 데이터센터 이중화와 재해 복구 체계를 전면 점검하고 있습니다. "
        "보상과 관련한 안내는 확정되는 대로 따로 알려 드리겠습니다.",
    ),
    (
        "encouragement-thanks",
        "encouragement",
        "격려 감사 답변",
        "{name}님, 접수번호 {reference}로 보내 주신 따뜻한 응원에 진심으로 감사드립니다.\n"
        "보내 주신 격려를 힘 삼아 더 안정적인 {service}를 만들겠습니다.",
    ),
]


def load(apps, schema_editor):
    CategoryPolicy = apps.get_model("claims", "CategoryPolicy")
    CannedResponse = apps.get_model("claims", "CannedResponse")
    for category, days in POLICIES:
        CategoryPolicy.objects.get_or_create(category=category, defaults={"first_response_business_days": days})
    for code, subtype, title, body in CANNED:
        CannedResponse.objects.get_or_create(code=code, defaults={"subtype": subtype, "title": title, "body": body})


class Migration(migrations.Migration):
    dependencies = [("claims", "0004_casework")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
