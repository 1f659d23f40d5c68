"""Error pages that depend on who is asking: API clients get JSON, people get Django's HTML page."""

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults


def page_not_found(request: HttpRequest, exception: Exception | None = None, **kwargs: Any) -> HttpResponse:
    """A URL under /api/ that matches no route (e.g. `/api/v1/claims/0.5/`, a reference with a dot) answers like
    every other API error, `{"detail": ...}` in JSON, as the schema documents; elsewhere Django's 404 page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "찾을 수 없습니다."}, status=404)
    return defaults.page_not_found(request, exception, **kwargs)
