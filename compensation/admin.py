"""Compensation in the admin: drafting versions and rules (validated at save), the simulator with charts,
adoption from a council resolution, bulk runs, the reviewer's decision page and the appeal page.

Every write calls a service; ValidationError / ApplicationError come back as form errors or messages."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from compensation import services
from compensation.models import (
    Appeal,
    Assessment,
    AssessmentRun,
    CausationParameter,
    CompensationEvent,
    Entitlement,
    Policy,
    PolicyVersion,
    Rule,
    RuleBand,
)
from compensation.simulation import policy_simulation_snapshot
from compensation.validation import RuleSpec, reachability_errors, remedy_errors, version_errors
from core.exceptions import ApplicationError
from privacy.access import AccessRecordedAdminMixin


def _report(modeladmin: admin.ModelAdmin, request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        text = "; ".join(exc.messages)
    elif isinstance(exc, ApplicationError):
        text = exc.message
    else:
        text = "권한이 없습니다."
    modeladmin.message_user(request, text, messages.ERROR)


class FrozenAwareMixin:
    """Everything read-only once the version is adopted (the model guard would refuse the save anyway)."""

    def _frozen(self, obj: Any) -> bool:
        version = obj if isinstance(obj, PolicyVersion) else getattr(obj, "version", None)
        return bool(version is not None and version.is_frozen)


# --- policies and versions -----------------------------------------------------------------------------
@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "incident"]
    list_select_related = ["incident"]
    search_fields = ["code", "name"]

    def save_model(self, request: HttpRequest, obj: Policy, form: Any, change: bool) -> None:
        if change:
            obj.full_clean()
            obj.save()  # name/description only: the policy row holds no rules
        else:
            created = services.policy_create(
                incident=obj.incident, code=obj.code, name=obj.name, description=obj.description, actor=request.user
            )
            obj.pk = created.pk


class CausationParameterInline(FrozenAwareMixin, admin.TabularInline):
    model = CausationParameter
    extra = 0
    fields = ["service", "alternative_available", "alternative_factor", "market_share", "sector_margin", "note"]
    autocomplete_fields = ["service"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


class RuleListInline(admin.TabularInline):
    """The version's rules in priority order, read-only here; each links to its own page (bands inline)."""

    model = Rule
    extra = 0
    fields = ["priority", "link", "remedy", "conditions"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="규칙")
    def link(self, rule: Rule) -> str:
        return format_html('<a href="{}">{}</a>', reverse("admin:compensation_rule_change", args=[rule.pk]), rule.name)

    @admin.display(description="조건")
    def conditions(self, rule: Rule) -> str:
        return rule_conditions_text(rule)


def rule_conditions_text(rule: Rule) -> str:
    parts = []
    for label, value in (
        ("운영", rule.match_operator),
        ("분류", rule.match_category),
        ("구분", rule.match_claimant_kind),
    ):
        if value:
            parts.append(f"{label}={value}")
    if rule.match_paid is not None:
        parts.append("유료" if rule.match_paid else "무료")
    if rule.min_claimed_won is not None or rule.max_claimed_won is not None:
        parts.append(f"신고액 {rule.min_claimed_won or 0:,}–{rule.max_claimed_won or '∞'}")
    if rule.match_evidence is not None:
        parts.append("증빙 있음" if rule.match_evidence else "증빙 없음")
    if rule.include_excluded:
        parts.append("이관·비금전 포함")
    return ", ".join(parts) or "전체"


