"""Sandbox KakaoTalk (알림톡) and SMS providers: they record every message in SandboxMessage instead of sending.

Tests tell them to fail through the cache (shared with worker processes):
`sandbox_fail_next(channel="alimtalk", mode="permanent", times=1, address=None)`."""

import uuid

from django.core.cache import cache
from django.db import IntegrityError, transaction

from notifications.channels.base import ChannelBackend, OutgoingMessage, PermanentFailure, TemporaryFailure

_FAIL_KEY = "notifications:sandbox:fail:{channel}:{address}"
SMS_MAX_BYTES = 90  # longer messages go as LMS, as Korean carriers require


def sandbox_fail_next(*, channel: str, mode: str, times: int = 1, address: str | None = None) -> None:
    """Make the next `times` messages on `channel` (to `address`, or to anyone) fail `temporary`/`permanent`."""
    if mode not in ("temporary", "permanent"):
        raise ValueError(mode)
    cache.set(_FAIL_KEY.format(channel=channel, address=address or "*"), {"mode": mode, "left": times}, 3600)


def _take_failure(channel: str, address: str) -> str | None:
    for who in (address, "*"):
        key = _FAIL_KEY.format(channel=channel, address=who)
        directive = cache.get(key)
        if directive and directive["left"] > 0:
            directive["left"] -= 1
            cache.set(key, directive, 3600)
            return directive["mode"]
    return None


class _SandboxBackend(ChannelBackend):
    def _record(self, message: OutgoingMessage, kind: str) -> str:
        from notifications.models import SandboxMessage

        key = message.idempotency_key or None
        if key is not None:
            accepted = SandboxMessage.objects.filter(idempotency_key=key).values_list("provider_message_id", flat=True)
            if first := accepted.first():
                return first
        mode = _take_failure(self.channel, message.address)
        if mode == "temporary":
            raise TemporaryFailure(f"sandbox {self.channel}: provider busy (simulated)")
        if mode == "permanent":
            raise PermanentFailure(f"sandbox {self.channel}: recipient cannot receive (simulated)")
        provider_id = f"sbx-{uuid.uuid4().hex}"
        try:
            with transaction.atomic():
                SandboxMessage.objects.create(
                    channel=self.channel,
                    kind=kind,
                    recipient=message.address,
                    template_code=message.template_code,
                    subject=message.subject,
                    body=message.body,
                    provider_message_id=provider_id,
                    notification_id=message.notification_id,
                    idempotency_key=key,
                )
        except IntegrityError:  # the same key sent at the same moment by another worker: that one went out
            return SandboxMessage.objects.get(idempotency_key=key).provider_message_id
        return provider_id


class SandboxAlimtalkBackend(_SandboxBackend):
    channel = "alimtalk"

    def send(self, message: OutgoingMessage) -> str:
        if not message.template_code:
            # The real service refuses a message without an approved template.
            raise PermanentFailure("알림톡 템플릿 코드가 없습니다.")
        return self._record(message, "ALIMTALK")


class SandboxSmsBackend(_SandboxBackend):
    channel = "sms"

    def send(self, message: OutgoingMessage) -> str:
        kind = "SMS" if len(message.body.encode("cp949", errors="replace")) <= SMS_MAX_BYTES else "LMS"
        return self._record(message, kind)
