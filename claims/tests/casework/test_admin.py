from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claims.casework.bulk import claim_bulk_job_create
from claims.models import CannedResponse, Claim, ClaimBulkJob, ClaimHistory, InformationRequest
from claims.tests.factories import submit_claim
from claims.workflow import claim_transition
from notifications.models import Notification

pytestmark = pytest.mark.django_db
S = Claim.Status
CHANGELIST = "/admin/claims/claim/"


def login(user):
    client = Client()
    client.force_login(user)
    return client


def change_url(claim):
    return f"/admin/claims/claim/{claim.pk}/change/"


def work(client, claim, **fields):
    # Post what the browser posts: every inline's management form as the page rendered it.
    page = client.get(change_url(claim))
    management = {
        f"{inline.formset.prefix}-{name}": value
        for inline in page.context["inline_admin_formsets"]
        for name, value in inline.formset.management_form.initial.items()
    }
    data = {
        "subtype": claim.subtype,
        "assigned_to": claim.assigned_to_id or "",
        **management,
        **fields,
    }
    return client.post(change_url(claim), data, follow=True)


def test_named_queues(agent, agent2, incident):
    mine = submit_claim(description="내 담당")
    theirs = submit_claim(description="남의 담당")
    unassigned = submit_claim(description="미배정")
    late = submit_claim(received_at=timezone.now() - timedelta(days=40), description="기한 초과")
    from claims.casework.assignment import claim_assign

    claim_assign(claim=mine, assignee=agent, actor=agent)
    claim_assign(claim=theirs, assignee=agent2, actor=None)
    client = login(agent)

    def refs(queue):
        page = client.get(CHANGELIST, {"queue": queue})
        assert page.status_code == 200
        return {c.reference for c in page.context["cl"].result_list}

    assert refs("mine") == {mine.reference}
    assert refs("unassigned") == {unassigned.reference, late.reference}
    assert refs("overdue") == {late.reference}
    assert refs("awaiting_claimant") == set()
    assert "초과" in client.get(CHANGELIST, {"queue": "overdue"}).content.decode()


def test_changelist_query_count_does_not_grow_with_rows(agent, team, incident):
    # With the team on round-robin every row has a team and an assignee (foreign keys to render).
    client = login(agent)
    submit_claim()
    client.get(CHANGELIST)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(CHANGELIST).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(15):
        submit_claim(service_code="kakaopay" if n % 2 else "kakaotalk", description=f"건 {n}", phone="010-3030-4040")
    assert Claim.objects.exclude(duplicate_of=None).exists() and Claim.objects.exclude(assigned_to=None).exists()
    assert count() == few


def test_claim_page_moves_the_claim_through_the_service(agent, money_claim):
    client = login(agent)
    page = client.get(change_url(money_claim))
    assert page.status_code == 200
    assert "상태 변경 → 검토 중" in page.content.decode()

    work(client, money_claim, work_action="move:in_review", reason="검토 시작")

    money_claim.refresh_from_db()
    assert money_claim.status == S.IN_REVIEW
    row = ClaimHistory.objects.get(claim=money_claim, event="transition")
    assert (row.actor, row.reason) == (agent, "검토 시작")
    assert "검토 시작" in client.get(change_url(money_claim)).content.decode()


def test_claim_page_reports_a_refusal_as_a_message(agent, money_claim):
    client = login(agent)
    response = work(client, money_claim, work_action="move:rejected", reason="대상 아님")

    assert "기각 사유 코드를 골라 주세요." in response.content.decode()
    money_claim.refresh_from_db()
    assert money_claim.status == S.RECEIVED
    assert not ClaimHistory.objects.filter(claim=money_claim).exists()


def test_claim_page_information_request_and_message(agent, money_claim):
    client = login(agent)
    due = (timezone.localdate() + timedelta(days=5)).isoformat()
    work(client, money_claim, work_action="move:awaiting_claimant", reason="영수증을 보내 주세요.", due_date=due)
    work(client, money_claim, work_action="message", reason="자료를 기다리고 있습니다.")

    assert InformationRequest.objects.get(claim=money_claim).status == "open"
    assert Notification.objects.filter(claim=money_claim, event="claim_message").count() == 1
    page = client.get(change_url(money_claim)).content.decode()
    assert "영수증을 보내 주세요." in page and "정지" in page


