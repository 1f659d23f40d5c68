"""Bulk announcement throughput: one campaign to N claimants (default 100,000) by email, two Celery worker
processes, a local SMTP sink (`manage.py run_smtp_sink`) as the mail server.

Target from issue 3: 100,000 recipients in under 10 minutes with two workers, i.e. ≥ 167 messages/s.
Prints messages per second, the time projected for 100,000 and the ratio to the target. The claims live
under their own incident (`bench-ntf`), loaded once with INSERT … SELECT and reused; each run is a new
campaign (the previous runs' notifications are deleted first).

    python -m bench.bench_notifications [N] [--workers 2] [--verify]
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.common import bench_claims_load, bench_incident, ensure_database

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

ROOT = Path(__file__).resolve().parent.parent
INCIDENT_CODE = "bench-ntf"
TARGET_SECONDS = 600
TARGET_N = 100_000
CAMPAIGN_PREFIX = "bench-notifications"


def ensure_claims(size: int):  # type: ignore[no-untyped-def]
    """`size` claims under their own incident, every claimant reachable by email and not opted out."""
    incident = bench_incident(code=INCIDENT_CODE, name="벤치마크: 일괄 안내", reference_prefix="BNTF")

    def reachable_by_email(cursor) -> None:  # type: ignore[no-untyped-def]
        # Fixture data, like the INSERT: an announcement by email needs claimants with an address.
        cursor.execute(
            """UPDATE claims_claimant SET preferred_channel = 'email', opted_out_optional = false,
                      email = 'bench' || claims_claimant.id || '@example.kr'
               FROM claims_claim c WHERE c.claimant_id = claims_claimant.id AND c.incident_id = %s""",
            [incident.pk],
        )

    bench_claims_load(incident=incident, size=size, after_load=reachable_by_email)
    return incident


def clear_previous_runs() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM notifications_campaign WHERE name LIKE %s", [CAMPAIGN_PREFIX + "%"])
        ids = [row[0] for row in cursor.fetchall()]
        if ids:
            cursor.execute(
                "DELETE FROM notifications_deliveryattempt WHERE notification_id IN "
                "(SELECT id FROM notifications_notification WHERE campaign_id = ANY(%s))",
                [ids],
            )
            cursor.execute("DELETE FROM notifications_notification WHERE campaign_id = ANY(%s)", [ids])
            cursor.execute("DELETE FROM notifications_campaign WHERE id = ANY(%s)", [ids])
            cursor.execute("VACUUM ANALYZE notifications_notification")


def start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("w")
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def wait_ready(log: Path, marker: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if marker in log.read_text(errors="replace"):
            return
        if proc.poll() is not None:
            break
        time.sleep(0.3)
    raise SystemExit(f"{log} never said {marker!r}:\n{log.read_text(errors='replace')[-3000:]}")


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU of every live process in a process group (a worker and its pool child)."""
    total = 0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the command: state, ppid, pgrp, ... utime(11), stime(12)
            total += int(fields[11]) + int(fields[12])
    return total / tick


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", nargs="?", type=int, default=TARGET_N)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=1800)
    parser.add_argument("--verify", action="store_true", help="parse every received mail: each id exactly once")
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Count

    from notifications import services
    from notifications.models import Notification
    from notifications.smtp_sink import free_port, mail_count

    call_command("migrate", verbosity=0)
    incident = ensure_claims(args.size)
    clear_previous_runs()

    run_dir = ROOT / "var" / "bench" / f"notifications-{int(time.time())}"
    maildir = run_dir / "mail"
    run_dir.mkdir(parents=True)
    port = free_port()
    env = {**os.environ, "EMAIL_PORT": str(port), "NOTIFICATIONS_MAILDIR": str(maildir)}
    python = sys.executable
    sink = start([python, "manage.py", "run_smtp_sink", "--port", str(port), "--maildir", str(maildir), "--quiet"],
                 env, run_dir / "sink.log")  # fmt: skip
    worker_cmd = [python, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO", "--concurrency", "1",
                  "--pool", "prefork", "--queues", "bulk,notifications", "--without-gossip", "--without-mingle",
                  "--without-heartbeat"]  # fmt: skip
    workers = [
        start([*worker_cmd, "--hostname", f"bench{i}@%h"], env, run_dir / f"worker{i}.log") for i in range(args.workers)
    ]
    try:
        wait_ready(run_dir / "sink.log", "listening", sink)
        for i, worker in enumerate(workers):
            wait_ready(run_dir / f"worker{i}.log", "ready", worker)
        from config.celery import app

        with app.connection_for_write() as conn:
            app.control.purge(connection=conn)

        campaign = services.campaign_create(
            name=f"{CAMPAIGN_PREFIX} {args.size}",
            event="claim_message",
            audience={"incident": INCIDENT_CODE},
            context={"message": "보상 기준이 확정되어 12월부터 결과를 차례로 알려 드립니다."},
            actor=None,
        )
        from claims.models import Claim

        recipients = min(args.size, Claim.objects.filter(incident=incident).count())
        started = time.monotonic()
        services.campaign_start(campaign=campaign, actor=None)
        first_mail = None
        last_report = 0.0
        while True:
            time.sleep(1)
            elapsed = time.monotonic() - started
            by_status = dict(
                Notification.objects.filter(campaign=campaign).values_list("status").annotate(n=Count("id"))
            )
            done = sum(by_status.get(s, 0) for s in ("sent", "failed", "cancelled"))
            mails = mail_count(maildir)
            if first_mail is None and mails:
                first_mail = elapsed
            if elapsed - last_report >= 15:
                last_report = elapsed
                print(f"  {elapsed:6.0f} s  written {sum(by_status.values()):,}  sent {by_status.get('sent', 0):,}  "
                      f"mail {mails:,}", flush=True)  # fmt: skip
            if done >= recipients or elapsed > args.timeout:
                break
        elapsed = time.monotonic() - started
        cpu = sum(group_cpu_seconds(proc.pid) for proc in [*workers, sink])
        sent = by_status.get("sent", 0)
        rate = sent / elapsed if elapsed else 0.0
        projected = TARGET_N / rate if rate else float("inf")
        print(f"recipients {recipients:,}  sent {sent:,}  failed {by_status.get('failed', 0):,}  "
              f"cancelled {by_status.get('cancelled', 0):,}  mails in sink {mail_count(maildir):,}")  # fmt: skip
        print(f"workers {args.workers}  elapsed {elapsed:.1f} s  first mail after {first_mail or 0:.1f} s")
        print(f"messages/s {rate:.1f}  (target ≥ {TARGET_N / TARGET_SECONDS:.0f}/s)")
        ratio = projected / TARGET_SECONDS
        print(f"projected for {TARGET_N:,}: {projected / 60:.1f} min vs 10 min, ratio {ratio:.2f} (≤ 1.00 meets it)")
        # The machine is shared: the CPU our processes used says what an idle one would do.
        per_message_ms = cpu * 1000 / max(sent, 1)
        idle_projection = per_message_ms * TARGET_N / 1000 / (os.cpu_count() or 1)
        print(
            f"CPU of workers + SMTP sink: {cpu:.0f} s = {per_message_ms:.1f} ms per message (PostgreSQL and Redis not "
            f"counted); load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; on idle cores that CPU "
            f"alone would take {idle_projection / 60:.1f} min for {TARGET_N:,}"
        )
        if args.verify:
            from collections import Counter

            from notifications.smtp_sink import mail_list

            ids = Counter(mail.notification_id for mail in mail_list(maildir))
            twice = sum(1 for n in ids.values() if n > 1)
            print(f"verify: {len(ids):,} distinct notifications in the sink, {twice} received more than once")
    finally:
        for worker in workers:
            stop(worker)
        stop(sink)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
