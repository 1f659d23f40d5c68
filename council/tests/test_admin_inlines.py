"""The meeting page's inlines (agenda, attendance) and the minutes editor's items are saved through the
services; the admin's change message must not need formset.save() (found by the e2e secretariat scenario)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from council.models import Meeting
from council.tests.factories import held_meeting, plan_meeting

pytestmark = pytest.mark.django_db


def _management_data(response) -> dict[str, object]:
    data: dict[str, object] = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()})
    return data


def test_meeting_page_adds_agenda_items_and_attendance(council, seats, secretariat_user):
    meeting = plan_meeting(council=council, starts_at=timezone.now() - timedelta(hours=1), send_notice=False)
    client = Client()
    client.force_login(secretariat_user)
    url = reverse("admin:council_meeting_change", args=[meeting.pk])
    starts = timezone.localtime(meeting.starts_at)
    data = {
        **_management_data(client.get(url)),
        "title": meeting.title, "starts_at_0": starts.strftime("%Y-%m-%d"), "starts_at_1": starts.strftime("%H:%M:%S"),
        "duration_minutes": meeting.duration_minutes, "place": meeting.place, "online_url": "", "change_reason": "",
        "agenda_items-TOTAL_FORMS": 1, "agenda_items-0-title": "피해 접수 현황 보고", "agenda_items-0-presenter": "사무국",
        "agenda_items-0-minutes_allotted": 30, "agenda_items-0-description": "",
        "attendance-TOTAL_FORMS": 1, "attendance-0-member": seats["chair"].pk, "attendance-0-status": "present",
        "attendance-0-proxy_name": "", "attendance-0-note": "",
        "_continue": "1",
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(meeting.agenda_items.values_list("title", flat=True)) == ["피해 접수 현황 보고"]
    assert meeting.attendance.get().member == seats["chair"]


def test_meeting_added_message_names_the_numbered_meeting(council, seats, secretariat_user):
    client = Client()
    client.force_login(secretariat_user)
    starts = timezone.localtime(timezone.now() + timedelta(days=3))
    response = client.post(
        reverse("admin:council_meeting_add"),
        {"council": council.pk, "title": "정기회의", "starts_at_0": starts.strftime("%Y-%m-%d"),
         "starts_at_1": "14:00:00", "duration_minutes": 120, "place": "판교", "online_url": ""},
        follow=True,
    )  # fmt: skip
    meeting = Meeting.objects.get(council=council)
    assert f"협의체 {meeting.number}차 회의" in response.content.decode()


def test_minutes_editor_saves_item_discussion(council, seats, secretariat_user):
    from council import services

    meeting = held_meeting(council=council, agenda=("보고",))
    version = services.minutes_start(meeting=meeting, actor=None).versions.get()
    item = version.items.get()
    client = Client()
    client.force_login(secretariat_user)
    url = reverse("admin:council_minutesversion_change", args=[version.pk])
    data = {
        **_management_data(client.get(url)),
        "summary": "요지",
        "items-0-id": item.pk, "items-0-version": version.pk, "items-0-discussion": "논의 내용", "items-0-decisions": "",
        "_continue": "1",
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    item.refresh_from_db()
    assert item.discussion == "논의 내용"
