"""Fixtures shared by every app's tests: role users, API clients and a real Celery worker process."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from rest_framework.test import APIClient

from core import roles

ROOT = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Transactional tests end with a flush that also wipes the data migrations' rows (the incident, the
    groups, the default templates). Give every transactional test a serialized rollback so each one starts
    from the migrated database, whatever ran before it."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        kwargs = dict(marker.kwargs) if marker else {}
        fixtures = getattr(item, "fixturenames", ())
        if kwargs.get("transaction") or "transactional_db" in fixtures or "live_server" in fixtures:
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    from django.core.cache import cache

    cache.clear()
    yield


def make_user(username: str, *groups: str, superuser: bool = False) -> User:
    if superuser:
        return User.objects.create_superuser(username=username, password="pw-" + username, email=f"{username}@x.kr")
    user = User.objects.create_user(username=username, password="pw-" + username, is_staff=True)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user


@pytest.fixture
def agent(db) -> User:
    return make_user("agent", roles.SUPPORT_AGENT)


@pytest.fixture
def auditor(db) -> User:
    return make_user("auditor", roles.AUDITOR)


@pytest.fixture
def secretariat_user(db) -> User:
    return make_user("secretary", roles.SECRETARIAT)


@pytest.fixture
def finance_user(db) -> User:
    return make_user("finance", roles.FINANCE)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def agent_client(agent: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(agent)
    return client


@pytest.fixture
def incident(db):
    from claims.models import Incident

    return Incident.objects.get(code="2022-pangyo-dc-fire")


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] or "postgres"
    if s.get("PASSWORD"):
        auth += f":{s['PASSWORD']}"
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class WorkerProcess:
    """A `celery worker` subprocess on the real broker, reading the test database."""

    def __init__(
        self, *, queues: str | None = None, concurrency: int = 2, name: str = "w1", database_url: str | None = None
    ) -> None:
        self.log_path = ROOT / "var" / "test-logs" / f"worker-{name}-{os.getpid()}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "DATABASE_URL": database_url or _database_url(),
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
        }
        cmd = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            str(concurrency),
            "--pool",
            "prefork",
            "--hostname",
            f"{name}-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
        ]
        if queues:
            cmd += ["--queues", queues]
        self.log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if "ready." in self.log_path.read_text(errors="replace"):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"Celery worker did not start:\n{self.log_path.read_text(errors='replace')[-4000:]}")

    def stop(self, sig: int | None = None) -> None:
        import signal

        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig or signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def purge_broker() -> None:
    from config.celery import app

    with app.connection_for_write() as conn:
        app.control.purge(connection=conn)


@pytest.fixture
def celery_worker_process(transactional_db) -> Iterator[WorkerProcess]:
    purge_broker()
    worker = WorkerProcess()
    yield worker
    worker.stop()


def wait_for(predicate, *, timeout: float = 30, interval: float = 0.2, message: str = "condition"):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")
