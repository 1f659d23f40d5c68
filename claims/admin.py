from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from claims.casework.admin import ClaimCaseworkAdminMixin
from claims.casework.admin.common import error_text
from claims.filters import claim_filter_by_key, claimant_filter_by_key
from claims.models import Affiliate, Claim, Claimant, ClaimEvidence, Incident, Service
from claims.services import CLAIMANT_CONTACT_FIELDS, claimant_contact_clean, claimant_update_contact
from core.exceptions import ApplicationError
from core.masking import mask_phone
from core.validators import reject_rrn
from notifications.admin import ClaimNotificationInline
from privacy.access import AccessRecordedAdminMixin
from privacy.models import PersonalDataAccess
from privacy.services import MAX_IDS_PER_RECORD, access_record


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "company_name", "occurred_at", "reference_prefix", "is_open"]
    search_fields = ["code", "name"]


@admin.register(Affiliate)
class AffiliateAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "contact_email", "contact_phone"]
    search_fields = ["code", "name"]
    filter_horizontal = ["members"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "incident", "affiliate", "outage_started_at", "outage_ended_at", "outage_hours"]
    list_filter = ["incident", "affiliate"]
    list_select_related = ["incident", "affiliate"]
    search_fields = ["code", "name"]


class ClaimEvidenceInline(admin.TabularInline):
    model = ClaimEvidence
    extra = 0
    fields = ("original_name", "content_type", "size", "sha256", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Claim)
class ClaimAdmin(ClaimCaseworkAdminMixin, admin.ModelAdmin):
    list_display = [
        "reference",
        "received_at",
        "service",
        "claimant_kind",
        "status",
        "category",
        "subtype",
        "operator",
        "claimed_amount",
        "duplicate_of",
        "assigned_to",
    ]
    list_filter = ["status", "category", "operator", "claimant_kind", "subtype", "channel", "incident"]
    list_select_related = ["service", "duplicate_of", "assigned_to"]
    search_fields = ["reference"]
    search_help_text = "접수번호, 전화번호 또는 사업자등록번호 (정확히 일치)"
    show_full_result_count = False
    # Django 5 offers per-filter counts with ?_facets=1: one COUNT per filter option over a million rows.
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    readonly_fields = [
        "reference",
        "incident",
        "service",
        "claimant",
        "claimant_kind",
        "paid",
        "claimed_amount",
        "description",
        "channel",
        "received_at",
        "status",
        "operator",
        "affiliate",
        "category",
        "triage_rule",
        "duplicate_of",
        "consent_privacy",
        "consent_share_contact",
        "external_id",
        "submission_id",
        "created_at",
        "updated_at",
    ]
    fields = [*readonly_fields[:3], "subtype", "assigned_to", *readonly_fields[3:]]
    inlines = [ClaimEvidenceInline, ClaimNotificationInline]
    date_hierarchy = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):  # type: ignore[no-untyped-def]
        if not search_term:
            return queryset, False
        found = claim_filter_by_key(queryset, search_term)
        access_record(
            request=request,
            action=PersonalDataAccess.Action.SEARCH,
            claimant_ids=found.values_list("claimant_id", flat=True)[:MAX_IDS_PER_RECORD],
            query=search_term,
        )
        return found, False

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):  # type: ignore[no-untyped-def]
        if request.method == "GET" and str(object_id).isdigit():
            claimant_id = Claim.objects.filter(pk=object_id).values_list("claimant_id", flat=True).first()
            access_record(request=request, action=PersonalDataAccess.Action.VIEW, claimant_ids=[claimant_id])
        return super().change_view(request, object_id, form_url, extra_context)

    # Django links a read-only foreign key to the related admin page by itself: only those who may correct the
    # claimant get that link, others see the same masked name as plain text.
    def _claimant_field(self, request: HttpRequest, names: Any) -> list[str]:
        shown = "claimant" if request.user.has_perm("claims.change_claimant") else "claimant_text"
        return [shown if name == "claimant" else name for name in names]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:  # type: ignore[override]
        return self._claimant_field(request, super().get_fields(request, obj))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return self._claimant_field(request, super().get_readonly_fields(request, obj))

    @admin.display(description="신고인")
    def claimant_text(self, claim: Claim) -> str:
        return str(claim.claimant)


