"""Fixtures for payouts: the sandbox gateway as a real subprocess on a free port, settlement settings shared by
the test process and the worker process (through the environment), and finance users."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings

from conftest import ROOT, WorkerProcess, purge_broker
from core import roles
from payouts.gateways.base import get_gateway, get_voucher_provider

# Small and fast: the tests settle 1,000 payouts several times.
SETTLEMENT_ENV = {
    "PAYOUTS_CHUNK_SIZE": "100",
    "PAYOUTS_SEND_CONCURRENCY": "8",
    "PAYOUTS_LANES": "4",
    "PAYOUTS_GATEWAY_TIMEOUT": "0.5",
    "PAYOUTS_STUCK_AFTER_SECONDS": "3",
    "PAYOUTS_RETRY_BACKOFF_SECONDS": "0",
}
SETTLEMENT_CONF = {
    "CHUNK_SIZE": 100,
    "SEND_CONCURRENCY": 8,
    "LANES": 4,
    "GATEWAY_TIMEOUT": 0.5,
    "STUCK_AFTER_SECONDS": 3,
    "RETRY_BACKOFF_SECONDS": 0,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SandboxProcess:
    """The sandbox gateway in its own process (`python -m payouts.sandbox.server`, the code behind
    `manage.py run_sandbox_gateway`), with its own ledger file. Started once per session, reset per test."""

    def __init__(self, tmp: Path, *, latency_ms: float = 1.0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.latency_ms = latency_ms
        self.log_path = tmp / "gateway.log"
        self.log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "payouts.sandbox.server", "--port", str(self.port),
             "--db", str(tmp / "gateway.sqlite3"), "--latency-ms", str(latency_ms)],
            cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self.get("/health")
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        raise RuntimeError(f"sandbox gateway did not start:\n{self.log_path.read_text()}")

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def get(self, path: str) -> Any:
        return self._call("GET", path)

    def post(self, path: str, body: Any) -> Any:
        return self._call("POST", path, body)

    def faults(self, **faults: Any) -> Any:
        return self.post("/_admin/faults", faults)

    def stats(self) -> dict[str, Any]:
        return self.get("/_admin/stats")

    def reset(self) -> None:
        self.post("/_admin/reset", {"latency_ms": self.latency_ms})

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.log.close()


@pytest.fixture(scope="session")
def sandbox_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    gateway = SandboxProcess(tmp_path_factory.mktemp("sandbox"))
    yield gateway
    gateway.stop()


@pytest.fixture
def sandbox(sandbox_process: SandboxProcess, monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxProcess]:
    """The session's sandbox, emptied, with the settlement settings that worker processes get too."""
    sandbox_process.reset()
    url = sandbox_process.url
    monkeypatch.setattr(
        settings, "PAYOUTS", {**settings.PAYOUTS, **SETTLEMENT_CONF, "GATEWAY_URL": url, "VOUCHER_URL": url}
    )
    get_gateway.cache_clear()
    get_voucher_provider.cache_clear()
    yield sandbox_process
    get_gateway.cache_clear()
    get_voucher_provider.cache_clear()


def start_worker(gateway: SandboxProcess, *, name: str) -> WorkerProcess:
    """A real `celery worker` on the settlement queue; settlement settings reach it through the environment."""
    saved = dict(os.environ)
    os.environ.update({**SETTLEMENT_ENV, "PAYOUTS_GATEWAY_URL": gateway.url, "PAYOUTS_VOUCHER_URL": gateway.url})
    try:
        return WorkerProcess(queues="settlement", concurrency=2, name=name)
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="module")
def settlement_worker(django_db_setup: Any, sandbox_process: SandboxProcess) -> Iterator[WorkerProcess]:
    """One worker per test module (starting one costs seconds); tests use `transactional_db` so it sees rows."""
    purge_broker()
    worker = start_worker(sandbox_process, name="pay")
    yield worker
    worker.stop()


@pytest.fixture
def roles_synced(db: Any) -> None:
    # Transactional tests flush the groups the data migrations made; put them back.
    roles.sync_role_permissions(apps)


@pytest.fixture
def finance_users(roles_synced: None) -> tuple[Any, Any, Any]:
    """(maker, checker, manager): two finance users and a finance manager."""
    from payouts.tests.factories import UserFactory

    maker = UserFactory(username="maker", groups=[roles.FINANCE])
    checker = UserFactory(username="checker", groups=[roles.FINANCE])
    manager = UserFactory(username="manager", groups=[roles.FINANCE_MANAGER])
    return maker, checker, manager
