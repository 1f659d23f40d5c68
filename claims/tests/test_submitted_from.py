"""Where a claim was filed from: a keyed hash of the real client address, never the address (issues 7 and 8)."""

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from claims.importer import claims_import_csv
from claims.models import Claim
from claims.tests.api.test_claim_submit import URL, payload
from claims.tests.factories import submit_claim
from claims.tests.test_importer import csv_bytes, row, write_path  # noqa: F401 (fixture: COPY and ORM)
from claims.tests.test_public_pages import form_data
from claims.workflow import claim_transition
from core.clientip import address_hash
from privacy.models import DestructionLog
from privacy.services import claims_retention_run

pytestmark = pytest.mark.django_db


def test_form_and_api_store_a_keyed_hash_of_the_client_address(incident):
    assert Client(REMOTE_ADDR="203.0.113.7").post("/claims/new/", form_data()).status_code == 302
    assert APIClient(REMOTE_ADDR="203.0.113.7").post(URL, payload(), format="json").status_code == 201
    web, api = Claim.objects.order_by("id")
    assert web.submitted_from == api.submitted_from == address_hash("203.0.113.7")
    assert len(web.submitted_from) == 64 and "203.0.113.7" not in web.submitted_from
    assert APIClient(REMOTE_ADDR="203.0.113.8").post(URL, payload(), format="json").status_code == 201
    assert Claim.objects.latest("id").submitted_from != web.submitted_from


def test_hash_is_keyed(settings):
    plain = address_hash("203.0.113.7")
    settings.REDRESS = {**settings.REDRESS, "CLIENT_ADDRESS_HASH_KEY": "another-key"}
    assert address_hash("203.0.113.7") != plain
    assert address_hash("") == ""


def test_an_ipv6_client_is_counted_by_its_64_block():
    assert address_hash("2001:db8:1:2::1") == address_hash("2001:db8:1:2:ffff::9")
    assert address_hash("2001:db8:1:3::1") != address_hash("2001:db8:1:2::1")
    assert address_hash("::ffff:203.0.113.7") == address_hash("203.0.113.7")


def test_behind_a_proxy_the_proxy_seen_address_counts_not_the_client_written_one(incident, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = APIClient(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.99, 203.0.113.7")
    assert client.post(URL, payload(), format="json").status_code == 201
    assert Claim.objects.get().submitted_from == address_hash("203.0.113.7")


@pytest.mark.usefixtures("write_path")
def test_imported_rows_have_no_address(incident):
    result = claims_import_csv(incident=incident, source=io.BytesIO(csv_bytes([row()])), notify=False)
    assert result.imported == 1
    assert Claim.objects.get().submitted_from == ""


def test_retention_clears_the_address_hash(incident, agent, settings):
    claim = submit_claim(submitted_from=address_hash("203.0.113.7"))
    claim_transition(claim=claim, to=Claim.Status.IN_REVIEW, actor=agent, reason="확인")
    claim_transition(claim=claim, to=Claim.Status.REJECTED, actor=agent, reason="증빙 없음", reason_code="other")
    later = timezone.now() + timedelta(days=settings.PRIVACY_RETENTION_DAYS + 1)
    assert claims_retention_run(now=later) == 1
    assert Claim.objects.get(pk=claim.pk).submitted_from == ""
    assert "submitted_from" in DestructionLog.objects.get().fields_cleared
