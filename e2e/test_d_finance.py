"""(d) Finance pays a batch with four eyes. The maker builds a batch from the pending payouts (in the API's
browsable page: the admin lists batches but builds none), cannot approve it, a second finance user approves
it, the maker releases it, and the Celery worker settles it against the sandbox gateway until the batch page
shows it paid. Both finance users pass the TOTP second factor (OTP_ENFORCED=1 on the server)."""

import json
import re
import urllib.request
from collections.abc import Callable

from playwright.sync_api import Page, expect

from core import roles
from e2e.helpers import Screens, admin_action, admin_login, expect_admin_message, staff_user, totp_device, wait_for
from e2e.stack import Stack
from payouts.models import Payout, PayoutBatch
from payouts.services.payouts import payouts_create_from_entitlements
from payouts.tests.factories import make_entitlements

COUNT, AMOUNT = 5, 50_000


def test_finance_builds_approves_releases_and_sees_a_batch_paid(
    new_page: Callable[[], Page], screens: Callable[[str], Screens], stack: Stack
) -> None:
    # Preconditions through the services: approved cash entitlements with bank accounts become pending payouts.
    make_entitlements(COUNT, amounts=AMOUNT, policy_code="e2e-policy")
    assert len(payouts_create_from_entitlements()) == COUNT
    maker = staff_user("finance-maker", roles.FINANCE)
    checker = staff_user("finance-checker", roles.FINANCE)
    maker_device, checker_device = totp_device(maker), totp_device(checker)

    shots = screens("d-finance")
    maker_page = new_page()
    admin_login(maker_page, username=maker.username, shots=shots, device=maker_device)

    # Build: POST the filter on the batches endpoint's browsable page (same session, CSRF token from the page).
    maker_page.goto("/api/v1/payouts/batches/")
    if maker_page.locator("a[name=raw-tab]").count():
        maker_page.click("a[name=raw-tab]")
    form = maker_page.locator("#post-generic-content-form")
    form.locator("select[name=_content_type]").select_option("application/json")
    form.locator("textarea[name=_content]").fill(
        json.dumps({"method": "bank_transfer", "max_count": 100, "note": "1차 현금 보상 지급"}, ensure_ascii=False)
    )
    shots.save(maker_page, "build-batch-request")
    form.get_by_role("button", name="POST").click()
    expect(maker_page.locator(".response-info")).to_contain_text("201 Created")
    shots.save(maker_page, "batch-built")
    batch = PayoutBatch.objects.get()
    assert (batch.status, batch.payout_count, batch.total_won) == ("pending_approval", COUNT, COUNT * AMOUNT)
    assert batch.created_by == maker

    # The maker cannot approve their own batch.
    maker_page.goto("/admin/payouts/payoutbatch/")
    expect(maker_page.locator("#result_list")).to_contain_text(batch.reference)
    shots.save(maker_page, "batch-list-pending")
    admin_action(maker_page, rows=[batch.reference], action="approve")
    expect(maker_page.locator("ul.messagelist .error")).to_contain_text("승인할 수 없습니다")
    shots.save(maker_page, "maker-cannot-approve")
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.PENDING_APPROVAL

    # A second finance user approves.
    checker_page = new_page()
    admin_login(checker_page, username=checker.username, shots=shots, device=checker_device)
    checker_page.goto(f"/admin/payouts/payoutbatch/{batch.pk}/change/")
    expect(checker_page.locator(".field-total_won")).to_contain_text(re.compile(r"250,?000"))
    shots.save(checker_page, "checker-reviews-batch")
    checker_page.goto("/admin/payouts/payoutbatch/")
    admin_action(checker_page, rows=[batch.reference], action="approve")
    expect_admin_message(checker_page, "1건 승인")
    shots.save(checker_page, "checker-approved")
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.APPROVED and batch.approved_by == checker

    # The maker releases it; the worker settles it against the sandbox gateway.
    maker_page.goto("/admin/payouts/payoutbatch/")
    admin_action(maker_page, rows=[batch.reference], action="release")
    expect_admin_message(maker_page, "1건 지급 시작")
    shots.save(maker_page, "released")
    wait_for(
        lambda: PayoutBatch.objects.filter(pk=batch.pk, status=PayoutBatch.Status.SETTLED).exists(),
        timeout=120,
        message="the batch to be settled by the worker",
    )
    assert Payout.objects.filter(batch=batch, status=Payout.Status.PAID).count() == COUNT
    with urllib.request.urlopen(f"{stack.gateway_url}/_admin/stats", timeout=10) as response:
        stats = json.loads(response.read())
    assert (stats["transfers"], stats["paid_total"], stats["references_paid_twice"]) == (COUNT, COUNT * AMOUNT, 0)

    maker_page.goto(f"/admin/payouts/payoutbatch/{batch.pk}/change/")
    expect(maker_page.locator(".field-status")).to_contain_text(PayoutBatch.Status.SETTLED.label)
    shots.save(maker_page, "batch-paid")
    maker_page.goto(f"/admin/payouts/payout/?batch__id__exact={batch.pk}")
    expect(maker_page.locator("#result_list")).to_contain_text(Payout.Status.PAID.label)
    assert len(maker_page.locator("#result_list tbody tr").all()) == COUNT
    assert not re.search(r"\b1002\d{9}\b", maker_page.content()), "an account number shown unmasked"
    shots.save(maker_page, "payouts-paid")
