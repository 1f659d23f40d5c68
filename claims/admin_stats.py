"""The claims statistics report as an admin page: the figures of GET /api/v1/stats/claims/ with charts.

Charts are drawn on the server (CSS bars and one inline SVG), so the page needs no script and no CDN.
Wired in config/urls.py as /admin/claims/stats/ through `admin.site.admin_view` (staff login, admin chrome);
reading it needs `claims.view_claim_stats`, like the API.
"""

from datetime import date, datetime
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from claims import selectors
from claims.models import Claim, Claimant, Incident, Service
from reporting.selectors import claim_tally_available

DAY_CHART_WIDTH = 760
DAY_CHART_HEIGHT = 220
DAY_CHART_AXIS = 28  # room under the bars for the date labels


def _rows(
    entries: dict[str, dict[str, Any]], labels: dict[str, str], *, by_count: bool = False
) -> list[dict[str, Any]]:
    items = list(entries.items())
    if by_count:
        items.sort(key=lambda item: -item[1]["count"])
    return [
        {
            "label": labels.get(key, key),
            "key": key,
            "count": entry["count"],
            "share": entry["share"],
            "percent": f"{entry['share'] * 100:.1f}%",
            "width": f"{entry['share'] * 100:.2f}%",
        }
        for key, entry in items
    ]


def _sections(report: dict[str, Any], incident: Incident) -> list[dict[str, Any]]:
    services = dict(Service.objects.filter(incident=incident).values_list("code", "name"))
    own = report["own"]
    return [
        {
            "title": "운영 주체별",
            "parent": f"전체 {report['total']:,}건 대비",
            "rows": _rows(report["by_operator"], dict(Claim.Operator.choices)),
        },
        {
            "title": "자체 서비스 신고의 분류",
            "parent": f"자체 서비스 {own['count']:,}건 대비",
            "rows": _rows(own["by_category"], dict(Claim.Category.choices)),
        },
        {
            "title": "자체 서비스 신고인 구분",
            "parent": f"자체 서비스 {own['count']:,}건 대비",
            "rows": _rows(own["by_claimant_kind"], dict(Claimant.Kind.choices)),
        },
        {
            "title": "서비스별",
            "parent": f"전체 {report['total']:,}건 대비",
            "rows": _rows(report["by_service"], services, by_count=True),
        },
        {
            "title": "처리 상태별",
            "parent": f"전체 {report['total']:,}건 대비",
            "rows": _rows(report["by_status"], dict(Claim.Status.choices)),
        },
    ]


def _day_chart(by_day: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """Column geometry for the inline SVG: one bar per day, heights relative to the busiest day."""
    if not by_day:
        return None
    peak = max(entry["count"] for entry in by_day.values()) or 1
    slot = DAY_CHART_WIDTH / len(by_day)
    plot = DAY_CHART_HEIGHT - DAY_CHART_AXIS
    bars = []
    for index, (day, entry) in enumerate(sorted(by_day.items())):
        height = round(plot * entry["count"] / peak, 1)
        parsed = date.fromisoformat(day)
        bars.append(
            {
                "x": round(index * slot + slot * 0.1, 1),
                "y": round(plot - height, 1),
                "width": round(slot * 0.8, 1),
                "height": height,
                "label_x": round(index * slot + slot / 2, 1),
                "label": f"{parsed.month}/{parsed.day}",
                "day": day,
                "count": entry["count"],
                "percent": f"{entry['share'] * 100:.1f}%",
            }
        )
    return {
        "bars": bars,
        "width": DAY_CHART_WIDTH,
        "height": DAY_CHART_HEIGHT,
        "label_y": DAY_CHART_HEIGHT - 8,
        "peak": peak,
        # Thin out the date labels so they never overlap (about 20 fit).
        "label_every": max(1, -(-len(bars) // 20)),
    }


def claim_stats_admin_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("claims.view_claim_stats"):
        raise PermissionDenied
    incidents = list(Incident.objects.order_by("-occurred_at"))
    code = request.GET.get("incident")
    if code:
        incident = next((i for i in incidents if i.code == code), None)
        if incident is None:
            raise Http404("알 수 없는 장애 코드입니다.")
    else:
        incident = selectors.incident_get_default() or (incidents[0] if incidents else None)
    fresh = request.GET.get("fresh") == "1"
    report = selectors.claim_stats(incident=incident, use_cache=not fresh) if incident else None
    context = {
        **admin.site.each_context(request),
        "title": "피해 신고 통계",
        "incidents": incidents,
        "incident": incident,
        "report": report,
        "sections": _sections(report, incident) if report and incident else [],
        "day_chart": _day_chart(report["by_day"]) if report else None,
        "generated_at": datetime.fromisoformat(report["generated_at"]) if report else None,
        "cache_seconds": selectors.STATS_CACHE_SECONDS,
        "live": claim_tally_available(),
    }
    return TemplateResponse(request, "admin/claims/stats.html", context)
