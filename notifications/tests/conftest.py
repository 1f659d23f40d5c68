"""Fixtures for notification tests: a real SMTP sink on a free port, and the worker started after it."""

import importlib
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.conf import settings as django_settings

from conftest import WorkerProcess, purge_broker
from core import roles
from notifications.smtp_sink import ReceivedMail, free_port, mail_count, mail_list, sink_start

# Small retry delays so retry tests finish in seconds; the worker reads them from its environment.
# Small chunks so a campaign of a few dozen claims still fans out into several tasks.
WORKER_ENV = {
    "NOTIFICATIONS_RETRY_BASE_SECONDS": "1",
    "NOTIFICATIONS_MAX_ATTEMPTS": "3",
    "NOTIFICATIONS_CAMPAIGN_CHUNK": "10",
    "NOTIFICATIONS_DELIVERY_BATCH": "4",
}


class Sink:
    """The SMTP sink the worker sends to, and what it received."""

    def __init__(self, maildir: Path, port: int) -> None:
        self.maildir = maildir
        self.port = port

    def count(self) -> int:
        return mail_count(self.maildir)

    def mails(self) -> list[ReceivedMail]:
        return mail_list(self.maildir)

    def per_notification(self) -> Counter[int | None]:
        return Counter(mail.notification_id for mail in self.mails())

    def wait_for(self, count: int, *, timeout: float = 60) -> list[ReceivedMail]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.count() >= count:
                return self.mails()
            time.sleep(0.1)
        raise AssertionError(f"SMTP sink got {self.count()} messages, expected {count}")


@pytest.fixture(scope="module")
def _sink_module(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sink]:
    """One SMTP sink per test module, its port in the environment so worker processes started later use it."""
    port = free_port()
    maildir = tmp_path_factory.mktemp("mail")
    controller = sink_start(maildir=maildir, port=port, quiet=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EMAIL_PORT", str(port))
        patch.setenv("NOTIFICATIONS_MAILDIR", str(maildir))
        for name, value in WORKER_ENV.items():
            patch.setenv(name, value)
        yield Sink(maildir, port)
    controller.stop()


@pytest.fixture
def smtp_sink(_sink_module: Sink, settings: Any) -> Sink:
    """The module's SMTP sink, emptied, with this process's settings pointing at it."""
    for entry in (_sink_module.maildir / "new").glob("*"):
        entry.unlink()
    settings.EMAIL_PORT = _sink_module.port
    settings.NOTIFICATIONS = {
        **django_settings.NOTIFICATIONS,
        "RETRY_BASE_SECONDS": 1,
        "MAX_ATTEMPTS": 3,
        "CAMPAIGN_CHUNK": 10,
        "DELIVERY_BATCH": 4,
        "MAILDIR": str(_sink_module.maildir),
    }
    return _sink_module


def _roles_sync() -> None:
    from django.contrib.auth.models import Group, Permission

    by_name = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.values_list("pk", "content_type__app_label", "codename")
    }
    for role, names in roles.ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set([by_name[name] for name in names if name in by_name])


@pytest.fixture(autouse=True)
def notification_data(db: Any) -> None:
    """The rows data migrations made (reference data, templates, roles): transactional tests flush them, and a
    reused test database keeps the flush. Reloaded only when missing."""
    from django.contrib.auth.models import Group

    from claims.models import Incident
    from notifications.models import NotificationTemplate

    if not Incident.objects.exists():
        for module in ("claims.migrations.0002_reference_data", "claims.migrations.0005_casework_reference_data"):
            importlib.import_module(module).load(django_apps, None)
    if not NotificationTemplate.objects.exists():
        importlib.import_module("notifications.migrations.0002_default_templates").load(django_apps, None)
    if not Group.objects.filter(name=roles.SUPPORT_AGENT).exists():
        _roles_sync()


@pytest.fixture(scope="module")
def _worker_module(_sink_module: Sink, django_db_setup: Any) -> Iterator[WorkerProcess]:
    # One worker per module rather than per test: under load a worker takes half a minute to start.
    purge_broker()
    worker = WorkerProcess(name="ntf")
    yield worker
    worker.stop()


@pytest.fixture
def celery_worker_process(
    transactional_db: Any, notification_data: None, smtp_sink: Sink, _worker_module: WorkerProcess
) -> WorkerProcess:
    """Overrides the root fixture: the same real worker on the real broker, started after the SMTP sink (so it
    inherits the sink's port) and kept for the whole module."""
    return _worker_module
