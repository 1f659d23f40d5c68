"""Transfer batches (with their export files) and bulk jobs (progress, result download, re-run)."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html

from claims.casework import bulk
from claims.casework.admin.common import error_text
from claims.casework.exports import transfer_export_csv, transfer_export_xlsx
from claims.models import (
    AffiliateOutcome,
    ClaimBulkJob,
    TransferBatch,
    TransferItem,
)
from core.admin import ReadOnlyAdminMixin
from core.exceptions import ApplicationError
from privacy.access import download_reason
from privacy.models import PersonalDataAccess
from privacy.services import access_record


class TransferItemInline(admin.TabularInline):
    model = TransferItem
    fields = ["claim", "outcome", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[TransferItem]:
        return super().get_queryset(request).select_related("claim__affiliate_outcome")

    @admin.display(description="계열사 처리 결과")
    def outcome(self, item: TransferItem) -> str:
        outcome = getattr(item.claim, "affiliate_outcome", None)
        return outcome.get_outcome_display() if outcome else "-"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TransferBatch)
class TransferBatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "affiliate", "status", "claim_count", "created_by", "created_at", "acknowledged_at",
                    "downloads"]  # fmt: skip
    list_filter = ["affiliate", "status"]
    list_select_related = ["affiliate", "created_by"]
    readonly_fields = ["affiliate", "status", "claim_count", "created_by", "bulk_job", "exported_at",
                       "acknowledged_at", "acknowledged_by", "downloads"]  # fmt: skip
    fields = readonly_fields
    inlines = [TransferItemInline]

    @admin.display(description="파일")
    def downloads(self, batch: TransferBatch) -> str:
        return format_html(
            '<a href="{}">CSV</a> · <a href="{}">XLSX</a>',
            reverse("admin:claims_transferbatch_download", args=[batch.pk, "csv"]),
            reverse("admin:claims_transferbatch_download", args=[batch.pk, "xlsx"]),
        )

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.download_view)
        return [path("<int:pk>/download/<str:kind>/", view, name="claims_transferbatch_download"), *super().get_urls()]

    def download_view(self, request: HttpRequest, pk: int, kind: str) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        batch = TransferBatch.objects.select_related("affiliate").filter(pk=pk).first()
        if batch is None or kind not in ("csv", "xlsx"):
            raise PermissionDenied
        filename = f"transfer-{batch.affiliate.code}-{batch.pk}.{kind}"
        reason, ask = download_reason(request, title="계열사 이관 파일 내려받기", subject=filename)
        if ask is not None:
            return ask
        access_record(
            request=request,
            action=PersonalDataAccess.Action.DOWNLOAD,
            claimant_ids=TransferItem.objects.filter(batch=batch).values_list("claim__claimant_id", flat=True),
            reason=reason,
        )
        stored = batch.csv_file if kind == "csv" else batch.xlsx_file
        if stored:
            return FileResponse(stored.open("rb"), as_attachment=True, filename=filename)
        body = transfer_export_csv(batch=batch) if kind == "csv" else transfer_export_xlsx(batch=batch)
        response = HttpResponse(body, content_type="application/octet-stream")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


@admin.register(AffiliateOutcome)
class AffiliateOutcomeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What affiliates did with the claims transferred to them: read-only, for agents, auditors and the council's
    secretariat."""

    list_display = ["claim", "affiliate", "outcome", "amount_won", "reported_by", "updated_at"]
    list_filter = ["outcome", "batch__affiliate"]
    list_select_related = ["claim", "batch__affiliate", "reported_by"]
    search_fields = ["claim__reference"]
    show_full_result_count = False

    @admin.display(description="계열사", ordering="batch__affiliate__name")
    def affiliate(self, outcome: AffiliateOutcome) -> str:
        return outcome.batch.affiliate.name


@admin.register(ClaimBulkJob)
class ClaimBulkJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "action", "status", "progress", "total", "done_count", "skipped_count", "created_by",
                    "created_at", "result_link"]  # fmt: skip
    list_filter = ["action", "status"]
    list_select_related = ["created_by"]
    readonly_fields = ["action", "params", "status", "progress", "total", "done_count", "skipped_count",
                       "created_by", "started_at", "heartbeat_at", "finished_at", "error", "result_link"]  # fmt: skip
    fields = readonly_fields
    actions = ["requeue"]

    @admin.display(description="진행")
    def progress(self, job: ClaimBulkJob) -> str:
        return format_html('<progress value="{}" max="100"></progress> {}%', job.progress_percent, job.progress_percent)

    @admin.display(description="결과")
    def result_link(self, job: ClaimBulkJob) -> str:
        return format_html('<a href="{}">CSV</a>', reverse("admin:claims_claimbulkjob_result", args=[job.pk]))

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.result_view)
        return [path("<int:pk>/result.csv", view, name="claims_claimbulkjob_result"), *super().get_urls()]

    def result_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        job = ClaimBulkJob.objects.filter(pk=pk).first()
        if job is None:
            raise PermissionDenied
        response = HttpResponse(bulk.claim_bulk_job_result_csv(job=job), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="bulk-job-{job.pk}.csv"'
        return response

    @admin.action(description="다시 실행 (남은 항목만)", permissions=["view"])
    def requeue(self, request: HttpRequest, queryset: QuerySet[ClaimBulkJob]) -> None:
        for job in queryset:
            try:
                bulk.claim_bulk_job_requeue(job=job, actor=request.user)
            except (ValidationError, ApplicationError) as exc:
                self.message_user(request, f"#{job.pk}: {error_text(exc)}", messages.ERROR)
            else:
                self.message_user(request, f"#{job.pk}: 다시 실행합니다.", messages.INFO)
