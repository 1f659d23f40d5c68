"""PIPA access records: notification addresses and bodies are a claimant's personal data."""

import pytest
from django.test import Client

from claims.tests.factories import submit_claim
from conftest import make_user
from notifications.models import Notification
from privacy.models import PersonalDataAccess

pytestmark = pytest.mark.django_db
A = PersonalDataAccess.Action


def test_notification_admin_list_search_and_page(incident):
    claim = submit_claim(description="문의")
    other = submit_claim(description="다른 문의")
    notice = Notification.objects.filter(claim=claim).first()
    assert notice is not None and Notification.objects.filter(claim=other).exists()
    root = make_user("root", superuser=True)
    client = Client()
    client.force_login(root)
    assert client.get("/admin/notifications/notification/").status_code == 200
    assert client.get("/admin/notifications/notification/", {"q": claim.reference}).status_code == 200
    assert client.get(f"/admin/notifications/notification/{notice.pk}/change/").status_code == 200
    rows = [(r.actor, r.action, r.claimant_ids) for r in PersonalDataAccess.objects.order_by("id")]
    both = sorted([claim.claimant_id, other.claimant_id])
    assert rows == [
        (root, A.LIST, both),
        (root, A.SEARCH, [claim.claimant_id]),
        (root, A.VIEW, [claim.claimant_id]),
    ]
