"""What every channel backend receives and how it reports failure."""

from dataclasses import dataclass, field


class DeliveryError(Exception):
    """A channel refused or could not take a message."""


class TemporaryFailure(DeliveryError):
    """Worth retrying later: provider down, throttled, mailbox full, connection lost."""


class PermanentFailure(DeliveryError):
    """Retrying this channel cannot help: unknown number, address rejected, template not approved."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    mimetype: str
    content: bytes


@dataclass(frozen=True)
class OutgoingMessage:
    notification_id: int
    channel: str
    address: str
    subject: str
    body: str
    template_code: str = ""
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
    # Same for every attempt at the same message (retries, a redelivered task, a sweep after a worker died) and
    # new for an admin's resend. Provider adapters pass it on so that the provider accepts the message once: the
    # only way a send that succeeded just before a crash is not sent again. Email has no such field in SMTP;
    # it becomes the Message-ID, so a repeat is at least recognisable as the same message.
    idempotency_key: str = ""


class ChannelBackend:
    """A provider adapter. `send` returns the provider's message id or raises a DeliveryError subclass.

    A message whose `idempotency_key` the provider already accepted must not go out again: the adapter returns
    the first message id (real 알림톡/SMS providers take a client message key for exactly this)."""

    channel: str = ""

    def send(self, message: OutgoingMessage) -> str:
        raise NotImplementedError
