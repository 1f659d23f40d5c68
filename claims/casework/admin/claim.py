"""The claim admin's case work: named queues, estimated counts, the work form, history and bulk actions.

Every write goes through a service; errors come back as admin messages, never as a 500."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext

from claims import services as intake_services
from claims.casework import bulk, selectors
from claims.casework.admin.common import agent_choices, error_text, html_table, local_time
from claims.casework.admin.forms import AnswerCloseForm, AssignForm, ClaimWorkForm, CloseForm, ReclassifyForm
from claims.casework.assignment import claim_assign
from claims.casework.moves import claim_move
from claims.casework.notes import claim_message_send, claim_note_add
from claims.models import (
    AffiliateOutcome,
    Claim,
    ClaimBulkJob,
    ClaimQuerySet,
)
from core.exceptions import ApplicationError

A = ClaimBulkJob.Action


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


class ClaimChangeList(ChangeList):
    """Row links keep the list's filters, as Django's do, without resolving every row's URL to learn that it is
    not the list itself (add_preserved_filters does, when filters are set: a fifth of a filtered page's CPU)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read only by the row links (admin_list.items_for_result): they get it from url_for_result instead.
        self.row_query, self.preserved_filters = self.preserved_filters, ""

    def url_for_result(self, result: Any) -> str:
        url = super().url_for_result(result)
        return f"{url}?{self.row_query}" if self.row_query else url


class QueueFilter(admin.SimpleListFilter):
    """The named views an agent opens many times a day."""

    title = "업무함"
    parameter_name = "queue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(selectors.QUEUES.items())

    def queryset(self, request: HttpRequest, queryset: QuerySet[Claim]) -> QuerySet[Claim]:
        queue = self.value()
        if queue is not None and queue in selectors.QUEUES:
            return selectors.claim_queue_filter(queryset=queryset, queue=queue, user=request.user)  # type: ignore[arg-type]
        return queryset


class ClaimCaseworkAdminMixin:
    """Mixed into claims.admin.ClaimAdmin (kept there so the list and intake fields stay in one place)."""

    paginator = EstimatedCountPaginator
    show_facets = admin.ShowFacets.NEVER  # facet counts are one COUNT per filter option: never at this size
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

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return ClaimChangeList

    def action_checkbox(self, obj: Claim) -> str:
        """The same checkbox as ModelAdmin.action_checkbox, without rendering a widget template per row (a fifth
        of the list page's CPU time for 50 rows)."""
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            admin.helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )

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
            self.message_user(request, error_text(exc), messages.ERROR)  # type: ignore[attr-defined]

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
        return html_table(
            ["접수번호", "상태", "기한", "요청", "답변"],
            ((r.claim.reference, r.get_status_display(), r.due_date, r.question, r.answer_text or "-") for r in rows),
        )

    @admin.display(description="메모 · 메시지")
    def notes_display(self, claim: Claim) -> str:
        rows = selectors.claim_note_list(claim=claim)
        return html_table(
            ["시각", "접수번호", "구분", "작성자", "내용"],
            (
                (local_time(n.created_at), n.claim.reference, n.get_kind_display(), n.author.username, n.body)
                for n in rows
            ),
        )

    @admin.display(description="처리 이력")
    def history_display(self, claim: Claim) -> str:
        rows = selectors.claim_history_list(claim=claim)
        status = dict(Claim.Status.choices)
        return html_table(
            ["시각", "접수번호", "구분", "처리자", "변경", "사유"],
            (
                (
                    local_time(h.created_at),
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
        return html_table(
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
            self.message_user(request, error_text(exc), messages.ERROR)  # type: ignore[attr-defined]
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