class ClaimantContactForm(forms.ModelForm):
    """Contact details as an agent types them, cleaned by the intake rules (claims.services.claimant_contact_clean)."""

    # Wider than the stored digits: agents paste numbers with dashes or +82, and the cleaning shortens them.
    phone = forms.CharField(label="전화번호", max_length=20)
    business_no = forms.CharField(label="사업자등록번호", max_length=20, required=False)
    # Plain text, so that a bad address gets the same message as on the public form.
    email = forms.CharField(label="이메일", max_length=254, required=False)
    reason = forms.CharField(
        label="사유",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="정정 사유는 신고의 처리 이력에 남습니다. 개인정보(전화번호 등)는 적지 마세요.",
    )

    class Meta:
        model = Claimant
        fields = list(CLAIMANT_CONTACT_FIELDS)

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        reject_rrn(reason)
        return reason

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        changes = {name: cleaned[name] for name in CLAIMANT_CONTACT_FIELDS if name in cleaned}
        try:
            cleaned.update(claimant_contact_clean(claimant=self.instance, changes=changes))
        except ValidationError as exc:
            self.add_error(None, exc)
        return cleaned


@admin.register(Claimant)
class ClaimantAdmin(AccessRecordedAdminMixin, admin.ModelAdmin):
    """Correcting a claimant's contact details after intake. Claimants are found by an exact phone or business
    number, never browsed: the list of everyone who was harmed is not a page anyone needs."""

    access_claimant_lookup = "pk"
    form = ClaimantContactForm
    list_display = ["masked_name", "kind", "masked_phone", "preferred_channel", "anonymised_at"]
    search_fields = ["phone"]  # shows the search box; get_search_results does the matching
    search_help_text = (
        "전화번호 또는 사업자등록번호를 정확히 입력해 검색하세요. 검색하지 않으면 아무도 표시되지 않습니다."
    )
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    readonly_fields = ["kind", "created_at", "updated_at", "anonymised_at"]
    fieldsets = [
        (None, {"fields": ["kind", "name", "email", "phone", "business_no"]}),
        ("알림", {"fields": ["preferred_channel", "opted_out_optional"]}),
        ("정정", {"fields": ["reason"]}),
        ("기록", {"fields": ["created_at", "updated_at", "anonymised_at"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Nothing is left to correct once the personal data is destroyed, and writing it back would undo that.
        return super().has_change_permission(request, obj) and (obj is None or obj.anonymised_at is None)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        if self.has_change_permission(request, obj):
            return self.fieldsets
        return [(title, opts) for title, opts in self.fieldsets if "reason" not in opts["fields"]]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):  # type: ignore[no-untyped-def]
        return claimant_filter_by_key(queryset, search_term.strip()), False

    @admin.display(description="이름/상호")
    def masked_name(self, claimant: Claimant) -> str:
        return str(claimant)

    @admin.display(description="전화번호")
    def masked_phone(self, claimant: Claimant) -> str:
        return mask_phone(claimant.phone)

    def save_model(self, request: HttpRequest, obj: Claimant, form: Any, change: bool) -> None:
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in CLAIMANT_CONTACT_FIELDS}
        try:
            claimant_update_contact(
                claimant=obj, actor=request.user, changes=changes, reason=form.cleaned_data["reason"]
            )
        except (ValidationError, ApplicationError) as exc:
            request._claimant_error = True  # type: ignore[attr-defined]
            self.message_user(request, error_text(exc), messages.ERROR)

    def response_change(self, request: HttpRequest, obj: Claimant) -> HttpResponse:
        if getattr(request, "_claimant_error", False):
            return HttpResponseRedirect(request.get_full_path())
        return super().response_change(request, obj)


# Bulk import admin (upload, progress, report download) lives in its own module.
from claims.admin_import import ClaimImportAdmin  # noqa: E402, F401
