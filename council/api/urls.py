from rest_framework.routers import DefaultRouter

from council.api import views

router = DefaultRouter()
router.register("meetings", views.MeetingViewSet, basename="council-meeting")
router.register("resolutions", views.ResolutionViewSet, basename="council-resolution")
router.register("minutes", views.MinutesVersionViewSet, basename="council-minutes")

urlpatterns = router.urls
