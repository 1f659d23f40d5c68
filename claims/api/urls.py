from django.urls import path
from rest_framework.routers import SimpleRouter

from claims.api.casework import TransferBatchViewSet
from claims.api.views import ClaimStatsView, ClaimViewSet

router = SimpleRouter()
router.register("claims", ClaimViewSet, basename="claim")
router.register("transfers", TransferBatchViewSet, basename="transfer")

urlpatterns = [
    path("stats/claims/", ClaimStatsView.as_view(), name="claim-stats"),
    *router.urls,
]