def test_bulk_assign_to_me(agent, incident):
    claims = [submit_claim() for _ in range(3)]
    response = login(agent).post(
        CHANGELIST, {"action": "assign_to_me", ACTION_CHECKBOX_NAME: [c.pk for c in claims]}, follow=True
    )
    assert response.status_code == 200
    assert {c.assigned_to_id for c in Claim.objects.filter(pk__in=[c.pk for c in claims])} == {agent.pk}
    assert ClaimBulkJob.objects.get().status == "done"


def test_agent_cannot_bulk_assign_to_someone_else(agent, agent2, incident):
    claim = submit_claim()
    client = login(agent)
    client.post(
        CHANGELIST,
        {"action": "assign_to_agent", ACTION_CHECKBOX_NAME: [claim.pk], "apply": "1", "assignee": agent2.pk},
        follow=True,
    )
    claim.refresh_from_db()
    assert claim.assigned_to_id is None


def test_bulk_answer_and_close_via_the_intermediate_form(agent, incident):
    claims = [submit_claim(description="언제 복구되나요?"), submit_claim(description="문의드립니다. 보상은 언제?")]
    client = login(agent)
    selected = {"action": "answer_and_close", ACTION_CHECKBOX_NAME: [c.pk for c in claims]}

    form = client.post(CHANGELIST, selected)
    assert form.status_code == 200 and "문의 답변" in form.content.decode()

    response = client.post(
        CHANGELIST,
        {**selected, "apply": "1", "response_inquiry": CannedResponse.objects.get(code="inquiry-general").pk},
        follow=True,
    )

    assert response.status_code == 200
    for claim in claims:
        claim.refresh_from_db()
        assert claim.status == S.CLOSED
        assert Notification.objects.filter(claim=claim, event="non_monetary_answered").count() == 1


def test_more_than_a_page_becomes_a_background_job(agent, incident, monkeypatch, django_capture_on_commit_callbacks):
    from claims.casework import tasks

    sent = []
    monkeypatch.setattr(tasks.claim_bulk_job_run_task, "delay", lambda **kw: sent.append(kw))
    monkeypatch.setattr("claims.admin.ClaimAdmin.list_per_page", 2)
    claims = [submit_claim() for _ in range(3)]

    with django_capture_on_commit_callbacks(execute=True):
        response = login(agent).post(
            CHANGELIST, {"action": "assign_to_me", ACTION_CHECKBOX_NAME: [c.pk for c in claims]}, follow=True
        )

    job = ClaimBulkJob.objects.get()
    assert sent == [{"job_id": job.pk}]
    assert (job.status, job.total) == ("queued", 3)
    assert f"#{job.pk}" in response.content.decode()
    assert not Claim.objects.filter(assigned_to=agent).exists()


def test_bulk_job_page_and_result_download(agent, incident):
    claims = [submit_claim(), submit_claim(service_code="kakaopay")]
    claim_transition(claim=claims[1], to=S.IN_REVIEW, actor=agent)
    job = claim_bulk_job_create(action="close", claims=[c.pk for c in claims], actor=agent, params={"reason": "정리"})
    from claims.casework.bulk import claim_bulk_job_run

    claim_bulk_job_run(job_id=job.pk)
    client = login(agent)

    page = client.get(f"/admin/claims/claimbulkjob/{job.pk}/change/")
    assert page.status_code == 200 and "<progress" in page.content.decode()
    result = client.get(f"/admin/claims/claimbulkjob/{job.pk}/result.csv").content.decode("utf-8-sig")
    assert claims[0].reference in result and "완료" in result


def test_reference_and_outcome_pages_render(supervisor, team, incident):
    client = login(supervisor)
    teams = client.get("/admin/claims/team/").content.decode()
    assert "비금전 (문의·의견·불만·격려)" in teams
    for url in (
        "/admin/claims/categorypolicy/",
        "/admin/claims/cannedresponse/",
        "/admin/claims/affiliateoutcome/",
        "/admin/claims/transferbatch/",
        "/admin/claims/informationrequest/",
        "/admin/claims/claimbulkjob/",
    ):
        assert client.get(url).status_code == 200, url
