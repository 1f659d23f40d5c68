"""Reference data supervisors edit (teams, category policies, canned responses) and information requests."""

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from claims.casework.admin.common import agent_choices
from claims.models import (
    CannedResponse,
    CategoryPolicy,
    InformationRequest,
    Team,
)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "supervisor", "auto_assign", "agent_count", "categories"]
    list_select_related = ["supervisor"]
    search_fields = ["name"]
    filter_horizontal = ["agents"]
    readonly_fields = ["last_assigned_user_id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return super().get_queryset(request).annotate(_agents=Count("agents")).prefetch_related("policies")

    @admin.display(description="상담원 수", ordering="_agents")
    def agent_count(self, team: Team) -> int:
        return team._agents  # type: ignore[attr-defined]

    @admin.display(description="담당 분류 (분류별 처리 기준에서 지정)")
    def categories(self, team: Team) -> str:
        return ", ".join(policy.get_category_display() for policy in team.policies.all()) or "-"

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
