"""PostgreSQL restarted in the middle of a settlement batch: the job finishes, every payout is paid once, and the
web side goes on accepting claims.

The shared PostgreSQL is never touched: the test starts a PRIVATE cluster (initdb under /tmp, trust auth, a free
port, run as the `postgres` OS user when we are root), migrates a database in it (`manage.py migrate`: the test
database cannot be copied, transactional tests leave it flushed) and points a real Celery worker and a gunicorn
with one worker process (persistent connections, CONN_MAX_AGE, as in production) at it. While the worker settles
400 payouts against the sandbox gateway, the cluster is restarted (`pg_ctl restart -m fast`: every connection is
cut). The web process's connection must recover (CONN_HEALTH_CHECKS), the settlement lanes that lost theirs must
retry by themselves, and the sweeper (what beat runs every minute) must resolve the payouts the cut left
submitted, so that the batch ends with each payout paid exactly once and a claim submitted after the restart is
accepted, once. The cluster is stopped and its directory removed however the test ends."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from conftest import ROOT, WorkerProcess, purge_broker
from payouts.tests.conftest import SandboxProcess, free_port
from tests.faults.conftest import start_worker

pytestmark = [pytest.mark.worker, pytest.mark.slow]
# The server binaries (Debian keeps them off PATH): REDRESS_PG_BIN, else the newest installed version.
_INSTALLED = sorted(
    Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0
)
PG_BIN = Path(os.environ.get("REDRESS_PG_BIN") or (_INSTALLED[-1] if _INSTALLED else "/usr/lib/postgresql/bin"))
COUNT = 400

SETUP = f"""
from django.contrib.auth.models import Group, User
from core import roles
from payouts.services.batches import payout_batch_approve, payout_batch_build
from payouts.services.payouts import payouts_create_from_entitlements
from payouts.tests.factories import make_entitlements

finance = Group.objects.get(name=roles.FINANCE)
maker, checker = (User.objects.create_user(username=name, is_staff=True) for name in ("pg-maker", "pg-checker"))
for user in (maker, checker):
    user.groups.add(finance)
make_entitlements({COUNT}, amounts=10_000)
payouts_create_from_entitlements()
batch = payout_batch_build(actor=maker)
payout_batch_approve(batch=batch, actor=checker)
print("BATCH", batch.pk, checker.pk)
"""
RELEASE = """
from django.contrib.auth.models import User
from payouts.models import PayoutBatch
from payouts.services.batches import payout_batch_release

