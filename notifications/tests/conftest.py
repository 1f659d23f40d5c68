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

from core import roles
from notifications.smtp_sink import ReceivedMail, free_port, mail_count, mail_list, sink_start

# Small retry delays so retry tests finish in seconds; the worker reads them from its environment.
WORKER_ENV = {"NOTIFICATIONS_RETRY_BASE_SECONDS": "1", "NOTIFICATIONS_MAX_ATTEMPTS": "3"}


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


@pytest.fixture
def smtp_sink(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[Sink]:
    port = free_port()
    maildir = tmp_path / "mail"
    controller = sink_start(maildir=maildir, port=port, quiet=True)
    monkeypatch.setenv("EMAIL_PORT", str(port))
    monkeypatch.setenv("NOTIFICATIONS_MAILDIR", str(maildir))
    for name, value in WORKER_ENV.items():
        monkeypatch.setenv(name, value)
    settings.EMAIL_PORT = port
    settings.NOTIFICATIONS = {
        **django_settings.NOTIFICATIONS,
        "RETRY_BASE_SECONDS": 1,
        "MAX_ATTEMPTS": 3,
        "MAILDIR": str(maildir),
    }
    yield Sink(maildir, port)
    controller.stop()


def _roles_sync() -> None:
    from django.contrib.auth.models import Group, Permission

    for role, names in roles.ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = []
        for name in names:
            app_label, codename = name.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                perms.append(perm)
        group.permissions.set(perms)


@pytest.fixture
def notification_data(db: Any) -> None:
    """The rows data migrations made (reference data, templates, roles): transactional tests flush them."""
    for module in (
        "claims.migrations.0002_reference_data",
        "claims.migrations.0005_casework_reference_data",
        "notifications.migrations.0002_default_templates",
    ):
        importlib.import_module(module).load(django_apps, None)
    _roles_sync()


@pytest.fixture
def celery_worker_process(smtp_sink: Sink, notification_data: None, celery_worker_process: Any) -> Any:
    """The root fixture's real worker, started after the SMTP sink so it inherits the sink's port."""
    return celery_worker_process
