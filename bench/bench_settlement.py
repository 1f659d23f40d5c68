"""Settlement throughput: N payouts through the sandbox gateway (5 ms per call) by two Celery workers,
against the baseline of one worker settling one payout at a time.

    python -m bench.bench_settlement [N] [BASELINE_N]      (defaults 100000 and 2000)

Needs DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis), as scripts/bench.sh sets them. The baseline
runs on BASELINE_N payouts (one payout at a time, chunks of 500, sending concurrency 1) and its rate is what the
ratio compares against. Each worker runs `--concurrency 1` and sends BENCH_SEND_CONCURRENCY (default 16) calls
at once per chunk. Besides wall time it prints the CPU the workers, the gateway and the workers' PostgreSQL
backends used (on a shared machine the wall time depends on what else runs; the CPU per payout much less), the
load average, whether 100,000 payouts fit in five minutes, and checks that nothing was paid twice."""

import os
import subprocess
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
LATENCY_MS = 5
CHUNK = 500
SEND_CONCURRENCY = int(os.environ.get("BENCH_SEND_CONCURRENCY", "16"))


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process and its live descendants, from /proc (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        own = (int(fields[11]) + int(fields[12])) / TICK
        children = []
        for task in Path(f"/proc/{pid}/task").iterdir():
            children += (task / "children").read_text().split()
    except (OSError, IndexError, ValueError):
        return 0.0
    return own + sum(cpu_seconds(int(child)) for child in children)


class CpuMeter:
    """CPU used during a window by the worker trees, the gateway and this database's PostgreSQL backends (not the
    bench's own, which only polls). Backends are sampled while the run goes (workers keep theirs, CONN_MAX_AGE), so
    a backend that ends between two samples loses its last slice: the PostgreSQL figure is a slight underestimate."""

    def __init__(self, *, workers: list[int], gateway: int) -> None:
        self.workers, self.gateway = workers, gateway
        self.start = {pid: cpu_seconds(pid) for pid in [*workers, gateway]}
        self.backends: dict[int, tuple[float, float]] = {}
        self.sample(first=True)

    def sample(self, *, first: bool = False) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            pids = [row[0] for row in cursor.fetchall()]
        for pid in pids:
            now = cpu_seconds(pid)
            begin = self.backends.get(pid, (now if first else 0.0, 0.0))[0]
            self.backends[pid] = (begin, max(now, self.backends.get(pid, (0.0, 0.0))[1]))

    def result(self) -> dict[str, float]:
        self.sample()
        return {
            "workers": sum(cpu_seconds(pid) - self.start[pid] for pid in self.workers),
            "gateway": cpu_seconds(self.gateway) - self.start[self.gateway],
            "postgres": sum(max(0.0, last - begin) for begin, last in self.backends.values()),
        }


def start_gateway(port: int, db: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "payouts.sandbox.server", "--port", str(port), "--db", str(db),
         "--latency-ms", str(LATENCY_MS)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    import urllib.request

    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).read()
            return proc
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("sandbox gateway did not start")


def start_worker(name: str, env: dict[str, str], log_dir: Path) -> tuple[subprocess.Popen, Path]:
    log = log_dir / f"worker-{name}.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "settlement", "--concurrency", "1",
         "--pool", "prefork", "--loglevel", "WARNING", "--hostname", f"{name}-{os.getpid()}@%h",
         "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    return proc, log


def wait_ready(workers: list[subprocess.Popen]) -> None:
    """Wait until every worker consumes: ping them through the broker."""
    from config.celery import app

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1.0) or []
        if len(replies) >= len(workers):
            return
        if any(w.poll() is not None for w in workers):
            raise RuntimeError("a worker died at start")
    raise RuntimeError("workers did not come up")


def prepare(count: int, maker, checker):  # type: ignore[no-untyped-def]
    from payouts.services.batches import payout_batch_approve, payout_batch_build
    from payouts.services.payouts import payouts_create_from_entitlements
    from payouts.tests.factories import make_entitlements

    t0 = time.perf_counter()
    for start in range(0, count, 5000):
        make_entitlements(min(5000, count - start), amounts=23_450, policy_code="bench-policy")
    t1 = time.perf_counter()
    payouts_create_from_entitlements()
    t2 = time.perf_counter()
    batch = payout_batch_build(actor=maker, max_count=count)
    payout_batch_approve(batch=batch, actor=checker)
    t3 = time.perf_counter()
    print(f"  set-up: {count:,} entitlements {t1 - t0:.1f}s · payouts {t2 - t1:.1f}s · batch+approve {t3 - t2:.1f}s")
    return batch


