"""A challenge on the public claim form after a burst from one client address (issue 8), and the API throttle,
neither of which a client-written X-Forwarded-For resets."""

import re

import pytest
import redis
from captcha.models import CaptchaStore
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from claims.models import Claim
from claims.tests.api.test_claim_submit import URL, payload
from claims.tests.test_public_pages import form_data
from core.clientip import address_hash

pytestmark = pytest.mark.django_db
AFTER = 3


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.REDRESS = {**settings.REDRESS, "FORM_CHALLENGE_AFTER": AFTER, "FORM_CHALLENGE_WINDOW_SECONDS": 600}


def challenge_key(page) -> str | None:
    found = re.search(r'name="challenge_0" value="([0-9a-f]+)"', page.content.decode())
    return found.group(1) if found else None


def burst(client: Client, count: int = AFTER, **extra) -> None:
    for n in range(count):
        assert client.post("/claims/new/", form_data(phone=f"010-5555-{n:04d}"), **extra).status_code == 302


def test_below_the_threshold_no_challenge(incident):
    client = Client(REMOTE_ADDR="203.0.113.7")
    burst(client, AFTER - 1)
    assert challenge_key(client.get("/claims/new/")) is None
    # The last submission below the threshold still goes through without one.
    assert client.post("/claims/new/", form_data()).status_code == 302
    assert Claim.objects.count() == AFTER


def test_after_the_burst_the_form_shows_a_challenge_and_other_addresses_do_not(incident):
    client = Client(REMOTE_ADDR="203.0.113.7")
    burst(client)
    page = client.get("/claims/new/")
    assert challenge_key(page) and "자동 입력 방지" in page.content.decode()
    assert challenge_key(Client(REMOTE_ADDR="203.0.113.8").get("/claims/new/")) is None
    # The counter lives in the shared Redis cache, keyed by the address hash, never the address.
    keys = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"]).keys("*burst:claim_form*")
    assert any(address_hash("203.0.113.7").encode() in key for key in keys)
    assert not any(b"203.0.113.7" in key for key in keys)


def test_a_post_without_the_challenge_after_the_burst_is_refused(incident):
    client = Client(REMOTE_ADDR="203.0.113.7")
    burst(client)
    response = client.post("/claims/new/", form_data(name="마지막꽃집"))
    assert response.status_code == 200
    assert response.context["form"].errors["challenge"] == ["자동 입력 방지 문자를 입력해 주세요."]
    assert challenge_key(response) is not None
    assert Claim.objects.count() == AFTER


def test_failed_attempts_count_too(incident):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(AFTER):
        assert client.post("/claims/new/", form_data(consent_privacy="")).status_code == 200
    assert challenge_key(client.get("/claims/new/")) is not None


def test_wrong_answer_is_refused_with_a_field_error_and_the_input_kept(incident):
    client = Client(REMOTE_ADDR="203.0.113.7")
    burst(client)
    key = challenge_key(client.get("/claims/new/"))
    data = form_data(name="마지막꽃집", challenge_0=key, challenge_1="wrong")
    response = client.post("/claims/new/", data)
    assert response.status_code == 200
    assert response.context["form"].errors["challenge"] == [
        "자동 입력 방지 문자가 맞지 않습니다. 새 그림의 글자를 입력해 주세요."
    ]
    assert list(response.context["form"].errors) == ["challenge"]
    assert Claim.objects.count() == AFTER
    text = response.content.decode()
    assert 'value="마지막꽃집"' in text and "주문 채널이 멈춰" in text  # the rest of the input is kept
    # A new challenge is shown; the old one cannot be tried again.
    assert challenge_key(response) not in (None, key)
    assert not CaptchaStore.objects.filter(hashkey=key).exists()


def test_correct_answer_is_accepted(incident):
    client = Client(REMOTE_ADDR="203.0.113.7")
    burst(client)
    key = challenge_key(client.get("/claims/new/"))
    answer = CaptchaStore.objects.get(hashkey=key).response
    response = client.post("/claims/new/", form_data(name="마지막꽃집", challenge_0=key, challenge_1=answer.upper()))
    assert response.status_code == 302
    assert Claim.objects.filter(claimant__name="마지막꽃집").exists()


def test_challenge_image_is_served(incident):
    client = Client(REMOTE_ADDR="203.0.113.7")
    burst(client)
    key = challenge_key(client.get("/claims/new/"))
    image = client.get(f"/captcha/image/{key}/")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"


@pytest.mark.parametrize("proxies", [0, 1])
def test_a_spoofed_forwarded_for_does_not_reset_the_form_counter(incident, settings, proxies):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}
    # Behind one proxy, the proxy appends the address it saw; whatever the client wrote sits to its left.
    client = Client(REMOTE_ADDR="10.0.0.1" if proxies else "203.0.113.7")
    for n in range(AFTER):
        forwarded = f"198.51.100.{n}, 203.0.113.7" if proxies else f"198.51.100.{n}"
        client.post("/claims/new/", form_data(phone=f"010-5555-{n:04d}"), HTTP_X_FORWARDED_FOR=forwarded)
    forwarded = "198.51.100.200, 203.0.113.7" if proxies else "198.51.100.200"
    response = client.post("/claims/new/", form_data(), HTTP_X_FORWARDED_FOR=forwarded)
    assert response.status_code == 200 and "challenge" in response.context["form"].errors
    assert Claim.objects.count() == AFTER


@pytest.mark.parametrize("proxies", [0, 1])
def test_a_spoofed_forwarded_for_does_not_reset_the_api_throttle(incident, settings, monkeypatch, proxies):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"claim_submit": "3/hour"})
    client = APIClient(REMOTE_ADDR="10.0.0.1" if proxies else "203.0.113.7")
    codes = []
    for n in range(4):
        forwarded = f"198.51.100.{n}, 203.0.113.7" if proxies else f"198.51.100.{n}"
        codes.append(client.post(URL, payload(), format="json", HTTP_X_FORWARDED_FOR=forwarded).status_code)
    assert codes == [201, 201, 201, 429]
    assert Claim.objects.count() == 3
