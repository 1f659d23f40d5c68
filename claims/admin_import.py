"""Admin for bulk imports: an agent uploads a CSV, a Celery job imports it, the page shows progress and offers
the report as a download. Registered from claims/admin.py."""

import csv
import io
import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from claims.importer_csv import REQUIRED_COLUMNS, csv_inspect
from claims.models import ClaimImport
from claims.selectors import incident_get_default
from claims.services_import import claim_import_retry, claim_import_start
from core.exceptions import ApplicationError
from privacy.access import download_reason
from privacy.models import PersonalDataAccess
from privacy.services import access_record

REJECTED_PREVIEW = 20


class ClaimImportForm(forms.ModelForm):
    class Meta:
        model = ClaimImport
        fields = ["incident", "file"]
        help_texts = {
            "file": "CSV (UTF-8 또는 엑셀의 CP949), 첫 줄은 머리글. 필수 열: " + ", ".join(REQUIRED_COLUMNS),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "incident" in self.fields and not self.initial.get("incident"):
            self.initial["incident"] = incident_get_default()

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            csv_inspect(upload)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
        finally:
            upload.seek(0)
        return upload


@admin.register(ClaimImport)
class ClaimImportAdmin(admin.ModelAdmin):
    form = ClaimImportForm
    list_display = ["id", "file_name", "incident", "status", "progress", "imported", "duplicates", "rejected_count",
                    "created_by", "created_at"]  # fmt: skip
    list_filter = ["status", "incident"]
    list_select_related = ["incident", "created_by"]
    actions = ["rerun"]
    change_form_template = "admin/claims/claimimport/change_form.html"
    detail_fields = ["incident", "file_name", "status", "progress", "imported", "duplicates", "rejected_count",
                     "error", "report_links", "rejected_preview", "created_by", "created_at", "updated_at"]  # fmt: skip

    def get_fields(self, request: HttpRequest, obj: ClaimImport | None = None) -> Any:
        return ["incident", "file"] if obj is None else self.detail_fields

    def get_readonly_fields(self, request: HttpRequest, obj: ClaimImport | None = None) -> Any:
        return [] if obj is None else self.detail_fields

    def has_change_permission(self, request: HttpRequest, obj: ClaimImport | None = None) -> bool:
        return False  # a job is a record: only the service and the worker change it

    def has_delete_permission(self, request: HttpRequest, obj: ClaimImport | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ClaimImport, form: forms.ModelForm, change: bool) -> None:
        job = claim_import_start(
            file=form.cleaned_data["file"], incident=form.cleaned_data["incident"], actor=request.user
        )
        # The admin goes on with `obj` (log entry, redirect): make it the stored job.
        obj.pk, obj.file, obj.status, obj.total_rows = job.pk, job.file, job.status, job.total_rows

    def response_add(self, request: HttpRequest, obj: ClaimImport, post_url_continue: str | None = None) -> Any:
        self.message_user(
            request, f"일괄 등록 #{obj.pk}을(를) 대기열에 넣었습니다. 이 화면에서 진행 상황을 볼 수 있습니다."
        )
        return HttpResponseRedirect(reverse("admin:claims_claimimport_change", args=[obj.pk]))

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> Any:
        job = self.get_object(request, object_id)
        running = job is not None and job.status in (ClaimImport.Status.QUEUED, ClaimImport.Status.RUNNING)
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "auto_refresh": running})

    @admin.display(description="파일")
    def file_name(self, obj: ClaimImport) -> str:
        return (obj.file.name or "").rsplit("/", 1)[-1]

    @admin.display(description="진행")
    def progress(self, obj: ClaimImport) -> str:
        return format_html(
            '<progress value="{}" max="100" style="width:10em"></progress> {}% ({} / {}행)',
            obj.progress_percent,
            obj.progress_percent,
            intcomma(obj.processed_rows),
            intcomma(obj.total_rows),
        )

    @admin.display(description="결과 보고")
    def report_links(self, obj: ClaimImport) -> str:
        if obj.status not in (ClaimImport.Status.DONE, ClaimImport.Status.FAILED):
            return "-"
        return format_html_join(
            " · ",
            '<a href="{}">{}</a>',  # no `download`: the link first asks for the reason
            (
                (reverse("admin:claims_claimimport_report", args=[obj.pk, fmt]), label)
                for fmt, label in (("csv", "거부된 행 CSV"), ("json", "전체 보고 JSON"))
            ),
        )

    @admin.display(description="거부된 행 (앞부분)")
    def rejected_preview(self, obj: ClaimImport) -> str:
        rejected = (obj.report or {}).get("rejected") or []
        if not rejected:
            return "-"
        lines = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td></tr>",
            (
                (item["row"], "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in item["errors"].items()))
                for item in rejected[:REJECTED_PREVIEW]
            ),
        )
        return format_html("<table><tr><th>행</th><th>사유</th></tr>{}</table>", lines)

    @admin.action(description="다시 실행 (아직 등록되지 않은 행만)", permissions=["add"])
    def rerun(self, request: HttpRequest, queryset: QuerySet[ClaimImport]) -> None:
        for job in queryset:
            try:
                claim_import_retry(claim_import=job, actor=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"#{job.pk}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"#{job.pk}: 다시 대기열에 넣었습니다.")

    def get_urls(self) -> list[Any]:
        report = path(
            "<path:object_id>/report.<str:fmt>",
            self.admin_site.admin_view(self.report_view),
            name="claims_claimimport_report",
        )
        return [report, *super().get_urls()]

    def report_view(self, request: HttpRequest, object_id: str, fmt: str) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        job = get_object_or_404(ClaimImport, pk=object_id)
        if fmt not in ("csv", "json"):
            raise Http404
        reason, ask = download_reason(
            request, title="일괄 등록 결과 보고 내려받기", subject=f"일괄 등록 #{job.pk} ({self.file_name(job)})"
        )
        if ask is not None:
            return ask
        # The report names rows of an uploaded file of people's claims, most of whom never became claimants here
        # (rejected rows): the download is recorded by its path and reason.
        access_record(
            request=request,
            action=PersonalDataAccess.Action.DOWNLOAD,
            claimant_ids=[],
            reason=reason,
            without_claimants=True,
        )
        report = job.report or {}
        if fmt == "json":
            body = json.dumps(report, ensure_ascii=False, indent=2).encode()
            response = HttpResponse(body, content_type="application/json; charset=utf-8")
        elif fmt == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(["row", "field", "message"])
            for item in report.get("rejected") or []:
                for field, field_messages in item["errors"].items():
                    for message in field_messages:
                        writer.writerow([item["row"], field, message])
            # With a BOM so Excel in Korea opens the UTF-8 file with the right encoding.
            response = HttpResponse(buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
        else:
            raise Http404
        response["Content-Disposition"] = f'attachment; filename="claim-import-{job.pk}-report.{fmt}"'
        return response
