"""The idle timeout records activity at most once a minute and still ends a session idle for 30 minutes."""

import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.middleware import IdleTimeoutMiddleware

pytestmark = pytest.mark.django_db

INTERVAL = IdleTimeoutMiddleware.WRITE_INTERVAL


def _session_writes(client: Client, path: str = "/admin/") -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        status = client.get(path).status_code
    writes = [
        q["sql"] for q in queries if "django_session" in q["sql"] and q["sql"].lstrip().startswith(("UPDATE", "INSERT"))
    ]
    return status, writes


def _set_last_seen(client: Client, seconds_ago: int) -> int:
    session = client.session
    session["last_seen"] = int(time.time()) - seconds_ago
    session.save()
    return session["last_seen"]


def test_activity_is_written_once_a_minute_not_on_every_request(settings, agent):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    client = Client()
    client.force_login(agent)
    status, writes = _session_writes(client)  # the first request after login records the time
    assert status == 200 and writes
    first = client.session["last_seen"]
    for _ in range(3):
        status, writes = _session_writes(client)
        assert status == 200
        assert writes == [], writes
    assert client.session["last_seen"] == first

    # A minute later the next request moves it on.
    before = _set_last_seen(client, INTERVAL)
    status, writes = _session_writes(client)
    assert status == 200 and writes
    assert client.session["last_seen"] >= before + INTERVAL


def test_requests_inside_the_interval_do_not_extend_it_but_the_timeout_holds(settings, agent):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    client = Client()
    client.force_login(agent)
    # 29.5 minutes idle: still signed in, and the activity is recorded.
    _set_last_seen(client, 29 * 60 + 30)
    assert client.get("/admin/").status_code == 200
    assert int(time.time()) - client.session["last_seen"] < INTERVAL

    # Idle for longer than the timeout: out, however recent the unrecorded requests were.
    _set_last_seen(client, 30 * 60 + 1)
    assert client.get("/admin/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_session_without_a_recorded_time_gets_one(settings, agent):
    client = Client()
    client.force_login(agent)
    session = client.session
    session.pop("last_seen", None)
    session.save()
    assert client.get("/admin/").status_code == 200
    assert abs(int(time.time()) - client.session["last_seen"]) <= 2
