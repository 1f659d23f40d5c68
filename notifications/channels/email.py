"""Email through Django's SMTP backend (settings EMAIL_HOST/EMAIL_PORT), one connection kept per worker process."""

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.message import make_msgid

from notifications.channels.base import ChannelBackend, OutgoingMessage, PermanentFailure, TemporaryFailure

logger = logging.getLogger(__name__)


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def _smtp_failure(code: int, text: str) -> Exception:
    # RFC 5321: 4xx is transient, 5xx permanent.
    return (PermanentFailure if 500 <= code < 600 else TemporaryFailure)(f"SMTP {code}: {text}")


class SmtpEmailBackend(ChannelBackend):
    channel = "email"

    def __init__(self) -> None:
        self._connection = None

    def _open(self):  # type: ignore[no-untyped-def]
        if self._connection is None:
            connection = get_connection(backend="django.core.mail.backends.smtp.EmailBackend", fail_silently=False)
            connection.open()
            self._connection = connection
        return self._connection

    def _reset(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:  # already broken; nothing to close cleanly
                logger.debug("closing a broken SMTP connection failed", exc_info=True)
        self._connection = None

    def _build(self, message: OutgoingMessage, message_id: str) -> EmailMessage:
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.address],
            headers={"Message-ID": message_id, "X-Redress-Notification": str(message.notification_id)},
        )
        for attachment in message.attachments:
            email.attach(attachment.filename, attachment.content, attachment.mimetype)
        return email

    def send(self, message: OutgoingMessage) -> str:
        message_id = (
            f"<{message.idempotency_key}@redress.local>"
            if message.idempotency_key
            else make_msgid(domain="redress.local")
        )
        email = self._build(message, message_id)
        # A kept connection may have been closed by the server since the last message: one fresh retry.
        for attempt in (1, 2):
            try:
                self._open().send_messages([email])
                return message_id.strip("<>")
            except smtplib.SMTPRecipientsRefused as exc:
                code, text = next(iter(exc.recipients.values()))
                raise _smtp_failure(code, _text(text)) from exc
            except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                self._reset()
                raise _smtp_failure(exc.smtp_code, _text(exc.smtp_error)) from exc
            except (smtplib.SMTPServerDisconnected, OSError) as exc:  # OSError covers refused, reset and timeouts
                self._reset()
                if attempt == 2:
                    raise TemporaryFailure(f"SMTP connection: {exc}") from exc
            except smtplib.SMTPException as exc:
                self._reset()
                raise TemporaryFailure(f"SMTP: {exc}") from exc
        raise TemporaryFailure("SMTP: unreachable")
