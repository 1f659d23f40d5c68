"""Adapters for the sandbox gateway (`manage.py run_sandbox_gateway`), over plain HTTP/1.1 keep-alive."""

from __future__ import annotations

import http.client
import json
import threading
from datetime import date
from typing import Any
from urllib.parse import urlparse

from payouts.gateways.base import (
    GatewayError,
    GatewayOutcomeUnknown,
    GatewayRequestRejected,
    GatewayUnavailable,
    PaymentGateway,
    ReportLine,
    TransferRequest,
    TransferResult,
    VoucherProvider,
    VoucherResult,
)


class _JsonClient:
    """One persistent connection per thread: settlement sends from a small thread pool."""

    def __init__(self, url: str, timeout: float) -> None:
        parsed = urlparse(url)
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or 80
        self.timeout = timeout
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self._local.conn = conn
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
        self._local.conn = None

    def request(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> tuple[int, Any]:
        payload = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        all_headers = {"Content-Type": "application/json", "Accept": "application/json", **(headers or {})}
        for reuse in (True, False):
            conn = self._connection()
            if conn.sock is not None:
                conn.sock.settimeout(timeout or self.timeout)
            conn.timeout = timeout or self.timeout
            sent = False
            try:
                conn.request(method, path, body=payload, headers=all_headers)
                sent = True
                response = conn.getresponse()
                raw = response.read()
            except TimeoutError as exc:
                self._drop()
                raise GatewayOutcomeUnknown(f"{method} {path}: timed out") from exc
            except ConnectionRefusedError as exc:
                self._drop()
                raise GatewayUnavailable(f"{method} {path}: connection refused") from exc
            except (http.client.HTTPException, OSError) as exc:
                self._drop()
                # A kept-alive connection the server had closed fails before anything is read: retry once fresh.
                if reuse and isinstance(exc, http.client.RemoteDisconnected | BrokenPipeError | ConnectionResetError):
                    continue
                if not sent:
                    raise GatewayUnavailable(f"{method} {path}: {exc}") from exc
                raise GatewayOutcomeUnknown(f"{method} {path}: {exc}") from exc
            try:
                data = json.loads(raw or b"null")
            except ValueError:
                data = None
            return response.status, data
        raise GatewayUnavailable(f"{method} {path}: could not connect")


def _result(data: dict[str, Any]) -> TransferResult:
    return TransferResult(
        key=data["key"],
        status=data["status"],
        amount=int(data["amount"]),
        failure_code=data.get("failure_code") or "",
        value_date=date.fromisoformat(data["value_date"]) if data.get("value_date") else None,
    )


class SandboxGateway(PaymentGateway):
    def __init__(self, *, url: str, timeout: float = 5.0) -> None:
        self.client = _JsonClient(url, timeout)

    def send_transfer(self, request: TransferRequest) -> TransferResult:
        status, data = self.client.request(
            "POST",
            "/transfers",
            body={
                "amount": request.amount,
                "bank_code": request.bank_code,
                "account_number": request.account_number,
                "holder_name": request.holder_name,
                "reference": request.reference,
            },
            headers={"Idempotency-Key": request.key},
        )
        if status in (200, 201):
            return _result(data)
        if status >= 500:
            raise GatewayOutcomeUnknown(f"gateway answered {status}")
        raise GatewayRequestRejected(f"gateway refused the request: {status} {data}")

    def get_transfer(self, key: str) -> TransferResult | None:
        status, data = self.client.request("GET", f"/transfers/{key}")
        if status == 404:
            return None
        if status != 200:
            raise GatewayError(f"status query answered {status}")
        return _result(data)

    def settlement_report(self, day: date) -> list[ReportLine]:
        status, data = self.client.request("GET", f"/settlement-report?date={day.isoformat()}", timeout=60)
        if status != 200:
            raise GatewayError(f"settlement report answered {status}")
        return [
            ReportLine(
                key=line["key"],
                reference=line.get("reference", ""),
                amount=int(line["amount"]),
                status=line.get("status", "paid"),
            )
            for line in data["lines"]
        ]


class SandboxVoucherProvider(VoucherProvider):
    def __init__(self, *, url: str, timeout: float = 5.0) -> None:
        self.client = _JsonClient(url, timeout)

    def issue(self, *, key: str, sku: str, value: int, reference: str) -> VoucherResult:
        status, data = self.client.request(
            "POST",
            "/vouchers",
            body={"sku": sku, "value": value, "reference": reference},
            headers={"Idempotency-Key": key},
        )
        if status in (200, 201):
            return VoucherResult(key=key, code=data["code"])
        if status >= 500:
            raise GatewayOutcomeUnknown(f"voucher sandbox answered {status}")
        raise GatewayRequestRejected(f"voucher sandbox refused the request: {status} {data}")

    def get(self, key: str) -> VoucherResult | None:
        status, data = self.client.request("GET", f"/vouchers/{key}")
        if status == 404:
            return None
        if status != 200:
            raise GatewayError(f"voucher query answered {status}")
        return VoucherResult(key=key, code=data["code"])
