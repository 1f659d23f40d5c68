"""A sandbox payment gateway: its own HTTP server process and its own ledger in its own SQLite file.

Plain standard library on purpose (no Django): it stands for somebody else's system and must not share
our database, settings or code paths. It speaks the protocol the `SandboxGateway` adapter expects:

    POST /transfers                    Idempotency-Key header; JSON {amount, bank_code, account_number,
                                       holder_name, reference}. Same key + same body → the stored answer;
                                       same key + different body → 422 idempotency_key_reuse.
    GET  /transfers/{key}              the stored transfer, or 404
    GET  /settlement-report?date=D     every paid or returned transfer whose value date is D (KST)
    POST /vouchers                     Idempotency-Key header; JSON {sku, value, reference} → one code per key
    GET  /vouchers/{key}

Fault injection for tests and demos (admin endpoints, or the same values as CLI flags at start):

    POST /_admin/faults    {latency_ms, error_rate, timeout_rate, hang_seconds, closed_accounts,
                            holder_mismatch_accounts, seed}
    POST /_admin/report    {date, extra: [{key, amount, reference}], missing: [key], mismatch: {key: amount}}
    POST /_admin/return    {key}  a paid transfer comes back from the receiving bank
    GET  /_admin/stats     counts per status, POSTs per key (to prove nothing was sent twice)
    POST /_admin/reset

`error_rate` answers 503 *before* anything is stored; `timeout_rate` commits the transfer and then holds the
answer for `hang_seconds`, so the caller times out without knowing that the money left.
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

KST = timezone(timedelta(hours=9))

SCHEMA = """
CREATE TABLE IF NOT EXISTS transfers (
    idempotency_key TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    reference TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    bank_code TEXT NOT NULL,
    account_number TEXT NOT NULL,
    holder_name TEXT NOT NULL,
    status TEXT NOT NULL,            -- paid | failed | returned
    failure_code TEXT NOT NULL DEFAULT '',
    value_date TEXT NOT NULL,        -- YYYY-MM-DD in KST
    created_at TEXT NOT NULL,
    post_count INTEGER NOT NULL DEFAULT 1,
    status_queries INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS transfers_value_date ON transfers (value_date);
CREATE INDEX IF NOT EXISTS transfers_reference ON transfers (reference);
CREATE TABLE IF NOT EXISTS vouchers (
    idempotency_key TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    reference TEXT NOT NULL,
    sku TEXT NOT NULL,
    value INTEGER NOT NULL,
    code TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    post_count INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS report_plants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_date TEXT NOT NULL,
    kind TEXT NOT NULL,              -- extra | missing | mismatch
    idempotency_key TEXT NOT NULL,
    amount INTEGER,
    reference TEXT NOT NULL DEFAULT ''
);
"""

TRANSFER_FIELDS = ("amount", "bank_code", "account_number", "holder_name", "reference")


class Faults:
    """What the operator asked the sandbox to get wrong. Read under the ledger lock, changed by /_admin/faults."""

    def __init__(self) -> None:
        self.latency_ms = 0.0
        self.error_rate = 0.0
        self.timeout_rate = 0.0
        self.hang_seconds = 5.0
        self.closed_accounts: set[str] = set()
        self.holder_mismatch_accounts: set[str] = set()
        self.rng = random.Random(0)

    def update(self, data: dict[str, Any]) -> None:
        for name in ("latency_ms", "error_rate", "timeout_rate", "hang_seconds"):
            if name in data:
                setattr(self, name, float(data[name]))
        if "closed_accounts" in data:
            self.closed_accounts = {str(a) for a in data["closed_accounts"]}
        if "holder_mismatch_accounts" in data:
            self.holder_mismatch_accounts = {str(a) for a in data["holder_mismatch_accounts"]}
        if "seed" in data:
            self.rng = random.Random(int(data["seed"]))

    def as_dict(self) -> dict[str, Any]:
        return {
            "latency_ms": self.latency_ms,
            "error_rate": self.error_rate,
            "timeout_rate": self.timeout_rate,
            "hang_seconds": self.hang_seconds,
            "closed_accounts": sorted(self.closed_accounts),
            "holder_mismatch_accounts": sorted(self.holder_mismatch_accounts),
        }


class Ledger:
    """The sandbox's own books. One connection guarded by a lock: SQLite serialises writers anyway."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(SCHEMA)
        self.lock = threading.Lock()

    def reset(self) -> None:
        with self.lock:
            self.conn.executescript("DELETE FROM transfers; DELETE FROM vouchers; DELETE FROM report_plants;")


def _request_hash(body: dict[str, Any], fields: tuple[str, ...]) -> str:
    canonical = json.dumps({f: body.get(f) for f in fields}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _transfer_json(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "key": row["idempotency_key"],
        "reference": row["reference"],
        "amount": row["amount"],
        "status": row["status"],
        "failure_code": row["failure_code"],
        "value_date": row["value_date"],
        "created_at": row["created_at"],
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: one connection per client thread
    # Headers and body leave in two writes; with Nagle on, the body waits for the client's delayed ACK of the
    # headers (~40 ms on Linux), which made every call take 45-50 ms instead of the configured latency.
    disable_nagle_algorithm = True
    server: SandboxServer

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    # -- plumbing -------------------------------------------------------------------------------------------
    def _send(self, status: int, body: dict[str, Any] | list[Any]) -> None:
        payload = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    # -- routing --------------------------------------------------------------------------------------------
    def do_GET(self) -> None:
        url = urlparse(self.path)
        parts = [p for p in url.path.split("/") if p]
        if len(parts) == 2 and parts[0] == "transfers":
            self._simulate_latency()
            return self._transfer_get(parts[1])
        if len(parts) == 2 and parts[0] == "vouchers":
            return self._voucher_get(parts[1])
        if parts == ["settlement-report"]:
            return self._settlement_report(parse_qs(url.query).get("date", [""])[0])
        if parts == ["_admin", "stats"]:
            return self._stats()
        if parts == ["health"]:
            return self._send(200, {"ok": True})
        return self._send(404, {"error": "not_found"})

    def do_POST(self) -> None:
        url = urlparse(self.path)
        parts = [p for p in url.path.split("/") if p]
        body = self._body()
        if parts == ["transfers"]:
            return self._transfer_post(body)
        if parts == ["vouchers"]:
            return self._voucher_post(body)
        if parts == ["_admin", "faults"]:
            with self.server.ledger.lock:
                self.server.faults.update(body)
                return self._send(200, self.server.faults.as_dict())
        if parts == ["_admin", "report"]:
            return self._plant_report(body)
        if parts == ["_admin", "return"]:
            return self._return_transfer(str(body.get("key", "")))
        if parts == ["_admin", "reset"]:
            self.server.ledger.reset()
            with self.server.ledger.lock:
                self.server.faults = Faults()
                self.server.faults.update(body)
            return self._send(200, {"ok": True})
        return self._send(404, {"error": "not_found"})

    def _simulate_latency(self) -> None:
        if self.server.faults.latency_ms:
            time.sleep(self.server.faults.latency_ms / 1000)

    # -- transfers ------------------------------------------------------------------------------------------
    def _transfer_post(self, body: dict[str, Any]) -> None:
        key = self.headers.get("Idempotency-Key", "").strip()
        if not key or len(key) > 128:
            return self._send(400, {"error": "idempotency_key_required"})
        try:
            amount = int(body.get("amount", 0))
        except (TypeError, ValueError):
            amount = 0
        if amount <= 0 or not all(str(body.get(f, "")).strip() for f in TRANSFER_FIELDS):
            return self._send(400, {"error": "invalid_request"})
        self._simulate_latency()
        faults = self.server.faults
        ledger = self.server.ledger
        with ledger.lock:
            if faults.error_rate and faults.rng.random() < faults.error_rate:
                fail_before_commit = True
            else:
                fail_before_commit = False
                hang = bool(faults.timeout_rate) and faults.rng.random() < faults.timeout_rate
        if fail_before_commit:
            return self._send(503, {"error": "service_unavailable"})
        request_hash = _request_hash(body, TRANSFER_FIELDS)
        with ledger.lock:
            row = ledger.conn.execute("SELECT * FROM transfers WHERE idempotency_key = ?", (key,)).fetchone()
            if row is not None:
                ledger.conn.execute(
                    "UPDATE transfers SET post_count = post_count + 1 WHERE idempotency_key = ?", (key,)
                )
                if row["request_hash"] != request_hash:
                    return self._send(422, {"error": "idempotency_key_reuse", "key": key})
                return self._send(200, {**_transfer_json(row), "replayed": True})
            account = str(body["account_number"])
            if account in faults.closed_accounts:
                status, failure = "failed", "account_closed"
            elif account in faults.holder_mismatch_accounts:
                status, failure = "failed", "holder_mismatch"
            else:
                status, failure = "paid", ""
            now = datetime.now(UTC)
            ledger.conn.execute(
                "INSERT INTO transfers (idempotency_key, request_hash, reference, amount, bank_code, account_number,"
                " holder_name, status, failure_code, value_date, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    key,
                    request_hash,
                    str(body["reference"]),
                    amount,
                    str(body["bank_code"]),
                    account,
                    str(body["holder_name"]),
                    status,
                    failure,
                    now.astimezone(KST).date().isoformat(),
                    now.isoformat(),
                ),
            )
            row = ledger.conn.execute("SELECT * FROM transfers WHERE idempotency_key = ?", (key,)).fetchone()
        if hang:
            # Committed: the money has left. The caller gives up before hearing so.
            time.sleep(faults.hang_seconds)
        return self._send(201, _transfer_json(row))

    def _transfer_get(self, key: str) -> None:
        ledger = self.server.ledger
        with ledger.lock:
            ledger.conn.execute(
                "UPDATE transfers SET status_queries = status_queries + 1 WHERE idempotency_key = ?", (key,)
            )
            row = ledger.conn.execute("SELECT * FROM transfers WHERE idempotency_key = ?", (key,)).fetchone()
        if row is None:
            return self._send(404, {"error": "not_found", "key": key})
        return self._send(200, _transfer_json(row))

    def _return_transfer(self, key: str) -> None:
        ledger = self.server.ledger
        with ledger.lock:
            row = ledger.conn.execute("SELECT * FROM transfers WHERE idempotency_key = ?", (key,)).fetchone()
            if row is None or row["status"] != "paid":
                return self._send(409, {"error": "not_paid", "key": key})
            ledger.conn.execute(
                "UPDATE transfers SET status = 'returned', failure_code = 'account_closed' WHERE idempotency_key = ?",
                (key,),
            )
            row = ledger.conn.execute("SELECT * FROM transfers WHERE idempotency_key = ?", (key,)).fetchone()
        return self._send(200, _transfer_json(row))

    # -- settlement report ----------------------------------------------------------------------------------
    def _settlement_report(self, day: str) -> None:
        try:
            datetime.strptime(day, "%Y-%m-%d")
        except ValueError:
            return self._send(400, {"error": "date_required", "format": "YYYY-MM-DD"})
        ledger = self.server.ledger
        with ledger.lock:
            rows = ledger.conn.execute(
                "SELECT idempotency_key, reference, amount, status FROM transfers"
                " WHERE value_date = ? AND status IN ('paid', 'returned') ORDER BY created_at",
                (day,),
            ).fetchall()
            plants = ledger.conn.execute("SELECT * FROM report_plants WHERE report_date = ?", (day,)).fetchall()
        lines = {
            r["idempotency_key"]: {
                "key": r["idempotency_key"],
                "reference": r["reference"],
                "amount": r["amount"],
                "status": r["status"],
            }
            for r in rows
        }
        for plant in plants:
            key = plant["idempotency_key"]
            if plant["kind"] == "missing":
                lines.pop(key, None)
            elif plant["kind"] == "mismatch" and key in lines:
                lines[key]["amount"] = plant["amount"]
            elif plant["kind"] == "extra":
                lines[key] = {"key": key, "reference": plant["reference"], "amount": plant["amount"], "status": "paid"}
        body = list(lines.values())
        return self._send(
            200, {"date": day, "count": len(body), "total": sum(line["amount"] for line in body), "lines": body}
        )

    def _plant_report(self, body: dict[str, Any]) -> None:
        day = str(body.get("date", ""))
        rows: list[tuple[str, str, str, int | None, str]] = []
        for line in body.get("extra", []):
            rows.append((day, "extra", str(line["key"]), int(line["amount"]), str(line.get("reference", ""))))
        for key in body.get("missing", []):
            rows.append((day, "missing", str(key), None, ""))
        for key, amount in (body.get("mismatch") or {}).items():
            rows.append((day, "mismatch", str(key), int(amount), ""))
        ledger = self.server.ledger
        with ledger.lock:
            ledger.conn.executemany(
                "INSERT INTO report_plants (report_date, kind, idempotency_key, amount, reference) VALUES (?,?,?,?,?)",
                rows,
            )
        return self._send(200, {"planted": len(rows)})

    # -- vouchers -------------------------------------------------------------------------------------------
    def _voucher_post(self, body: dict[str, Any]) -> None:
        key = self.headers.get("Idempotency-Key", "").strip()
        if not key:
            return self._send(400, {"error": "idempotency_key_required"})
        if not str(body.get("sku", "")).strip() or not str(body.get("reference", "")).strip():
            return self._send(400, {"error": "invalid_request"})
        self._simulate_latency()
        fields = ("sku", "value", "reference")
        request_hash = _request_hash(body, fields)
        ledger = self.server.ledger
        with ledger.lock:
            row = ledger.conn.execute("SELECT * FROM vouchers WHERE idempotency_key = ?", (key,)).fetchone()
            if row is not None:
                ledger.conn.execute("UPDATE vouchers SET post_count = post_count + 1 WHERE idempotency_key = ?", (key,))
                if row["request_hash"] != request_hash:
                    return self._send(422, {"error": "idempotency_key_reuse", "key": key})
                return self._send(200, {"key": key, "code": row["code"], "replayed": True})
            code = "RDX-" + hashlib.sha256(f"{key}:{time.time_ns()}".encode()).hexdigest()[:12].upper()
            ledger.conn.execute(
                "INSERT INTO vouchers (idempotency_key, request_hash, reference, sku, value, code, created_at)"
                " VALUES (?,?,?,?,?,?,?)",
                (
                    key,
                    request_hash,
                    str(body["reference"]),
                    str(body["sku"]),
                    int(body.get("value") or 0),
                    code,
                    datetime.now(UTC).isoformat(),
                ),
            )
        return self._send(201, {"key": key, "code": code})

    def _voucher_get(self, key: str) -> None:
        ledger = self.server.ledger
        with ledger.lock:
            row = ledger.conn.execute("SELECT * FROM vouchers WHERE idempotency_key = ?", (key,)).fetchone()
        if row is None:
            return self._send(404, {"error": "not_found", "key": key})
        return self._send(200, {"key": key, "code": row["code"]})

    # -- admin ----------------------------------------------------------------------------------------------
    def _stats(self) -> None:
        ledger = self.server.ledger
        with ledger.lock:
            by_status = dict(ledger.conn.execute("SELECT status, COUNT(*) FROM transfers GROUP BY status").fetchall())
            posts = ledger.conn.execute(
                "SELECT COALESCE(SUM(post_count), 0), COALESCE(MAX(post_count), 0),"
                " COALESCE(SUM(status_queries), 0), COUNT(*) FROM transfers"
            ).fetchone()
            # Money that left twice for one of our payouts: more than one paid transfer per reference.
            double_paid = ledger.conn.execute(
                "SELECT COUNT(*) FROM (SELECT reference FROM transfers WHERE status IN ('paid', 'returned')"
                " GROUP BY reference HAVING COUNT(*) > 1)"
            ).fetchone()[0]
            paid_total = ledger.conn.execute(
                "SELECT COALESCE(SUM(amount), 0) FROM transfers WHERE status = 'paid'"
            ).fetchone()[0]
            vouchers = ledger.conn.execute("SELECT COUNT(*), COALESCE(MAX(post_count), 0) FROM vouchers").fetchone()
        return self._send(
            200,
            {
                "transfers": posts[3],
                "by_status": by_status,
                "posts": posts[0],
                "max_posts_per_key": posts[1],
                "status_queries": posts[2],
                "references_paid_twice": double_paid,
                "paid_total": paid_total,
                "vouchers": vouchers[0],
                "max_posts_per_voucher": vouchers[1],
                "faults": self.server.faults.as_dict(),
            },
        )


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], *, db_path: str, verbose: bool = False) -> None:
        super().__init__(address, Handler)
        self.ledger = Ledger(db_path)
        self.faults = Faults()
        self.verbose = verbose