def settle(batch, *, workers: int, send_concurrency: int, gateway, gateway_url: str, log_dir: Path):  # type: ignore[no-untyped-def]
    """Release the batch to `workers` fresh worker processes and wait until every payout is paid.
    Returns (wall seconds, CPU seconds per process group during the run)."""
    from config.celery import app
    from payouts.models import Payout
    from payouts.services.batches import payout_batch_release

    env = {
        **os.environ,
        "PAYOUTS_GATEWAY_URL": gateway_url,
        "PAYOUTS_CHUNK_SIZE": str(CHUNK),
        "PAYOUTS_SEND_CONCURRENCY": str(send_concurrency),
        "PAYOUTS_LANES": str(workers),
    }
    with app.connection_for_write() as conn:
        app.control.purge(connection=conn)
    procs = [start_worker(f"bench{i}", env, log_dir) for i in range(workers)]
    try:
        wait_ready([p for p, _ in procs])
        from django.conf import settings

        settings.PAYOUTS["LANES"] = workers
        meter = CpuMeter(workers=[p.pid for p, _ in procs], gateway=gateway.pid)
        start = time.perf_counter()
        payout_batch_release(batch=batch, actor=batch.created_by)
        remaining = batch.payout_count
        while remaining:
            time.sleep(0.5)
            meter.sample()
            remaining = Payout.objects.filter(batch=batch).exclude(status=Payout.Status.PAID).count()
            if time.perf_counter() - start > 3600:
                raise RuntimeError(f"{remaining} payouts still unpaid after an hour")
        return time.perf_counter() - start, meter.result()
    finally:
        for proc, _ in procs:
            proc.terminate()
        for proc, _ in procs:
            proc.wait(timeout=60)


def report(label: str, count: int, seconds: float, cpu: dict[str, float]) -> float:
    rate = count / seconds
    total = sum(cpu.values())
    print(f"  {label}: {seconds:.1f}s wall → {rate:,.0f} payouts/s")
    print(
        f"  CPU {total:.1f}s ({total / seconds:.2f} cores; {total / count * 1000:.2f} ms per payout): "
        + " · ".join(f"{name} {value:.1f}s ({value / count * 1000:.2f} ms/payout)" for name, value in cpu.items())
    )
    return rate


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    baseline_count = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000
    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from payouts.tests.conftest import free_port

    log_dir = ROOT / "var" / "bench"
    log_dir.mkdir(parents=True, exist_ok=True)
    maker, _ = User.objects.get_or_create(username="bench-maker", defaults={"is_superuser": True, "is_staff": True})
    checker, _ = User.objects.get_or_create(username="bench-checker", defaults={"is_superuser": True, "is_staff": True})
    port = free_port()
    db = log_dir / f"gateway-{os.getpid()}.sqlite3"
    gateway = start_gateway(port, db)
    url = f"http://127.0.0.1:{port}"
    from django.conf import settings

    settings.PAYOUTS["GATEWAY_URL"] = url
    load = os.getloadavg()
    print(f"settlement: sandbox gateway at {LATENCY_MS} ms per call, chunks of {CHUNK}; "
          f"{os.cpu_count()} cores, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at start")  # fmt: skip
    try:
        print(f"baseline — 1 worker, 1 payout at a time, {baseline_count:,} payouts")
        base_batch = prepare(baseline_count, maker, checker)
        base_seconds, base_cpu = settle(
            base_batch, workers=1, send_concurrency=1, gateway=gateway, gateway_url=url, log_dir=log_dir
        )
        base_rate = report("sequential", baseline_count, base_seconds, base_cpu)

        print(f"two workers, {SEND_CONCURRENCY} concurrent sends each, {count:,} payouts")
        batch = prepare(count, maker, checker)
        seconds, cpu = settle(
            batch, workers=2, send_concurrency=SEND_CONCURRENCY, gateway=gateway, gateway_url=url, log_dir=log_dir
        )
        rate = report("two workers", count, seconds, cpu)
        import json
        import urllib.request

        stats = json.loads(urllib.request.urlopen(f"{url}/_admin/stats", timeout=30).read())
        expected = baseline_count + count
        twice, posts = stats["references_paid_twice"], stats["max_posts_per_key"]
        print(f"  gateway: {stats['transfers']:,} transfers for {expected:,} payouts, {twice} paid twice, "
              f"at most {posts} POST per key")  # fmt: skip
        load = os.getloadavg()
        print(f"  load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at the end")
        print(f"ratio vs one worker sequential: {rate / base_rate:.1f}×")
        target = 100_000 / rate
        verdict = "met" if target < 300 else "NOT met"
        how = "measured" if count >= 100_000 else f"projected from {count:,} at {rate:,.0f}/s"
        print(f"target 100,000 payouts in < 5 min: {verdict} ({how}: {target / 60:.1f} min for 100,000)")
    finally:
        gateway.terminate()
        gateway.wait(timeout=10)


if __name__ == "__main__":
    main()
