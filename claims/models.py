from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import BaseModel


class Incident(BaseModel):
    """An outage that triggers a claims programme. Created by admins (the 2022 fire by a data migration)."""

    code = models.SlugField("코드", max_length=64, unique=True)
    name = models.CharField("이름", max_length=200)
    company_name = models.CharField("운영사", max_length=100, help_text="자체 서비스를 운영하는 회사")
    occurred_at = models.DateTimeField("발생 시각")
    reference_prefix = models.CharField("접수번호 접두어", max_length=20, unique=True, help_text="예: PGY-2022")
    is_open = models.BooleanField("접수 중", default=True)
    support_contact = models.CharField("문의처", max_length=200, blank=True)
    next_reference_no = models.PositiveBigIntegerField("다음 접수 일련번호", default=1, editable=False)

    class Meta:
        verbose_name = "장애"
        verbose_name_plural = "장애"
        ordering = ["-occurred_at"]

    def __str__(self) -> str:
        return self.name


class Affiliate(BaseModel):
    """A group company that runs some services itself; claims about them are transferred to it."""

    code = models.SlugField("코드", max_length=64, unique=True)
    name = models.CharField("이름", max_length=100)
    contact_email = models.EmailField("담당 이메일", blank=True)
    contact_phone = models.CharField("고객센터 전화", max_length=30, blank=True)
    website = models.URLField("고객센터 주소", blank=True)

    class Meta:
        verbose_name = "계열사"
        verbose_name_plural = "계열사"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Service(BaseModel):
    """A service hit by an incident, with who runs it and how long it was down."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="services", verbose_name="장애")
    code = models.SlugField("코드", max_length=64)
    name = models.CharField("이름", max_length=100)
    affiliate = models.ForeignKey(
        Affiliate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="services",
        verbose_name="운영 계열사",
        help_text="비워 두면 자체 서비스",
    )
    outage_started_at = models.DateTimeField("장애 시작")
    outage_ended_at = models.DateTimeField("복구 완료", null=True, blank=True)
    monthly_fee_won = models.PositiveIntegerField("월 이용료(원)", null=True, blank=True)

    class Meta:
        verbose_name = "서비스"
        verbose_name_plural = "서비스"
        ordering = ["incident", "code"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "code"], name="service_unique_code_per_incident"),
            models.CheckConstraint(
                condition=Q(outage_ended_at__isnull=True) | Q(outage_ended_at__gte=models.F("outage_started_at")),
                name="service_outage_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_own(self) -> bool:
        return self.affiliate_id is None

    @property
    def outage_hours(self) -> float | None:
        if self.outage_ended_at is None:
            return None
        return round((self.outage_ended_at - self.outage_started_at).total_seconds() / 3600, 1)


class Claimant(BaseModel):
    """The person or business behind one claim, as they gave themselves at intake."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", "개인"
        SMALL_BUSINESS = "small_business", "소상공인"
        ENTERPRISE = "enterprise", "중견·대기업"

    class Channel(models.TextChoices):
        ALIMTALK = "alimtalk", "카카오 알림톡"
        SMS = "sms", "문자"
        EMAIL = "email", "이메일"

    kind = models.CharField("구분", max_length=20, choices=Kind.choices)
    name = models.CharField("이름/상호", max_length=100)
    email = models.EmailField("이메일", blank=True)
    # Digits only, e.g. 01012345678: exact-match search and duplicate detection rely on it.
    phone = models.CharField("전화번호", max_length=11, db_index=True)
    business_no = models.CharField("사업자등록번호", max_length=10, blank=True, db_index=True)
    preferred_channel = models.CharField(
        "선호 알림 채널", max_length=10, choices=Channel.choices, default=Channel.ALIMTALK
    )
    language = models.CharField("언어", max_length=5, default="ko")
    opted_out_optional = models.BooleanField("선택 알림 수신 거부", default=False)

    class Meta:
        verbose_name = "신고인"
        verbose_name_plural = "신고인"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="individual") | ~Q(business_no=""), name="claimant_business_has_business_no"
            ),
        ]

    def __str__(self) -> str:
        from core.masking import mask_name

        return mask_name(self.name)


