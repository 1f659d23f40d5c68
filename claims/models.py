from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import BaseModel
from core.validators import reject_rrn_in_model


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
    # Users of the `affiliate` role who act for this company: they see only its transfer batches.
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="affiliates", verbose_name="계열사 담당 계정"
    )

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
            # What a claim's (incident, service) foreign key points at (see Claim.service).
            models.UniqueConstraint(fields=["incident", "id"], name="service_unique_incident_id"),
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

    # No index on created_at (BaseModel's): nothing looks claimants up by it, and each index costs every bulk import.
    created_at = models.DateTimeField("생성 시각", auto_now_add=True)
    kind = models.CharField("구분", max_length=20, choices=Kind.choices)
    name = models.CharField("이름/상호", max_length=100)
    email = models.EmailField("이메일", blank=True)
    # Digits only, e.g. 01012345678: exact-match search and duplicate detection rely on it (indexes in Meta:
    # exact match only, without the LIKE-pattern twin db_index adds on PostgreSQL).
    phone = models.CharField("전화번호", max_length=11)
    business_no = models.CharField("사업자등록번호", max_length=10, blank=True)
    preferred_channel = models.CharField(
        "선호 알림 채널", max_length=10, choices=Channel.choices, default=Channel.ALIMTALK
    )
    language = models.CharField("언어", max_length=5, default="ko")
    opted_out_optional = models.BooleanField("선택 알림 수신 거부", default=False)
    # Set by privacy.services.claim_personal_data_destroy when the retention period has passed.
    anonymised_at = models.DateTimeField("파기 시각", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "신고인"
        verbose_name_plural = "신고인"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="individual") | ~Q(business_no="") | Q(anonymised_at__isnull=False),
                name="claimant_business_has_business_no",
            ),
        ]
        indexes = [
            models.Index(fields=["phone"], name="claimant_phone_idx"),
            models.Index(fields=["business_no"], name="claimant_business_no_idx"),
        ]

    def __str__(self) -> str:
        from core.masking import mask_name

        return mask_name(self.name)


