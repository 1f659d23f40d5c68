from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from claims.admin_stats import claim_stats_admin_view

admin.site.site_header = "Redress 피해지원 백오피스"
admin.site.site_title = "Redress"
admin.site.index_title = "업무"

# API clients get JSON for URLs that match no route too (core/views.py).
handler404 = "core.views.page_not_found"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="claims:new", permanent=False)),
    # Before admin.site.urls, which would read "claims/stats/" as a model admin of the claims app.
    path("admin/claims/stats/", admin.site.admin_view(claim_stats_admin_view), name="admin-claim-stats"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("claims/", include("claims.urls")),
    path("council/", include("council.urls")),
    path("api/v1/council/", include("council.api.urls")),
    path("api/v1/compensation/", include("compensation.api.urls")),
    path("api/v1/", include("claims.api.urls")),
    path("api/v1/payouts/", include("payouts.api.urls")),
    path("payouts/", include("payouts.urls")),
    path("captcha/", include("captcha.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
