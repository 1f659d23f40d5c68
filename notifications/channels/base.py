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


class ChannelBackend:
    """A provider adapter. `send` returns the provider's message id or raises a DeliveryError subclass."""

    channel: str = ""

    def send(self, message: OutgoingMessage) -> str:
        raise NotImplementedError