@admin.register(PolicyVersion)
class PolicyVersionAdmin(FrozenAwareMixin, admin.ModelAdmin):
    list_display = ["__str__", "status", "effective_date", "adoption_label", "simulate_link"]
    list_filter = ["status", "policy"]
    list_select_related = ["policy"]
    inlines = [RuleListInline, CausationParameterInline]
    actions = ["copy_as_new_draft", "start_bulk_assessment"]
    fields = [
        "policy", "title", "notes", "appeal_window_days", "cap_per_claim_won", "cap_per_claimant_won",
        "minimum_payment_won", "second_review_above_won", "status", "number", "effective_date", "adoption_label",
        "adopted_at", "superseded_at", "problems",
    ]  # fmt: skip
    readonly_fields = [
        "status",
        "number",
        "effective_date",
        "adoption_label",
        "adopted_at",
        "superseded_at",
        "problems",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None and obj.is_frozen:
            return [str(name) for name in self.fields or []]
        if obj is not None:
            return [*self.readonly_fields, "policy"]
        return list(self.readonly_fields)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._frozen(obj) and super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # The bulk delete runs queryset.delete(), which would skip the frozen-version guard.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description="검증")
    def problems(self, version: PolicyVersion) -> str:
        if not version.pk:
            return "-"
        found = version_errors(version)
        if not found:
            return "문제 없음"
        return format_html("<ul class='errorlist'>{}</ul>", format_html("".join(f"<li>{p}</li>" for p in found)))

    @admin.display(description="시뮬레이션")
    def simulate_link(self, version: PolicyVersion) -> str:
        url = reverse("admin:compensation_policyversion_simulate", args=[version.pk])
        return format_html('<a href="{}">실행</a>', url)

    def save_model(self, request: HttpRequest, obj: PolicyVersion, form: Any, change: bool) -> None:
        values = {name: form.cleaned_data[name] for name in services.policy.VERSION_FIELDS if name in form.cleaned_data}
        if change:
            services.policy_version_update(version=obj, actor=request.user, **values)
        else:
            created = services.policy_version_create(policy=form.cleaned_data["policy"], actor=request.user, **values)
            obj.pk = created.pk
            obj.number = created.number
            obj._state.adding = False

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/simulate/", view(self.simulate_view), name="compensation_policyversion_simulate"),
            path("<int:pk>/adopt/", view(self.adopt_view), name="compensation_policyversion_adopt"),
            *super().get_urls(),
        ]

    def simulate_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("compensation.simulate_policyversion"):
            raise PermissionDenied
        version = get_object_or_404(PolicyVersion.objects.select_related("policy"), pk=pk)
        others = PolicyVersion.objects.filter(policy__incident_id=version.policy.incident_id).exclude(pk=pk)
        compare_to = None
        if request.GET.get("compare_to"):
            compare_to = get_object_or_404(others, pk=request.GET["compare_to"])
        snapshot = policy_simulation_snapshot(version=version, compare_to=compare_to)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{version} 시뮬레이션",
            "opts": self.model._meta,
            "version": version,
            "others": others.select_related("policy"),
            "compare_to": compare_to,
            "snapshot": snapshot,
            "charts": simulation_charts(snapshot),
            "problems": version_errors(version) if not version.is_frozen else [],
        }
        return TemplateResponse(request, "admin/compensation/simulation.html", context)

    def adopt_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("compensation.adopt_policyversion"):
            raise PermissionDenied
        from council.models import Resolution

        version = get_object_or_404(PolicyVersion, pk=pk)
        choices = Resolution.objects.filter(
            state=Resolution.State.ADOPTED, kind=Resolution.Kind.POLICY_ADOPTION, adopted_policy_versions__isnull=True
        ).select_related("meeting__council")
        form = AdoptForm(request.POST or None, resolutions=choices)
        if request.method == "POST" and form.is_valid():
            try:
                services.policy_version_adopt(
                    version=version,
                    resolution=form.cleaned_data["resolution"],
                    effective_date=form.cleaned_data["effective_date"],
                    actor=request.user,
                )
            except (ValidationError, ApplicationError) as exc:
                _report(self, request, exc)
            else:
                self.message_user(request, f"{version}을(를) 채택으로 기록했습니다.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:compensation_policyversion_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"{version} 채택 기록",
            "opts": self.model._meta,
            "version": version,
            "form": form,
            "problems": version_errors(version),
        }
        return TemplateResponse(request, "admin/compensation/adopt.html", context)

    @admin.action(description="선택한 판을 복사해 새 초안 만들기")
    def copy_as_new_draft(self, request: HttpRequest, queryset: QuerySet[PolicyVersion]) -> None:
        for version in queryset.select_related("policy"):
            try:
                copy = services.policy_version_create(policy=version.policy, copy_from=version, actor=request.user)
            except (ValidationError, ApplicationError, PermissionDenied) as exc:
                _report(self, request, exc)
            else:
                self.message_user(request, f"{copy} 초안을 만들었습니다.", messages.SUCCESS)

    @admin.action(description="선택한 채택 판으로 일괄 산정 시작")
    def start_bulk_assessment(self, request: HttpRequest, queryset: QuerySet[PolicyVersion]) -> None:
        for version in queryset:
            try:
                run = services.assessment_run_start(version=version, actor=request.user)
            except (ValidationError, ApplicationError, PermissionDenied) as exc:
                _report(self, request, exc)
            else:
                self.message_user(request, f"{run}: {run.total:,}건 대상, 진행 상황은 일괄 산정 목록에서 봅니다.")