payout_batch_release(batch=PayoutBatch.objects.get(pk={batch_id}), actor=User.objects.get(pk={user_id}))
"""
SWEEP = "from payouts.tasks import payouts_sweep_task; payouts_sweep_task.delay()"


class PrivatePostgres:
    """A throwaway PostgreSQL cluster on a free port, owned by the `postgres` OS user."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="redress-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")

    def init(self) -> None:
        self._run(PG_BIN / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")

    def _run(self, *args: Any) -> subprocess.CompletedProcess[str]:
        cmd = [str(a) for a in args]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"{' '.join(cmd)}:\n{result.stdout}\n{result.stderr}"
        return result

    def _ctl(self, action: str) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(PG_BIN / "pg_ctl", action, "-D", self.data, "-l", self.log, "-w", "-m", "fast", "-o", options)

    def start(self) -> None:
        self._ctl("start")

    def restart(self) -> None:
        self._ctl("restart")

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(PG_BIN / "pg_ctl", "stop", "-D", self.data, "-w", "-m", "immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def connect(self, name: str) -> psycopg.Connection[Any]:
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=name, autocommit=True)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    if not (PG_BIN / "initdb").exists() or (os.geteuid() == 0 and shutil.which("runuser") is None):
        pytest.skip(f"no PostgreSQL server binaries in {PG_BIN} (or no runuser to run them as root)")
    cluster = PrivatePostgres()
    try:
        cluster.init()
        cluster.start()
        with cluster.connect("postgres") as conn:
            conn.execute("CREATE DATABASE redress")
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=ROOT, env=_env(cluster), capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert migrate.returncode == 0, migrate.stderr[-3000:]
        yield cluster
    finally:
        cluster.stop()


def _env(cluster: PrivatePostgres, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": cluster.url("redress"),
        **extra,
    }


def _manage(env: dict[str, str], code: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


class WebServer:
    """gunicorn with one sync worker, so that both claims go through the same process and its persistent
    database connection (CONN_MAX_AGE), as a production web process would."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.url = f"http://127.0.0.1:{free_port()}"
        self.log_path = log_path
        self.log = log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", self.url[7:], "--workers", "1",
             "--timeout", "60"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/claims/status/", timeout=10).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start:\n{self.log_path.read_text()[-3000:]}") from None
                time.sleep(0.3)

    def submit(self, n: int) -> tuple[int, dict[str, Any]]:
        """One claim through the public API: (status, answer)."""
        body = {
            "incident": "2022-pangyo-dc-fire", "service": "kakaotalk", "paid": False, "claimed_amount": None,
            "claimant": {"kind": "individual", "name": "재시작", "email": f"pg{n}@example.kr",
                         "phone": f"010-7{n:03d}-{n:04d}"},
            "description": "데이터베이스가 다시 시작된 뒤에도 접수되어야 합니다.", "consent_privacy": True,
        }  # fmt: skip
        request = urllib.request.Request(
            f"{self.url}/api/v1/claims/", data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, {"error": exc.read().decode(errors="replace")[:500], "log": self.output()[-2000:]}

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def _statuses(cluster: PrivatePostgres, batch_id: int) -> dict[str, int]:
    for _ in range(30):  # the cluster may still be coming back
        try:
            with cluster.connect("redress") as conn:
                rows = conn.execute(
                    "SELECT status, count(*) FROM payouts_payout WHERE batch_id = %s GROUP BY status", [batch_id]
                ).fetchall()
                return dict(rows)
        except psycopg.OperationalError:
            time.sleep(1)
    raise AssertionError("the private PostgreSQL did not come back")


def test_postgres_restart_mid_settlement_finishes_each_payout_once(
    private_postgres: PrivatePostgres, sandbox: SandboxProcess
) -> None:
    cluster = private_postgres
    env = _env(
        cluster,
        PAYOUTS_GATEWAY_URL=sandbox.url,
        PAYOUTS_VOUCHER_URL=sandbox.url,
        PAYOUTS_STUCK_AFTER_SECONDS="3",
        PAYOUTS_CHUNK_SIZE="50",
    )
    out = _manage(env, SETUP)
    batch_id, checker_id = (
        int(v) for v in next(line for line in out.splitlines() if line.startswith("BATCH")).split()[1:]
    )
    sandbox.faults(latency_ms=30)  # slow enough to restart the database half-way

    purge_broker()
    worker: WorkerProcess = start_worker(
        name="pgfault", queues="settlement", gateway=sandbox, extra={"PAYOUTS_CHUNK_SIZE": "50"},
        database_url=cluster.url("redress"),
    )  # fmt: skip
    web = WebServer(env, ROOT / "var" / "test-logs" / f"gunicorn-pgfault-{os.getpid()}.log")
    try:
        before = web.submit(1)
        assert before[0] == 201, before
        _manage(env, RELEASE.format(batch_id=batch_id, user_id=checker_id))
        deadline = time.monotonic() + 60
        while _statuses(cluster, batch_id).get("paid", 0) < COUNT // 8:
            assert time.monotonic() < deadline, f"settlement did not start: {_statuses(cluster, batch_id)}"
            time.sleep(0.3)
        cluster.restart()  # every connection of the worker and the web process is cut mid-batch
        at_restart = _statuses(cluster, batch_id)
        after = web.submit(2)  # the web process's persistent connection died with the server
        assert after[0] == 201, after
        # The lanes that lost their connection come back by themselves (the task's retry), before any sweep.
        deadline = time.monotonic() + 30
        while _statuses(cluster, batch_id).get("paid", 0) < at_restart.get("paid", 0) + 50:
            assert time.monotonic() < deadline, f"settlement stopped at the restart: {_statuses(cluster, batch_id)}"
            time.sleep(0.3)
        sandbox.faults(latency_ms=1)
        deadline = time.monotonic() + 90
        while _statuses(cluster, batch_id).get("paid", 0) < COUNT:
            assert time.monotonic() < deadline, f"the batch never finished: {_statuses(cluster, batch_id)}"
            _manage(env, SWEEP)  # what beat does every minute
            time.sleep(2)
    finally:
        web.stop()
        worker.stop()

    assert at_restart.get("paid", 0) < COUNT, "the batch finished before the restart"
    stats = sandbox.stats()
    assert stats["transfers"] == COUNT and stats["references_paid_twice"] == 0, stats
    assert stats["paid_total"] == COUNT * 10_000, stats
    with cluster.connect("redress") as conn:
        attempts = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE a.status = 'succeeded') FROM payouts_payoutattempt a "
            "JOIN payouts_payout p ON p.id = a.payout_id WHERE p.batch_id = %s",
            [batch_id],
        ).fetchone()
        ledger = conn.execute(
            "SELECT coalesce(sum(e.amount_won), 0) FROM payouts_ledgerentry e "
            "JOIN payouts_payout p ON p.id = e.payout_id WHERE p.batch_id = %s AND e.kind = 'paid'",
            [batch_id],
        ).fetchone()
        claims = conn.execute(
            "SELECT p.email, count(*) FROM claims_claim c JOIN claims_claimant p ON p.id = c.claimant_id "
            "WHERE p.email LIKE 'pg%%@example.kr' GROUP BY p.email ORDER BY p.email"
        ).fetchall()
    assert attempts == (COUNT, COUNT), f"attempts (all, succeeded): {attempts}"
    assert ledger == (COUNT * 10_000,)
    # Each claim the web side accepted exists once, the one after the restart included.
    assert claims == [("pg1@example.kr", 1), ("pg2@example.kr", 1)], claims
    assert after[1]["reference"].startswith("PGY-2022-")
    # The worker lived through the restart: its lanes lost the connection and retried instead of dying.
    log = worker.output()
    assert "settlement_run_chunk_task" in log and "Retry in" in log, log[-3000:]
