import io

import pytest
from pypdf import PdfReader

from council import services
from council.pdf import minutes_pdf
from council.tests.factories import held_meeting

pytestmark = pytest.mark.django_db


def test_minutes_pdf_embeds_a_korean_font_and_the_text_extracts_back(council, seats):
    meeting = held_meeting(council=council, agenda=("피해 접수 현황 보고",))
    version = services.minutes_start(meeting=meeting, actor=None).versions.get()
    services.minutes_version_update(version=version, summary="무료 서비스 금전 피해 기준을 논의했다.", actor=None)
    version = services.minutes_circulate(version=version, actor=None)
    data = minutes_pdf(version=version)
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    for phrase in (
        "카카오 서비스 장애 피해지원 협의체",
        "무료 서비스 금전 피해 기준을 논의했다",
        "최난설헌",
        "소상공인연합회",
    ):
        assert phrase in text
    fonts = {str(f) for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    assert fonts  # an embedded TrueType subset
    font = reader.pages[0]["/Resources"]["/Font"]
    descriptor = next(iter(font.values())).get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
    assert "/FontFile2" in descriptor and "Nanum" in str(descriptor["/FontName"])
