"""Session rules for staff: idle timeout, and a TOTP second factor for the roles that move money."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


class IdleTimeoutMiddleware:
    """Ends a session after SESSION_IDLE_TIMEOUT seconds without a request (the absolute lifetime is
    SESSION_COOKIE_AGE, which is not extended by activity).

    The time of the last request is written at most once a WRITE_INTERVAL: writing it on every request cost a
    session UPDATE per page and API call. The recorded time is then up to WRITE_INTERVAL older than the real last
    request, so a session may end up to a minute early, never late: idle for SESSION_IDLE_TIMEOUT, it is over."""

    WRITE_INTERVAL = 60  # seconds

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get("last_seen")
            if last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
            elif last_seen is None or now - last_seen >= self.WRITE_INTERVAL:
                request.session["last_seen"] = now
        return self.get_response(request)


def second_factor_required(user: object) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    required = set(settings.OTP_REQUIRED_FOR_GROUPS)
    return user.groups.filter(name__in=required).exists()  # type: ignore[attr-defined]


class RequireSecondFactorMiddleware:
    """With OTP_ENFORCED, finance users and superusers must verify a TOTP code before the admin or API."""

    PROTECTED_PREFIXES = ("/admin/", "/api/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.OTP_ENFORCED
            and request.path.startswith(self.PROTECTED_PREFIXES)
            and not request.path.startswith(("/admin/login/", "/admin/logout/"))
            and request.user.is_authenticated
            and not request.user.is_verified()  # type: ignore[union-attr,attr-defined]
            and second_factor_required(request.user)
        ):
            return redirect(f"{reverse('accounts:otp')}?next={request.get_full_path()}")
        return self.get_response(request)
