from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from core.models import BaseModel
from notifications.events import EVENT_CHOICES, EVENTS


class Channel(models.TextChoices):
    ALIMTALK = "alimtalk", "카카오 알림톡"
    SMS = "sms", "문자"
    EMAIL = "email", "이메일"


# When a channel fails for good, a claimant's message moves on to the next one.
FALLBACK_ORDER = [Channel.ALIMTALK, Channel.SMS, Channel.EMAIL]


class Language(models.TextChoices):
    KO = "ko", "한국어"
    EN = "en", "English"


class NotificationTemplate(BaseModel):
    """The wording of one event in one language, per channel. Seeded by a data migration, edited by admins.

    Django template syntax; `clean()` refuses a syntax error or a variable the event does not provide."""

    event = models.CharField("이벤트", max_length=40, choices=EVENT_CHOICES)
    language = models.CharField("언어", max_length=5, choices=Language.choices, default=Language.KO)
    email_subject = models.CharField("이메일 제목", max_length=200)
    email_body = models.TextField("이메일 본문")
    alimtalk_template_code = models.CharField(
        "알림톡 템플릿 코드", max_length=40, blank=True, help_text="카카오 비즈메시지에 검수 등록한 템플릿 코드"
    )
    alimtalk_body = models.TextField("알림톡 본문", blank=True, help_text="비워 두면 알림톡 대신 다음 채널로 보냅니다.")
    sms_body = models.TextField("문자 본문", blank=True, help_text="90바이트를 넘으면 장문(LMS)으로 보냅니다.")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        verbose_name="마지막 수정자",
    )

    class Meta:
        verbose_name = "알림 문구"
        verbose_name_plural = "알림 문구"
        ordering = ["event", "language"]
        constraints = [models.UniqueConstraint(fields=["event", "language"], name="ntf_template_unique_event_language")]

    def __str__(self) -> str:
        return f"{self.get_event_display()} ({self.language})"

    def channel_sources(self) -> dict[str, str]:
        return {
            "email_subject": self.email_subject,
            "email_body": self.email_body,
            "alimtalk_body": self.alimtalk_body,
            "sms_body": self.sms_body,
        }

    def clean(self) -> None:
        from django.template import TemplateSyntaxError

        from notifications.rendering import render, template_variables

        spec = EVENTS.get(self.event)
        if spec is None:
            raise ValidationError({"event": ["알 수 없는 이벤트입니다."]})
        allowed = set(spec.variables)
        errors: dict[str, list[str]] = {}
        for field_name, source in self.channel_sources().items():
            try:
                unknown = template_variables(source) - allowed
            except TemplateSyntaxError as exc:
                errors[field_name] = [f"템플릿 문법 오류: {exc}"]
                continue
            if unknown:
                errors[field_name] = [
                    f"이 이벤트에 없는 변수: {', '.join(sorted(unknown))}. 쓸 수 있는 변수: {', '.join(spec.variables)}"
                ]
                continue
            try:
                render(source, spec.sample, language=self.language)
            except Exception as exc:  # a filter that breaks on real values must not be saved either
                errors[field_name] = [f"견본 값으로 렌더링할 수 없습니다: {exc}"]
        if errors:
            raise ValidationError(errors)