class ClaimQuerySet(models.QuerySet["Claim"]):
    # States in which the claim is still someone's work in Redress (the SLA clock can run).
    OPEN_STATUSES = ("received", "in_review", "awaiting_claimant")
    # States in which the SLA clock runs: waiting on the claimant pauses it.
    CLOCK_STATUSES = ("received", "in_review")

    def open(self) -> "ClaimQuerySet":
        return self.filter(status__in=self.OPEN_STATUSES)

    def overdue(self, *, now: Any) -> "ClaimQuerySet":
        return self.filter(status__in=self.CLOCK_STATUSES, first_response_due_at__lt=now)


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

    class RejectReason(models.TextChoices):
        NOT_AFFECTED = "not_affected", "장애 영향 없음"
        OUTSIDE_PERIOD = "outside_period", "장애 기간 외"
        INSUFFICIENT_EVIDENCE = "insufficient_evidence", "증빙 부족"
        NOT_ELIGIBLE = "not_eligible", "보상 대상 아님"
        DUPLICATE = "duplicate", "중복 신고"
        OTHER = "other", "기타"

    # Indexes on this table are paid by every row a bulk import writes (the 105,116-row import spent more time
    # maintaining them than writing the rows), so each one earns its place: no index that another one's leading
    # column covers (incident, team, assigned_to), partial indexes on columns that are mostly NULL, and the
    # reference unique through a constraint (a unique CharField adds an unused LIKE-pattern index).
    reference = models.CharField("접수번호", max_length=32, editable=False)
    # Claims are appended in created_at order, so on PostgreSQL a BRIN index serves the ranges periodic jobs ask
    # for (migration 0013) at a fraction of a B-tree's cost per written row.
    created_at = models.DateTimeField("생성 시각", auto_now_add=True)
    # On PostgreSQL one composite foreign key, (incident, service) → the service's (incident, id), stands for both
    # (migration 0012): it also holds a claim's service to the claim's incident, and a bulk import pays one
    # foreign-key check per row for the pair instead of two.
    incident = models.ForeignKey(
        Incident,
        on_delete=models.PROTECT,
        related_name="claims",
        verbose_name="장애",
        db_index=False,
        db_constraint=False,
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="claims", verbose_name="서비스", db_constraint=False
    )
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
        Affiliate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        editable=False,
        db_index=False,
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
        db_index=False,
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_claims",
        verbose_name="담당자",
        db_index=False,
    )
    submission_id = models.CharField("클라이언트 제출 ID", max_length=64, null=True, blank=True, editable=False)
    external_id = models.CharField("외부 ID", max_length=64, null=True, blank=True, editable=False)
    # Keyed hash (HMAC-SHA256) of the client address the form or API request came from, never the address itself;
    # empty for imports and call-centre rows. Payout risk checks count claims per hash; retention clears it.
    submitted_from = models.CharField(
        "접수 주소 해시", max_length=64, blank=True, default="", db_default="", editable=False
    )

    # Case work (claims.workflow and claims.casework write these; never edited by hand).
    team = models.ForeignKey(
        "Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name="담당 팀",
        db_index=False,
    )
    first_response_due_at = models.DateTimeField("처리 기한", null=True, blank=True, editable=False)
    first_responded_at = models.DateTimeField("최초 처리 시각", null=True, blank=True, editable=False)
    sla_paused_at = models.DateTimeField("기한 정지 시각", null=True, blank=True, editable=False)
    # Database defaults too, so bulk writers that COPY rows (the importer) need not know these columns.
    sla_paused_seconds = models.PositiveIntegerField("기한 정지 누적(초)", default=0, db_default=0, editable=False)
    sla_escalated_at = models.DateTimeField("기한 초과 보고 시각", null=True, blank=True, editable=False)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_claims",
        verbose_name="병합된 원건",
        editable=False,
        db_index=False,
    )
    reject_reason_code = models.CharField(
        "기각 사유", max_length=30, choices=RejectReason.choices, blank=True, default="", db_default="", editable=False
    )

    objects = ClaimQuerySet.as_manager()

    class Meta:
        verbose_name = "피해 신고"
        verbose_name_plural = "피해 신고"
        ordering = ["-id"]
        permissions = [
            ("view_claim_stats", "Can view claim statistics"),
            ("assign_claim", "Can assign claims to other agents"),
            ("reopen_claim", "Can reopen answered, assessed or rejected claims"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="claim_unique_reference"),
            models.UniqueConstraint(fields=["incident", "external_id"], name="claim_unique_external_id_per_incident"),
            # NULLs never collide, so leaving them out of the index changes nothing but its size.
            models.UniqueConstraint(
                fields=["incident", "submission_id"],
                name="claim_unique_submission_id_per_incident",
                condition=Q(submission_id__isnull=False),
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
            models.Index(fields=["claimant_kind", "-id"], name="claim_claimant_kind_idx"),
            models.Index(fields=["status", "first_response_due_at"], name="claim_status_due_idx"),
            models.Index(fields=["team", "status"], name="claim_team_status_idx"),
            models.Index(fields=["affiliate"], name="claim_affiliate_idx", condition=Q(affiliate__isnull=False)),
            models.Index(
                fields=["duplicate_of"], name="claim_duplicate_of_idx", condition=Q(duplicate_of__isnull=False)
            ),
            models.Index(fields=["merged_into"], name="claim_merged_into_idx", condition=Q(merged_into__isnull=False)),
            # "How many claims came from this address within minutes of this one": only rows with an address.
            models.Index(
                fields=["submitted_from", "received_at"],
                name="claim_submitted_from_idx",
                condition=~Q(submitted_from=""),
            ),
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
    # Set when the file answered an information request rather than coming with the claim.
    information_request = models.ForeignKey(
        "InformationRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name="보완 요청",
    )

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


# --- Case work: history, notes, canned responses, teams, SLA, information requests, transfers, bulk jobs ---


class ClaimHistory(models.Model):
    """One append-only line of a claim's case history: a status move, an assignment, a merge, an outcome.

    Written only by the claims services through claims.events, in the same transaction as the change."""

    class Event(models.TextChoices):
        TRANSITION = "transition", "상태 변경"  # status moved from `from_status` to `to_status`
        ASSIGNED = "assigned", "담당자 지정"  # assigned_to changed (data: from/to user ids)
        TEAM_ROUTED = "team_routed", "팀 배정"  # routed to a team at intake or on reclassification
        RECLASSIFIED = "reclassified", "재분류"  # category or subtype corrected by an agent
        MESSAGE_SENT = "message_sent", "신고인 메시지"  # a message went to the claimant
        INFO_REQUESTED = "info_requested", "보완 요청"  # an information request was opened
        INFO_ANSWERED = "info_answered", "보완 답변"  # the claimant answered an information request
        INFO_EXPIRED = "info_expired", "보완 기한 만료"  # an information request ran out
        MERGED_IN = "merged_in", "중복 건 병합"  # another claim was folded into this one
        TRANSFERRED = "transferred", "계열사 이관"  # placed in a transfer batch
        OUTCOME_REPORTED = "outcome_reported", "계열사 처리 결과"  # the affiliate reported what it did
        SLA_ESCALATED = "sla_escalated", "기한 초과 보고"  # reported overdue to the team supervisor
        CONTACT_CORRECTED = "contact_corrected", "연락처 정정"  # an agent corrected the claimant's contact details

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="history", verbose_name="신고")
    event = models.CharField("구분", max_length=20, choices=Event.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="처리자",
        help_text="비어 있으면 시스템 또는 신고인",
    )
    from_status = models.CharField("이전 상태", max_length=20, choices=Claim.Status.choices, blank=True)
    to_status = models.CharField("이후 상태", max_length=20, choices=Claim.Status.choices, blank=True)
    reason = models.TextField("사유", blank=True)
    reason_code = models.CharField("사유 코드", max_length=30, blank=True)
    data = models.JSONField("세부 정보", default=dict, blank=True)
    created_at = models.DateTimeField("시각", auto_now_add=True)

    class Meta:
        verbose_name = "처리 이력"
        verbose_name_plural = "처리 이력"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["claim", "created_at"], name="claimhistory_claim_time_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(event="transition") | (~Q(from_status="") & ~Q(to_status="")),
                name="claimhistory_transition_has_states",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.event} {self.from_status}→{self.to_status}"


