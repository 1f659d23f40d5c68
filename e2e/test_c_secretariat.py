"""(c) The secretariat records a council meeting in the admin: plans it with its agenda and attendance, marks
it held, records a resolution adopted by show of hands, writes the minutes, circulates them; the chair approves
them in the member workspace; the secretariat publishes them and opens the public page."""

from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from core import roles
from council.models import Meeting, Minutes, MinutesVersion, Resolution
from e2e.council_setup import council_with_seats
from e2e.helpers import PASSWORD, Screens, admin_action, admin_login, expect_admin_message, staff_user, wait_for_mail
from e2e.stack import Stack

AGENDA = ["피해 접수 현황 보고", "무료 서비스 이용자 보상 원칙"]
SUMMARY = "사무국이 피해 접수 현황을 보고하고, 무료 서비스 이용자도 금전 피해를 지원하는 원칙을 가결했다."


def test_secretariat_records_a_meeting_and_publishes_its_minutes(
    new_page: Callable[[], Page], screens: Callable[[str], Screens], stack: Stack
) -> None:
    secretary = staff_user("secretary-c", roles.SECRETARIAT)
    council, seats = council_with_seats(secretary=secretary, tag="council-c", short_name="피해지원협의체")
    shots = screens("c-secretariat")
    page = new_page()
    admin_login(page, username=secretary.username, shots=shots)

    # Plan the meeting (it took place an hour ago: recorded afterwards, so no notice goes out).
    started = timezone.localtime(timezone.now() - timedelta(hours=1)).replace(second=0, microsecond=0)
    page.goto("/admin/council/meeting/add/")
    page.select_option("#id_council", str(council.pk))
    page.fill("#id_title", "제1차 전체회의")
    page.fill("#id_starts_at_0", started.strftime("%Y-%m-%d"))
    page.fill("#id_starts_at_1", started.strftime("%H:%M:%S"))
    page.fill("#id_place", "카카오 판교아지트 3층 대회의실")
    shots.save(page, "meeting-plan")
    page.click("input[name=_continue]")
    expect_admin_message(page, "피해지원협의체 1차 회의")
    meeting = Meeting.objects.get(council=council, number=1)
    assert meeting.state == Meeting.State.PLANNED and meeting.starts_at == started

    # Agenda and attendance on the meeting's page.
    for number, title in enumerate(AGENDA):
        page.click("#agenda_items-group .add-row a")
        page.fill(f"#id_agenda_items-{number}-title", title)
        page.fill(f"#id_agenda_items-{number}-presenter", "사무국")
    for number, member in enumerate(seats.values()):
        page.click("#attendance-group .add-row a")
        page.select_option(f"#id_attendance-{number}-member", str(member.pk))
        page.select_option(f"#id_attendance-{number}-status", "present")
    shots.save(page, "agenda-and-attendance")
    page.click("input[name=_continue]")
    expect_admin_message(page, "피해지원협의체 1차 회의")
    assert list(meeting.agenda_items.order_by("position").values_list("title", flat=True)) == AGENDA
    assert meeting.attendance.filter(status="present").count() == len(seats)
    expect(page.locator(".field-quorum")).to_contain_text("충족")
    shots.save(page, "meeting-with-agenda")

    # Held.
    page.goto(f"/admin/council/meeting/?council__id__exact={council.pk}")
    admin_action(page, rows=[str(meeting)], action="mark_held")
    expect_admin_message(page, "1건 개최 기록")
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.HELD
    shots.save(page, "meeting-held")

    # A resolution on the second item, adopted by show of hands (4 for).
    principles = meeting.agenda_items.get(title=AGENDA[1])
    page.goto("/admin/council/resolution/add/")
    page.fill("#id_meeting", str(meeting.pk))
    page.fill("#id_agenda_item", str(principles.pk))
    page.fill("#id_title", "무료 서비스 이용자 금전 피해 지원 원칙")
    page.fill("#id_text", "무료 서비스 이용자의 증빙된 금전 피해도 보상 대상에 포함한다.")
    page.select_option("#id_kind", Resolution.Kind.POLICY_ADOPTION)
    page.select_option("#id_tally_mode", Resolution.TallyMode.TALLY)
    shots.save(page, "resolution-proposed")
    page.click("input[name=_continue]")
    resolution = Resolution.objects.get(meeting=meeting)
    page.fill("#id_tally_for", "4")
    page.fill("#id_tally_against", "0")
    page.fill("#id_tally_abstain", "0")
    page.fill("#id_tally_recused", "0")
    page.check("#id_record_now")
    shots.save(page, "resolution-tally")
    page.click("input[name=_continue]")
    resolution.refresh_from_db()
    assert resolution.state == Resolution.State.ADOPTED and resolution.votes_for == 4
    expect(page.locator(".field-state")).to_contain_text(Resolution.State.ADOPTED.label)
    shots.save(page, "resolution-adopted")

    # Minutes: started from the meeting, made public, written, circulated.
    page.goto(f"/admin/council/meeting/?council__id__exact={council.pk}")
    admin_action(page, rows=[str(meeting)], action="start_minutes")
    expect_admin_message(page, "1건 시작")
    minutes = Minutes.objects.get(meeting=meeting)
    page.goto(f"/admin/council/minutes/{minutes.pk}/change/")
    page.select_option("#id_visibility", Minutes.Visibility.PUBLIC)
    page.click("input[name=_continue]")
    expect_admin_message(page, str(minutes))

    version = minutes.versions.get()
    page.goto(f"/admin/council/minutesversion/{version.pk}/change/")
    page.fill("#id_summary", SUMMARY)
    for number in range(len(AGENDA)):
        page.fill(f"#id_items-{number}-discussion", f"{AGENDA[number]}에 대해 위원 전원이 의견을 냈다.")
    page.fill("#id_items-1-decisions", "의결 1호 가결 (찬성 4).")
    shots.save(page, "minutes-draft")
    page.click("input[name=_continue]")
    expect_admin_message(page, str(version))
    page.goto(f"/admin/council/minutesversion/?minutes__meeting__council__id__exact={council.pk}")
    admin_action(page, rows=[str(version)], action="circulate")
    expect_admin_message(page, "1건 회람")
    shots.save(page, "minutes-circulated")

    # The chair approves them in the member workspace.
    chair = new_page()
    chair.goto(f"/council/minutes/{version.pk}/")
    chair.fill("#id_username", seats["chair"].user.username)
    chair.fill("#id_password", PASSWORD)
    chair.click("button[type=submit]")
    chair.wait_for_url(f"**/council/minutes/{version.pk}/")
    shots.save(chair, "chair-reads-draft")
    chair.click("button[value=approve]")
    expect(chair.locator("body")).to_contain_text("회의록을 승인했습니다")
    shots.save(chair, "chair-approved")

    # Published, and readable by anyone on the public page.
    page.goto(f"/admin/council/minutesversion/?minutes__meeting__council__id__exact={council.pk}")
    admin_action(page, rows=[str(version)], action="publish")
    expect_admin_message(page, "1건 확정")
    version.refresh_from_db()
    assert version.state == MinutesVersion.State.PUBLISHED and version.approved_by == seats["chair"].user
    shots.save(page, "minutes-published")

    public = new_page()
    public.goto(f"/council/public/minutes/{minutes.public_token}/")
    expect(public.locator("body")).to_contain_text(SUMMARY)
    expect(public.locator("body")).to_contain_text("무료 서비스 이용자 금전 피해 지원 원칙")
    shots.save(public, "public-minutes")
    wait_for_mail(stack.maildir, to=seats["consumer"].email, contains=str(minutes.public_token))