class Claim(BaseModel):
    """One damage report filed by a claimant about one service of one incident."""

    class Status(models.TextChoices):
        RECEIVED = "received", "접수"  # filed, nobody has looked at it yet
        IN_REVIEW = "in_review", "검토 중"  # an agent is working it
        AWAITING_CLAIMANT = "awaiting_claimant", "보완 요청"  # waiting for documents or facts from the claimant
        ASSESSED = "assessed", "산정 완료"  # handed to compensation
        CLOSED = "closed", "종결"  # nothing left to do
        ANSWERED = "answered", "답변 완료"  # a non-monetary report answered
        TRANSFERRED = "transferred", "계열사 이관"  # sent to the affiliate that runs the service
        REJECTED = "rejected", "기각"  # refused, with a reason code
        WITHDRAWN = "withdrawn", "취하"  # withdrawn by the claimant
        MERGED = "merged", "병합"  # a duplicate folded into its primary

    class Channel(models.TextChoices):
        WEB = "web", "웹"
        API = "api", "API"
        CALL_CENTER = "call_center", "콜센터"
        IMPORT = "import", "일괄 등록"

    class Operator(models.TextChoices):
        OWN = "own", "자체 서비스"
        AFFILIATE = "affiliate", "계열사"

    class Category(models.TextChoices):
        PAID_SERVICE_DAMAGE = "paid_service_damage", "유료 서비스 피해"
        FREE_SERVICE_MONETARY = "free_service_monetary", "무료 서비스 금전 피해"
        NON_MONETARY = "non_monetary", "비금전 (문의·의견·불만·격려)"
        AFFILIATE = "affiliate", "계열사 이관 대상"

    class Subtype(models.TextChoices):
        INQUIRY = "inquiry", "문의"
        OPINION = "opinion", "의견"
        COMPLAINT = "complaint", "불만"
        ENCOURAGEMENT = "encouragement", "격려"

    reference = models.CharField("접수번호", max_length=32, unique=True, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="claims", verbose_name="장애")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="claims", verbose_name="서비스")
    claimant = models.ForeignKey(Claimant, on_delete=models.PROTECT, related_name="claims", verbose_name="신고인")
    # Copied from the claimant at intake (it never changes) so filters and statistics need no join.
    claimant_kind = models.CharField("신고인 구분", max_length=20, choices=Claimant.Kind.choices, editable=False)
    paid = models.BooleanField("유료 이용")
    claimed_amount = models.PositiveBigIntegerField("신고 피해액(원)", null=True, blank=True)
    description = models.TextField("내용", max_length=10_000, blank=True)
    channel = models.CharField("접수 경로", max_length=20, choices=Channel.choices)
    received_at = models.DateTimeField("접수 시각")
    consent_privacy = models.BooleanField("개인정보 수집 동의", default=False)
    consent_share_contact = models.BooleanField("계열사 연락처 제공 동의", default=False)

    status = models.CharField("상태", max_length=20, choices=Status.choices, default=Status.RECEIVED, editable=False)
    operator = models.CharField("운영 주체", max_length=10, choices=Operator.choices, editable=False)
    affiliate = models.ForeignKey(
        Affiliate, on_delete=models.PROTECT, null=True, blank=True, related_name="claims", editable=False
    )
    category = models.CharField("분류", max_length=30, choices=Category.choices, editable=False)
    subtype = models.CharField("비금전 세부유형", max_length=20, choices=Subtype.choices, blank=True)
    triage_rule = models.CharField("분류 규칙", max_length=40, editable=False)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="probable_duplicates",
        verbose_name="중복 의심 원건",
        editable=False,
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_claims",
        verbose_name="담당자",
    )
    submission_id = models.CharField("클라이언트 제출 ID", max_length=64, null=True, blank=True, editable=False)
    external_id = models.CharField("외부 ID", max_length=64, null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "피해 신고"
        verbose_name_plural = "피해 신고"
        ordering = ["-id"]
        permissions = [("view_claim_stats", "Can view claim statistics")]
        constraints = [
            models.UniqueConstraint(fields=["incident", "external_id"], name="claim_unique_external_id_per_incident"),
            models.UniqueConstraint(
                fields=["incident", "submission_id"], name="claim_unique_submission_id_per_incident"
            ),
            models.CheckConstraint(
                condition=Q(operator="affiliate", affiliate__isnull=False) | Q(operator="own", affiliate__isnull=True),
                name="claim_affiliate_iff_affiliate_operator",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "category", "-id"], name="claim_status_category_idx"),
            models.Index(fields=["category", "-id"], name="claim_category_idx"),
            models.Index(fields=["incident", "received_at"], name="claim_incident_received_idx"),
            models.Index(fields=["assigned_to", "status"], name="claim_assignee_status_idx"),
            models.Index(fields=["incident", "service"], name="claim_incident_service_idx"),
            models.Index(fields=["claimant_kind", "-id"], name="claim_claimant_kind_idx"),
        ]

    def __str__(self) -> str:
        return self.reference


class ClaimEvidence(BaseModel):
    """A file a claimant attached to a claim. Stored outside the web root, served only as a download."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="evidence", verbose_name="신고")
    file = models.FileField("파일", upload_to="evidence/%Y/%m/")
    original_name = models.CharField("원래 파일명", max_length=255)
    content_type = models.CharField("형식", max_length=50)
    size = models.PositiveIntegerField("크기(바이트)")
    sha256 = models.CharField("SHA-256", max_length=64)

    class Meta:
        verbose_name = "증빙 자료"
        verbose_name_plural = "증빙 자료"

    def __str__(self) -> str:
        return self.original_name


class ClaimImport(BaseModel):
    """A CSV import of claims gathered by other channels, run as a Celery job from the admin."""

    class Status(models.TextChoices):
        QUEUED = "queued", "대기"  # uploaded, waiting for a worker
        RUNNING = "running", "진행 중"  # a worker is importing it
        DONE = "done", "완료"  # every row imported or rejected
        FAILED = "failed", "실패"  # refused whole (bad header, unreadable file)

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, verbose_name="장애")
    file = models.FileField("파일", upload_to="imports/%Y/%m/")
    status = models.CharField("상태", max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    total_rows = models.PositiveIntegerField("전체 행", default=0)
    processed_rows = models.PositiveIntegerField("처리한 행", default=0)
    imported = models.PositiveIntegerField("등록", default=0)
    duplicates = models.PositiveIntegerField("이미 등록됨", default=0)
    rejected_count = models.PositiveIntegerField("거부", default=0)
    report = models.JSONField("결과 보고", default=dict, blank=True)
    error = models.TextField("오류", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, verbose_name="등록자")

    class Meta:
        verbose_name = "일괄 등록"
        verbose_name_plural = "일괄 등록"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.file.name}"

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, self.processed_rows * 100 // self.total_rows)
