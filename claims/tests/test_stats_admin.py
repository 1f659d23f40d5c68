"""The statistics report as an admin page: who may open it, what it shows, where it is linked from."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from claims.tests.factories import submit_claim
from conftest import make_user

pytestmark = pytest.mark.django_db
URL = "/admin/claims/stats/"


ROW = re.compile(
    r'<div class="bar-row" data-key="(?P<key>[^"]+)">\s*<span>(?P<label>[^<]+)</span>.*?'
    r'style="width: (?P<width>[^"]+)".*?<strong>(?P<percent>[^<]+)</strong> (?P<count>[\d,]+)건',
    re.S,
)


def bar_rows(html: str) -> dict[str, tuple[str, str, str, str]]:
    """Each bar of the page by its key: (label, bar width, percentage shown, count)."""
    return {m["key"]: (m["label"], m["width"], m["percent"], m["count"]) for m in ROW.finditer(html)}


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_agent_sees_the_report_with_charts(agent, incident):
    submit_claim(paid=True, service_code="emoticon_plus")
    submit_claim(claimed_amount=300_000)
    submit_claim()
    submit_claim()
    submit_claim(service_code="kakao_t")

    response = logged_in(agent).get(URL, {"incident": incident.code})

    assert response.status_code == 200
    html = response.content.decode()
    assert "피해 신고 통계" in html
    assert "전체 신고 <strong>5</strong>건" in html
    # Korean labels and shares as percentages, with a bar as wide as the share.
    rows = bar_rows(html)
    assert rows["own"] == ("자체 서비스", "80.00%", "80.0%", "4")
    assert rows["affiliate"] == ("계열사", "20.00%", "20.0%", "1")
    assert rows["paid_service_damage"] == ("유료 서비스 피해", "25.00%", "25.0%", "1")
    assert rows["non_monetary"] == ("비금전 (문의·의견·불만·격려)", "50.00%", "50.0%", "2")
    assert rows["individual"] == ("개인", "100.00%", "100.0%", "4")
    assert rows["enterprise"] == ("중견·대기업", "0.00%", "0.0%", "0")
    assert rows["kakao_t"] == ("카카오T", "20.00%", "20.0%", "1")
    assert rows["received"] == ("접수", "100.00%", "100.0%", "5")
    # The day chart is an inline SVG drawn on the server; nothing is fetched from elsewhere.
    assert "<svg" in html and "<rect" in html
    assert '<script src="http' not in html and "cdn" not in html.lower()
    # The incident selector lists the incidents, the current one selected.
    assert f'<option value="{incident.code}" selected>' in html


def test_new_claims_show_at_once_and_fresh_link_counts_now(agent, incident, monkeypatch):
    client = logged_in(agent)
    submit_claim()
    assert "전체 신고 <strong>1</strong>건" in client.get(URL).content.decode()
    submit_claim()
    assert "전체 신고 <strong>2</strong>건" in client.get(URL).content.decode()
    # Without the tallies (SQLite) the count is cached for up to 30 seconds; "지금 다시 집계" counts now.
    monkeypatch.setattr("claims.selectors.claim_tally_available", lambda: False)
    assert "전체 신고 <strong>2</strong>건" in client.get(URL).content.decode()
    submit_claim()
    assert "전체 신고 <strong>2</strong>건" in client.get(URL).content.decode()
    assert "전체 신고 <strong>3</strong>건" in client.get(URL, {"fresh": "1"}).content.decode()


@pytest.mark.parametrize("role", ["secretariat_user", "auditor", "finance_user"])
def test_other_roles_with_the_permission_open_it(request, role, incident):
    assert logged_in(request.getfixturevalue(role)).get(URL).status_code == 200


def test_staff_without_the_permission_is_refused(incident):
    user = make_user("plain_staff")
    assert user.is_staff
    assert logged_in(user).get(URL).status_code == 403


def test_anonymous_is_sent_to_the_login_page(incident):
    response = Client().get(URL)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_unknown_incident_is_404(agent, incident):
    assert logged_in(agent).get(URL, {"incident": "nope"}).status_code == 404


def test_linked_from_the_index_and_the_claim_list(agent, incident):
    client = logged_in(agent)
    assert f'href="{URL}"' in client.get("/admin/").content.decode()
    assert f'href="{URL}"' in client.get("/admin/claims/claim/").content.decode()


def test_no_link_for_staff_without_the_permission(incident):
    assert f'href="{URL}"' not in logged_in(make_user("plain_staff2")).get("/admin/").content.decode()
