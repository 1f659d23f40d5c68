"""(a) A claimant files a claim with an evidence screenshot on the public form, is given a reference, checks
its status, and finds the claim_received message in their mailbox (delivered by the worker over SMTP)."""

from collections.abc import Callable

from playwright.sync_api import Page, expect

from claims.models import Claim
from e2e.helpers import Screens, png_bytes, show_mail, wait_for_mail
from e2e.stack import Stack

NAME = "김영희"
PHONE = "010-4821-1015"
EMAIL = "younghee.kim@example.kr"


def test_claimant_files_a_claim_and_checks_its_status(
    new_page: Callable[[], Page], screens: Callable[[str], Screens], stack: Stack
) -> None:
    shots = screens("a-claimant")
    page = new_page()

    page.goto("/claims/new/")
    expect(page.locator("h1")).to_contain_text("피해 신고")
    shots.save(page, "claim-form")

    page.select_option("#id_kind", "individual")
    page.fill("#id_name", NAME)
    page.fill("#id_phone", PHONE)
    page.fill("#id_email", EMAIL)
    page.select_option("#id_service", "kakaotalk")
    page.select_option("#id_paid", "0")
    page.fill(
        "#id_description",
        "10월 15일 오후부터 카카오톡이 되지 않아 가게 예약 문의를 받지 못했습니다. 언제 완전히 복구되나요?",
    )
    page.set_input_files(
        "#id_evidence", files=[{"name": "kakaotalk-error.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    page.check("#id_consent_privacy")
    shots.save(page, "claim-form-filled")

    page.click("button[type=submit]")
    page.wait_for_url("**/claims/submitted/")
    reference = page.locator("#reference").inner_text().strip()
    assert reference.startswith("PGY-2022-"), reference
    shots.save(page, "claim-submitted")

    claim = Claim.objects.select_related("claimant").get(reference=reference)
    assert claim.claimant.name == NAME and claim.channel == Claim.Channel.WEB
    assert claim.category == Claim.Category.NON_MONETARY and claim.subtype == Claim.Subtype.INQUIRY
    evidence = list(claim.evidence.all())
    assert [(e.original_name, e.content_type) for e in evidence] == [("kakaotalk-error.png", "image/png")]
    assert evidence[0].size == len(png_bytes())

    page.click("text=처리 상황")
    page.wait_for_url("**/claims/status/")
    page.fill("#id_reference", reference)
    page.fill("#id_phone_last4", PHONE[-4:])
    shots.save(page, "status-lookup")
    page.click("button[type=submit]")
    expect(page.locator("#reference")).to_have_text(reference)
    expect(page.locator("#status")).to_have_text(Claim.Status.RECEIVED.label)
    shots.save(page, "status-received")

    # The worker (a separate process) delivered the receipt through the SMTP sink.
    mail = wait_for_mail(stack.maildir, to=EMAIL, contains=reference)
    assert NAME in mail.text and "/claims/status/" in mail.text
    show_mail(page, mail)
    shots.save(page, "claim-received-email")
