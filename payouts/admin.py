"""Finance's admin: batches (approve/reject/cancel/release/export), payouts (risk decision, requeue), the
reconciliation exception queue, and read-only attempts, ledger and accounts. Every action calls a service;
account numbers appear masked only."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from core.admin import ReadOnlyAdminMixin
from core.exceptions import ApplicationError
from payouts.models import (
    BankAccount,
    LedgerEntry,
    Payout,
    PayoutAttempt,
    PayoutBatch,
    PayoutEvent,
    ReconciliationException,
    ReconciliationRun,
)
from payouts.services import bank_file, batches, payouts, reconciliation
from privacy.access import AccessRecordedAdminMixin
from privacy.models import PersonalDataAccess
from privacy.services import access_record


def _run(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet, call: Any, done: str) -> None:
    ok = 0
    for obj in queryset:
        try:
            call(obj)
            ok += 1
        except (ValidationError, ApplicationError, PermissionDenied) as exc:
            text = getattr(exc, "message", None) or "; ".join(getattr(exc, "messages", [])) or "권한이 없습니다."
            modeladmin.message_user(request, f"{obj}: {text}", messages.ERROR)
    if ok:
        modeladmin.message_user(request, f"{ok}건 {done}", messages.SUCCESS)


class PayoutEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PayoutEvent
    fk_name = "batch"
    extra = 0
    fields = ("created_at", "type", "actor", "payload")
    readonly_fields = fields


@admin.register(PayoutBatch)
class PayoutBatchAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "status",
        "channel",
        "method",
        "payout_count",
        "total_won",
        "created_by",
        "approved_by",
        "created_at",
    ]
    list_filter = ["status", "channel", "method"]
    list_select_related = ["created_by", "approved_by"]
    readonly_fields = [
        "status",
        "channel",
        "method",
        "filters",
        "payout_count",
        "total_won",
        "created_by",
        "approved_by",
        "approved_at",
        "decided_reason",
        "released_at",
        "settled_at",
        "report",
    ]
    inlines = [PayoutEventInline]
    actions = ["approve", "reject", "cancel", "release", "export_bank_file"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # built from a filter through the API (payout_batch_build)

    @admin.display(description="지급 보고 (승인 = 지급 + 진행 + 실패 + 취소)")
    def report(self, obj: PayoutBatch) -> dict[str, Any]:
        from payouts.selectors import payout_report_batch

        return payout_report_batch(batch=obj)

    @admin.action(description="승인 (작성자가 아닌 재무 담당자)")
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        _run(self, request, queryset, lambda b: batches.payout_batch_approve(batch=b, actor=request.user), "승인")

    @admin.action(description="반려")
    def reject(self, request: HttpRequest, queryset: QuerySet) -> None:
        _run(
            self,
            request,
            queryset,
            lambda b: batches.payout_batch_reject(batch=b, actor=request.user, reason="관리자 화면에서 반려"),
            "반려",
        )

    @admin.action(description="취소")
    def cancel(self, request: HttpRequest, queryset: QuerySet) -> None:
        _run(
            self,
            request,
            queryset,
            lambda b: batches.payout_batch_cancel(batch=b, actor=request.user, reason="관리자 화면에서 취소"),
            "취소",
        )

    @admin.action(description="지급 시작 (release)")
    def release(self, request: HttpRequest, queryset: QuerySet) -> None:
        _run(self, request, queryset, lambda b: batches.payout_batch_release(batch=b, actor=request.user), "지급 시작")

    @admin.action(description="은행 이체 파일 내려받기 (한 배치)")
    def export_bank_file(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, "배치를 하나만 고르세요.", messages.ERROR)
            return None
        batch = queryset.get()
        try:
            content = bank_file.payout_batch_export_bank_file(batch=batch, actor=request.user)
        except (ApplicationError, PermissionDenied) as exc:
            self.message_user(request, getattr(exc, "message", "권한이 없습니다."), messages.ERROR)
            return None
        access_record(
            request=request,
            action=PersonalDataAccess.Action.EXPORT,
            claimant_ids=Payout.objects.filter(batch=batch).values_list("claimant_id", flat=True),
            reason=f"은행 이체 파일 {batch.reference}",
        )
        response = HttpResponse("\ufeff" + content, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{batch.reference}.csv"'
        return response


@admin.register(Payout)
class PayoutAdmin(AccessRecordedAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "claim",
        "method",
        "amount_won",
        "status",
        "attempt_no",
        "flag_codes",
        "risk_decision",
        "batch",
        "paid_at",
    ]
    list_filter = ["status", "method", "risk_decision", "policy"]
    list_select_related = ["claim", "batch"]
    search_fields = ["claim__reference"]
    show_full_result_count = False
    raw_id_fields = ["entitlement", "claim", "claimant", "batch"]
    readonly_fields = [f.name for f in Payout._meta.fields]
    actions = ["clear_flags", "block", "requeue"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="위험 신호")
    def flag_codes(self, obj: Payout) -> str:
        return ", ".join(f["code"] for f in obj.risk_flags)

    @admin.action(description="위험 신호 확인 후 지급 허용")
    def clear_flags(self, request: HttpRequest, queryset: QuerySet) -> None:
        _run(
            self,
            request,
            queryset,
            lambda p: payouts.payout_risk_decide(
                payout=p, decision="cleared", note="관리자 화면에서 확인", actor=request.user
            ),
            "허용",
        )

    @admin.action(description="지급 보류")
    def block(self, request: HttpRequest, queryset: QuerySet) -> None:
        _run(
            self,
            request,
            queryset,
            lambda p: payouts.payout_risk_decide(
                payout=p, decision="blocked", note="관리자 화면에서 보류", actor=request.user
            ),
            "보류",
        )

    @admin.action(description="다시 보내기 (새 시도)")
    def requeue(self, request: HttpRequest, queryset: QuerySet) -> None:
        _run(self, request, queryset, lambda p: payouts.payout_requeue(payout=p, actor=request.user), "다시 보냄")


@admin.register(PayoutAttempt)
class PayoutAttemptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["idempotency_key", "channel", "amount_won", "status", "tries", "result_code", "value_date"]
    list_filter = ["status", "channel"]
    search_fields = ["=idempotency_key"]
    show_full_result_count = False
    exclude = ["bank_account"]


@admin.register(BankAccount)
class BankAccountAdmin(AccessRecordedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "claimant", "masked", "holder_name", "status", "created_at"]
    list_filter = ["status", "bank_code"]
    fields = ["claimant", "masked", "holder_name", "status", "created_at"]
    readonly_fields = fields
    show_full_result_count = False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "debit_account",
        "credit_account",
        "amount_won",
        "payout_id",
        "attempt_no",
        "created_at",
    ]
    list_filter = ["kind", "debit_account", "credit_account"]
    show_full_result_count = False


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "report_date",
        "status",
        "line_count",
        "matched_count",
        "exception_count",
        "their_total_won",
        "our_total_won",
        "finished_at",
    ]


@admin.register(ReconciliationException)
class ReconciliationExceptionAdmin(admin.ModelAdmin):
    """The exception queue: finance looks into each line and resolves it with a note."""

    list_display = [
        "id",
        "kind",
        "idempotency_key",
        "payout",
        "our_amount_won",
        "their_amount_won",
        "their_status",
        "status",
        "resolved_by",
    ]
    list_filter = ["status", "kind", "run__report_date"]
    search_fields = ["=idempotency_key"]
    list_select_related = ["run", "resolved_by"]
    readonly_fields = [
        "run",
        "kind",
        "idempotency_key",
        "payout",
        "our_amount_won",
        "their_amount_won",
        "their_status",
        "status",
        "resolved_by",
        "resolved_at",
    ]
    fields = [*readonly_fields, "resolution_note"]
    actions = ["resolve"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ReconciliationException, form: Any, change: bool) -> None:
        try:
            reconciliation.reconciliation_exception_resolve(
                exception=obj, note=form.cleaned_data.get("resolution_note", ""), actor=request.user
            )
        except (ValidationError, ApplicationError, PermissionDenied) as exc:
            self.message_user(request, "; ".join(getattr(exc, "messages", [str(exc)])), messages.ERROR)

    @admin.action(description="처리 완료 (메모: 관리자 화면에서 확인)")
    def resolve(self, request: HttpRequest, queryset: QuerySet) -> None:
        _run(
            self,
            request,
            queryset,
            lambda e: reconciliation.reconciliation_exception_resolve(
                exception=e, note="관리자 화면에서 확인", actor=request.user
            ),
            "처리",
        )
