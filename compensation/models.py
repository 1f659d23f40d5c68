"""Compensation: policies adopted by the council, their rules, assessments of claims, appeals and entitlements.

Flow: the secretariat drafts a `PolicyVersion` with `Rule`s (and `RuleBand`s, `CausationParameter`s); a council
`Resolution` adopts it (then it is frozen); `Assessment`s apply it to claims; reviewers decide; an approved remedy
becomes an `Entitlement` (cash for the payouts app, in-kind items and service credit fulfilled here).
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from core.models import BaseModel

FROZEN_MESSAGE = "채택된 보상 기준 판은 바꿀 수 없습니다. 새 판을 만들어 고치세요."


class RemedyType(models.TextChoices):
    CASH_FLAT = "cash_flat", "정액 현금"
    CASH_TIERED = "cash_tiered", "구간별 현금"
    CASH_PROPORTIONAL = "cash_proportional", "비례 현금"
    IN_KIND = "in_kind", "현물(쿠폰·이모티콘 등)"
    SERVICE_CREDIT = "service_credit", "이용 기간 연장"
    INDIVIDUAL_REVIEW = "individual_review", "개별 심사"
    NONE = "none", "보상 없음"


CASH_REMEDIES = (RemedyType.CASH_FLAT, RemedyType.CASH_TIERED, RemedyType.CASH_PROPORTIONAL)


class Policy(BaseModel):
    """A compensation policy for one incident (e.g. "판교 화재 피해 보상 기준"). Created by the secretariat;
    its content lives in numbered `PolicyVersion`s."""

    incident = models.ForeignKey(
        "claims.Incident", on_delete=models.PROTECT, related_name="compensation_policies", verbose_name="장애"
    )
    code = models.SlugField("코드", max_length=64)
    name = models.CharField("이름", max_length=200)
    description = models.TextField("설명", blank=True)

    class Meta:
        verbose_name = "보상 기준"
        verbose_name_plural = "보상 기준"
        ordering = ["incident", "code"]
        constraints = [models.UniqueConstraint(fields=["incident", "code"], name="policy_unique_code_per_incident")]

    def __str__(self) -> str:
        return self.name


class PolicyVersion(BaseModel):
    """One numbered version of a policy (1판, 2판 …): its caps, appeal window and rules.

    Drafted and edited by the secretariat/finance; frozen once a council resolution adopts it
    (`services.policy_version_adopt`). Adopting a later version marks the earlier one superseded; nothing is erased.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "초안"  # being prepared; editable; can be simulated
        ADOPTED = "adopted", "채택"  # adopted by a council resolution; immutable; used for assessment
        SUPERSEDED = "superseded", "대체됨"  # a later version was adopted; kept as it was for the record

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="versions", verbose_name="보상 기준")
    number = models.PositiveSmallIntegerField("판", editable=False)
    title = models.CharField("제목", max_length=200, blank=True)
    notes = models.TextField("작성 메모", blank=True)
    status = models.CharField(
        "상태", max_length=12, choices=Status.choices, default=Status.DRAFT, editable=False, db_index=True
    )
    effective_date = models.DateField("시행일", null=True, blank=True)
    appeal_window_days = models.PositiveSmallIntegerField("이의신청 기간(일)", default=14)
    cap_per_claim_won = models.PositiveBigIntegerField("신고 1건 상한(원)", null=True, blank=True)
    cap_per_claimant_won = models.PositiveBigIntegerField(
        "신고인별 상한(원)", null=True, blank=True, help_text="같은 전화번호·사업자등록번호의 신고를 합산"
    )
    minimum_payment_won = models.PositiveBigIntegerField(
        "최소 지급액(원)", default=0, help_text="이 금액 미만은 지급 안 함"
    )
    second_review_above_won = models.PositiveBigIntegerField(
        "2인 확인 기준(원)", default=100_000, help_text="조정 금액이 이 금액을 넘으면 다른 심사자의 확인 필요"
    )
    adopted_by = models.ForeignKey(
        "council.Resolution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adopted_policy_versions",
        verbose_name="채택 의결",
        editable=False,
    )
    # Snapshot of the resolution's label ("협의체 3차 회의 의결 2호") so explanations never need a join.
    adoption_label = models.CharField("채택 근거", max_length=200, blank=True, editable=False)
    adopted_at = models.DateTimeField("채택 시각", null=True, blank=True, editable=False)
    superseded_at = models.DateTimeField("대체 시각", null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="+"
    )

    class Meta:
        verbose_name = "보상 기준 판"
        verbose_name_plural = "보상 기준 판"
        ordering = ["policy", "-number"]
        permissions = [
            ("simulate_policyversion", "Can run the policy simulator"),
            ("adopt_policyversion", "Can record the adoption of a policy version"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="policyversion_unique_number"),
            models.UniqueConstraint(
                fields=["policy"], condition=Q(status="adopted"), name="policyversion_one_adopted_per_policy"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(effective_date__isnull=False, adopted_at__isnull=False),
                name="policyversion_adopted_has_date",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="policyversion_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.policy} {self.number}판"

    @property
    def is_frozen(self) -> bool:
        return self.status != self.Status.DRAFT

    # Fields a frozen version may still have written: only its supersession.
    FROZEN_WRITABLE = frozenset({"status", "superseded_at", "updated_at"})

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A guard, not a side effect: the last line of defence if a service, the admin or a shell writes a
        # frozen version (services check first and give a friendlier error).
        if self.pk is not None and not self._state.adding:
            stored = PolicyVersion.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            update_fields = kwargs.get("update_fields")
            if stored not in (None, self.Status.DRAFT) and (
                update_fields is None or not set(update_fields) <= self.FROZEN_WRITABLE
            ):
                raise ValidationError(FROZEN_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.is_frozen:
            raise ValidationError(FROZEN_MESSAGE)
        return super().delete(*args, **kwargs)


class VersionContentGuard(models.Model):
    """Rows that are part of a version's content (rules, bands, causation) refuse writes once it is adopted."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._version_frozen():
            raise ValidationError(FROZEN_MESSAGE)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self._version_frozen():
            raise ValidationError(FROZEN_MESSAGE)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self._version_frozen():
            raise ValidationError(FROZEN_MESSAGE)
        return super().delete(*args, **kwargs)

    def _version_frozen(self) -> bool:
        raise NotImplementedError


class CausationParameter(VersionContentGuard, BaseModel):
    """The causation reasoning for one service under one policy version, as data that rules may multiply by.

    Entered by the secretariat with the draft; frozen with the version."""

    version = models.ForeignKey(
        PolicyVersion, on_delete=models.CASCADE, related_name="causation_parameters", verbose_name="판"
    )
    service = models.ForeignKey("claims.Service", on_delete=models.PROTECT, related_name="+", verbose_name="서비스")
    alternative_available = models.BooleanField("대체 서비스 있음", default=False)
    alternative_factor = models.DecimalField(
        "대체 서비스 계수", max_digits=5, decimal_places=4, default=1, help_text="대체 서비스가 있을 때 곱하는 값"
    )
    market_share = models.DecimalField("시장 점유율", max_digits=5, decimal_places=4, default=1)
    sector_margin = models.DecimalField("업종 이익률", max_digits=5, decimal_places=4, default=1)
    note = models.CharField("근거", max_length=300, blank=True)

    class Meta:
        verbose_name = "인과관계 계수"
        verbose_name_plural = "인과관계 계수"
        constraints = [
            models.UniqueConstraint(fields=["version", "service"], name="causation_unique_service_per_version"),
            models.CheckConstraint(
                condition=Q(alternative_factor__gte=0, alternative_factor__lte=1)
                & Q(market_share__gte=0, market_share__lte=1)
                & Q(sector_margin__gte=0, sector_margin__lte=1),
                name="causation_factors_between_0_and_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} · {self.service}"

    def _version_frozen(self) -> bool:
        return _stored_version_frozen(self.version_id)


class Rule(VersionContentGuard, BaseModel):
    """One rule of a policy version: conditions on a claim and the remedy it yields.

    Rules are tried in ascending `priority`; the first whose every set condition holds wins. A blank/null condition
    matches anything. Edited by the secretariat in the admin while the version is a draft."""

    class ProportionalBase(models.TextChoices):
        CLAIMED = "claimed", "신고 피해액"
        MONTHLY_FEE_DAYS = "monthly_fee_days", "월 이용료 × 장애 일수 / 30"

    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="rules", verbose_name="판")
    priority = models.PositiveIntegerField("우선순위", help_text="작을수록 먼저 적용")
    name = models.CharField("이름", max_length=200)

    # Conditions (blank/null = any).
    match_operator = models.CharField("운영 주체", max_length=10, blank=True)
    match_category = models.CharField("분류", max_length=30, blank=True)
    match_claimant_kind = models.CharField("신고인 구분", max_length=20, blank=True)
    match_services = models.ManyToManyField(
        "claims.Service", blank=True, related_name="+", verbose_name="서비스(묶음)", help_text="비워 두면 전체"
    )
    match_paid = models.BooleanField("유료 이용", null=True, blank=True)
    min_outage_hours = models.DecimalField(
        "장애 시간 이상(시간)", max_digits=7, decimal_places=1, null=True, blank=True
    )
    max_outage_hours = models.DecimalField(
        "장애 시간 이하(시간)", max_digits=7, decimal_places=1, null=True, blank=True
    )
    min_claimed_won = models.PositiveBigIntegerField("신고액 이상(원)", null=True, blank=True)
    max_claimed_won = models.PositiveBigIntegerField("신고액 이하(원)", null=True, blank=True)
    match_evidence = models.BooleanField("증빙 제출", null=True, blank=True)
    filed_from = models.DateTimeField("접수 시작", null=True, blank=True)
    filed_until = models.DateTimeField("접수 마감", null=True, blank=True)
    include_excluded = models.BooleanField(
        "이관·비금전 신고에도 적용", default=False, help_text="기본적으로 계열사 이관·비금전 신고는 산정 대상이 아님"
    )

    # Remedy.
    remedy = models.CharField("보상 방식", max_length=20, choices=RemedyType.choices)
    amount_won = models.PositiveBigIntegerField("정액(원)", null=True, blank=True)
    percent = models.DecimalField("비율(%)", max_digits=6, decimal_places=2, null=True, blank=True)
    proportional_base = models.CharField("비례 기준", max_length=20, choices=ProportionalBase.choices, blank=True)
    in_kind_item = models.CharField("현물 품목", max_length=200, blank=True)
    in_kind_value_won = models.PositiveBigIntegerField("현물 장부가(원)", null=True, blank=True)
    credit_days = models.PositiveSmallIntegerField("연장 일수", null=True, blank=True)
    none_reason = models.CharField("미보상 사유", max_length=300, blank=True)
    # Causation multipliers taken from the service's CausationParameter (missing parameter = 1).
    use_sector_margin = models.BooleanField("업종 이익률 곱함", default=False)
    use_market_share = models.BooleanField("시장 점유율 곱함", default=False)
    use_alternative = models.BooleanField("대체 서비스 계수 곱함", default=False)

    class Meta:
        verbose_name = "보상 규칙"
        verbose_name_plural = "보상 규칙"
        ordering = ["version", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["version", "priority"], name="rule_unique_priority_per_version"),
            models.CheckConstraint(
                condition=Q(min_claimed_won__isnull=True)
                | Q(max_claimed_won__isnull=True)
                | Q(min_claimed_won__lte=F("max_claimed_won")),
                name="rule_claimed_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__gte=0), name="rule_percent_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.priority} {self.name}"

    def _version_frozen(self) -> bool:
        return _stored_version_frozen(self.version_id)

    @property
    def uses_causation(self) -> bool:
        return self.use_sector_margin or self.use_market_share or self.use_alternative


class RuleBand(VersionContentGuard, BaseModel):
    """One band of a `cash_tiered` rule: claims whose claimed amount lies in [lower, upper] receive `amount_won`.

    The band's ordinal in its rule is its tier ("2구간"). Edited inline with the rule."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="bands", verbose_name="규칙")
    lower_won = models.PositiveBigIntegerField("신고액 이상(원)", default=0)
    upper_won = models.PositiveBigIntegerField(
        "신고액 이하(원)", null=True, blank=True, help_text="비워 두면 상한 없음"
    )
    amount_won = models.PositiveBigIntegerField("지급액(원)")

    class Meta:
        verbose_name = "구간"
        verbose_name_plural = "구간"
        ordering = ["rule", "lower_won"]
        constraints = [
            models.CheckConstraint(
                condition=Q(upper_won__isnull=True) | Q(upper_won__gte=F("lower_won")), name="ruleband_range_ordered"
            ),
            models.UniqueConstraint(fields=["rule", "lower_won"], name="ruleband_unique_lower_per_rule"),
        ]

    def __str__(self) -> str:
        upper = f"{self.upper_won:,}" if self.upper_won is not None else "∞"
        return f"₩{self.lower_won:,}–{upper} → ₩{self.amount_won:,}"

    def _version_frozen(self) -> bool:
        if self.rule_id is None:
            return False
        version_id = Rule.objects.filter(pk=self.rule_id).values_list("version_id", flat=True).first()
        return _stored_version_frozen(version_id)


def _stored_version_frozen(version_id: int | None) -> bool:
    """Read the status from the database, not from a possibly stale instance."""
    if version_id is None:
        return False
    status = PolicyVersion.objects.filter(pk=version_id).values_list("status", flat=True).first()
    return status not in (None, PolicyVersion.Status.DRAFT)


class AssessmentRun(BaseModel):
    """A bulk assessment job: every eligible claim of the incident, frozen at creation, assessed by a Celery task.

    Started by the secretariat or finance from the admin/API; progress is `processed / total`."""

    class Status(models.TextChoices):
        QUEUED = "queued", "대기"  # selection frozen, waiting for a worker
        RUNNING = "running", "진행 중"  # a worker is assessing chunks
        DONE = "done", "완료"  # every selected claim assessed or skipped
        FAILED = "failed", "실패"  # stopped by an error; rerun continues where it stopped

    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="runs", verbose_name="판")
    status = models.CharField("상태", max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    claim_ids = models.JSONField("대상 신고 ID(고정)", default=list, editable=False)
    total = models.PositiveIntegerField("대상 건수", default=0)
    processed = models.PositiveIntegerField("처리 건수", default=0)
    created_count = models.PositiveIntegerField("새로 산정", default=0)
    skipped_count = models.PositiveIntegerField("건너뜀", default=0)
    error = models.TextField("오류", blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    finished_at = models.DateTimeField("완료 시각", null=True, blank=True)

    class Meta:
        verbose_name = "일괄 산정"
        verbose_name_plural = "일괄 산정"
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=Q(processed__lte=F("total")), name="run_processed_le_total")]

    def __str__(self) -> str:
        return f"일괄 산정 #{self.pk} ({self.version})"

    @property
    def progress_percent(self) -> int:
        if not self.total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, self.processed * 100 // self.total)


class Assessment(BaseModel):
    """The application of one adopted policy version to one claim, with its reasoning and the reviewer decision.

    Created by `services.claim_assess` (one claim) or a bulk `AssessmentRun`; decided by reviewers."""

    class State(models.TextChoices):
        PENDING = "pending", "검토 대기"  # rule applied; a reviewer must accept, adjust or reject
        INDIVIDUAL_REVIEW = "individual_review", "개별 심사"  # in the individual-review queue with a checklist
        AWAITING_CONFIRMATION = "awaiting_confirmation", "2인 확인 대기"  # adjusted above the threshold
        APPROVED = "approved", "승인"  # decided with a remedy; the claimant was told; an appeal is possible
        REJECTED = "rejected", "기각"  # decided: nothing; the claimant was told; an appeal is possible
        SUPERSEDED = "superseded", "대체됨"  # replaced by an assessment under a later version before a decision

    class Decision(models.TextChoices):
        ACCEPT = "accept", "수용"
        ADJUST = "adjust", "조정"
        REJECT = "reject", "기각"

    class RejectReason(models.TextChoices):
        NOT_ELIGIBLE = "not_eligible", "보상 대상 아님"
        NO_CAUSATION = "no_causation", "장애와 인과관계 없음"
        INSUFFICIENT_EVIDENCE = "insufficient_evidence", "증빙 부족"
        DUPLICATE = "duplicate", "중복 신고"
        COMPENSATED_ELSEWHERE = "compensated_elsewhere", "다른 경로로 보상 완료"
        OTHER = "other", "기타"

    OPEN_STATES = (State.PENDING, State.INDIVIDUAL_REVIEW, State.AWAITING_CONFIRMATION)
    DECIDED_STATES = (State.APPROVED, State.REJECTED)
    # Items a reviewer ticks for an individual review (the checklist shown in the queue).
    EVIDENCE_CHECKLIST = {
        "business_certificate": "사업자등록증",
        "lost_sales_proof": "매출 감소 증빙",
        "service_use_proof": "서비스 이용 증빙",
        "account_in_name": "신고인 명의 계좌",
    }

    claim = models.ForeignKey("claims.Claim", on_delete=models.PROTECT, related_name="assessments", verbose_name="신고")
    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="assessments", verbose_name="판")
    rule = models.ForeignKey(
        Rule, on_delete=models.PROTECT, null=True, blank=True, related_name="assessments", verbose_name="적용 규칙"
    )
    run = models.ForeignKey(
        AssessmentRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="assessments", editable=False
    )
    # Same phone / business number = same claimant for the per-claimant cap.
    claimant_key = models.CharField("신고인 식별키", max_length=20, db_index=True)
    inputs = models.JSONField("산정 입력값", default=dict)
    remedy = models.CharField("보상 방식", max_length=20, choices=RemedyType.choices)
    tier = models.PositiveSmallIntegerField("구간", null=True, blank=True)
    amount_won = models.PositiveBigIntegerField("산정 금액(원)", default=0)
    amount_before_claimant_cap_won = models.PositiveBigIntegerField("신고인 상한 전 금액(원)", default=0)
    book_value_won = models.PositiveBigIntegerField("현물·연장 장부가(원)", default=0)
    in_kind_item = models.CharField("현물 품목", max_length=200, blank=True)
    credit_days = models.PositiveSmallIntegerField("연장 일수", default=0)
    explanation = models.TextField("산정 설명")

    state = models.CharField("상태", max_length=24, choices=State.choices, editable=False, db_index=True)
    evidence_checklist = models.JSONField("증빙 확인", default=dict, blank=True)
    decision = models.CharField("결정", max_length=10, choices=Decision.choices, blank=True)
    decided_amount_won = models.PositiveBigIntegerField("결정 금액(원)", null=True, blank=True)
    decision_reason = models.TextField("결정 사유", blank=True)
    reject_reason = models.CharField("기각 사유", max_length=30, choices=RejectReason.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="심사자",
    )
    decided_at = models.DateTimeField("결정 시각", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="확인자",
    )
    confirmed_at = models.DateTimeField("확인 시각", null=True, blank=True)
    notified_at = models.DateTimeField("통지 시각", null=True, blank=True)
    appeal_deadline = models.DateField("이의신청 기한", null=True, blank=True)

    class Meta:
        verbose_name = "보상 산정"
        verbose_name_plural = "보상 산정"
        ordering = ["-id"]
        permissions = [("decide_assessment", "Can decide (accept/adjust/reject) an assessment")]
        constraints = [
            models.UniqueConstraint(fields=["claim", "version"], name="assessment_unique_claim_version"),
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=F("decided_by")),
                name="assessment_confirmer_differs",
            ),
            models.CheckConstraint(
                condition=~Q(decision="reject") | ~Q(reject_reason=""), name="assessment_reject_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(decision="adjust") | ~Q(decision_reason=""), name="assessment_adjust_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["version", "state"], name="assessment_version_state_idx"),
            models.Index(fields=["version", "claimant_key", "claim"], name="assessment_claimant_key_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.claim} · {self.version}"

    @property
    def final_amount_won(self) -> int:
        return self.decided_amount_won if self.decided_amount_won is not None else self.amount_won


class Appeal(BaseModel):
    """The claimant's one appeal against a decided assessment, decided by a reviewer other than the first.

    Lodged by an agent for the claimant (or via the API) within the version's appeal window; the outcome is final."""

    class Status(models.TextChoices):
        OPEN = "open", "심사 중"  # lodged; waiting for the second reviewer
        DECIDED = "decided", "결정"  # final outcome recorded; no further appeal

    class Outcome(models.TextChoices):
        UPHELD = "upheld", "원결정 유지"
        AMENDED = "amended", "변경"

    assessment = models.OneToOneField(Assessment, on_delete=models.PROTECT, related_name="appeal", verbose_name="산정")
    reason = models.TextField("이의 사유", max_length=5000)
    status = models.CharField("상태", max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    original_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="원심사자", editable=False
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_appeals",
        verbose_name="재심사자",
    )
    lodged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    outcome = models.CharField("결과", max_length=10, choices=Outcome.choices, blank=True)
    outcome_amount_won = models.PositiveBigIntegerField("변경 금액(원)", null=True, blank=True)
    outcome_reason = models.TextField("결정 사유", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    decided_at = models.DateTimeField("결정 시각", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "이의신청"
        verbose_name_plural = "이의신청"
        ordering = ["-id"]
        permissions = [("decide_appeal", "Can decide an appeal")]
        constraints = [
            models.CheckConstraint(
                condition=Q(assigned_to__isnull=True) | ~Q(assigned_to=F("original_reviewer")),
                name="appeal_assignee_differs",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("original_reviewer")),
                name="appeal_decider_differs",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | (~Q(outcome="") & ~Q(outcome_reason="") & Q(decided_by__isnull=False)),
                name="appeal_decided_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"이의신청 {self.assessment.claim}"


class Entitlement(BaseModel):
    """What a claimant is owed after an approved assessment: one row per (assessment, source).

    `kind` says how it is honoured: `cash` rows (`amount_won` > 0) are payable and picked up by the payouts app,
    which owns APPROVED → IN_PAYOUT → PAID; `in_kind` rows (an item, `amount_won` = its book value) and
    `service_credit` rows (`service_credit_days`, `amount_won` = book value) are fulfilment items whose
    APPROVED → FULFILLED is done here (`services.entitlement_fulfil`). `source` is `decision` for the reviewer's
    decision and `appeal` for a top-up granted on appeal after the first was already paid out.
    Created only by compensation services."""

    class Kind(models.TextChoices):
        CASH = "cash", "현금"
        IN_KIND = "in_kind", "현물"
        SERVICE_CREDIT = "service_credit", "이용 기간 연장"

    class Status(models.TextChoices):
        APPROVED = "approved", "지급 승인"  # payable / to fulfil; not yet in a payout batch
        IN_PAYOUT = "in_payout", "지급 진행"  # cash: taken into a payout batch by the payouts app
        PAID = "paid", "지급 완료"  # cash: money sent and confirmed (payouts app)
        FULFILLED = "fulfilled", "제공 완료"  # in-kind item issued / service credit applied
        CANCELLED = "cancelled", "취소"  # withdrawn (e.g. amended on appeal before payout)

    class Source(models.TextChoices):
        DECISION = "decision", "심사 결정"
        APPEAL = "appeal", "이의신청 결정"

    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.PROTECT, related_name="entitlements", verbose_name="신고"
    )
    claimant = models.ForeignKey(
        "claims.Claimant", on_delete=models.PROTECT, related_name="entitlements", verbose_name="신고인"
    )
    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="entitlements", verbose_name="산정"
    )
    source = models.CharField("근거", max_length=10, choices=Source.choices, default=Source.DECISION)
    kind = models.CharField("종류", max_length=20, choices=Kind.choices, db_index=True)
    amount_won = models.PositiveBigIntegerField("금액(원)", help_text="현금은 지급액, 현물·연장은 장부가")
    item_description = models.CharField("품목", max_length=200, blank=True)
    service_credit_days = models.PositiveSmallIntegerField("연장 일수", default=0)
    service = models.ForeignKey(
        "claims.Service", on_delete=models.PROTECT, related_name="+", verbose_name="서비스", null=True, blank=True
    )
    status = models.CharField(
        "상태", max_length=12, choices=Status.choices, default=Status.APPROVED, editable=False, db_index=True
    )
    fulfilled_at = models.DateTimeField("제공 시각", null=True, blank=True, editable=False)
    fulfilment_reference = models.CharField("제공 참조(쿠폰번호 등)", max_length=100, blank=True)
    cancelled_reason = models.CharField("취소 사유", max_length=300, blank=True)

    class Meta:
        verbose_name = "보상 확정"
        verbose_name_plural = "보상 확정"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "source"], name="entitlement_unique_per_assessment_source"),
            models.CheckConstraint(condition=~Q(kind="cash") | Q(amount_won__gt=0), name="entitlement_cash_positive"),
            models.CheckConstraint(
                condition=~Q(kind="in_kind") | ~Q(item_description=""), name="entitlement_in_kind_has_item"
            ),
            models.CheckConstraint(
                condition=~Q(kind="service_credit") | Q(service_credit_days__gt=0),
                name="entitlement_credit_has_days",
            ),
            models.CheckConstraint(
                condition=Q(kind="cash") | ~Q(status__in=["in_payout", "paid"]), name="entitlement_payout_only_cash"
            ),
        ]
        indexes = [models.Index(fields=["kind", "status", "id"], name="entitlement_kind_status_idx")]

    def __str__(self) -> str:
        return f"{self.claim} · {self.get_kind_display()} ₩{self.amount_won:,}"


class CompensationEvent(BaseModel):
    """An audit row: who did what to a policy version, an assessment, an appeal or an entitlement, and when.

    Written only by `compensation.events` writers inside the service's transaction."""

    type = models.CharField("종류", max_length=40, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="처리자",
    )
    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    entitlement = models.ForeignKey(Entitlement, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    payload = models.JSONField("내용", default=dict, blank=True)

    class Meta:
        verbose_name = "보상 처리 기록"
        verbose_name_plural = "보상 처리 기록"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.type