class AdoptForm(forms.Form):
    resolution = forms.ModelChoiceField(queryset=None, label="채택 의결")  # type: ignore[arg-type]
    effective_date = forms.DateField(label="시행일", required=False, help_text="비워 두면 의결일")

    def __init__(self, *args: Any, resolutions: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resolution"].queryset = resolutions


def simulation_charts(snapshot: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Bars as percentages of the largest value in each chart, for server-side HTML/SVG (no scripts, no CDN)."""

    def bars(rows: list[dict[str, Any]], value: str) -> list[dict[str, Any]]:
        top = max((abs(row[value]) for row in rows), default=0) or 1
        return [{**row, "value": row[value], "pct": round(abs(row[value]) * 100 / top, 1)} for row in rows]

    return {
        "remedy_claims": bars(snapshot["by_remedy"], "claims"),
        "remedy_cash": bars(snapshot["by_remedy"], "cash_won"),
        "kind_cash": bars(snapshot["by_claimant_kind"], "cash_won"),
        "service_claims": bars(snapshot["by_service"], "claims"),
        "tier_claims": bars(snapshot["by_tier"], "claims"),
        "histogram": bars(snapshot["histogram"], "claims"),
    }


# --- rules -------------------------------------------------------------------------------------------------
class RuleBandFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        bands = [
            (form.cleaned_data["lower_won"], form.cleaned_data.get("upper_won"), form.cleaned_data["amount_won"])
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        errors = remedy_errors(rule=self.instance, bands=bands)
        band_errors = errors.get("remedy", [])
        if band_errors:
            raise ValidationError(band_errors)


class RuleBandInline(FrozenAwareMixin, admin.TabularInline):
    model = RuleBand
    formset = RuleBandFormSet
    extra = 1
    fields = ["lower_won", "upper_won", "amount_won"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


class RuleForm(forms.ModelForm):
    match_operator = forms.ChoiceField(label="운영 주체", required=False, choices=[("", "전체")])
    match_category = forms.ChoiceField(label="분류", required=False, choices=[("", "전체")])
    match_claimant_kind = forms.ChoiceField(label="신고인 구분", required=False, choices=[("", "전체")])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from claims.models import Claim, Claimant

        super().__init__(*args, **kwargs)
        choices = {
            "match_operator": Claim.Operator.choices,
            "match_category": Claim.Category.choices,
            "match_claimant_kind": Claimant.Kind.choices,
        }
        for name, values in choices.items():
            if name in self.fields:  # read-only on an adopted version
                self.fields[name].choices = [("", "전체"), *values]

    class Meta:
        model = Rule
        fields = [
            "version", "priority", "name", "match_operator", "match_category", "match_claimant_kind",
            "match_services", "match_paid", "min_outage_hours", "max_outage_hours", "min_claimed_won",
            "max_claimed_won", "match_evidence", "filed_from", "filed_until", "include_excluded", "remedy",
            "amount_won", "percent", "proportional_base", "in_kind_item", "in_kind_value_won", "credit_days",
            "none_reason", "use_sector_margin", "use_market_share", "use_alternative",
        ]  # fmt: skip

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        # The instance gets the cleaned values only after clean(): check a copy that has them.
        values = {name: value for name, value in cleaned.items() if name != "match_services"}
        rule = Rule(pk=self.instance.pk, **values)
        version = cleaned.get("version") or self.instance.version
        if version is not None and version.is_frozen:
            raise ValidationError("채택된 판의 규칙은 바꿀 수 없습니다. 새 판을 만들어 고치세요.")
        for field, field_errors in remedy_errors(rule=rule, bands=None).items():
            for message in field_errors:
                self.add_error(field if field in self.fields else None, message)
        services_chosen = cleaned.get("match_services")
        service_ids = {s.pk for s in services_chosen} if services_chosen else set()
        others = [
            RuleSpec.from_rule(other)
            for other in Rule.objects.filter(version=version).prefetch_related("match_services")
            if other.pk != rule.pk
        ]
        for message in reachability_errors(rule=RuleSpec.from_rule(rule, service_ids=service_ids), others=others):
            self.add_error("priority", message)
        return cleaned


@admin.register(Rule)
class RuleAdmin(FrozenAwareMixin, admin.ModelAdmin):
    form = RuleForm
    list_display = ["__str__", "version", "remedy"]
    list_filter = ["remedy", "version__policy"]
    list_select_related = ["version__policy"]
    inlines = [RuleBandInline]
    filter_horizontal = ["match_services"]
    fieldsets = [
        (None, {"fields": ["version", "priority", "name"]}),
        (
            "조건 (비워 두면 전체)",
            {
                "fields": [
                    "match_operator", "match_category", "match_claimant_kind", "match_services", "match_paid",
                    ("min_outage_hours", "max_outage_hours"), ("min_claimed_won", "max_claimed_won"),
                    "match_evidence", ("filed_from", "filed_until"), "include_excluded",
                ]
            },
        ),
        (
            "보상",
            {
                "fields": [
                    "remedy", "amount_won", ("percent", "proportional_base"), ("in_kind_item", "in_kind_value_won"),
                    "credit_days", "none_reason", ("use_sector_margin", "use_market_share", "use_alternative"),
                ]
            },
        ),
    ]  # fmt: skip

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None and self._frozen(obj):
            return [f.name for f in Rule._meta.fields if f.editable] + ["match_services"]
        return []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._frozen(obj) and super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # queryset.delete() would skip the frozen-version guard
        return actions

    def save_model(self, request: HttpRequest, obj: Rule, form: Any, change: bool) -> None:
        pass  # saved with its bands and services by `services.rule_save` in save_related

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        bands = []
        for formset in formsets:
            # The change message reads these; the bands are replaced whole by the service below.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            for band_form in formset.forms:
                data = band_form.cleaned_data
                if data and not data.get("DELETE"):
                    bands.append((data["lower_won"], data.get("upper_won"), data["amount_won"]))
        services.rule_save(
            rule=form.instance,
            bands=bands,
            service_ids={s.pk for s in form.cleaned_data.get("match_services") or []},
            actor=request.user,
        )

    def delete_model(self, request: HttpRequest, obj: Rule) -> None:
        services.rule_delete(rule=obj, actor=request.user)


# --- assessments, appeals, entitlements, runs ----------------------------------------------------------------
class EventInline(admin.TabularInline):
    model = CompensationEvent
    fk_name = "assessment"
    extra = 0
    fields = ["created_at", "type", "actor", "payload"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DecisionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[(a, a) for a in ("accept", "adjust", "reject", "confirm", "send_back", "checklist")]
    )
    amount_won = forms.IntegerField(label="조정 금액(원)", min_value=0, required=False)
    reason = forms.CharField(label="사유", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reason_code = forms.ChoiceField(
        label="기각 사유", choices=[("", "---"), *Assessment.RejectReason.choices], required=False
    )
    checklist = forms.MultipleChoiceField(
        label="증빙 확인",
        choices=list(Assessment.EVIDENCE_CHECKLIST.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


@admin.register(Assessment)
class AssessmentAdmin(AccessRecordedAdminMixin, admin.ModelAdmin):
    access_claimant_lookup = "claim__claimant_id"
    list_display = ["claim", "version", "remedy", "amount_won", "state", "decide_link"]
    list_filter = ["state", "remedy", "version"]
    list_select_related = ["claim", "version__policy"]
    search_fields = ["=claim__reference"]
    show_full_result_count = False
    raw_id_fields = ["claim"]
    inlines = [EventInline]
    readonly_fields = [f.name for f in Assessment._meta.fields]
    actions = ["accept_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="심사")
    def decide_link(self, assessment: Assessment) -> str:
        url = reverse("admin:compensation_assessment_decide", args=[assessment.pk])
        return format_html('<a href="{}">열기</a>', url)

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/decide/", view(self.decide_view), name="compensation_assessment_decide"),
            *super().get_urls(),
        ]

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("compensation.view_assessment"):
            raise PermissionDenied
        assessment = get_object_or_404(
            Assessment.objects.select_related("claim__claimant", "claim__service", "version", "rule"), pk=pk
        )
        form = DecisionForm(request.POST or None, initial={"checklist": _ticked(assessment)})
        if request.method == "POST" and form.is_valid():
            try:
                _decide(assessment, form.cleaned_data, request.user)
            except (ValidationError, ApplicationError, PermissionDenied) as exc:
                _report(self, request, exc)
            else:
                self.message_user(request, "처리했습니다.", messages.SUCCESS)
                return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "title": f"보상 산정 심사 · {assessment.claim}",
            "opts": self.model._meta,
            "assessment": assessment,
            "form": form,
            "actions_available": services.available_actions(assessment),
            "checklist_items": Assessment.EVIDENCE_CHECKLIST.items(),
            "evidence": assessment.claim.evidence.all(),
            "events": assessment.events.select_related("actor"),
        }
        return TemplateResponse(request, "admin/compensation/decide.html", context)

    @admin.action(description="선택한 산정을 수용 (규칙대로 승인)")
    def accept_selected(self, request: HttpRequest, queryset: QuerySet[Assessment]) -> None:
        done = 0
        for assessment in queryset.filter(state=Assessment.State.PENDING):
            try:
                services.assessment_accept(assessment=assessment, actor=request.user)
                done += 1
            except (ValidationError, ApplicationError, PermissionDenied) as exc:
                _report(self, request, exc)
                break
        self.message_user(request, f"{done}건을 승인했습니다.")


def _ticked(assessment: Assessment) -> list[str]:
    return [key for key, value in assessment.evidence_checklist.items() if value]


def _decide(assessment: Assessment, data: dict[str, Any], actor: Any) -> None:
    action = data["action"]
    if action == "accept":
        services.assessment_accept(assessment=assessment, actor=actor)
    elif action == "adjust":
        if data.get("amount_won") is None:
            raise ValidationError({"amount_won": ["조정 금액을 입력하세요."]})
        services.assessment_adjust(
            assessment=assessment, amount_won=data["amount_won"], reason=data["reason"], actor=actor
        )
    elif action == "reject":
        services.assessment_reject(
            assessment=assessment, reason_code=data["reason_code"], reason=data["reason"], actor=actor
        )
    elif action in ("confirm", "send_back"):
        services.assessment_confirm(
            assessment=assessment, approve=action == "confirm", reason=data["reason"], actor=actor
        )
    elif action == "checklist":
        ticked = set(data["checklist"])
        services.assessment_checklist_update(
            assessment=assessment, checklist={key: key in ticked for key in Assessment.EVIDENCE_CHECKLIST}, actor=actor
        )


class AppealDecisionForm(forms.Form):
    outcome = forms.ChoiceField(label="결과", choices=Appeal.Outcome.choices)
    amount_won = forms.IntegerField(label="변경 금액(원)", min_value=0, required=False)
    reason = forms.CharField(label="결정 사유", widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(Appeal)
class AppealAdmin(AccessRecordedAdminMixin, admin.ModelAdmin):
    access_claimant_lookup = "assessment__claim__claimant_id"
    list_display = ["assessment", "status", "original_reviewer", "assigned_to", "outcome", "decided_at"]
    list_filter = ["status", "outcome"]
    list_select_related = ["assessment__claim", "assessment__version__policy", "original_reviewer", "assigned_to"]
    readonly_fields = [f.name for f in Appeal._meta.fields]
    change_form_template = "admin/compensation/appeal_change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        appeal = get_object_or_404(Appeal, pk=object_id)
        if request.method == "POST":
            # The only write on this page is the decision; the appeal row itself is read-only.
            form = AppealDecisionForm(request.POST)
            if not form.is_valid():
                self.message_user(request, "; ".join(f"{k}: {v[0]}" for k, v in form.errors.items()), messages.ERROR)
                return HttpResponseRedirect(request.path)
            try:
                services.appeal_decide(
                    appeal=appeal,
                    outcome=form.cleaned_data["outcome"],
                    amount_won=form.cleaned_data.get("amount_won"),
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except (ValidationError, ApplicationError, PermissionDenied) as exc:
                _report(self, request, exc)
            else:
                self.message_user(request, "이의신청 결과를 기록했습니다. 이 결과는 최종입니다.", messages.SUCCESS)
            return HttpResponseRedirect(request.path)
        extra = {**(extra_context or {}), "decision_form": AppealDecisionForm(), "appeal": appeal}
        return super().change_view(request, object_id, form_url, extra)


@admin.register(Entitlement)
class EntitlementAdmin(AccessRecordedAdminMixin, admin.ModelAdmin):
    list_display = ["claim", "kind", "amount_won", "item_description", "status", "source"]
    list_filter = ["kind", "status", "source"]
    list_select_related = ["claim"]
    search_fields = ["=claim__reference"]
    show_full_result_count = False
    readonly_fields = [f.name for f in Entitlement._meta.fields]
    actions = ["fulfil_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="선택한 현물·이용권 보상을 제공 완료로 기록")
    def fulfil_selected(self, request: HttpRequest, queryset: QuerySet[Entitlement]) -> None:
        done = 0
        for entitlement in queryset.exclude(kind=Entitlement.Kind.CASH).filter(status=Entitlement.Status.APPROVED):
            try:
                services.entitlement_fulfil(entitlement=entitlement, actor=request.user)
                done += 1
            except (ValidationError, ApplicationError, PermissionDenied) as exc:
                _report(self, request, exc)
                break
        self.message_user(request, f"{done}건을 제공 완료로 기록했습니다.")


@admin.register(AssessmentRun)
class AssessmentRunAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "progress", "created_count", "skipped_count", "created_at", "finished_at"]
    list_filter = ["status"]
    list_select_related = ["version__policy"]
    exclude = ["claim_ids"]
    readonly_fields = [f.name for f in AssessmentRun._meta.fields if f.name != "claim_ids"]
    actions = ["resume_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AssessmentRun]:
        return super().get_queryset(request).defer("claim_ids")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="진행")
    def progress(self, run: AssessmentRun) -> str:
        return format_html(
            '<progress max="100" value="{}"></progress> {}% ({} / {})',
            run.progress_percent,
            run.progress_percent,
            f"{run.processed:,}",
            f"{run.total:,}",
        )

    @admin.action(description="선택한 일괄 산정 이어서 실행")
    def resume_selected(self, request: HttpRequest, queryset: QuerySet[AssessmentRun]) -> None:
        for run in queryset:
            try:
                services.assessment_run_resume(run=run, actor=request.user)
            except PermissionDenied as exc:
                _report(self, request, exc)
