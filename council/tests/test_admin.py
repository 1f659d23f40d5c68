import pytest
from django.test import Client
from django.urls import reverse

from council import services
from council.tests.factories import held_meeting

pytestmark = pytest.mark.django_db


def test_secretariat_admin_pages_render(council, seats, secretariat_user):
    meeting = held_meeting(council=council, agenda=("보고",))
    resolution = services.resolution_propose(meeting=meeting, title="안", text="안", actor=None)
    minutes = services.minutes_start(meeting=meeting, actor=None)
    client = Client()
    client.force_login(secretariat_user)
    pages = [
        reverse("admin:council_meeting_changelist"),
        reverse("admin:council_meeting_change", args=[meeting.pk]),
        reverse("admin:council_meeting_add"),
        reverse("admin:council_resolution_change", args=[resolution.pk]),
        reverse("admin:council_minutesversion_change", args=[minutes.versions.get().pk]),
        reverse("admin:council_minutes_change", args=[minutes.pk]),
        reverse("admin:council_councilmember_add"),
        reverse("admin:council_actionitem_changelist"),
    ]
    for url in pages:
        assert client.get(url).status_code == 200, url


def test_admin_action_refusal_is_reported_not_raised(council, seats, secretariat_user):
    meeting = held_meeting(council=council)
    client = Client()
    client.force_login(secretariat_user)
    response = client.post(
        reverse("admin:council_meeting_changelist"),
        {"action": "send_notice", "_selected_action": [meeting.pk]},
        follow=True,
    )
    assert response.status_code == 200 and "예정된 회의만" in response.content.decode()
