"""Access records for the admin and the API: mixins that write one PersonalDataAccess row per list page, search,
opened record and download of data about claimants, and the reason page downloads ask for.

Each model says how to reach the claimant (`access_claimant_lookup`, e.g. "claim__claimant_id"); the ids of a
page are read with one query, so a longer page costs no more queries."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from privacy.models import PersonalDataAccess
from privacy.services import MAX_IDS_PER_RECORD, access_record

Action = PersonalDataAccess.Action


def claimant_ids_of(*, model: type[Model], pks: Iterable[Any], lookup: str) -> list[int | None]:
    pks = list(pks)
    if not pks:
        return []
    return list(model._default_manager.filter(pk__in=pks[:MAX_IDS_PER_RECORD]).values_list(lookup, flat=True))


def download_reason(request: HttpRequest, *, title: str, subject: str) -> tuple[str, HttpResponse | None]:
    """The reason for a download of personal data, or the page asking for it (as the evidence download does)."""
    reason = (request.GET.get("reason") or "").strip()[:200]
    if reason:
        return reason, None
    return "", render(request, "privacy/download_reason.html", {"title": title, "subject": subject})


class AccessRecordedAdminMixin:
    """For a ModelAdmin whose rows show a claimant's data: the changelist writes a list record (a search record
    when searched), and opening a row writes a view record."""

    access_claimant_lookup = "claimant_id"

    def _access_ids(self, pks: Iterable[Any]) -> list[int | None]:
        return claimant_ids_of(model=self.model, pks=pks, lookup=self.access_claimant_lookup)  # type: ignore[attr-defined]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        response = super().changelist_view(request, extra_context)  # type: ignore[misc]
        changelist = getattr(response, "context_data", {}).get("cl") if hasattr(response, "context_data") else None
        if changelist is not None and request.method == "GET":
            term = changelist.query or ""
            access_record(
                request=request,
                action=Action.SEARCH if term else Action.LIST,
                claimant_ids=self._access_ids(obj.pk for obj in changelist.result_list),
                query=term,
            )
        return response

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        if request.method == "GET" and str(object_id).isdigit():
            access_record(request=request, action=Action.VIEW, claimant_ids=self._access_ids([object_id]))
        return super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]


class AccessRecordedViewSetMixin:
    """For a DRF ViewSet whose rows show a claimant's data: a list page writes a list record (a search record when
    filtered by `q`), retrieving one row writes a view record."""

    access_claimant_lookup = "claimant_id"

    def _access_ids(self, rows: Iterable[Any]) -> list[int | None]:
        rows = list(rows)
        if not rows:
            return []
        return claimant_ids_of(model=type(rows[0]), pks=(row.pk for row in rows), lookup=self.access_claimant_lookup)

    def paginate_queryset(self, queryset: Any) -> list[Any] | None:
        page = super().paginate_queryset(queryset)  # type: ignore[misc]
        if page:
            request = self.request  # type: ignore[attr-defined]
            access_record(
                request=request,
                action=Action.SEARCH if request.query_params.get("q") else Action.LIST,
                claimant_ids=self._access_ids(page),
                query=request.query_params.urlencode(),
            )
        return page

    def get_object(self) -> Any:
        obj = super().get_object()  # type: ignore[misc]
        if getattr(self, "action", None) == "retrieve":
            access_record(request=self.request, action=Action.VIEW, claimant_ids=self._access_ids([obj]))  # type: ignore[attr-defined]
        return obj
