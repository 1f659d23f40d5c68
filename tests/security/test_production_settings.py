"""Production settings: `check --deploy` passes at WARNING level, and unsafe values stop the process at start-up.

Each case runs `manage.py check` in a fresh interpreter with a production-like environment built from scratch (not
inherited from the test run), because the settings module raises at import time."""

import json
import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
LONG_SECRET = "k7Q!vz2#Lr9@w" * 6  # 78 characters, not a known default


def production_env(**overrides: str | None) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": LONG_SECRET,
        "ALLOWED_HOSTS": "redress.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://redress.example.com",
        # `check` without --database never connects: the server need not exist.
        "DATABASE_URL": "postgres://redress@db.internal:5432/redress",
        "CACHE_URL": "redis://cache.internal:6379/1",
        "CELERY_BROKER_URL": "redis://broker.internal:6379/0",
        "PAYOUTS_ACCOUNT_KEYS": Fernet.generate_key().decode(),
        "PAYOUTS_ACCOUNT_HMAC_KEY": "hmac-" + "9f3a" * 12,
        "REDRESS_VAR_DIR": "/tmp/redress-prod-check",
        # Real provider adapters (named only: neither the settings nor `check` import them).
        "NOTIFICATIONS_ALIMTALK_BACKEND": "provider_kakao.backends.AlimtalkBackend",
        "NOTIFICATIONS_SMS_BACKEND": "provider_kakao.backends.SmsBackend",
        "PAYOUTS_GATEWAY_BACKEND": "provider_bank.gateways.FirmBankingGateway",
        "PAYOUTS_VOUCHER_BACKEND": "provider_bank.gateways.VoucherProvider",
    }
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_passes_at_warning_level() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_would_fail_on_a_warning() -> None:
    """The gate is real: production with HSTS switched off makes the same command fail (security.W004)."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(SECURE_HSTS_SECONDS="0"))
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


def test_staging_with_sandbox_providers_passes_check_deploy() -> None:
    """The documented staging switch: the Procfile's sandbox gateway and recorded messages, still a deploy check."""
    env = production_env(**_SANDBOXES, REDRESS_ALLOW_SANDBOX_PROVIDERS="1")
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


REFUSALS: list[tuple[dict[str, str | None], str]] = [
    ({"DEBUG": "1"}, "DEBUG must be off"),
    ({"DEBUG": "true"}, "DEBUG must be off"),
    ({"SECRET_KEY": None}, "SECRET_KEY"),
    ({"SECRET_KEY": "dev-insecure-redress-key-change-me" + "x" * 40}, "SECRET_KEY"),
    ({"SECRET_KEY": "change-me-to-a-long-random-string-of-at-least-fifty-characters"}, "SECRET_KEY"),
    ({"SECRET_KEY": "short-but-random-Zq81"}, "SECRET_KEY"),
    ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS"),
    ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
    ({"ALLOWED_HOSTS": " , "}, "ALLOWED_HOSTS"),
    ({"DATABASE_URL": None}, "PostgreSQL"),
    ({"CELERY_BROKER_URL": None}, "CELERY_BROKER_URL"),
    ({"CACHE_URL": None}, "CACHE_URL"),
    # Unset provider settings fall back to the sandboxes.
    ({"NOTIFICATIONS_ALIMTALK_BACKEND": None}, "NOTIFICATIONS_ALIMTALK_BACKEND"),
    ({"NOTIFICATIONS_SMS_BACKEND": None}, "NOTIFICATIONS_SMS_BACKEND"),
    ({"PAYOUTS_GATEWAY_BACKEND": None}, "PAYOUTS_GATEWAY_BACKEND"),
    ({"PAYOUTS_VOUCHER_BACKEND": None}, "PAYOUTS_VOUCHER_BACKEND"),
    ({"PAYOUTS_GATEWAY_BACKEND": "payouts.gateways.sandbox.SandboxGateway"}, "REDRESS_ALLOW_SANDBOX_PROVIDERS=1"),
    (
        {"NOTIFICATIONS_SMS_BACKEND": None, "REDRESS_ALLOW_SANDBOX_PROVIDERS": "0"},
        "NOTIFICATIONS_SMS_BACKEND",
    ),
    # Email alone spares the 알림톡/SMS adapters, never the payment gateway.
    ({"NOTIFICATIONS_CHANNELS": "email", "PAYOUTS_GATEWAY_BACKEND": None}, "PAYOUTS_GATEWAY_BACKEND"),
]

# Every provider setting unset: the sandbox defaults.
_SANDBOXES: dict[str, str | None] = {
    "NOTIFICATIONS_ALIMTALK_BACKEND": None,
    "NOTIFICATIONS_SMS_BACKEND": None,
    "PAYOUTS_GATEWAY_BACKEND": None,
    "PAYOUTS_VOUCHER_BACKEND": None,
}
# Environments production must accept.
ACCEPTED: list[dict[str, str | None]] = [
    # Staging runs the Procfile's sandbox gateway and records messages on purpose.
    {**_SANDBOXES, "REDRESS_ALLOW_SANDBOX_PROVIDERS": "1"},
    # A deployment that sends email only never calls the 알림톡/SMS sandboxes.
    {"NOTIFICATIONS_ALIMTALK_BACKEND": None, "NOTIFICATIONS_SMS_BACKEND": None, "NOTIFICATIONS_CHANNELS": "email"},
]

# Imports the production settings module afresh under each environment, in one interpreter (a process per case
# took minutes on a busy machine), and prints what each import raised.
_IMPORT_EACH = """
import importlib, json, os, sys
cases = json.loads(sys.argv[1])
base = dict(os.environ)
results = []
for overrides in cases:
    os.environ.clear()
    os.environ.update(base)
    for key, value in overrides.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    for name in [m for m in sys.modules if m.startswith("config.settings")]:
        del sys.modules[name]
    try:
        importlib.import_module("config.settings.production")
        results.append(None)
    except Exception as exc:
        results.append(f"{type(exc).__name__}: {exc}")
print(json.dumps(results))
"""


def test_production_refuses_to_start_with_unsafe_settings() -> None:
    cases = [{}, *ACCEPTED, *(overrides for overrides, _ in REFUSALS)]
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_EACH, json.dumps(cases)],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    outcomes = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcomes[0] is None, f"the safe environment was refused: {outcomes[0]}"
    accepted, refused = outcomes[1 : 1 + len(ACCEPTED)], outcomes[1 + len(ACCEPTED) :]
    for overrides, outcome in zip(ACCEPTED, accepted, strict=True):
        assert outcome is None, f"production refused {overrides}: {outcome}"
    for (overrides, message), outcome in zip(REFUSALS, refused, strict=True):
        assert outcome is not None, f"production started with {overrides}"
        assert outcome.startswith("ImproperlyConfigured") and message in outcome, (overrides, outcome)


def test_production_refuses_to_encrypt_without_account_keys() -> None:
    """Bank account keys are checked when first used (payouts/crypto.py), not at import: encrypting fails."""
    code = "from payouts.crypto import encrypt_account_number as e; e('110-123-456789')"
    result = manage("shell", "-c", code, env=production_env(PAYOUTS_ACCOUNT_KEYS=None))
    assert result.returncode != 0
    assert "PAYOUTS_ACCOUNT_KEYS" in result.stderr
