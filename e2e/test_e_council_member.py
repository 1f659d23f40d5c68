"""(e) A council member (an outsider, not staff) logs into the member workspace, opens the circulated draft
minutes and comments on one agenda item; the secretariat sees the comment beside the draft."""

from collections.abc import Callable

from playwright.sync_api import Page, expect

from core import roles
from council.models import MinutesComment
from e2e.council_setup import circulated_minutes, council_with_seats
from e2e.helpers import PASSWORD, Screens, admin_login, staff_user, wait_for_mail
from e2e.stack import Stack

COMMENT = "소비자 단체가 요청한 무료 서비스 이용자 지원 범위를 요지에 분명히 적어 주세요."


def test_council_member_comments_on_draft_minutes(
    new_page: Callable[[], Page], screens: Callable[[str], Screens], stack: Stack
) -> None:
    secretary = staff_user("secretary-e", roles.SECRETARIAT)
    council, seats = council_with_seats(secretary=secretary, tag="member-e")
    version = circulated_minutes(council=council, secretary=secretary)
    member = seats["consumer"]
    assert not member.user.is_staff
    # Circulating told every member by email, with a link to the workspace.
    wait_for_mail(stack.maildir, to=member.email, contains="/council/")

    shots = screens("e-council-member")
    page = new_page()
    page.goto("/council/")
    page.wait_for_url("**/council/login/**")
    page.fill("#id_username", member.user.username)
    page.fill("#id_password", PASSWORD)
    shots.save(page, "workspace-login")
    page.click("button[type=submit]")
    page.wait_for_url("**/council/")
    expect(page.locator("body")).to_contain_text("의견을 받는 회의록")
    shots.save(page, "workspace-home")

    page.get_by_role("link", name=str(version), exact=True).click()
    page.wait_for_url(f"**/council/minutes/{version.pk}/")
    expect(page.locator("pre.minutes")).to_contain_text("무료 서비스 이용자 보상 원칙")
    shots.save(page, "draft-minutes")

    item = version.items.select_related("agenda_item").get(agenda_item__title="무료 서비스 이용자 보상 원칙 논의")
    page.select_option("#item", str(item.pk))
    page.fill("#body", COMMENT)
    shots.save(page, "comment-written")
    page.click("button[value=comment]")
    expect(page.locator("body")).to_contain_text("의견을 남겼습니다")
    expect(page.locator("body")).to_contain_text(COMMENT)
    shots.save(page, "comment-posted")

    comment = MinutesComment.objects.get(version=version)
    assert (comment.member_id, comment.item_id, comment.body) == (member.pk, item.pk, COMMENT)

    # The secretariat sees it on the draft in the admin.
    admin = new_page()

    admin_login(admin, username=secretary.username)
    admin.goto(f"/admin/council/minutesversion/{version.pk}/change/")
    expect(admin.locator("body")).to_contain_text(COMMENT)
    shots.save(admin, "secretariat-sees-comment")
