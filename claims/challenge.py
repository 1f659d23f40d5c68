"""A challenge on the public claim form after a burst from one client address (issue 8).

Every POST to the form counts, a refused one as much as a filed claim, per client address in the shared cache.
Once an address has posted FORM_CHALLENGE_AFTER times within FORM_CHALLENGE_WINDOW_SECONDS, the form carries
a django-simple-captcha field that must be answered before anything is saved. The API is throttled instead."""

from captcha.fields import CaptchaField
from django import forms
from django.conf import settings
from django.http import HttpRequest

from core.ratelimit import client_burst_count, client_burst_hit

SCOPE = "claim_form"
FIELD = "challenge"


def _limits() -> tuple[int, int]:
    conf = settings.REDRESS
    return int(conf["FORM_CHALLENGE_AFTER"]), int(conf["FORM_CHALLENGE_WINDOW_SECONDS"])


def claim_form_challenge_required(*, request: HttpRequest) -> bool:
    """Whether this request's form needs the challenge. A POST is counted here, before it is checked."""
    after, window = _limits()
    if request.method == "POST":
        return client_burst_hit(request=request, scope=SCOPE, window_seconds=window) > after
    # The page shown now is the one the next POST answers: it is counted as one more.
    return client_burst_count(request=request, scope=SCOPE) >= after


def challenge_add(form: forms.Form) -> None:
    form.fields[FIELD] = CaptchaField(
        label="자동 입력 방지",
        help_text="이 주소에서 짧은 시간에 신고가 많이 들어와 확인이 필요합니다. 그림의 글자를 입력해 주세요.",
        error_messages={
            "required": "자동 입력 방지 문자를 입력해 주세요.",
            "invalid": "자동 입력 방지 문자가 맞지 않습니다. 새 그림의 글자를 입력해 주세요.",
        },
    )
