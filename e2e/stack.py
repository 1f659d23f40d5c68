"""The real system under test: a PostgreSQL database made for the run and the processes that serve it.

A migrated template database is kept between runs (rebuilt when any migration file changes) and each run
clones it, because migrating from nothing costs minutes on a busy two-core machine. The server, the Celery
worker, the SMTP sink and the sandbox payment gateway are the same commands an operator runs, each in its own
process group, logging to test-artifacts/e2e/logs/."""

import contextlib
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
PY = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


# --- the database --------------------------------------------------------------------------------------------
def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _db_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def migrations_fingerprint() -> str:
    """A hash of every migration file: the template is rebuilt when any of them changes."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _admin_connection(url: str) -> psycopg.Connection:
    return psycopg.connect(_with_db(url, "postgres"), autocommit=True)


def _drop(conn: psycopg.Connection, name: str) -> None:
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_create(url: str, *, env: dict[str, str], log_dir: Path) -> str:
    """Create the run's database (dropped first if a previous run left it) from an up-to-date migrated
    template. Returns a note on what was done."""
    name = _db_name(url)
    if not name.endswith("e2e"):
        # The database is dropped and recreated: refuse anything that is not obviously the e2e one.
        raise RuntimeError(f"the e2e database name must end with 'e2e' (got {name!r}); set E2E_DATABASE_URL")
    template = f"{name}_template"
    fingerprint = f"redress-e2e {migrations_fingerprint()}"
    with _admin_connection(url) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [template]
        ).fetchone()
        note = "template reused"
        if row is None or row[0] != fingerprint:
            _drop(conn, template)
            conn.execute(f'CREATE DATABASE "{template}"')
            started = time.monotonic()
            log = log_dir / "migrate.log"
            with log.open("w") as out:
                result = subprocess.run(
                    [PY, "manage.py", "migrate", "--noinput", "-v", "1"],
                    cwd=ROOT,
                    env={**env, "DATABASE_URL": _with_db(url, template)},
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    check=False,
                )
            if result.returncode != 0:
                _drop(conn, template)
                raise RuntimeError(f"migrate failed:\n{log.read_text()[-4000:]}")
            conn.execute(f"COMMENT ON DATABASE \"{template}\" IS '{fingerprint}'")
            note = f"template migrated in {time.monotonic() - started:.0f} s"
        _drop(conn, name)
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return note


def database_drop(url: str) -> None:
    with _admin_connection(url) as conn:
        _drop(conn, _db_name(url))


# --- processes -----------------------------------------------------------------------------------------------
@dataclass
class Process:
    """One long-running command in its own process group, with its log file."""

    name: str
    cmd: list[str]
    env: dict[str, str]
    log_dir: Path
    proc: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self.name}.log"

    def start(self) -> "Process":
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            self.cmd, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        return self

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until(self, ready: Callable[[], bool], *, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready():
                return
            if self.proc is not None and self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not become ready; last lines of {self.log_path}:\n{self.output()[-3000:]}")

    def terminate(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)

    def stop(self) -> None:
        """SIGTERM to the group (a warm shutdown for the worker), SIGKILL after 20 s."""
        if self.proc is None:
            return
        self.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        with contextlib.suppress(ProcessLookupError):  # children the leader left behind (a pool process)
            os.killpg(self.proc.pid, signal.SIGKILL)
        self._log.close()


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@dataclass
class Stack:
    """Everything a scenario talks to, started once per test session."""

    base_url: str
    maildir: Path
    gateway_url: str
    processes: list[Process]
    notes: list[str]

    def stop(self) -> None:
        for process in self.processes:  # all at once: each takes a moment to shut down
            process.terminate()
        for process in self.processes:
            process.stop()


# One worker on every queue, as `make run` does; prefork like production.
WORKER_ARGS = (
    "--loglevel INFO --concurrency 2 --pool prefork --without-gossip --without-mingle "
    "--queues default,notifications,bulk,imports,settlement"
)


def stack_start(*, env: dict[str, str], run_dir: Path, log_dir: Path) -> Stack:
    """Start the SMTP sink, the sandbox gateway, a Celery worker on every queue and the web server; return
    once each answers. `env` already names the database, the broker and the cache."""
    web_port, smtp_port, gateway_port = free_port(), free_port(), free_port()
    base_url = f"http://127.0.0.1:{web_port}"
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    maildir = run_dir / "mail"
    env = {
        **env,
        "PYTHONUNBUFFERED": "1",
        "EMAIL_PORT": str(smtp_port),
        "NOTIFICATIONS_MAILDIR": str(maildir),
        "PUBLIC_BASE_URL": base_url,
        "PAYOUTS_GATEWAY_URL": gateway_url,
        "PAYOUTS_VOUCHER_URL": gateway_url,
    }
    manage = [PY, "manage.py"]
    processes = [
        Process(
            "smtp-sink", [*manage, "run_smtp_sink", "--port", str(smtp_port), "--maildir", str(maildir)], env, log_dir
        ),
        Process(
            "sandbox-gateway",
            [*manage, "run_sandbox_gateway", "--port", str(gateway_port), "--db", str(run_dir / "gateway.sqlite3")],
            env,
            log_dir,
        ),
        Process(
            "worker",
            [PY, "-m", "celery", "-A", "config", "worker", *WORKER_ARGS.split(), "--hostname", f"e2e-{os.getpid()}@%h"],
            env,
            log_dir,
        ),
        # DEBUG stays off as in production; --insecure lets runserver serve the admin's static files anyway.
        Process("web", [*manage, "runserver", "--noreload", "--insecure", f"127.0.0.1:{web_port}"], env, log_dir),
    ]
    stack = Stack(base_url=base_url, maildir=maildir, gateway_url=gateway_url, processes=processes, notes=[])
    try:
        for process in processes:
            process.start()
        sink, gateway, worker, web = processes
        sink.wait_until(lambda: port_open(smtp_port))
        gateway.wait_until(lambda: http_ok(f"{gateway_url}/health"))
        worker.wait_until(lambda: "ready." in worker.output())
        web.wait_until(lambda: http_ok(f"{base_url}/admin/login/"))
    except BaseException:
        stack.stop()
        raise
    return stack
