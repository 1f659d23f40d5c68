"""Admin for case work: the claim page's work form and history, the agents' named queues, bulk actions run
as jobs, and the reference data supervisors edit (teams, category policies, canned responses).

Every write goes through a service; errors come back as admin messages, never as a 500."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join

from claims import services as intake_services
from claims.casework import bulk, selectors
from claims.casework.assignment import claim_assign
from claims.casework.exports import transfer_export_csv, transfer_export_xlsx
from claims.casework.moves import claim_move
from claims.casework.notes import claim_message_send, claim_note_add
from claims.models import (
    AffiliateOutcome,
    CannedResponse,
    CategoryPolicy,
    Claim,
    ClaimBulkJob,
    ClaimQuerySet,
    InformationRequest,
    Team,
    TransferBatch,
    TransferItem,
)
from claims.workflow import allowed_moves
from core import roles
from core.exceptions import ApplicationError

User = get_user_model()
A = ClaimBulkJob.Action


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    if isinstance(exc, ApplicationError):
        return exc.message
    return str(exc)


class EstimatedCountPaginator(Paginator):
    """COUNT(*) over a million claims on every page view is what makes an admin slow: above a threshold use
    the planner's row estimate (PostgreSQL EXPLAIN), which is instant and close enough for paging."""

    EXACT_BELOW = 10_000

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        queryset = self.object_list
        if connection.vendor != "postgresql" or not isinstance(queryset, QuerySet):
            return super().count
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            import json

            plan = json.loads(plan)
        estimate = int(plan[0]["Plan"]["Plan Rows"])
        return super().count if estimate < self.EXACT_BELOW else estimate


class QueueFilter(admin.SimpleListFilter):
    """The named views an agent opens many times a day."""

    title = "업무함"
    parameter_name = "queue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(selectors.QUEUES.items())

    def queryset(self, request: HttpRequest, queryset: QuerySet[Claim]) -> QuerySet[Claim]:
        if self.value() in selectors.QUEUES:
            return selectors.claim_queue_filter(queryset=queryset, queue=self.value(), user=request.user)
        return queryset


def agent_choices() -> QuerySet:
    return (
        User.objects.filter(is_active=True, groups__name__in=[roles.SUPPORT_AGENT, roles.SUPPORT_SUPERVISOR])
        .distinct()
        .order_by("username")
    )


class ClaimWorkForm(forms.ModelForm):
    """The claim page: the editable fields plus one piece of work per save (a move, a note, a message).
    The choice of moves comes from claims.workflow.TRANSITIONS for the claim's current status."""

    work_action = forms.ChoiceField(label="작업", required=False)
    reason = forms.CharField(
        label="사유 · 답변 · 요청 내용 · 메모",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        max_length=10_000,
    )
    reason_code = forms.ChoiceField(
        label="기각 사유", required=False, choices=[("", "---------"), *Claim.RejectReason.choices]
    )
    due_date = forms.DateField(label="보완 제출 기한", required=False, widget=AdminDateWidget)
    primary_reference = forms.CharField(label="병합할 원건 접수번호", required=False, max_length=32)
    canned_response = forms.ModelChoiceField(
        label="답변 템플릿", required=False, queryset=CannedResponse.objects.filter(is_active=True)
    )

    class Meta:
        model = Claim
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        status = self.instance.status if self.instance.pk else Claim.Status.RECEIVED
        moves = [(f"move:{to}", f"상태 변경 → {Claim.Status(to).label}") for to in allowed_moves(status)]
        self.fields["work_action"].choices = [
            ("", "---------"),
            *moves,
            ("note", "내부 메모 남기기"),
            ("message", "신고인에게 메시지 보내기"),
        ]
        if "assigned_to" in self.fields:
            self.fields["assigned_to"].queryset = agent_choices()


