"""The payment gateway seam. A real provider plugs in by writing one subclass of `PaymentGateway`
and naming it in settings.PAYOUTS["GATEWAY_BACKEND"]; nothing else in payouts knows which one runs."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class TransferRequest:
    """One transfer as the provider needs it. `account_number` is plaintext: only this call and the bank file see it."""

    key: str  # idempotency key, deterministic per payout and attempt
    amount: int
    bank_code: str
    account_number: str
    holder_name: str
    reference: str


@dataclass(frozen=True)
class TransferResult:
    """What the provider says happened to one key. `status`: paid | failed | returned."""

    key: str
    status: str
    amount: int
    failure_code: str = ""
    value_date: date | None = None


@dataclass(frozen=True)
class ReportLine:
    """One line of the provider's daily settlement report."""

    key: str
    reference: str
    amount: int
    status: str


class GatewayError(Exception):
    """The provider gave no usable answer."""


class GatewayOutcomeUnknown(GatewayError):
    """Timeout, dropped connection or 5xx: the transfer may or may not have been committed. Ask before resending."""


class GatewayUnavailable(GatewayError):
    """The provider could not be reached at all (connection refused): nothing was sent."""


class GatewayRequestRejected(GatewayError):
    """The provider refused the request itself (4xx), e.g. the key was reused with other parameters."""


class PaymentGateway(ABC):
    @abstractmethod
    def send_transfer(self, request: TransferRequest) -> TransferResult:
        """Submit one transfer under `request.key`. Raises GatewayOutcomeUnknown when the answer was lost."""

    @abstractmethod
    def get_transfer(self, key: str) -> TransferResult | None:
        """The provider's record for `key`, or None if it never committed one."""

    @abstractmethod
    def settlement_report(self, day: date) -> list[ReportLine]:
        """Every transfer the provider settled (or saw returned) on `day`."""


@dataclass(frozen=True)
class VoucherResult:
    key: str
    code: str


class VoucherProvider(ABC):
    """In-kind and service-credit items: one code per item key, never two."""

    @abstractmethod
    def issue(self, *, key: str, sku: str, value: int, reference: str) -> VoucherResult: ...

    @abstractmethod
    def get(self, key: str) -> VoucherResult | None: ...


@cache
def get_gateway() -> PaymentGateway:
    conf = settings.PAYOUTS
    return import_string(conf["GATEWAY_BACKEND"])(url=conf["GATEWAY_URL"], timeout=conf["GATEWAY_TIMEOUT"])


@cache
def get_voucher_provider() -> VoucherProvider:
    conf = settings.PAYOUTS
    return import_string(conf["VOUCHER_BACKEND"])(url=conf["VOUCHER_URL"], timeout=conf["GATEWAY_TIMEOUT"])
