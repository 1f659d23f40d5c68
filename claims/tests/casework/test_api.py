from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from claims.models import Claim, ClaimHistory, ClaimNote, InformationRequest
from claims.tests.factories import submit_claim
from notifications.models import Notification

pytestmark = pytest.mark.django_db
S = Claim.Status


def url(claim, action):
    return f"/api/v1/claims/{claim.reference}/{action}/"


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_transition_moves_and_returns_the_claim(agent_client, money_claim):
    response = agent_client.post(url(money_claim, "transition"), {"to": "in_review", "reason": "검토"}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "in_review"
    assert "assessed" in body["allowed_moves"]
    assert ClaimHistory.objects.filter(claim=money_claim, to_status="in_review").count() == 1


def test_refused_transition_is_409_with_allowed_moves(agent_client, money_claim):
    response = agent_client.post(url(money_claim, "transition"), {"to": "assessed"}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["status"] == "received"
    assert body["to"] == "assessed"
    assert body["allowed"] == sorted(
        ["in_review", "awaiting_claimant", "answered", "transferred", "rejected", "withdrawn", "merged", "closed"]
    )
    assert body["detail"]


def test_transition_without_change_permission_is_403(auditor, money_claim):
    response = client_for(auditor).post(url(money_claim, "transition"), {"to": "in_review"}, format="json")

    assert response.status_code == 403
    money_claim.refresh_from_db()
    assert money_claim.status == S.RECEIVED


def test_transition_to_awaiting_claimant_opens_an_information_request(agent_client, money_claim):
    due = (timezone.localdate() + timedelta(days=7)).isoformat()
    response = agent_client.post(
        url(money_claim, "transition"),
        {"to": "awaiting_claimant", "reason": "결제 영수증을 보내 주세요.", "due_date": due},
        format="json",
    )

    assert response.status_code == 200, response.json()
    request = InformationRequest.objects.get(claim=money_claim)
    assert request.status == "open" and request.due_date.isoformat() == due
    assert Notification.objects.filter(claim=money_claim, event="info_requested").count() == 1


def test_transition_to_merged_needs_the_primary(agent_client, incident):
    primary = submit_claim(phone="010-5555-6666", description="언제 복구되나요?")
    duplicate = submit_claim(phone="010-5555-6666", description="언제 복구되나요? 다시 묻습니다")

    missing = agent_client.post(url(duplicate, "transition"), {"to": "merged"}, format="json")
    assert missing.status_code == 400 and "primary" in missing.json()

    response = agent_client.post(
        url(duplicate, "transition"), {"to": "merged", "primary": primary.reference.lower()}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["merged_into"] == primary.reference


def test_unknown_fields_are_refused(agent_client, money_claim):
    response = agent_client.post(url(money_claim, "transition"), {"to": "in_review", "status": "x"}, format="json")
    assert response.status_code == 400


def test_agent_takes_a_claim_but_needs_a_supervisor_to_give_it_away(agent, agent2, supervisor, money_claim):
    mine = client_for(agent).post(url(money_claim, "assign"), {"assignee": "agent"}, format="json")
    assert mine.status_code == 200 and mine.json()["assigned_to"] == "agent"

    theirs = client_for(agent).post(url(money_claim, "assign"), {"assignee": "agent2"}, format="json")
    assert theirs.status_code == 403

    given = client_for(supervisor).post(url(money_claim, "assign"), {"assignee": "agent2"}, format="json")
    assert given.status_code == 200 and given.json()["assigned_to"] == "agent2"
    events = ClaimHistory.objects.filter(claim=money_claim, event="assigned").order_by("id")
    assert [(e.actor.username, e.data["to"]) for e in events] == [("agent", agent.pk), ("supervisor", agent2.pk)]


def test_notes_internal_and_message(agent_client, money_claim):
    internal = agent_client.post(url(money_claim, "notes"), {"body": "영수증 확인 필요"}, format="json")
    message = agent_client.post(
        url(money_claim, "notes"), {"body": "검토 중입니다. 조금만 기다려 주세요.", "kind": "message"}, format="json"
    )

    assert internal.status_code == 201 and message.status_code == 201
    assert ClaimNote.objects.filter(claim=money_claim, kind="internal").count() == 1
    sent = Notification.objects.get(claim=money_claim, event="claim_message")
    assert sent.context["message"] == "검토 중입니다. 조금만 기다려 주세요."
    listed = agent_client.get(url(money_claim, "notes")).json()
    assert [n["kind"] for n in listed] == ["internal", "message"]


def test_notes_are_not_for_auditors_to_write(auditor, money_claim):
    response = client_for(auditor).post(url(money_claim, "notes"), {"body": "메모"}, format="json")
    assert response.status_code == 403


def test_history_lists_rows_with_actor(agent_client, money_claim):
    agent_client.post(url(money_claim, "transition"), {"to": "in_review"}, format="json")
    agent_client.post(url(money_claim, "transition"), {"to": "assessed"}, format="json")

    rows = agent_client.get(url(money_claim, "history")).json()

    assert [(r["from_status"], r["to_status"], r["actor"]) for r in rows if r["event"] == "transition"] == [
        ("received", "in_review", "agent"),
        ("in_review", "assessed", "agent"),
    ]


def test_history_query_count_does_not_grow_with_rows(agent, money_claim):
    from claims.casework.notes import claim_message_send

    client = client_for(agent)
    client.get(url(money_claim, "history"))  # warm the permission cache of this request's user lookups

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url(money_claim, "history"))
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.json())

    few_queries, few_rows = count_queries()
    for n in range(20):
        claim_message_send(claim=money_claim, message=f"안내 {n}", actor=agent)
    many_queries, many_rows = count_queries()

    assert many_rows >= few_rows + 20
    assert many_queries == few_queries
    assert many_queries <= 6
