from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from core.exceptions import ApplicationError
from notifications import selectors, services
from notifications.conf import conf
from notifications.events import EVENTS
from notifications.models import (
    Campaign,
    DeliveryAttempt,
    DevMailbox,
    Notification,
    NotificationTemplate,
    SandboxMessage,
)
from notifications.smtp_sink import mail_get, mail_list
from privacy.access import AccessRecordedAdminMixin


def _report(modeladmin: admin.ModelAdmin, request: HttpRequest, exc: Exception, *, prefix: str = "") -> None:
    if isinstance(exc, ValidationError):
        text = "; ".join(exc.messages)
    elif isinstance(exc, ApplicationError):
        text = exc.message
    else:
        text = "권한이 없습니다."
    modeladmin.message_user(request, f"{prefix}{text}", messages.ERROR)


class _ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    list_display = ["event", "language", "email_subject", "alimtalk_template_code", "updated_at", "updated_by"]
    list_filter = ["language", "event"]
    search_fields = ["email_subject"]
    readonly_fields = ["variables", "preview", "updated_at", "updated_by"]
    fields = [
        "event",
        "language",
        "variables",
        "email_subject",
        "email_body",
        "alimtalk_template_code",
        "alimtalk_body",
        "sms_body",
        "preview",
        "updated_at",
        "updated_by",
    ]

    @admin.display(description="쓸 수 있는 변수")
    def variables(self, obj: NotificationTemplate) -> str:
        spec = EVENTS.get(obj.event) if obj and obj.event else None
        if spec is None:
            return "이벤트를 고르고 저장하면 표시됩니다."
        essential = "필수 알림(수신 거부와 무관하게 발송)" if spec.essential else "선택 알림(수신 거부 시 발송 안 함)"
        names = ", ".join("{{ " + name + " }}" for name in spec.variables)
        return f"{names} · {essential} · 필터: |when (날짜·시각), |won (금액)"

    @admin.display(description="미리보기 (견본 값)")
    def preview(self, obj: NotificationTemplate) -> str:
        if not obj or not obj.pk:
            return "저장하면 견본 값으로 만든 미리보기가 표시됩니다."
        rendered = services.template_preview(template=obj)
        labels = {
            "email_subject": "이메일 제목",
            "email_body": "이메일 본문",
            "alimtalk_body": "알림톡",
            "sms_body": "문자",
        }
        return format_html_join(
            "",
            '<div style="margin-bottom:1em"><strong>{}</strong><pre style="white-space:pre-wrap">{}</pre></div>',
            ((labels[name], text or "(없음)") for name, text in rendered.items()),
        )

    def save_model(self, request: HttpRequest, obj: NotificationTemplate, form: Any, change: bool) -> None:
        # The form already ran clean() (unknown variables, syntax); the service checks again and records who.
        services.template_save(template=obj, actor=request.user)


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ["created_at", "channel", "outcome", "error", "provider_message_id", "duration_ms", "actor"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.action(description="선택한 알림 다시 보내기", permissions=["resend"])
def resend_notifications(modeladmin: "NotificationAdmin", request: HttpRequest, queryset: QuerySet) -> None:
    done = 0
    for notification in queryset[:500]:
        try:
            services.notification_resend(notification=notification, actor=request.user)
            done += 1
        except (ValidationError, ApplicationError, PermissionDenied) as exc:
            _report(modeladmin, request, exc, prefix=f"#{notification.pk}: ")
    if done:
        modeladmin.message_user(request, f"{done}건을 다시 보내도록 대기열에 넣었습니다.", messages.SUCCESS)


@admin.register(Notification)
class NotificationAdmin(AccessRecordedAdminMixin, _ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["id", "created_at", "event", "recipient", "channel", "status", "attempts", "sent_at", "claim_link"]
    list_filter = ["status", "channel", "event", "essential", "language"]
    list_select_related = ["claimant", "user", "claim"]
    search_fields = ["key"]
    search_help_text = "접수번호, 수신처(이메일·전화번호) 또는 발송 키 (정확히 일치)"
    show_full_result_count = False
    list_per_page = 50
    actions = [resend_notifications]
    inlines = [DeliveryAttemptInline]
    fields = [
        "event", "key", "status", "reason", "claimant", "user", "claim", "campaign", "fallback_of", "fallback_links",
        "channel", "address", "language", "essential", "subject", "body_text", "template_code", "attachment_names",
        "attempts", "next_attempt_at", "sent_at", "provider_message_id", "created_at", "updated_at",
    ]  # fmt: skip
    readonly_fields = fields

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("notifications.resend_notification")

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # The per-claim page: /admin/notifications/notification/?claim__reference=PGY-2022-0000001
        if lookup in ("claim__reference", "claim__id__exact", "campaign__id__exact"):
            return True
        return super().lookup_allowed(lookup, value, request)  # type: ignore[arg-type]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):  # type: ignore[no-untyped-def]
        term = (search_term or "").strip()
        if not term:
            return queryset, False
        digits = term.replace("-", "")
        by_reference = queryset.filter(claim__reference=term.upper())
        if "@" in term:
            return queryset.filter(address=term.lower()), False
        if digits.isdigit():
            return queryset.filter(address=digits), False
        return by_reference | queryset.filter(key=term), False

    @admin.display(description="수신인")
    def recipient(self, obj: Notification) -> str:
        return obj.recipient_label

    @admin.display(description="신고")
    def claim_link(self, obj: Notification) -> str:
        if obj.claim is None:
            return "-"
        url = reverse("admin:notifications_notification_changelist") + f"?claim__id__exact={obj.claim_id}"
        return format_html('<a href="{}" title="이 신고의 모든 알림">{}</a>', url, obj.claim.reference)

    @admin.display(description="내용")
    def body_text(self, obj: Notification) -> str:
        return format_html('<pre style="white-space:pre-wrap">{}</pre>', obj.body)

    @admin.display(description="대체 발송")
    def fallback_links(self, obj: Notification) -> str:
        links = [
            (reverse("admin:notifications_notification_change", args=[f.pk]), f"#{f.pk} {f.get_channel_display()}")
            for f in obj.fallbacks.all()
        ]
        return format_html_join(", ", '<a href="{}">{}</a>', links) or "-"

    @admin.display(description="첨부")
    def attachment_names(self, obj: Notification) -> str:
        return ", ".join(a["filename"] for a in obj.attachments) or "-"


class ClaimNotificationInline(admin.TabularInline):
    """Every message about a claim, for the claim's admin page: `ClaimAdmin.inlines += [ClaimNotificationInline]`."""

    model = Notification
    fk_name = "claim"
    extra = 0
    can_delete = False
    ordering = ["created_at", "id"]
    fields = ["created_at", "event", "channel", "address", "status", "sent_at", "subject", "body", "reason"]
    readonly_fields = fields
    verbose_name_plural = "보낸 알림"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "event", "status", "recipient_count", "sent", "failed", "pending", "started_at"]
    list_filter = ["status", "event"]
    search_fields = ["name"]
    actions = ["start", "cancel"]
    readonly_fields = ["status", "recipient_count", "counts", "created_by", "started_by", "started_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Campaign]:
        return selectors.campaign_list()

    def get_readonly_fields(self, request: HttpRequest, obj: Campaign | None = None) -> list[str]:
        if obj is not None and obj.status != Campaign.Status.DRAFT:
            return ["name", "event", "audience", "context", *self.readonly_fields]
        return list(self.readonly_fields)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_start_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("notifications.start_campaign")

    @admin.display(description="발송 완료")
    def sent(self, obj: Campaign) -> int:
        return obj.sent_count  # type: ignore[attr-defined]

    @admin.display(description="실패")
    def failed(self, obj: Campaign) -> int:
        return obj.failed_count  # type: ignore[attr-defined]

    @admin.display(description="대기")
    def pending(self, obj: Campaign) -> int:
        return obj.pending_count  # type: ignore[attr-defined]

    @admin.display(description="집계")
    def counts(self, obj: Campaign) -> str:
        if not obj.pk:
            return "-"
        c = selectors.campaign_counts(campaign=obj)
        return (
            f"대상 {c['recipients']:,} · 작성 {c['written']:,} · 발송 {c['sent']:,} · 대기 {c['pending']:,} · "
            f"실패 {c['failed']:,} (다른 채널로 대체 {c['fallbacks']:,}, 최종 실패 {c['failed_final']:,}) · "
            f"취소·수신거부 {c['cancelled']:,}"
        )

    def save_model(self, request: HttpRequest, obj: Campaign, form: Any, change: bool) -> None:
        if change:
            services.campaign_update(
                campaign=obj, actor=request.user, **{name: form.cleaned_data[name] for name in form.changed_data}
            )
        else:
            created = services.campaign_create(
                name=obj.name, event=obj.event, audience=obj.audience, context=obj.context, actor=request.user
            )
            obj.pk = created.pk

    @admin.action(description="선택한 일괄 안내 발송 시작", permissions=["start"])
    def start(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        for campaign in queryset:
            try:
                services.campaign_start(campaign=campaign, actor=request.user)
                self.message_user(request, f"{campaign}: 발송을 시작했습니다.", messages.SUCCESS)
            except (ValidationError, ApplicationError, PermissionDenied) as exc:
                _report(self, request, exc, prefix=f"{campaign}: ")

    @admin.action(description="선택한 일괄 안내 취소 (아직 안 보낸 메시지)", permissions=["start"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        for campaign in queryset:
            try:
                services.campaign_cancel(campaign=campaign, actor=request.user)
                self.message_user(request, f"{campaign}: 취소했습니다.", messages.SUCCESS)
            except (ApplicationError, PermissionDenied) as exc:
                _report(self, request, exc)


@admin.register(SandboxMessage)
class SandboxMessageAdmin(AccessRecordedAdminMixin, _ReadOnlyMixin, admin.ModelAdmin):
    """Addresses and bodies as the sandbox provider received them: the claimant is found through the
    notification id (a plain number here, as a real provider would echo it)."""

    def _access_ids(self, pks: Any) -> list[int | None]:
        ids = SandboxMessage.objects.filter(pk__in=list(pks)).values("notification_id")
        return list(Notification.objects.filter(pk__in=ids).values_list("claimant_id", flat=True))

    list_display = ["created_at", "channel", "kind", "recipient", "template_code", "short_body", "notification_id"]
    list_filter = ["channel", "kind"]
    search_fields = ["=recipient", "=notification_id"]
    show_full_result_count = False

    @admin.display(description="내용")
    def short_body(self, obj: SandboxMessage) -> str:
        return obj.body[:60]


@admin.register(DevMailbox)
class DevMailboxAdmin(admin.ModelAdmin):
    """The development SMTP sink's mailbox (`manage.py run_smtp_sink`), for `make run`: staff only."""

    def _allowed(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and user.has_perm("notifications.view_notification"))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list:  # type: ignore[type-arg]
        return [
            path("", self.admin_site.admin_view(self.changelist_view), name="notifications_devmailbox_changelist"),
            path("<str:key>/", self.admin_site.admin_view(self.message_view), name="notifications_devmailbox_message"),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if not self._allowed(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": "받은 메일함 (개발용)",
            "opts": self.model._meta,
            "maildir": conf("MAILDIR"),
            "mails": mail_list(conf("MAILDIR"), limit=200),
        }
        return TemplateResponse(request, "admin/notifications/devmailbox/change_list.html", context)

    def message_view(self, request: HttpRequest, key: str) -> HttpResponse:
        if not self._allowed(request):
            raise PermissionDenied
        mail = mail_get(conf("MAILDIR"), key)
        if mail is None:
            raise Http404
        context = {
            **self.admin_site.each_context(request),
            "title": mail.subject or "(제목 없음)",
            "opts": self.model._meta,
            "mail": mail,
        }
        return TemplateResponse(request, "admin/notifications/devmailbox/message.html", context)
