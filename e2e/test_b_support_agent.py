"""(b) A support agent logs into the back office, finds a claim by its reference, takes it into review and
answers it with a canned response; the claimant's status page then shows the answer, and the answer email
reaches the claimant."""

from collections.abc import Callable

from playwright.sync_api import Page, expect

from claims.casework.selectors import claim_history_list
from claims.models import CannedResponse, Claim
from claims.tests.factories import submit_claim
from core import roles
from e2e.helpers import Screens, admin_login, expect_admin_message, staff_user, wait_for_mail
from e2e.stack import Stack

PHONE = "010-7300-2210"


def test_support_agent_answers_a_claim_in_the_admin(
    new_page: Callable[[], Page], screens: Callable[[str], Screens], stack: Stack
) -> None:
    # Preconditions through the services: a claim filed on the web, and an agent's login.
    claim = submit_claim(
        name="박지성", phone=PHONE, description="카카오톡 장애로 사진 백업이 멈췄는데, 언제 정상화되나요?"
    )
    assert (claim.status, claim.category, claim.subtype) == ("received", "non_monetary", "inquiry")
    email = claim.claimant.email
    agent = staff_user("agent-e2e", roles.SUPPORT_AGENT)
    canned = CannedResponse.objects.get(code="inquiry-general")

    shots = screens("b-support-agent")
    page = new_page()
    admin_login(page, username=agent.username, shots=shots)
    shots.save(page, "admin-home")

    page.goto("/admin/claims/claim/")
    page.fill("#searchbar", claim.reference)
    page.press("#searchbar", "Enter")
    expect(page.locator("#result_list")).to_contain_text(claim.reference)
    shots.save(page, "claim-found")

    page.get_by_role("link", name=claim.reference, exact=True).click()
    expect(page.locator("#content h2, #content h1").first).to_be_visible()
    shots.save(page, "claim-page")

    # First move: take it into review.
    page.select_option("#id_work_action", "move:in_review")
    page.fill("#id_reason", "문의 내용 확인, 답변 준비")
    shots.save(page, "move-to-review")
    page.click("input[name=_continue]")
    expect_admin_message(page, claim.reference)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.IN_REVIEW, claim.status
    shots.save(page, "in-review")

    # Second move: answer with the canned inquiry response (rendered with the claimant's name and reference).
    page.select_option("#id_work_action", "move:answered")
    page.select_option("#id_canned_response", str(canned.pk))
    shots.save(page, "answer-with-canned-response")
    page.click("input[name=_continue]")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.ANSWERED, claim.status
    expect(page.locator("body")).to_contain_text(Claim.Status.ANSWERED.label)
    shots.save(page, "answered")
    moves = [(h.from_status, h.to_status, h.actor_id) for h in claim_history_list(claim=claim) if h.to_status]
    assert ("received", "in_review", agent.pk) in moves and ("in_review", "answered", agent.pk) in moves

    # The claimant looks it up on the public status page.
    claimant_page = new_page()
    claimant_page.goto("/claims/status/")
    claimant_page.fill("#id_reference", claim.reference)
    claimant_page.fill("#id_phone_last4", PHONE[-4:])
    claimant_page.click("button[type=submit]")
    expect(claimant_page.locator("#status")).to_have_text(Claim.Status.ANSWERED.label)
    shots.save(claimant_page, "claimant-sees-answer")

    mail = wait_for_mail(stack.maildir, to=email, contains="공지사항")
    assert claim.reference in mail.text and "박지성" in mail.text