class ClaimNote(BaseModel):
    """An internal note by an agent, or the record of a message sent to the claimant (kind=message)."""

    class Kind(models.TextChoices):
        INTERNAL = "internal", "내부 메모"  # seen by staff only
        MESSAGE = "message", "신고인 메시지"  # sent to the claimant through notify(event="claim_message")

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="notes", verbose_name="신고")
    kind = models.CharField("구분", max_length=10, choices=Kind.choices, default=Kind.INTERNAL)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="작성자"
    )
    body = models.TextField("내용", max_length=5000)

    class Meta:
        verbose_name = "메모"
        verbose_name_plural = "메모"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["claim", "created_at"], name="claimnote_claim_time_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class CannedResponse(BaseModel):
    """A ready-made Korean answer agents pick from, edited by supervisors in the admin.

    The body may use {reference}, {name} and {service}; claims.casework.notes renders it."""

    VARIABLES = ("reference", "name", "service")

    code = models.SlugField("코드", max_length=64, unique=True)
    title = models.CharField("제목", max_length=100)
    subtype = models.CharField(
        "비금전 세부유형", max_length=20, choices=Claim.Subtype.choices, blank=True, help_text="비워 두면 공통"
    )
    body = models.TextField(
        "본문", help_text="사용할 수 있는 변수: {reference} 접수번호, {name} 이름, {service} 서비스"
    )
    is_active = models.BooleanField("사용", default=True)

    class Meta:
        verbose_name = "답변 템플릿"
        verbose_name_plural = "답변 템플릿"
        ordering = ["subtype", "title"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        from string import Formatter

        from django.core.exceptions import ValidationError

        # Supervisors edit templates directly in the admin; the text goes to every claimant it answers.
        reject_rrn_in_model(self, "title", "body")
        try:
            names = {field for _, field, _, _ in Formatter().parse(self.body or "") if field is not None}
        except ValueError as exc:
            raise ValidationError({"body": [f"중괄호 짝이 맞지 않습니다: {exc}"]}) from exc
        unknown = sorted(names - set(self.VARIABLES))
        if unknown:
            raise ValidationError({"body": [f"알 수 없는 변수: {', '.join(unknown)}"]})


class Team(BaseModel):
    """A group of support agents under one supervisor; new claims of its categories are routed to it."""

    name = models.CharField("이름", max_length=100, unique=True)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervised_teams",
        verbose_name="팀장",
    )
    agents = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="teams", verbose_name="상담원")
    auto_assign = models.BooleanField("신규 건 자동 배정(순번제)", default=False)
    # Round-robin cursor: the user id of the agent who got the last claim (read and moved under a row lock).
    last_assigned_user_id = models.IntegerField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "팀"
        verbose_name_plural = "팀"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CategoryPolicy(BaseModel):
    """How claims of one category are handled: the team they go to and the business days to respond."""

    category = models.CharField("분류", max_length=30, choices=Claim.Category.choices, unique=True)
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="policies", verbose_name="담당 팀"
    )
    first_response_business_days = models.PositiveSmallIntegerField(
        "처리 기한(영업일)", default=5, help_text="주말과 공휴일을 빼고 접수 다음 날부터 센 영업일 수"
    )

    class Meta:
        verbose_name = "분류별 처리 기준"
        verbose_name_plural = "분류별 처리 기준"
        ordering = ["category"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_response_business_days__gte=1), name="categorypolicy_days_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.get_category_display()


