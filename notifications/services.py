"""Placeholder for the notifications outbox (issue 3): the signature every app calls."""

from typing import Any


def notify(
    *,
    event: str,
    key: str,
    context: dict[str, Any],
    claimant: Any = None,
    user: Any = None,
    claim: Any = None,
) -> list[Any]:
    return []