class ClaimCaseworkAdminMixin:
    """Mixed into claims.admin.ClaimAdmin (kept there so the list and intake fields stay in one place)."""

    paginator = EstimatedCountPaginator
    form = ClaimWorkForm
    actions = [
        "assign_to_me",
        "assign_to_agent",
        "answer_and_close",
        "transfer_to_affiliate",
        "reclassify",
        "close_claims",
    ]
    casework_readonly = [
        "sla_display",
        "team",
        "merged_into",
        "reject_reason_code",
        "affiliate_outcome_display",
        "information_requests_display",
        "notes_display",
        "history_display",
        "family_evidence_display",
    ]
    casework_fieldsets = [
        (
            "처리 현황",
            {
                "fields": [
                    "sla_display",
                    "team",
                    "merged_into",
                    "reject_reason_code",
                    "affiliate_outcome_display",
                    "information_requests_display",
                ]
            },
        ),
        (
            "작업",
            {"fields": ["work_action", "reason", "reason_code", "due_date", "primary_reference", "canned_response"]},
        ),
        ("메모 · 이력 (병합된 신고 포함)", {"fields": ["notes_display", "history_display", "family_evidence_display"]}),
    ]

    # --- lists ---

    def get_list_display(self, request: HttpRequest) -> list[str]:
        base = list(super().get_list_display(request))  # type: ignore[misc]
        return [*base, "team", "due_display"]

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        return [QueueFilter, *super().get_list_filter(request), "team"]  # type: ignore[misc]

    def get_list_select_related(self, request: HttpRequest) -> list[str]:
        # Not select_related() in get_queryset: the changelist skips list_select_related when one is already set.
        return [*super().get_list_select_related(request), "team"]  # type: ignore[misc]

    @admin.display(description="처리 기한", ordering="first_response_due_at")
    def due_display(self, claim: Claim) -> str:
        due = claim.first_response_due_at
        if due is None:
            return "-"
        text = timezone.localtime(due).strftime("%m-%d %H:%M")
        if claim.status in ClaimQuerySet.CLOCK_STATUSES and due < timezone.now():
            return format_html('<strong style="color:#ba2121">⚠ {} 초과</strong>', text)
        if claim.status == Claim.Status.AWAITING_CLAIMANT:
            return format_html('<span style="color:#777">{} (정지)</span>', text)
        return text

    # --- the claim page ---

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*super().get_readonly_fields(request, obj), *self.casework_readonly]  # type: ignore[misc]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        base = super().get_fieldsets(request, obj)  # type: ignore[misc]
        if obj is None:
            return base
        own = {name for _, opts in self.casework_fieldsets for name in opts["fields"]}
        base = [(title, {**opts, "fields": [f for f in opts["fields"] if f not in own]}) for title, opts in base]
        return [*base, *self.casework_fieldsets]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "assigned_to":
            kwargs["queryset"] = agent_choices()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def save_model(self, request: HttpRequest, obj: Claim, form: Any, change: bool) -> None:
        """Route every change through the services; a refusal becomes an error message on the same page."""
        data = form.cleaned_data
        try:
            if "assigned_to" in form.changed_data:
                claim_assign(claim=obj, assignee=data.get("assigned_to"), actor=request.user)
            if "subtype" in form.changed_data:
                intake_services.claim_set_subtype(claim=obj, subtype=data.get("subtype") or "", actor=request.user)
            self._do_work(request, obj, data)
        except (ValidationError, ApplicationError) as exc:
            request._casework_error = True  # type: ignore[attr-defined]
            self.message_user(request, _error_text(exc), messages.ERROR)  # type: ignore[attr-defined]

    def _do_work(self, request: HttpRequest, claim: Claim, data: dict[str, Any]) -> None:
        work = data.get("work_action") or ""
        reason = data.get("reason") or ""
        if work == "note":
            claim_note_add(claim=claim, body=reason, actor=request.user)
        elif work == "message":
            claim_message_send(claim=claim, message=reason, actor=request.user)
        elif work.startswith("move:"):
            primary = None
            if data.get("primary_reference"):
                primary = Claim.objects.filter(reference=data["primary_reference"].strip().upper()).first()
                if primary is None:
                    raise ValidationError({"primary_reference": ["알 수 없는 접수번호입니다."]})
            claim_move(
                claim=claim,
                to=work.removeprefix("move:"),
                actor=request.user,
                reason=reason,
                reason_code=data.get("reason_code") or "",
                due_date=data.get("due_date"),
                primary=primary,
                canned_response=data.get("canned_response"),
            )

    def response_change(self, request: HttpRequest, obj: Claim) -> HttpResponse:
        if getattr(request, "_casework_error", False):
            return HttpResponseRedirect(request.get_full_path())
        return super().response_change(request, obj)  # type: ignore[misc]

    @admin.display(description="처리 기한")
    def sla_display(self, claim: Claim) -> str:
        if claim.first_response_due_at is None:
            return "-"
        due = timezone.localtime(claim.first_response_due_at).strftime("%Y-%m-%d %H:%M")
        if claim.sla_paused_at is not None:
            return format_html("{} · 신고인 답변 대기로 정지 중", due)
        if claim.first_responded_at is not None:
            done = timezone.localtime(claim.first_responded_at).strftime("%Y-%m-%d %H:%M")
            return format_html("{} · 처리 {}", due, done)
        return self.due_display(claim)

    @admin.display(description="계열사 처리 결과")
    def affiliate_outcome_display(self, claim: Claim) -> str:
        outcome = AffiliateOutcome.objects.filter(claim=claim).first()
        if outcome is None:
            return "-"
        amount = f" · {outcome.amount_won:,}원" if outcome.amount_won else ""
        return format_html("{}{} ({})", outcome.get_outcome_display(), amount, outcome.note or "-")

    @admin.display(description="보완 요청")
    def information_requests_display(self, claim: Claim) -> str:
        rows = selectors.claim_information_requests(claim=claim)
        return _table(
            ["접수번호", "상태", "기한", "요청", "답변"],
            ((r.claim.reference, r.get_status_display(), r.due_date, r.question, r.answer_text or "-") for r in rows),
        )

    @admin.display(description="메모 · 메시지")
    def notes_display(self, claim: Claim) -> str:
        rows = selectors.claim_note_list(claim=claim)
        return _table(
            ["시각", "접수번호", "구분", "작성자", "내용"],
            ((_when(n.created_at), n.claim.reference, n.get_kind_display(), n.author.username, n.body) for n in rows),
        )

    @admin.display(description="처리 이력")
    def history_display(self, claim: Claim) -> str:
        rows = selectors.claim_history_list(claim=claim)
        status = dict(Claim.Status.choices)
        return _table(
            ["시각", "접수번호", "구분", "처리자", "변경", "사유"],
            (
                (
                    _when(h.created_at),
                    h.claim.reference,
                    h.get_event_display(),
                    h.actor.username if h.actor else "시스템/신고인",
                    f"{status.get(h.from_status, '')} → {status.get(h.to_status, '')}" if h.to_status else "",
                    " · ".join(part for part in (h.reason_code, h.reason) if part),
                )
                for h in rows
            ),
        )

    @admin.display(description="증빙 (병합된 신고 포함)")
    def family_evidence_display(self, claim: Claim) -> str:
        rows = selectors.claim_evidence_list(claim=claim)
        return _table(
            ["접수번호", "파일", "크기"],
            (
                (
                    e.claim.reference,
                    format_html(
                        '<a href="{}">{}</a>', reverse("claims:evidence-download", args=[e.pk]), e.original_name
                    ),
                    f"{e.size:,}",
                )
                for e in rows
            ),
        )

    # --- bulk actions ---

    def _run_bulk(self, request: HttpRequest, queryset: QuerySet[Claim], action: str, params: dict[str, Any]) -> None:
        try:
            job = bulk.claim_bulk_job_create(
                action=action, claims=queryset, actor=request.user, params=params, enqueue=False
            )
        except (ValidationError, ApplicationError) as exc:
            self.message_user(request, _error_text(exc), messages.ERROR)  # type: ignore[attr-defined]
            return
        link = reverse("admin:claims_claimbulkjob_change", args=[job.pk])
        if job.total <= self.list_per_page:  # type: ignore[attr-defined]
            job = bulk.claim_bulk_job_run(job_id=job.pk)
            level = messages.SUCCESS if not job.skipped_count else messages.WARNING
            self.message_user(  # type: ignore[attr-defined]
                request,
                format_html(
                    '{}: 완료 {}건, 건너뜀 {}건 (<a href="{}">결과 보기</a>)',
                    job.get_action_display(),
                    job.done_count,
                    job.skipped_count,
                    link,
                ),
                level,
            )
            return
        bulk.claim_bulk_job_enqueue(job=job)
        self.message_user(  # type: ignore[attr-defined]
            request,
            format_html(
                '{} {}건을 일괄 처리 #{}로 시작했습니다. <a href="{}">진행 상황</a>',
                job.get_action_display(),
                job.total,
                job.pk,
                link,
            ),
            messages.INFO,
        )

    def _form_page(
        self, request: HttpRequest, queryset: QuerySet[Claim], form: forms.Form, title: str
    ) -> TemplateResponse:
        return TemplateResponse(
            request,
            "admin/claims/claim/casework_action.html",
            {
                **self.admin_site.each_context(request),  # type: ignore[attr-defined]
                "title": title,
                "form": form,
                "action": request.POST.get("action"),
                "select_across": request.POST.get("select_across", "0"),
                "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
                "count": len(request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME))
                if request.POST.get("select_across") != "1"
                else None,
                "opts": self.model._meta,  # type: ignore[attr-defined]
                "media": self.media + form.media,  # type: ignore[attr-defined]
            },
        )

    @admin.action(description="선택한 신고를 내게 배정", permissions=["change"])
    def assign_to_me(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        self._run_bulk(request, queryset, A.ASSIGN, {"assignee_id": request.user.pk})

    @admin.action(description="선택한 신고를 상담원에게 배정", permissions=["change"])
    def assign_to_agent(self, request: HttpRequest, queryset: QuerySet[Claim]) -> TemplateResponse | None:
        form = AssignForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._run_bulk(request, queryset, A.ASSIGN, {"assignee_id": form.cleaned_data["assignee"].pk})
            return None
        return self._form_page(request, queryset, form, "상담원에게 배정")

    @admin.action(description="비금전 신고에 답변하고 종결", permissions=["change"])
    def answer_and_close(self, request: HttpRequest, queryset: QuerySet[Claim]) -> TemplateResponse | None:
        form = AnswerCloseForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            responses = {subtype: response.pk for subtype, response in form.responses().items()}
            self._run_bulk(request, queryset, A.ANSWER_CLOSE, {"responses": responses})
            return None
        return self._form_page(request, queryset, form, "답변 후 종결 (세부유형별 답변 템플릿)")

    @admin.action(description="계열사로 이관", permissions=["change"])
    def transfer_to_affiliate(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        self._run_bulk(request, queryset, A.TRANSFER, {})

    @admin.action(description="재분류", permissions=["change"])
    def reclassify(self, request: HttpRequest, queryset: QuerySet[Claim]) -> TemplateResponse | None:
        form = ReclassifyForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._run_bulk(request, queryset, A.RECLASSIFY, form.cleaned_data)
            return None
        return self._form_page(request, queryset, form, "재분류")

    @admin.action(description="종결", permissions=["change"])
    def close_claims(self, request: HttpRequest, queryset: QuerySet[Claim]) -> TemplateResponse | None:
        form = CloseForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._run_bulk(request, queryset, A.CLOSE, form.cleaned_data)
            return None
        return self._form_page(request, queryset, form, "종결")


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label="상담원", queryset=User.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = agent_choices()


class AnswerCloseForm(forms.Form):
    """One canned response per non-monetary subtype; claims of a subtype left blank are skipped."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        active = CannedResponse.objects.filter(is_active=True)
        for subtype, label in Claim.Subtype.choices:
            self.fields[f"response_{subtype}"] = forms.ModelChoiceField(
                label=f"{label} 답변", required=False, queryset=active.filter(subtype__in=[subtype, ""])
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not any(cleaned.get(f"response_{subtype}") for subtype in Claim.Subtype.values):
            raise forms.ValidationError("세부유형 하나 이상에 답변 템플릿을 골라 주세요.")
        return cleaned

    def responses(self) -> dict[str, CannedResponse]:
        return {
            subtype: self.cleaned_data[f"response_{subtype}"]
            for subtype in Claim.Subtype.values
            if self.cleaned_data.get(f"response_{subtype}")
        }


class ReclassifyForm(forms.Form):
    category = forms.ChoiceField(
        label="분류",
        choices=[(c, label) for c, label in Claim.Category.choices if c != Claim.Category.AFFILIATE],
    )
    subtype = forms.ChoiceField(
        label="비금전 세부유형", required=False, choices=[("", "---------"), *Claim.Subtype.choices]
    )


class CloseForm(forms.Form):
    reason = forms.CharField(label="종결 사유 (신고인에게 안내됩니다)", widget=forms.Textarea(attrs={"rows": 3}))


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _table(headers: list[str], rows: Any) -> str:
    rows = list(rows)
    if not rows:
        return "-"
    head = format_html_join("", "<th>{}</th>", ((h,) for h in headers))
    body = format_html_join(
        "", "<tr>{}</tr>", ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in rows)
    )
    return format_html('<table class="casework"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>', head, body)


# --- reference data and jobs ---


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "supervisor", "auto_assign", "agent_count"]
    list_select_related = ["supervisor"]
    search_fields = ["name"]
    filter_horizontal = ["agents"]
    readonly_fields = ["last_assigned_user_id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return super().get_queryset(request).annotate(_agents=Count("agents"))

    @admin.display(description="상담원 수", ordering="_agents")
    def agent_count(self, team: Team) -> int:
        return team._agents  # type: ignore[attr-defined]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "supervisor":
            kwargs["queryset"] = agent_choices()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "agents":
            kwargs["queryset"] = agent_choices()
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(CategoryPolicy)
class CategoryPolicyAdmin(admin.ModelAdmin):
    list_display = ["category", "team", "first_response_business_days"]
    list_editable = ["team", "first_response_business_days"]
    list_select_related = ["team"]


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    list_display = ["title", "subtype", "code", "is_active", "updated_at"]
    list_filter = ["subtype", "is_active"]
    search_fields = ["title", "code"]


@admin.register(InformationRequest)
class InformationRequestAdmin(admin.ModelAdmin):
    list_display = ["claim", "status", "due_date", "requested_by", "answered_at", "reminder_sent_at"]
    list_filter = ["status"]
    list_select_related = ["claim", "requested_by"]
    search_fields = ["claim__reference"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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
class TransferBatchAdmin(admin.ModelAdmin):
    list_display = ["id", "affiliate", "status", "claim_count", "created_by", "created_at", "acknowledged_at",
                    "downloads"]  # fmt: skip
    list_filter = ["affiliate", "status"]
    list_select_related = ["affiliate", "created_by"]
    readonly_fields = ["affiliate", "status", "claim_count", "created_by", "bulk_job", "exported_at",
                       "acknowledged_at", "acknowledged_by", "downloads"]  # fmt: skip
    fields = readonly_fields
    inlines = [TransferItemInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

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
        stored = batch.csv_file if kind == "csv" else batch.xlsx_file
        filename = f"transfer-{batch.affiliate.code}-{batch.pk}.{kind}"
        if stored:
            return FileResponse(stored.open("rb"), as_attachment=True, filename=filename)
        body = transfer_export_csv(batch=batch) if kind == "csv" else transfer_export_xlsx(batch=batch)
        response = HttpResponse(body, content_type="application/octet-stream")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


@admin.register(ClaimBulkJob)
class ClaimBulkJobAdmin(admin.ModelAdmin):
    list_display = ["id", "action", "status", "progress", "total", "done_count", "skipped_count", "created_by",
                    "created_at", "result_link"]  # fmt: skip
    list_filter = ["action", "status"]
    list_select_related = ["created_by"]
    readonly_fields = ["action", "params", "status", "progress", "total", "done_count", "skipped_count",
                       "created_by", "started_at", "heartbeat_at", "finished_at", "error", "result_link"]  # fmt: skip
    fields = readonly_fields
    actions = ["requeue"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

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
                self.message_user(request, f"#{job.pk}: {_error_text(exc)}", messages.ERROR)
            else:
                self.message_user(request, f"#{job.pk}: 다시 실행합니다.", messages.INFO)
