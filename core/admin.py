"""Admin pieces shared by the apps."""

from typing import Any

from django.http import HttpRequest


class ReadOnlyAdminMixin:
    """A record kept by the services (history, jobs, ledgers, outcomes): the admin shows it and never edits it."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