class InformationRequest(BaseModel):
    """A question an agent sends a claimant (documents or facts), answered on the public status page."""

    class Status(models.TextChoices):
        OPEN = "open", "답변 대기"  # sent, the claimant has not answered yet
        ANSWERED = "answered", "답변 완료"  # the claimant answered (text and/or files)
        EXPIRED = "expired", "기한 만료"  # unanswered past the due date and grace period; claim closed
        CANCELLED = "cancelled", "취소"  # the claim moved on without the answer (withdrawn, merged...)

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="information_requests", verbose_name="신고")
    question = models.TextField("요청 내용", max_length=5000)
    due_date = models.DateField("제출 기한")
    status = models.CharField("상태", max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="요청자"
    )
    answer_text = models.TextField("답변", max_length=10_000, blank=True)
    answered_at = models.DateTimeField("답변 시각", null=True, blank=True)
    reminder_sent_at = models.DateTimeField("독촉 발송 시각", null=True, blank=True)
    closed_at = models.DateTimeField("만료·취소 시각", null=True, blank=True)

    class Meta:
        verbose_name = "보완 요청"
        verbose_name_plural = "보완 요청"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim"], condition=Q(status="open"), name="informationrequest_one_open_per_claim"
            ),
            models.CheckConstraint(
                condition=~Q(status="answered") | Q(answered_at__isnull=False),
                name="informationrequest_answered_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_date"], name="inforeq_status_due_idx")]

    def __str__(self) -> str:
        return f"보완 요청 #{self.pk}"


class ClaimBulkJob(BaseModel):
    """A bulk action over a frozen selection of claims, run by a Celery worker item by item.

    Created by the admin actions; items are fixed at creation so a resumed job never picks up new rows."""

    class Action(models.TextChoices):
        ASSIGN = "assign", "담당자 지정"
        RECLASSIFY = "reclassify", "재분류"
        ANSWER_CLOSE = "answer_close", "답변 후 종결"
        TRANSFER = "transfer", "계열사 이관"
        CLOSE = "close", "종결"

    class Status(models.TextChoices):
        QUEUED = "queued", "대기"  # created, waiting for a worker
        RUNNING = "running", "진행 중"  # a worker is going through the items
        DONE = "done", "완료"  # every item done or skipped
        FAILED = "failed", "실패"  # stopped by an unexpected error; the remaining items stay pending

    action = models.CharField("작업", max_length=20, choices=Action.choices)
    params = models.JSONField("매개변수", default=dict, blank=True)
    status = models.CharField("상태", max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    total = models.PositiveIntegerField("전체", default=0)
    done_count = models.PositiveIntegerField("완료", default=0)
    skipped_count = models.PositiveIntegerField("건너뜀", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="요청자"
    )
    started_at = models.DateTimeField("시작", null=True, blank=True)
    heartbeat_at = models.DateTimeField("마지막 진행", null=True, blank=True)
    finished_at = models.DateTimeField("종료", null=True, blank=True)
    error = models.TextField("오류", blank=True)

    class Meta:
        verbose_name = "일괄 처리"
        verbose_name_plural = "일괄 처리"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done_count__lte=models.F("total")) & Q(skipped_count__lte=models.F("total")),
                name="claimbulkjob_counts_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_action_display()}"

    @property
    def progress_percent(self) -> int:
        if not self.total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, (self.done_count + self.skipped_count) * 100 // self.total)


