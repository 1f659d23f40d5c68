"""`manage.py run_smtp_sink --port 1025 [--maildir var/mail]`: the development mail server for `make run`."""

import logging
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from notifications.conf import conf
from notifications.smtp_sink import sink_start


class Command(BaseCommand):
    help = "Run a local SMTP server that stores every received message as an .eml file (Maildir)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=1025)
        parser.add_argument("--maildir", default=None, help="default: NOTIFICATIONS['MAILDIR'] (var/mail)")
        parser.add_argument("--quiet", action="store_true", help="no log line per message (benchmarks)")

    def handle(self, *args: Any, **options: Any) -> None:
        logging.getLogger("notifications.smtp_sink").setLevel(logging.INFO)
        maildir = options["maildir"] or conf("MAILDIR")
        controller = sink_start(maildir=maildir, host=options["host"], port=options["port"], quiet=options["quiet"])
        self.stdout.write(f"SMTP sink listening on {options['host']}:{options['port']}, storing mail in {maildir}")
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        try:
            stop.wait()
        finally:
            controller.stop()
            self.stdout.write("SMTP sink stopped")
