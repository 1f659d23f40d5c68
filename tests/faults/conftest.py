"""Fixtures for fault tests: the payouts sandbox gateway (a real process) and the notifications SMTP sink, shared
with those apps' tests, and workers started with the small chunk sizes that make a job fan out."""

import os
from typing import Any

import pytest

from conftest import WorkerProcess
from notifications.tests.conftest import WORKER_ENV as NOTIFICATIONS_ENV
from payouts.tests.conftest import SETTLEMENT_CONF, SETTLEMENT_ENV, SandboxProcess
from payouts.tests.conftest import finance_users as finance_users
from payouts.tests.conftest import roles_synced as roles_synced
from payouts.tests.conftest import sandbox as sandbox
from payouts.tests.conftest import sandbox_process as sandbox_process

__all__ = ["SETTLEMENT_CONF", "start_worker"]


def start_worker(
    *,
    name: str,
    queues: str,
    gateway: SandboxProcess | None = None,
    extra: dict[str, str] | None = None,
    database_url: str | None = None,
) -> WorkerProcess:
    """A real `celery worker` whose settings (chunk sizes, gateway, redelivery) come through its environment;
    it reads the test database unless `database_url` names another."""
    env = {**SETTLEMENT_ENV, **NOTIFICATIONS_ENV, **(extra or {})}
    if gateway is not None:
        env.update(PAYOUTS_GATEWAY_URL=gateway.url, PAYOUTS_VOUCHER_URL=gateway.url)
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return WorkerProcess(queues=queues, concurrency=2, name=name, database_url=database_url)
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture
def small_chunks(settings: Any) -> None:
    """This process's settings matching the workers' (the web side writes and enqueues)."""
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "CAMPAIGN_CHUNK": 10, "DELIVERY_BATCH": 4}
