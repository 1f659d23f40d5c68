"""Fixtures of the end-to-end run (`make e2e`): the real stack (e2e/stack.py) and Debian's Chromium driven by
Playwright.

The test process is one more client of the database: it writes each scenario's preconditions through the
services (committed at once, autocommit, so the server and the worker see them) and reads outcomes back. It
never uses pytest-django's test database: the run has its own, created by `stack`."""

import contextlib
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from e2e.helpers import Screens
from e2e.stack import ARTIFACTS, Stack, database_create, database_drop, stack_start

# Playwright's sync API keeps an asyncio loop in this thread, so Django would refuse every ORM call made between
# two browser steps. Nothing here runs Django code concurrently with that loop: the test process only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Slow machines (two cores shared by everyone) need patience; a real failure still fails within this.
ACTION_TIMEOUT_MS = 30_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _database_url() -> str:
    s = settings.DATABASES["default"]
    auth = s["USER"] or "postgres"
    if s.get("PASSWORD"):
        auth += f":{s['PASSWORD']}"
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture(scope="session")
def stack(django_db_blocker: Any) -> Iterator[Stack]:
    """Database + SMTP sink + sandbox gateway + Celery worker + web server, for the whole session."""
    from conftest import purge_broker

    run_dir = Path(settings.VAR_DIR) / "e2e"  # uploads, the sink's Maildir, the gateway's ledger
    log_dir = ARTIFACTS / "logs"
    for path in (run_dir, log_dir):
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
    url = _database_url()
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CACHE_URL": settings.CACHE_URL,
        "REDRESS_VAR_DIR": str(run_dir),
        # Claimants hear by email, so every message lands in the SMTP sink where a test can read it.
        "NOTIFICATIONS_CHANNELS": "email",
        # Finance and superusers must pass the TOTP second factor, as in production.
        "OTP_ENFORCED": "1",
    }
    with django_db_blocker.unblock():
        connections.close_all()
        note = database_create(url, env=env, log_dir=log_dir)
        purge_broker()
        stack = stack_start(env=env, run_dir=run_dir, log_dir=log_dir)
        stack.notes.append(f"database {settings.DATABASES['default']['NAME']}: {note}")
        print(f"\ne2e stack at {stack.base_url} ({'; '.join(stack.notes)})")
        try:
            yield stack
        finally:
            started = time.monotonic()
            stack.stop()
            connections.close_all()
            if not os.environ.get("E2E_KEEP_DB"):
                database_drop(url)
            print(f"\ne2e stack stopped in {time.monotonic() - started:.1f} s")


@pytest.fixture(autouse=True)
def _db_access(stack: Stack, django_db_blocker: Any) -> Iterator[None]:
    """Preconditions and checks read and write the run's database directly (autocommit)."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    # Debian's Chromium: Playwright's own browser download is never used.
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    started = time.monotonic()
    browser.close()
    print(f"\nbrowser closed in {time.monotonic() - started:.1f} s")


@pytest.fixture
def screens(request: pytest.FixtureRequest) -> Callable[[str], Screens]:
    """`shots = screens("a-claimant")`: numbered screenshots under test-artifacts/e2e/a-claimant/."""
    made: list[Screens] = []

    def make(scenario: str) -> Screens:
        shots = Screens(ARTIFACTS / scenario)
        made.append(shots)
        return shots

    request.node._e2e_screens = made  # the page fixture's teardown uses them for failure screenshots
    return make


@pytest.fixture
def new_page(browser: Browser, stack: Stack, request: pytest.FixtureRequest) -> Iterator[Callable[[], Page]]:
    """`page = new_page()`: a fresh browser context (its own cookies: one person) on the server."""
    contexts: list[BrowserContext] = []

    def make() -> Page:
        context = browser.new_context(
            base_url=stack.base_url,
            locale="ko-KR",
            timezone_id="Asia/Seoul",
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    failed = getattr(request.node, "rep_call", None)
    shots = getattr(request.node, "_e2e_screens", [])
    if failed is not None and failed.failed and shots:
        for number, context in enumerate(contexts, start=1):
            for page in context.pages:
                # A failure screenshot must never hide the failure itself.
                with contextlib.suppress(Exception):
                    shots[-1].save(page, f"FAILED-context{number}")
    for context in contexts:
        context.close()
