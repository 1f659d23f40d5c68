from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from claims.casework.admin import ClaimCaseworkAdminMixin
from claims.filters import claim_filter_by_key
from claims.models import Affiliate, Claim, ClaimEvidence, Incident, Service
from notifications.admin import ClaimNotificationInline
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


# Bulk import admin (upload, progress, report download) lives in its own module.
from claims.admin_import import ClaimImportAdmin  # noqa: E402, F401
