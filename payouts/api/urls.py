from django.urls import path
from rest_framework.routers import SimpleRouter

from payouts.api.views import PayoutBatchViewSet, PayoutViewSet, ReconciliationExceptionViewSet, policy_report

router = SimpleRouter()
router.register("batches", PayoutBatchViewSet, basename="payout-batch")
router.register("payouts", PayoutViewSet, basename="payout")
router.register("reconciliation-exceptions", ReconciliationExceptionViewSet, basename="reconciliation-exception")

urlpatterns = [path("policies/<int:policy_id>/report/", policy_report, name="payout-policy-report"), *router.urls]
