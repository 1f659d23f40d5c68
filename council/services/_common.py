"""Small helpers shared by the council services."""

from typing import Any

from django.conf import settings

from core.exceptions import ApplicationError


def require_perm(actor: Any, perm: str) -> None:
    """`actor=None` is the system (a task or a migration); a user needs the model permission."""
    if actor is not None and not actor.has_perm(perm):
        raise ApplicationError("이 작업을 할 권한이 없습니다.", status_code=403)


def absolute_url(path: str) -> str:
    return f"{str(settings.REDRESS['PUBLIC_BASE_URL']).rstrip('/')}{path}"
