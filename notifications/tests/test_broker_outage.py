"""The issue's "done when": the broker is down for a minute while claims keep arriving; every claim accepted
exists once and keeps its receipt notification, and after the broker returns the sweeper gets each one delivered
exactly once.

A private `redis-server` on a free port plays the broker (the shared Redis is never stopped): the web side
(this process) and a real worker both point at it; we kill it, submit claims through the API, start it again
(empty: the queue is lost too) and run the sweeper."""

import logging
import os
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from claims.models import Claim
from conftest import WorkerProcess, wait_for
from notifications import services
from notifications.models import Notification
from notifications.services.outbox import broker_connections_reset
from notifications.smtp_sink import free_port

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
OUTAGE_SECONDS = float(os.environ.get("BROKER_OUTAGE_SECONDS", "60"))
ARRIVAL_EVERY = 5.0  # seconds between claims while the broker is down


class PrivateRedis:
    def __init__(self, port: int) -> None:
        self.port = port
        self.proc: subprocess.Popen[bytes] | None = None

    def _ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self._ping, timeout=10, message="private redis-server to answer")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        wait_for(lambda: not self._ping(), timeout=10, message="private redis-server to stop")


@contextmanager
def web_broker(url: str) -> Iterator[None]:
    """Point this process's Celery publisher at `url`."""
    from config.celery import app

    previous = app.conf.broker_url
    broker_connections_reset()
    app.conf.broker_url = url
    try:
        yield
    finally:
        broker_connections_reset()
        app.conf.broker_url = previous


def _submit(api_client, number: int) -> str:
    response = api_client.post(
        "/api/v1/claims/",
        {
            "claimant": {
                "kind": "individual", "name": f"신고인{number}", "email": f"outage{number}@example.kr",
                "phone": f"010-7000-{number:04d}",
            },
            "service": "kakaotalk", "paid": False, "description": "카카오톡 장애로 불편했습니다.",
            "consent_privacy": True,
        },
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    return response.json()["reference"]


def test_notifications_survive_a_broker_outage_and_are_delivered_exactly_once(
    smtp_sink, api_client, settings, caplog, monkeypatch
):
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    broker = PrivateRedis(port)
    broker.start()
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    # An email-only deployment, so every receipt lands in the SMTP sink.
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "ENABLED_CHANNELS": ["email"]}
    worker = WorkerProcess(name="outage", concurrency=2)
    try:
        with web_broker(url):
            before = _submit(api_client, 1)  # broker up: delivered straight away
            smtp_sink.wait_for(1)
            time.sleep(2)  # let the worker acknowledge it (acks_late) before the broker goes

            broker.kill()
            caplog.set_level(logging.WARNING, logger="notifications.services.outbox")
            started = time.monotonic()
            during: list[str] = []
            while time.monotonic() - started < OUTAGE_SECONDS:
                request_started = time.monotonic()
                during.append(_submit(api_client, len(during) + 2))
                assert time.monotonic() - request_started < 10  # the failed enqueue costs little, never the request
                time.sleep(max(0.0, ARRIVAL_EVERY - (time.monotonic() - request_started)))
            lost = len(during)
            assert lost >= 2
            assert Claim.objects.filter(reference__in=during).count() == lost  # each accepted claim, once
            rows = Notification.objects.filter(claim__reference__in=during)
            assert rows.count() == lost and set(rows.values_list("status", flat=True)) == {"pending"}
            assert caplog.text.count("broker unreachable") == lost

            broker.start()  # back, empty
            if worker.proc.poll() is not None:
                # Celery can give up on an abruptly lost Redis; in production the process manager restarts it.
                worker.stop()
                worker = WorkerProcess(name="outage2", concurrency=2)
            time.sleep(2)
            assert smtp_sink.count() == 1  # nothing was queued while it was down
            assert services.notification_sweep(grace_seconds=0)["requeued"] == lost
            assert caplog.text.count("broker unreachable") == lost  # the sweep's publishes went through
            smtp_sink.wait_for(lost + 1, timeout=90)
            # A second sweep and a little patience: nothing more goes out.
            services.notification_sweep(grace_seconds=0)
            time.sleep(3)

        mails = smtp_sink.mails()
        assert len(mails) == lost + 1
        assert Claim.objects.count() == lost + 1
        per_reference = Counter(ref for mail in mails for ref in [before, *during] if ref in mail.subject)
        assert per_reference == {ref: 1 for ref in [before, *during]}
        assert Counter(mail.notification_id for mail in mails) == Counter(
            {pk: 1 for pk in Notification.objects.values_list("pk", flat=True)}
        )
        assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    finally:
        worker.stop()
        broker.kill()
