"""Schemathesis against the generated OpenAPI schema, as an anonymous caller, a support agent and a finance user.

Schemathesis writes into the database it targets, so it gets its own: a PostgreSQL database migrated afresh
(not cloned from the test database, which transactional tests leave flushed), seeded with the demo data, served by a
real gunicorn on a free port. Celery's broker is the in-memory transport there (nothing consumes the messages:
the fuzz is about the HTTP side), the cache is a file cache of its own and the claim throttle is lifted so that
the fuzzer reaches the code behind it.

Each run checks every response: no 500, status codes, content types, headers and bodies as the schema says,
invalid input rejected, plus our own checks (tests/security/schemathesis_hooks.py): an unknown field is refused,
and an anonymous caller never sees a seeded claimant's name, phone or e-mail. Bounded: a few examples per
operation and a time budget per profile."""

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

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "schemathesis"
pytestmark = [pytest.mark.slow]

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "4"))
MAX_SECONDS = int(os.environ.get("FUZZ_MAX_SECONDS", "45"))  # per profile

SEED = """
import json
from claims.models import Claimant
from core.demo import demo_seed
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

demo_seed(claims=30)
users = get_user_model().objects
tokens = {name: Token.objects.get_or_create(user=users.get(username=name))[0].key for name in ("agent", "finance")}
secrets = set()
for name, phone, email in Claimant.objects.values_list("name", "phone", "email"):
    secrets.update(value for value in (phone, email) if value)
    if len(name) >= 3:
        secrets.add(name)
print("FUZZ-SEED " + json.dumps({"tokens": tokens, "secrets": sorted(secrets)}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _admin_conn() -> psycopg.Connection[Any]:
    s = connection.settings_dict
    return psycopg.connect(
        host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"] or "postgres",
        password=s.get("PASSWORD") or None, dbname="postgres", autocommit=True,
    )  # fmt: skip


def _url(name: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] or "postgres"
    if s.get("PASSWORD"):
        auth += f":{s['PASSWORD']}"
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def _create_database(name: str) -> None:
    with _admin_conn() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop_database(name: str) -> None:
    with _admin_conn() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def fuzz_server(django_db_setup: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    name = f"{connection.settings_dict['NAME']}_fuzz"[:63]
    tmp = tmp_path_factory.mktemp("fuzz")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _url(name),
        "CELERY_BROKER_URL": "memory://",
        "CACHE_URL": "",
        "REDRESS_VAR_DIR": str(tmp),
        "CLAIM_SUBMIT_RATE": "100000/hour",
        "CLAIM_STATUS_RATE": "100000/hour",
        "DEBUG": "",
    }
    _create_database(name)
    run = {"cwd": ROOT, "env": env, "capture_output": True, "text": True, "timeout": 900}
    migrate = subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], **run)  # type: ignore[call-overload]
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    seeded = subprocess.run([sys.executable, "manage.py", "shell", "-c", SEED], **run)  # type: ignore[call-overload]
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    seed = json.loads(next(line for line in seeded.stdout.splitlines() if line.startswith("FUZZ-SEED "))[10:])
    secrets_path = tmp / "secrets.json"
    secrets_path.write_text(json.dumps(seed["secrets"], ensure_ascii=False), encoding="utf-8")

    port = _free_port()
    log = (tmp / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--timeout", "60", "--access-logfile", "-",
         # URL length limits belong to the proxy in front (414); the fuzz is about the application.
         "--limit-request-line", "0"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/schema/?format=json", timeout=30) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"gunicorn did not serve the schema:\n{(tmp / 'gunicorn.log').read_text()[-3000:]}")
        time.sleep(0.5)
    try:
        yield {"base": base, "tokens": seed["tokens"], "secrets": secrets_path, "tmp": tmp, "env": env}
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        _drop_database(name)


@pytest.mark.parametrize("profile", ["anonymous", "agent", "finance"])
def test_schemathesis(fuzz_server: dict[str, Any], profile: str) -> None:
    report = fuzz_server["tmp"] / f"junit-{profile}.xml"
    cmd = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{fuzz_server['base']}/api/schema/?format=json",
        "--checks", "all",
        # use_after_free, ensure_resource_availability: stateful, need links between operations (drf-spectacular
        # writes none). positive_data_acceptance: the API checks more than JSON Schema can say (Korean phone and
        # business numbers, resident registration numbers refused, references that must exist), so a schema-valid
        # body may rightly be refused; the opposite check (invalid input accepted) stays on.
        "--exclude-checks", "use_after_free,ensure_resource_availability,positive_data_acceptance",
        "--phases", "examples,coverage,fuzzing",
        "--max-examples", str(MAX_EXAMPLES), "--max-time", str(MAX_SECONDS),
        "--no-shrink", "--generation-database", "none", "--seed", "2022",
        "--workers", "1", "--request-timeout", "30",
        "--report", "junit", "--report-junit-path", str(report), "--no-color",
    ]  # fmt: skip
    if profile != "anonymous":
        cmd += ["--header", f"Authorization: Token {fuzz_server['tokens'][profile]}"]
        # ignored_auth: our valid token rides on every request (--header), so the credentials schemathesis
        # invents to prove auth is checked are never alone. negative_data_rejection: DRF and django-filter read
        # query parameters leniently (a bad page_size falls back to the default, a repeated scalar takes the last
        # value); JSON bodies are strict (StrictFieldsMixin, and unknown_fields_rejected above). The anonymous
        # run keeps both checks on every operation.
        cmd[cmd.index("--exclude-checks") + 1] += ",ignored_auth,negative_data_rejection"
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.security.schemathesis_hooks",
        "FUZZ_PROFILE": profile,
        "FUZZ_SECRETS": str(fuzz_server["secrets"]),
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(cmd, cwd=fuzz_server["tmp"], env=env, capture_output=True, text=True, timeout=600)
    out = result.stdout + result.stderr
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{profile}.txt").write_text(out, encoding="utf-8")
    assert result.returncode == 0, (
        f"schemathesis ({profile}) found problems (test-artifacts/schemathesis/):\n{out[-8000:]}"
    )
    assert "Tested: " in out, out[-3000:]
