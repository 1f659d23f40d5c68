import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from claims.models import Claim, ClaimEvidence
from claims.tests.factories import submit_claim
from privacy.models import PersonalDataAccess

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def form_data(**overrides):
    data = {
        "kind": "small_business",
        "name": "행복꽃집",
        "phone": "010-3333-4444",
        "email": "shop@example.kr",
        "business_no": "220-81-62517",
        "service": "kakaotalk",
        "paid": "0",
        "claimed_amount": "420000",
        "description": "주문 채널이 멈춰 주말 매출을 놓쳤습니다.",
        "consent_privacy": "on",
    }
    data.update(overrides)
    return data


def test_form_is_in_korean_with_privacy_notice(incident):
    page = Client().get("/claims/new/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "개인정보 수집·이용" in text and "주민등록번호는 수집하지 않습니다" in text
    assert 'lang="ko"' in text


def test_form_submission_with_evidence(incident, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = Client()
    response = client.post("/claims/new/", {**form_data(), "evidence": SimpleUploadedFile("매출.png", PNG)})
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert claim.channel == "web"
    assert claim.category == "free_service_monetary"
    assert claim.claimant.business_no == "2208162517"
    evidence = ClaimEvidence.objects.get(claim=claim)
    assert evidence.content_type == "image/png"
    assert evidence.original_name == "매출.png"
    assert (tmp_path / evidence.file.name).exists()
    done = client.get(response["Location"])
    assert claim.reference in done.content.decode()


def test_evidence_type_is_checked_from_content_not_name(incident, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fake = SimpleUploadedFile("receipt.png", b"<html><script>alert(1)</script></html>")
    response = Client().post("/claims/new/", {**form_data(), "evidence": fake})
    assert response.status_code == 200
    assert "PDF, JPEG, PNG" in response.content.decode()
    assert Claim.objects.count() == 0


def test_form_errors_name_the_fields_and_keep_nothing(incident):
    response = Client().post("/claims/new/", form_data(business_no="123-45-67890", phone="123"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "검증번호" in text and "전화번호" in text
    assert Claim.objects.count() == 0


def test_status_lookup_needs_reference_and_phone_digits(incident):
    claim = submit_claim(phone="010-7777-8888")
    client = Client()
    found = client.post("/claims/status/", {"reference": claim.reference, "phone_last4": "8888"})
    assert "접수" in found.content.decode() and claim.reference in found.content.decode()
    wrong = client.post("/claims/status/", {"reference": claim.reference, "phone_last4": "1234"})
    assert "일치하는 신고가 없습니다" in wrong.content.decode()
    assert "카카오톡" not in wrong.content.decode().split("<main>")[1]


def test_evidence_download_only_for_authorised_staff_and_as_attachment(incident, settings, tmp_path, agent):
    settings.MEDIA_ROOT = tmp_path
    claim = submit_claim(evidence=[SimpleUploadedFile("a.png", PNG)])
    evidence = claim.evidence.get()
    url = f"/claims/evidence/{evidence.pk}/download/"
    assert Client().get(url).status_code in (302, 403)
    client = Client()
    client.force_login(agent)
    asks_reason = client.get(url)
    assert asks_reason.status_code == 200 and "사유" in asks_reason.content.decode()
    response = client.get(url, {"reason": "보상 심사 증빙 확인"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    record = PersonalDataAccess.objects.get(action="download")
    assert (record.actor, record.claimant_ids, record.reason) == (agent, [claim.claimant_id], "보상 심사 증빙 확인")
    assert b"".join(response.streaming_content) == PNG


def test_too_many_or_too_big_files_are_refused(incident, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.REDRESS = {**settings.REDRESS, "EVIDENCE_MAX_BYTES": 100}
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * 200)
    response = Client().post("/claims/new/", {**form_data(), "evidence": big})
    assert "10MB" in response.content.decode()
    assert Claim.objects.count() == 0


def _pdf_with(text: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


def test_evidence_holding_a_resident_registration_number_is_refused(incident, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    leaked = SimpleUploadedFile("id.pdf", _pdf_with("Resident no. 900101-1234567"), content_type="application/pdf")
    response = Client().post("/claims/new/", {**form_data(), "evidence": leaked})
    assert response.status_code == 200
    assert "주민등록번호" in response.content.decode()
    assert Claim.objects.count() == 0
    clean = SimpleUploadedFile("sales.pdf", _pdf_with("Sales 2022-10-15: 420,000 KRW"), content_type="application/pdf")
    assert Client().post("/claims/new/", {**form_data(), "evidence": clean}).status_code == 302
    assert ClaimEvidence.objects.get().content_type == "application/pdf"


def test_form_offers_channels_with_alimtalk_checked_and_the_opt_out(incident):
    page = Client().get("/claims/new/").content.decode()
    assert 'name="preferred_channel" value="alimtalk"' in page
    assert 'value="sms"' in page and 'value="email"' in page
    checked = page.split('value="alimtalk"')[1].split(">")[0]
    assert "checked" in checked
    assert 'name="opted_out_optional"' in page


def test_form_stores_channel_and_opt_out(incident):
    response = Client().post("/claims/new/", form_data(preferred_channel="email", opted_out_optional="on"))
    assert response.status_code == 302
    claimant = Claim.objects.get().claimant
    assert (claimant.preferred_channel, claimant.opted_out_optional) == ("email", True)


def test_form_without_channel_defaults_to_alimtalk(incident):
    Client().post("/claims/new/", form_data())
    claimant = Claim.objects.get().claimant
    assert (claimant.preferred_channel, claimant.opted_out_optional) == ("alimtalk", False)


def test_form_email_channel_needs_an_address(incident):
    response = Client().post("/claims/new/", form_data(preferred_channel="email", email=""))
    assert response.status_code == 200
    assert response.context["form"].errors["preferred_channel"] == [
        "이메일로 알림을 받으려면 이메일 주소를 입력해 주세요."
    ]
    assert not Claim.objects.exists()