def serve(*, host: str, port: int, db_path: str, faults: dict[str, Any] | None = None, verbose: bool = False) -> None:
    server = SandboxServer((host, port), db_path=db_path, verbose=verbose)
    if faults:
        server.faults.update(faults)
    print(f"sandbox gateway listening on http://{host}:{server.server_address[1]} (ledger {db_path})", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> None:
    """`python -m payouts.sandbox.server --port N` (no Django needed; `manage.py run_sandbox_gateway` wraps it)."""
    import argparse

    parser = argparse.ArgumentParser(description="Sandbox payment gateway")
    add_arguments(parser)
    options = vars(parser.parse_args(argv))
    run_from_options(options)


def add_arguments(parser: Any, *, default_db: str = "var/gateway.sqlite3") -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8450)
    parser.add_argument("--db", default=default_db, help="the sandbox's own ledger (SQLite file)")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--error-rate", type=float, default=0.0, help="share of POSTs answered 503 before commit")
    parser.add_argument("--timeout-rate", type=float, default=0.0, help="share of POSTs that hang after commit")
    parser.add_argument("--hang-seconds", type=float, default=5.0)
    parser.add_argument("--closed-accounts", default="", help="comma-separated account numbers")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", action="store_true")


def run_from_options(options: dict[str, Any]) -> None:
    faults = {
        "latency_ms": options["latency_ms"],
        "error_rate": options["error_rate"],
        "timeout_rate": options["timeout_rate"],
        "hang_seconds": options["hang_seconds"],
        "closed_accounts": [a for a in options["closed_accounts"].split(",") if a],
        "seed": options["seed"],
    }
    serve(host=options["host"], port=options["port"], db_path=options["db"], faults=faults, verbose=options["verbose"])


if __name__ == "__main__":
    main()
