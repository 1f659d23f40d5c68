"""A local SMTP server that keeps every message it receives in a Maildir (one .eml file each).

Used by `manage.py run_smtp_sink` for `make run` and by the tests. It speaks real SMTP (aiosmtpd), so the
application's email path is the production one. Recipients whose local part starts with `reject-permanent`
are refused with 550 and `reject-temporary` with 451, to exercise the failure paths."""

import itertools
import logging
import os
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

logger = logging.getLogger("notifications.smtp_sink")


class MaildirHandler:
    """aiosmtpd handler: store, log one line, accept."""

    def __init__(self, maildir: str | os.PathLike[str], *, quiet: bool = False) -> None:
        self.path = Path(maildir)
        for sub in ("tmp", "new", "cur"):
            (self.path / sub).mkdir(parents=True, exist_ok=True)
        self.quiet = quiet
        self._prefix = f"{os.getpid()}.{socket.gethostname()}"
        self._counter = itertools.count(1)

    def _store(self, content: bytes) -> str:
        """Maildir delivery (write in tmp/, rename into new/) without mailbox's fsync per message: a development
        sink needs no durability, and the fsync would make the sink, not the application, the bottleneck."""
        key = f"{time.time():.6f}.{self._prefix}.{next(self._counter)}.eml"
        tmp = self.path / "tmp" / key
        tmp.write_bytes(content)
        os.rename(tmp, self.path / "new" / key)
        return key

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        local = address.split("@", 1)[0].lower()
        if local.startswith("reject-permanent"):
            return "550 5.1.1 Mailbox unavailable (sink: rejected permanently)"
        if local.startswith("reject-temporary"):
            return "451 4.3.0 Try again later (sink: rejected temporarily)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        key = self._store(content)
        if not self.quiet:
            headers = BytesParser(policy=policy.default).parsebytes(content, headersonly=True)
            logger.info(
                "mail %s from %s to %s: %s",
                key,
                envelope.mail_from,
                ",".join(envelope.rcpt_tos),
                headers.get("Subject", ""),
            )
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sink_start(
    *, maildir: str | os.PathLike[str], host: str = "127.0.0.1", port: int = 1025, quiet: bool = False
) -> Controller:
    """Start the sink in a background thread; call `.stop()` on the result."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO
    controller = Controller(MaildirHandler(maildir, quiet=quiet), hostname=host, port=port)
    controller.start()
    return controller


@dataclass(frozen=True)
class ReceivedMail:
    key: str
    received_at: datetime
    message: EmailMessage

    @property
    def subject(self) -> str:
        # A long encoded subject is folded onto the next line; unfolding leaves a leading space.
        return str(self.message.get("Subject", "")).strip()

    @property
    def to(self) -> str:
        return str(self.message.get("To", ""))

    @property
    def sender(self) -> str:
        return str(self.message.get("From", ""))

    @property
    def notification_id(self) -> int | None:
        value = self.message.get("X-Redress-Notification")
        return int(value) if value else None

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain", "html"))
        return part.get_content() if part is not None else ""

    @property
    def attachment_names(self) -> list[str]:
        return [part.get_filename() or "" for part in self.message.iter_attachments()]


def _new_dir(maildir: str | os.PathLike[str]) -> Path:
    return Path(maildir) / "new"


def mail_count(maildir: str | os.PathLike[str]) -> int:
    try:
        return sum(1 for _ in os.scandir(_new_dir(maildir)))
    except FileNotFoundError:
        return 0


def mail_list(maildir: str | os.PathLike[str], *, limit: int | None = None) -> list[ReceivedMail]:
    """Received messages, newest first."""
    try:
        entries = sorted(os.scandir(_new_dir(maildir)), key=lambda e: e.stat().st_mtime, reverse=True)
    except FileNotFoundError:
        return []
    mails = []
    parser = BytesParser(policy=policy.default)
    for entry in entries[:limit] if limit else entries:
        with open(entry.path, "rb") as handle:
            message = parser.parse(handle)
        mails.append(
            ReceivedMail(
                key=entry.name,
                received_at=datetime.fromtimestamp(entry.stat().st_mtime, tz=UTC),
                message=message,  # type: ignore[arg-type]
            )
        )
    return mails


def mail_get(maildir: str | os.PathLike[str], key: str) -> ReceivedMail | None:
    path = _new_dir(maildir) / os.path.basename(key)
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        message = BytesParser(policy=policy.default).parse(handle)
    return ReceivedMail(
        key=path.name, received_at=datetime.fromtimestamp(path.stat().st_mtime, tz=UTC), message=message
    )  # type: ignore[arg-type]