class ClaimBulkJobItem(models.Model):
    """One claim of a bulk job's frozen selection and what happened to it."""

    class Status(models.TextChoices):
        PENDING = "pending", "대기"  # not processed yet
        DONE = "done", "완료"  # the action was applied
        SKIPPED = "skipped", "건너뜀"  # refused for this claim; `reason` says why

    job = models.ForeignKey(ClaimBulkJob, on_delete=models.CASCADE, related_name="items", verbose_name="일괄 처리")
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="+", verbose_name="신고")
    status = models.CharField("상태", max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField("사유", blank=True)
    processed_at = models.DateTimeField("처리 시각", null=True, blank=True)

    class Meta:
        verbose_name = "일괄 처리 항목"
        verbose_name_plural = "일괄 처리 항목"
        constraints = [models.UniqueConstraint(fields=["job", "claim"], name="claimbulkjobitem_unique_claim")]
        indexes = [models.Index(fields=["job", "status", "id"], name="bulkjobitem_job_status_idx")]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.claim_id}"


class TransferBatch(BaseModel):
    """Claims sent together to one affiliate, with the export files it downloads. Created by the transfer action."""

    class Status(models.TextChoices):
        SENT = "sent", "이관"  # created and available to the affiliate
        ACKNOWLEDGED = "acknowledged", "수신 확인"  # the affiliate confirmed receipt

    affiliate = models.ForeignKey(
        Affiliate, on_delete=models.PROTECT, related_name="transfer_batches", verbose_name="계열사"
    )
    status = models.CharField("상태", max_length=20, choices=Status.choices, default=Status.SENT, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="이관 처리자"
    )
    bulk_job = models.ForeignKey(
        ClaimBulkJob, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="일괄 처리"
    )
    claim_count = models.PositiveIntegerField("건수", default=0)
    csv_file = models.FileField("CSV", upload_to="transfers/%Y/%m/", blank=True)
    xlsx_file = models.FileField("XLSX", upload_to="transfers/%Y/%m/", blank=True)
    exported_at = models.DateTimeField("파일 생성 시각", null=True, blank=True)
    acknowledged_at = models.DateTimeField("수신 확인 시각", null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="수신 확인자",
    )

    class Meta:
        verbose_name = "계열사 이관 묶음"
        verbose_name_plural = "계열사 이관 묶음"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["bulk_job", "affiliate"], name="transferbatch_one_per_job_affiliate"),
            models.CheckConstraint(
                condition=~Q(status="acknowledged") | Q(acknowledged_at__isnull=False),
                name="transferbatch_acknowledged_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"이관 #{self.pk} {self.affiliate}"


class TransferItem(models.Model):
    """One claim inside a transfer batch. A claim is transferred at most once."""

    batch = models.ForeignKey(TransferBatch, on_delete=models.PROTECT, related_name="items", verbose_name="이관 묶음")
    claim = models.OneToOneField(Claim, on_delete=models.PROTECT, related_name="transfer_item", verbose_name="신고")
    created_at = models.DateTimeField("이관 시각", auto_now_add=True)

    class Meta:
        verbose_name = "이관 항목"
        verbose_name_plural = "이관 항목"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.claim_id}"


class AffiliateOutcome(BaseModel):
    """What the affiliate did with a transferred claim, reported by its users through the API."""

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", "처리 완료"  # handled without money
        REJECTED = "rejected", "거절"  # the affiliate refused the claim
        COMPENSATED = "compensated", "보상 지급"  # paid, `amount_won` says how much

    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, related_name="affiliate_outcome", verbose_name="신고")
    batch = models.ForeignKey(
        TransferBatch, on_delete=models.PROTECT, related_name="outcomes", verbose_name="이관 묶음"
    )
    outcome = models.CharField("결과", max_length=20, choices=Outcome.choices)
    amount_won = models.PositiveBigIntegerField("보상액(원)", null=True, blank=True)
    note = models.TextField("비고", max_length=2000, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="보고자"
    )

    class Meta:
        verbose_name = "계열사 처리 결과"
        verbose_name_plural = "계열사 처리 결과"
        constraints = [
            models.CheckConstraint(
                condition=(Q(outcome="compensated") & Q(amount_won__gt=0))
                | (~Q(outcome="compensated") & Q(amount_won__isnull=True)),
                name="affiliateoutcome_amount_iff_compensated",
            ),
        ]

    def __str__(self) -> str:
        return self.get_outcome_display()
