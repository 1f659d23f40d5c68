"""The claim list's cheaper row rendering (ClaimChangeList links, the action checkbox) gives exactly Django's HTML."""

import re

import pytest
from django.contrib import admin
from django.test import Client

from claims.casework.admin.claim import ClaimCaseworkAdminMixin
from claims.tests.factories import submit_claim

pytestmark = pytest.mark.django_db


def result_rows(client: Client, params: dict[str, str]) -> str:
    response = client.get("/admin/claims/claim/", params)
    assert response.status_code == 200
    html = response.content.decode()
    return re.search(r"<tbody>.*</tbody>", html, re.S).group(0)  # type: ignore[union-attr]


@pytest.mark.parametrize("params", [{}, {"status__exact": "received", "category__exact": "non_monetary", "o": "-1"}])
def test_rows_render_as_django_renders_them(agent, incident, monkeypatch, params):
    submit_claim(name="<김&철수>")
    submit_claim(kind="small_business", business_no="220-81-62517", name='꽃집 "A"')
    client = Client()
    client.force_login(agent)
    ours = result_rows(client, params)
    assert ours.count('class="action-select"') == 2
    if params:
        assert "?_changelist_filters=status__exact%3Dreceived%26category__exact%3Dnon_monetary%26o%3D-1" in ours
    monkeypatch.setattr(ClaimCaseworkAdminMixin, "get_changelist", admin.ModelAdmin.get_changelist)
    monkeypatch.setattr(ClaimCaseworkAdminMixin, "action_checkbox", admin.ModelAdmin.action_checkbox)
    assert result_rows(client, params) == ours
