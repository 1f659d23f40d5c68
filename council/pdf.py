"""Minutes as PDF, with a Korean TrueType font embedded (subset) so the text renders and can be
extracted anywhere. The font comes from Debian's `fonts-nanum` package (NanumGothic) unless
REDRESS["PDF_FONT_PATH"] names another .ttf."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from fpdf import FPDF

from council.models import MinutesVersion

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
    "/usr/share/fonts/truetype/nanum/NanumBarunGothic.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)


def korean_font_path() -> str:
    configured = str(settings.REDRESS.get("PDF_FONT_PATH") or "")
    for candidate in ([configured] if configured else []) + list(FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return candidate
    raise ImproperlyConfigured(
        "회의록 PDF에 쓸 한글 글꼴이 없습니다: `apt-get install fonts-nanum` 또는 REDRESS_PDF_FONT_PATH를 설정하세요."
    )


class _MinutesPDF(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Korean", size=8)
        self.cell(0, 8, f"{self.footer_text}  ·  {self.page_no()}/{{nb}}", align="C")


def minutes_pdf(*, version: MinutesVersion) -> bytes:
    """The version's text (frozen once circulated) as an A4 PDF."""
    from council.selectors import minutes_version_text

    text = minutes_version_text(version=version)
    title, _, body = text.partition("\n")
    pdf = _MinutesPDF(format="A4")
    pdf.footer_text = f"{title} · {version.get_state_display()}"
    pdf.add_font("Korean", "", korean_font_path())
    pdf.set_lang("ko")
    pdf.set_title(title)
    pdf.set_creator("Redress")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    pdf.set_font("Korean", size=14)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Korean", size=10)
    for line in body.splitlines():
        if not line.strip():
            pdf.ln(3)
            continue
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
