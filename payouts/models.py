"""Payouts: bank accounts, payouts made from approved entitlements, batches approved with four eyes, the
attempts that move money exactly once, a double-entry ledger, and reconciliation against the gateway's report.

Flow: `payouts_create_from_entitlements` turns approved entitlements into PENDING payouts (risk flags attached)
→ finance builds a `PayoutBatch` → a different finance user approves → release: payouts become SCHEDULED and
Celery settles them in chunks (SUBMITTED → PAID | FAILED_*) → the daily reconciliation compares with the gateway.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.models import BaseModel
from payouts.banks import BANK_CHOICES, bank_name
from payouts.crypto import mask_account_number


class BankAccount(BaseModel):
    """The account a claimant gave on the public status page. The number is stored encrypted, with a keyed hash
    beside it for exact matching and the last four digits for masked display. Created by `bank_account_register`."""

    class Status(models.TextChoices):
        ACTIVE = "active", "사용"  # the account payouts go to
        REPLACED = "replaced", "변경됨"  # the claimant gave a newer one
        REJECTED = "rejected", "지급 불가"  # the bank refused it (closed, holder mismatch)

    claimant = models.ForeignKey(
        "claims.Claimant", on_delete=models.PROTECT, related_name="bank_accounts", verbose_name="신고인"
    )
    bank_code = models.CharField("은행", max_length=3, choices=BANK_CHOICES)
    number_encrypted = models.TextField("계좌번호(암호문)", editable=False)
    number_hash = models.CharField("계좌번호 해시", max_length=64, db_index=True, editable=False)
    number_last4 = models.CharField("계좌번호 끝 4자리", max_length=4, editable=False)
    holder_name = models.CharField("예금주", max_length=100)
    status = models.CharField("상태", max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True)

    class Meta:
        verbose_name = "지급 계좌"
        verbose_name_plural = "지급 계좌"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["claimant"], condition=Q(status="active"), name="bankaccount_one_active_per_claimant"
            ),
        ]

    def __str__(self) -> str:
        return self.masked

    @property
    def masked(self) -> str:
        return f"{bank_name(self.bank_code)} {mask_account_number(self.number_last4)}"


class PayoutBatch(BaseModel):
    """A frozen set of payouts that finance approves and releases together. Built by `payout_batch_build`
    (the maker), approved by a different finance user (the checker); large batches need a finance manager."""

    class Status(models.TextChoices):
        PENDING_APPROVAL = "pending_approval", "승인 대기"  # built and frozen; waiting for a second finance user
        APPROVED = "approved", "승인"  # approved by the checker; not yet released
        REJECTED = "rejected", "반려"  # the checker refused it; its payouts went back to the pool
        CANCELLED = "cancelled", "취소"  # withdrawn before release; its payouts went back to the pool
        RELEASED = "released", "지급 진행"  # released: settlement is running (or the bank file is out)
        SETTLED = "settled", "지급 종료"  # every payout reached a final state

    class Channel(models.TextChoices):
        GATEWAY = "gateway", "지급 게이트웨이"
        BANK_FILE = "bank_file", "은행 이체 파일"

    TRANSITIONS: dict[str, set[str]] = {
        Status.PENDING_APPROVAL: {Status.APPROVED, Status.REJECTED, Status.CANCELLED},
        Status.APPROVED: {Status.RELEASED, Status.CANCELLED},
        Status.RELEASED: {Status.SETTLED},
        Status.REJECTED: set(),
        Status.CANCELLED: set(),
        Status.SETTLED: {Status.RELEASED},  # a returned payout re-opens its batch
    }

    status = models.CharField(
        "상태", max_length=20, choices=Status.choices, default=Status.PENDING_APPROVAL, editable=False, db_index=True
    )
    channel = models.CharField("지급 경로", max_length=10, choices=Channel.choices, default=Channel.GATEWAY)
    method = models.CharField("지급 수단", max_length=20, editable=False)
    filters = models.JSONField("구성 조건", default=dict, editable=False)
    payout_count = models.PositiveIntegerField("건수", default=0, editable=False)
    total_won = models.PositiveBigIntegerField("합계(원)", default=0, editable=False)
    note = models.CharField("메모", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="작성자", editable=False
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="승인자",
        editable=False,
    )
    approved_at = models.DateTimeField("승인 시각", null=True, blank=True, editable=False)
    decided_reason = models.CharField("반려·취소 사유", max_length=300, blank=True, editable=False)
    released_at = models.DateTimeField("지급 시작", null=True, blank=True, editable=False)
    settled_at = models.DateTimeField("지급 종료", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "지급 배치"
        verbose_name_plural = "지급 배치"
        ordering = ["-id"]
        permissions = [
            ("approve_payoutbatch", "Can approve or reject a payout batch"),
            ("release_payoutbatch", "Can release an approved payout batch"),
            ("finance_manager", "Can approve payout batches above the manager limit"),
            ("export_payoutbatch", "Can export a batch as a bank transfer file (plain account numbers)"),
        ]
        constraints = [
            # Four eyes, in the database: whoever made the batch can never be the one who approved it.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("created_by")),
                name="payoutbatch_checker_differs_from_maker",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "released", "settled"]) | Q(approved_by__isnull=False),
                name="payoutbatch_approved_has_approver",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"PB-{self.pk:06d}" if self.pk else "PB-new"


class Payout(BaseModel):
    """Money (or an in-kind item) owed on one entitlement, and where it stands. Created by
    `payouts_create_from_entitlements`; moved only by the batch and settlement services."""

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", "계좌 이체"
        VOUCHER = "voucher", "쿠폰·이용권"

    class Status(models.TextChoices):
        PENDING = "pending", "지급 대기"  # created from an entitlement; not yet released in an approved batch
        SCHEDULED = "scheduled", "지급 예정"  # released; waiting for a settlement worker to claim it
        SUBMITTED = "submitted", "송금 요청"  # claimed; attempt + key stored; the gateway's answer is not yet known
        PAID = "paid", "지급 완료"  # the gateway confirmed the transfer (or the voucher was issued)
        FAILED_RETRYABLE = "failed_retryable", "일시 실패"  # no transfer happened; retried later with the same key
        FAILED_PERMANENT = "failed_permanent", "지급 불가"  # refused (closed account…); waiting for a new account
        RETURNED = "returned", "반환"  # paid, then sent back by the receiving bank; waiting for a new account
        CANCELLED = "cancelled", "취소"  # withdrawn; the entitlement may get a new payout

    class RiskDecision(models.TextChoices):
        NONE = "", "결정 없음"
        CLEARED = "cleared", "확인 후 지급"
        BLOCKED = "blocked", "지급 보류"

    TRANSITIONS: dict[str, set[str]] = {
        Status.PENDING: {Status.SCHEDULED, Status.CANCELLED},
        Status.SCHEDULED: {Status.SUBMITTED, Status.FAILED_PERMANENT, Status.CANCELLED},
        Status.SUBMITTED: {Status.PAID, Status.FAILED_RETRYABLE, Status.FAILED_PERMANENT},
        Status.FAILED_RETRYABLE: {Status.SUBMITTED, Status.PAID, Status.FAILED_PERMANENT},
        Status.FAILED_PERMANENT: {Status.SCHEDULED, Status.CANCELLED},
        Status.PAID: {Status.RETURNED},
        Status.RETURNED: {Status.SCHEDULED, Status.CANCELLED},
        Status.CANCELLED: set(),
    }
    IN_FLIGHT = (Status.PENDING, Status.SCHEDULED, Status.SUBMITTED, Status.FAILED_RETRYABLE)
    FAILED = (Status.FAILED_PERMANENT, Status.RETURNED)

    entitlement = models.ForeignKey(
        "compensation.Entitlement", on_delete=models.PROTECT, related_name="payouts", verbose_name="보상 확정"
    )
    # Copied from the entitlement so batch filters and reports need no join.
    claim = models.ForeignKey("claims.Claim", on_delete=models.PROTECT, related_name="+", verbose_name="신고")
    claimant = models.ForeignKey(
        "claims.Claimant", on_delete=models.PROTECT, related_name="payouts", verbose_name="신고인"
    )
    policy = models.ForeignKey(
        "compensation.Policy", on_delete=models.PROTECT, related_name="+", verbose_name="보상 기준"
    )
    method = models.CharField("지급 수단", max_length=20, choices=Method.choices, db_index=True)
    amount_won = models.PositiveBigIntegerField("금액(원)")
    item_sku = models.CharField("현물 품목", max_length=200, blank=True)
    status = models.CharField(
        "상태", max_length=20, choices=Status.choices, default=Status.PENDING, editable=False, db_index=True
    )
    batch = models.ForeignKey(
        PayoutBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="payouts", editable=False
    )
    attempt_no = models.PositiveIntegerField("시도 차수", default=0, editable=False)
    submitted_at = models.DateTimeField("송금 요청 시각", null=True, blank=True, editable=False)
    next_retry_at = models.DateTimeField("재시도 예정", null=True, blank=True, editable=False)
    paid_at = models.DateTimeField("지급 시각", null=True, blank=True, editable=False)
    failure_code = models.CharField("실패 코드", max_length=40, blank=True, editable=False)
    risk_flags = models.JSONField("위험 신호", default=list, blank=True, editable=False)
    risk_decision = models.CharField(
        "위험 검토", max_length=10, choices=RiskDecision.choices, default=RiskDecision.NONE, blank=True, editable=False
    )
    risk_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    risk_note = models.CharField("검토 메모", max_length=300, blank=True, editable=False)

    class Meta:
        verbose_name = "지급"
        verbose_name_plural = "지급"
        ordering = ["-id"]
        permissions = [("decide_risk_payout", "Can clear or block a payout with risk flags")]
        constraints = [
            # One live payout per entitlement: a cancelled one may be replaced, nothing else may.
            models.UniqueConstraint(
                fields=["entitlement"], condition=~Q(status="cancelled"), name="payout_one_live_per_entitlement"
            ),
            models.CheckConstraint(condition=Q(amount_won__gt=0), name="payout_amount_positive"),
            models.CheckConstraint(
                condition=~Q(status__in=["scheduled", "submitted", "paid", "failed_retryable", "returned"])
                | Q(batch__isnull=False),
                name="payout_released_has_batch",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(paid_at__isnull=False, attempt_no__gte=1),
                name="payout_paid_has_attempt",
            ),
        ]
        indexes = [
            models.Index(fields=["batch", "status", "id"], name="payout_batch_status_idx"),
            models.Index(fields=["status", "submitted_at"], name="payout_status_submitted_idx"),
            models.Index(fields=["status", "next_retry_at"], name="payout_status_retry_idx"),
            models.Index(fields=["policy", "status"], name="payout_policy_status_idx"),
        ]

    def __str__(self) -> str:
        return f"지급 #{self.pk} ₩{self.amount_won:,}"

    @property
    def needs_risk_decision(self) -> bool:
        return bool(self.risk_flags) and not self.risk_decision


class PayoutAttempt(BaseModel):
    """One try to move the money of one payout under one idempotency key. Stored (committed) before the gateway
    is called, so a crash never leaves a call we cannot ask about. Created by the settlement services."""

    class Status(models.TextChoices):
        PENDING = "pending", "결과 미확인"  # key stored; the call may or may not have reached the gateway
        SUCCEEDED = "succeeded", "성공"  # the gateway confirmed it
        RETURNED = "returned", "반환"  # confirmed, then sent back by the receiving bank
        FAILED = "failed", "실패"  # the gateway refused it for good; a new attempt gets a new key

    class Channel(models.TextChoices):
        GATEWAY = "gateway", "게이트웨이"
        BANK_FILE = "bank_file", "은행 이체 파일"
        VOUCHER = "voucher", "쿠폰 발급"

    payout = models.ForeignKey(Payout, on_delete=models.PROTECT, related_name="attempts", verbose_name="지급")
    number = models.PositiveIntegerField("차수")
    idempotency_key = models.CharField("멱등 키", max_length=80, unique=True)
    channel = models.CharField("경로", max_length=10, choices=Channel.choices)
    amount_won = models.PositiveBigIntegerField("금액(원)")
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField("결과", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    tries = models.PositiveIntegerField("전송 횟수", default=0)
    result_code = models.CharField("결과 코드", max_length=40, blank=True)
    result_reference = models.CharField("결과 참조(쿠폰 코드 등)", max_length=100, blank=True)
    value_date = models.DateField("결제일", null=True, blank=True, db_index=True)
    last_error = models.CharField("마지막 오류", max_length=300, blank=True)
    finished_at = models.DateTimeField("확정 시각", null=True, blank=True)

    class Meta:
        verbose_name = "지급 시도"
        verbose_name_plural = "지급 시도"
        ordering = ["payout", "number"]
        constraints = [
            models.UniqueConstraint(fields=["payout", "number"], name="payoutattempt_unique_number"),
            models.UniqueConstraint(
                fields=["payout"], condition=Q(status="succeeded"), name="payoutattempt_one_success_per_payout"
            ),
        ]

    def __str__(self) -> str:
        return self.idempotency_key


class PayoutEvent(BaseModel):
    """An audit row: who approved, rejected, cancelled, released, exported or decided what, and when.
    Written only by `payouts.events` inside the service's transaction."""

    type = models.CharField("종류", max_length=40, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="처리자",
    )
    batch = models.ForeignKey(PayoutBatch, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    payout = models.ForeignKey(Payout, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    payload = models.JSONField("내용", default=dict, blank=True)

    class Meta:
        verbose_name = "지급 처리 기록"
        verbose_name_plural = "지급 처리 기록"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.type


class LedgerAccount(models.TextChoices):
    EXPENSE = "expense", "보상 비용"
    PAYABLE = "payable", "미지급 보상금"
    IN_TRANSIT = "in_transit", "송금 중"
    CASH = "cash", "지급 계좌(현금)"
    VOUCHERS = "vouchers", "쿠폰·이용권"


class LedgerEntry(models.Model):
    """One immutable double-entry posting: `amount_won` debited to one account and credited to another, so
    debits and credits balance by construction. Written only by `payouts.services.ledger`; PostgreSQL refuses
    UPDATE and DELETE on the table (trigger in the migration)."""

    class Kind(models.TextChoices):
        ACCRUED = "accrued", "보상 확정"  # expense ↑, payable ↑
        SENT = "sent", "송금 요청"  # payable → in transit
        PAID = "paid", "지급 완료"  # in transit → cash (or vouchers)
        FAILED = "failed", "지급 실패"  # in transit → payable
        RETURNED = "returned", "반환"  # cash → payable
        CANCELLED = "cancelled", "취소"  # payable → expense (reverses the accrual)

    kind = models.CharField("종류", max_length=10, choices=Kind.choices)
    debit_account = models.CharField("차변", max_length=12, choices=LedgerAccount.choices)
    credit_account = models.CharField("대변", max_length=12, choices=LedgerAccount.choices)
    amount_won = models.PositiveBigIntegerField("금액(원)")
    payout = models.ForeignKey(Payout, on_delete=models.PROTECT, related_name="ledger_entries")
    attempt_no = models.PositiveIntegerField("시도 차수", default=0)
    policy = models.ForeignKey("compensation.Policy", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("기록 시각", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "원장 기록"
        verbose_name_plural = "원장 기록"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["payout", "kind", "attempt_no"], name="ledger_unique_posting"),
            models.CheckConstraint(condition=Q(amount_won__gt=0), name="ledger_amount_positive"),
            models.CheckConstraint(condition=~Q(debit_account=F("credit_account")), name="ledger_two_accounts"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ₩{self.amount_won:,}"


class ReconciliationRun(BaseModel):
    """One comparison of the gateway's settlement report for a date with our payouts. Created by the daily
    beat job (or finance, again, from the admin); it only records findings and never changes a payout."""

    class Status(models.TextChoices):
        RUNNING = "running", "진행 중"  # fetching and matching
        DONE = "done", "완료"  # every line matched or recorded as an exception
        FAILED = "failed", "실패"  # the report could not be fetched

    report_date = models.DateField("정산일", db_index=True)
    status = models.CharField("상태", max_length=10, choices=Status.choices, default=Status.RUNNING)
    line_count = models.PositiveIntegerField("보고 건수", default=0)
    matched_count = models.PositiveIntegerField("일치", default=0)
    exception_count = models.PositiveIntegerField("불일치", default=0)
    their_total_won = models.PositiveBigIntegerField("게이트웨이 합계(원)", default=0)
    our_total_won = models.PositiveBigIntegerField("우리 합계(원)", default=0)
    error = models.TextField("오류", blank=True)
    finished_at = models.DateTimeField("완료 시각", null=True, blank=True)

    class Meta:
        verbose_name = "정산 대사"
        verbose_name_plural = "정산 대사"
        ordering = ["-report_date", "-id"]

    def __str__(self) -> str:
        return f"대사 {self.report_date}"


class ReconciliationException(BaseModel):
    """A line that did not match, waiting in finance's exception queue. Resolved by a person with a note."""

    class Kind(models.TextChoices):
        MISSING_OURS = "missing_ours", "우리 기록 없음"  # the gateway settled a key we never paid
        MISSING_THEIRS = "missing_theirs", "게이트웨이 보고 누락"  # we recorded it paid; their report lacks it
        AMOUNT_MISMATCH = "amount_mismatch", "금액 불일치"
        STATUS_MISMATCH = "status_mismatch", "상태 불일치"  # e.g. they report it returned, we show it paid

    class Status(models.TextChoices):
        OPEN = "open", "미처리"  # waiting for finance
        RESOLVED = "resolved", "처리 완료"  # a person explained or fixed it

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="exceptions")
    kind = models.CharField("유형", max_length=20, choices=Kind.choices, db_index=True)
    idempotency_key = models.CharField("멱등 키", max_length=80)
    payout = models.ForeignKey(Payout, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    our_amount_won = models.PositiveBigIntegerField("우리 금액(원)", null=True, blank=True)
    their_amount_won = models.PositiveBigIntegerField("게이트웨이 금액(원)", null=True, blank=True)
    their_status = models.CharField("게이트웨이 상태", max_length=20, blank=True)
    status = models.CharField("처리", max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField("처리 시각", null=True, blank=True)
    resolution_note = models.TextField("처리 내용", blank=True)

    class Meta:
        verbose_name = "대사 예외"
        verbose_name_plural = "대사 예외"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "idempotency_key", "kind"], name="reconexception_unique_line"),
            models.CheckConstraint(
                condition=Q(status="open") | (Q(resolved_by__isnull=False) & ~Q(resolution_note="")),
                name="reconexception_resolved_has_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.idempotency_key}"