class Campaign(BaseModel):
    """A bulk announcement to every claimant whose claim matches an audience filter (e.g. a decision for all
    paid-service claims). Created by staff in the admin; `campaign_start` fans it out in chunks."""

    class Status(models.TextChoices):
        DRAFT = "draft", "작성 중"  # editable, nothing sent
        STARTED = "started", "발송 중"  # fan-out started; counts come from its notifications
        CANCELLED = "cancelled", "취소"  # stopped; notifications not yet sent were cancelled

    name = models.CharField("이름", max_length=200)
    event = models.CharField("이벤트", max_length=40, choices=EVENT_CHOICES)
    audience = models.JSONField(
        "대상 조건",
        default=dict,
        blank=True,
        help_text='신고 목록 필터와 같은 조건. 예: {"category": ["paid_service_damage"], "service": "kakaotalk"}',
    )
    context = models.JSONField(
        "공통 변수",
        default=dict,
        blank=True,
        help_text='접수번호·이름·서비스·조회 주소 외에 이벤트가 요구하는 변수. 예: {"message": "..."}',
    )
    status = models.CharField("상태", max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    recipient_count = models.PositiveIntegerField("대상 신고 수", default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        editable=False,
        verbose_name="작성자",
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        editable=False,
        verbose_name="발송 시작자",
    )
    started_at = models.DateTimeField("발송 시작", null=True, editable=False)

    class Meta:
        verbose_name = "일괄 안내"
        verbose_name_plural = "일괄 안내"
        ordering = ["-id"]
        permissions = [("start_campaign", "Can start a campaign")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from notifications.events import CAMPAIGN_CLAIM_VARIABLES

        spec = EVENTS.get(self.event)
        if spec is None:
            raise ValidationError({"event": ["알 수 없는 이벤트입니다."]})
        if not spec.to_claimant:
            raise ValidationError({"event": ["일괄 안내는 신고인에게 가는 이벤트만 보낼 수 있습니다."]})
        if not isinstance(self.context, dict):
            raise ValidationError({"context": ["객체(JSON object)여야 합니다."]})
        missing = set(spec.variables) - set(CAMPAIGN_CLAIM_VARIABLES) - set(self.context)
        if missing:
            raise ValidationError({"context": [f"공통 변수가 빠졌습니다: {', '.join(sorted(missing))}"]})
        if not isinstance(self.audience, dict):
            raise ValidationError({"audience": ["객체(JSON object)여야 합니다."]})


class Notification(BaseModel):
    """One message to one recipient over one channel: the outbox row. Written by `notify()` in the transaction
    of the change that causes it, delivered by a Celery task after commit. Unique per event, key, recipient and
    channel, so a repeated call, a redelivered task or a second sweep never sends it twice."""

    class Status(models.TextChoices):
        PENDING = "pending", "대기"  # waiting for a worker (new, or a retry due at next_attempt_at)
        SENDING = "sending", "발송 중"  # a worker holds it until next_attempt_at (its lease)
        SENT = "sent", "발송 완료"  # the channel accepted it
        FAILED = "failed", "실패"  # given up: permanent failure or retries exhausted (see reason)
        CANCELLED = "cancelled", "취소"  # never sent: opted out, no address, campaign cancelled (see reason)

    event = models.CharField("이벤트", max_length=40, choices=EVENT_CHOICES)
    # Identifies the occurrence, e.g. "claim:42:received"; chosen by the caller.
    key = models.CharField("발송 키", max_length=200)
    claimant = models.ForeignKey(
        "claims.Claimant",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name="신고인",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name="사용자",
    )
    claim = models.ForeignKey(
        "claims.Claim",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name="신고",
    )
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name="일괄 안내",
    )
    fallback_of = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="fallbacks",
        verbose_name="대체 발송 원본",
        help_text="앞 채널이 최종 실패해서 이 채널로 다시 보낸 경우",
    )
    channel = models.CharField("채널", max_length=10, choices=Channel.choices)
    # The email address or phone number at the time of writing: what the claimant was actually sent.
    address = models.CharField("수신처", max_length=254, blank=True)
    language = models.CharField("언어", max_length=5, choices=Language.choices, default=Language.KO)
    essential = models.BooleanField("필수 알림", default=False)
    subject = models.CharField("제목", max_length=200, blank=True)
    body = models.TextField("내용")
    template_code = models.CharField("알림톡 템플릿 코드", max_length=40, blank=True)
    # The variables it was rendered with, kept so a fallback channel can render its own wording.
    context = models.JSONField("변수", default=dict, blank=True)
    # [{"filename", "mimetype", "content_b64"}], sent with email only (e.g. the council meeting .ics).
    attachments = models.JSONField("첨부", default=list, blank=True)
    status = models.CharField("상태", max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField("사유", blank=True)
    attempts = models.PositiveSmallIntegerField("시도 횟수", default=0)
    # Pending: not before this time (retry backoff). Sending: the lease; past it, the sweeper takes the row back.
    next_attempt_at = models.DateTimeField("다음 시도", null=True, blank=True)
    sent_at = models.DateTimeField("발송 시각", null=True, blank=True)
    provider_message_id = models.CharField("제공자 메시지 ID", max_length=200, blank=True)
    # Bumped by an admin's resend: part of the idempotency key, so the provider takes the resend as a new message.
    resends = models.PositiveSmallIntegerField("재발송 횟수", default=0)

    class Meta:
        verbose_name = "알림"
        verbose_name_plural = "알림"
        ordering = ["-id"]
        permissions = [("resend_notification", "Can resend a notification")]
        constraints = [
            models.CheckConstraint(
                condition=Q(claimant__isnull=False, user__isnull=True) | Q(claimant__isnull=True, user__isnull=False),
                name="ntf_exactly_one_recipient",
            ),
            models.UniqueConstraint(
                fields=["event", "key", "claimant", "channel"],
                condition=Q(claimant__isnull=False),
                name="ntf_unique_claimant_occurrence",
            ),
            models.UniqueConstraint(
                fields=["event", "key", "user", "channel"],
                condition=Q(user__isnull=False),
                name="ntf_unique_user_occurrence",
            ),
            models.CheckConstraint(condition=Q(status="sent") | Q(sent_at__isnull=True), name="ntf_sent_at_iff_sent"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="ntf_status_due_idx"),
            models.Index(fields=["claim", "-id"], name="ntf_claim_idx"),
            models.Index(fields=["campaign", "status"], name="ntf_campaign_status_idx"),
            models.Index(fields=["event", "-id"], name="ntf_event_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} → {self.get_channel_display()} #{self.pk}"

    @property
    def recipient_label(self) -> str:
        if self.claimant_id:
            return str(self.claimant)
        return str(self.user)


class DeliveryAttempt(models.Model):
    """One try at handing a notification to its channel, written by the delivery service; also an admin's
    resend request. Read-only history."""

    class Outcome(models.TextChoices):
        SENT = "sent", "성공"  # the channel accepted the message
        TEMPORARY_FAILURE = "temporary_failure", "일시 실패"  # will be retried with backoff
        PERMANENT_FAILURE = "permanent_failure", "영구 실패"  # will not be retried on this channel
        RESEND_REQUESTED = "resend_requested", "재발송 요청"  # an admin asked for it to go again

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="delivery_attempts", verbose_name="알림"
    )
    created_at = models.DateTimeField("시각", auto_now_add=True)
    channel = models.CharField("채널", max_length=10, choices=Channel.choices)
    outcome = models.CharField("결과", max_length=20, choices=Outcome.choices)
    error = models.TextField("오류", blank=True)
    provider_message_id = models.CharField("제공자 메시지 ID", max_length=200, blank=True)
    duration_ms = models.PositiveIntegerField("소요(ms)", null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="요청자",
    )

    class Meta:
        verbose_name = "발송 시도"
        verbose_name_plural = "발송 시도"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} #{self.pk}"


class SandboxMessage(models.Model):
    """A KakaoTalk or SMS message 'sent' through a sandbox provider backend (development and tests)."""

    created_at = models.DateTimeField("시각", auto_now_add=True)
    channel = models.CharField("채널", max_length=10, choices=Channel.choices)
    kind = models.CharField("종류", max_length=10, help_text="ALIMTALK, SMS 또는 LMS")
    recipient = models.CharField("수신 번호", max_length=20)
    template_code = models.CharField("템플릿 코드", max_length=40, blank=True)
    subject = models.CharField("제목", max_length=200, blank=True)
    body = models.TextField("내용")
    provider_message_id = models.CharField("메시지 ID", max_length=64, unique=True)
    notification_id = models.BigIntegerField("알림 ID", null=True, db_index=True)
    # The sender's idempotency key: the provider accepts a key once and answers a repeat with the first message id.
    idempotency_key = models.CharField("멱등 키", max_length=80, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = "샌드박스 발송 기록"
        verbose_name_plural = "샌드박스 발송 기록"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.recipient}"


class DevMailbox(models.Model):
    """No table: the admin entry for the development SMTP sink's mailbox (files under var/mail)."""

    class Meta:
        managed = False
        verbose_name = "받은 메일함 (개발용)"
        verbose_name_plural = "받은 메일함 (개발용)"
        default_permissions = ()

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
