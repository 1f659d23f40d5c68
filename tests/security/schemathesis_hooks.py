"""Checks of our own that `schemathesis run` loads (SCHEMATHESIS_HOOKS=tests.security.schemathesis_hooks).

- `unknown_fields_rejected`: a JSON body the API accepted (2xx) is sent again with one field the schema does not
  have; the API must refuse it (400), never accept and silently drop it.
- `no_claimant_data_for_strangers`: when the run is anonymous (FUZZ_PROFILE=anonymous), no response may contain
  the name, phone or e-mail of any claimant seeded in the database (FUZZ_SECRETS names a JSON list of them); the
  claimant who files a claim gets back only its reference and status.

This module must not import Django: it runs inside the schemathesis process, not the server."""

import json
import os
from typing import Any

import requests
import schemathesis

UNKNOWN_FIELD = "zz_not_in_schema"


@schemathesis.check
def unknown_fields_rejected(ctx: Any, response: Any, case: Any) -> bool | None:
    request = response.request
    if request.method not in ("POST", "PUT", "PATCH") or not (200 <= response.status_code < 300):
        return None
    if "json" not in (request.headers.get("Content-Type") or ""):
        return None
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
    again = requests.request(
        request.method, request.url, data=json.dumps({**body, UNKNOWN_FIELD: "x"}), headers=headers, timeout=30
    )
    if again.status_code != 400:
        raise AssertionError(
            f"{request.method} {request.url} accepted an unknown field {UNKNOWN_FIELD!r}: {again.status_code}"
        )
    return True


def _secrets() -> list[str]:
    path = os.environ.get("FUZZ_SECRETS")
    if not path:
        return []
    with open(path, encoding="utf-8") as handle:
        return [value for value in json.load(handle) if value]


_SECRETS: list[str] | None = None


@schemathesis.check
def no_claimant_data_for_strangers(ctx: Any, response: Any, case: Any) -> bool | None:
    global _SECRETS
    if os.environ.get("FUZZ_PROFILE") != "anonymous":
        return None
    if _SECRETS is None:
        _SECRETS = _secrets()
    text = response.content.decode("utf-8", errors="replace")
    leaked = [value for value in _SECRETS if value in text]
    if leaked:
        raise AssertionError(f"an anonymous caller read claimant data: {leaked[:3]}")
    return True
