from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import User
from django.http import HttpRequest

from accounts.models import RoleChange
from accounts.services import user_set_roles


@admin.register(RoleChange)
class RoleChangeAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "action", "role", "actor"]
    list_filter = ["action", "role"]
    list_select_related = ["user", "actor"]
    search_fields = ["user__username"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin, with role changes routed through the audited service."""

    def save_related(self, request, form, formsets, change):  # type: ignore[no-untyped-def]
        roles = form.cleaned_data.get("groups") if "groups" in form.cleaned_data else None
        if roles is not None:
            form.cleaned_data = {k: v for k, v in form.cleaned_data.items() if k != "groups"}
        super().save_related(request, form, formsets, change)
        if roles is not None:
            user_set_roles(user=form.instance, roles=roles, actor=request.user)
