from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from council import services
from council.models import Meeting, Resolution
from council.tests.factories import held_meeting, plan_meeting

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(secretariat_user):
    api = APIClient()
    api.force_authenticate(secretariat_user)
    return api


def test_meeting_list_has_a_constant_query_count(client, council, seats):
    for _ in range(2):
        held_meeting(council=council, agenda=("보고", "논의"))
    client.get("/api/v1/council/meetings/")  # warm the user's permission cache
    with CaptureQueriesContext(connection) as few:
        assert len(client.get("/api/v1/council/meetings/").json()["results"]) == 2
    for _ in range(3):
        held_meeting(council=council, agenda=("보고", "논의", "기타"))
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/council/meetings/").json()["results"]) == 5
    assert len(many) == len(few), [q["sql"][:150] for q in many.captured_queries]


def test_transition_and_reschedule_through_the_api(client, council, seats):
    meeting = plan_meeting(council=council, starts_at=timezone.now() + timedelta(days=2))
    url = f"/api/v1/council/meetings/{meeting.pk}/"
    response = client.post(url + "reschedule/", {"place": "온라인", "reason": "방역"}, format="json")
    assert response.status_code == 200 and response.json()["ical_sequence"] == 1
    response = client.post(url + "transition/", {"to_state": "held"}, format="json")
    assert response.status_code == 409  # not started yet
    response = client.post(url + "transition/", {"to_state": "cancelled", "reason": "취소"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == Meeting.State.CANCELLED


def test_recording_without_quorum_is_a_conflict(client, council, seats):
    meeting = held_meeting(council=council, present=[seats["chair"]])
    resolution = services.resolution_propose(
        meeting=meeting, title="안", text="안", tally_mode=Resolution.TallyMode.TALLY, actor=None
    )
    response = client.post(f"/api/v1/council/resolutions/{resolution.pk}/record/", {"tally": {"for": 1}}, format="json")
    assert response.status_code == 409 and response.json()["quorum"]["required"] == 3
    assert client.get(f"/api/v1/council/resolutions/{resolution.pk}/").json()["label"] == "협의체 1차 회의 의결 1호"


def test_minutes_circulate_and_publish_through_the_api(client, council, seats):
    meeting = held_meeting(council=council, agenda=("보고",))
    version = services.minutes_start(meeting=meeting, actor=None).versions.get()
    response = client.post(f"/api/v1/council/minutes/{version.pk}/circulate/")
    assert response.status_code == 200 and response.json()["state"] == "circulated"
    assert client.post(f"/api/v1/council/minutes/{version.pk}/publish/").status_code == 409  # not approved
    services.minutes_approve(version=version, actor=seats["chair"].user)
    assert client.post(f"/api/v1/council/minutes/{version.pk}/publish/").json()["state"] == "published"
