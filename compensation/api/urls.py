from rest_framework.routers import SimpleRouter

from compensation.api.views import (
    AppealViewSet,
    AssessmentRunViewSet,
    AssessmentViewSet,
    EntitlementViewSet,
    PolicyVersionViewSet,
    PolicyViewSet,
)

router = SimpleRouter()
router.register("policies", PolicyViewSet, basename="compensation-policy")
router.register("versions", PolicyVersionViewSet, basename="compensation-version")
router.register("assessments", AssessmentViewSet, basename="compensation-assessment")
router.register("runs", AssessmentRunViewSet, basename="compensation-run")
router.register("appeals", AppealViewSet, basename="compensation-appeal")
router.register("entitlements", EntitlementViewSet, basename="compensation-entitlement")

urlpatterns = router.urls
