import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from privacy.models import PersonalDataAccess
from privacy.selectors import access_monthly_review
from privacy.services import access_record

pytestmark = pytest.mark.django_db


def record(agent, ids=(1, 2, 3), action="view"):
    request = RequestFactory().get("/api/v1/claims/", REMOTE_ADDR="192.0.2.10")
    request.user = agent
    return access_record(request=request, action=action, claimant_ids=ids)


def test_access_record_names_who_where_what(agent):
    row = record(agent, ids=[5, 3, 5])
    assert (row.actor, row.actor_username, row.ip_address, row.action) == (agent, "agent", "192.0.2.10", "view")
    assert row.claimant_ids == [3, 5] and row.claimant_count == 2
    assert record(agent, ids=[]) is None


def test_access_records_cannot_be_altered_or_deleted(agent):
    row = record(agent)
    with pytest.raises(DatabaseError), transaction.atomic():
        PersonalDataAccess.objects.filter(pk=row.pk).update(reason="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        PersonalDataAccess.objects.filter(pk=row.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE privacy_personaldataaccess SET actor_username = 'x'")
    assert PersonalDataAccess.objects.get(pk=row.pk).reason == ""


def test_application_role_cannot_truncate_after_lock(agent):
    from django.core.management import call_command

    record(agent)
    with connection.cursor() as cursor:
        cursor.execute("DROP ROLE IF EXISTS redress_app_test")
        cursor.execute("CREATE ROLE redress_app_test")
        cursor.execute("GRANT USAGE ON SCHEMA public TO redress_app_test")
    call_command("privacy_lock_tables", role="redress_app_test")
    try:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL ROLE redress_app_test")
            cursor.execute("TRUNCATE privacy_personaldataaccess")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL ROLE redress_app_test")
            cursor.execute("SELECT count(*) FROM privacy_personaldataaccess")
            assert cursor.fetchone()[0] == 1
            cursor.execute("RESET ROLE")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
            cursor.execute("DROP OWNED BY redress_app_test")
            cursor.execute("DROP ROLE redress_app_test")


def test_monthly_review(agent):
    from django.utils import timezone

    record(agent, ids=range(1, 11), action="list")
    record(agent, ids=[1], action="download")
    now = timezone.localtime()
    report = access_monthly_review(year=now.year, month=now.month)
    assert report["records"] == 2
    assert report["by_action"] == {"list": 1, "download": 1}
    assert report["by_actor"][0]["claimants"] == 11
    assert len(report["downloads_and_exports"]) == 1
