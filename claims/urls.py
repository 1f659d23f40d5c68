from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("new/", views.claim_new, name="new"),
    path("submitted/", views.claim_submitted, name="submitted"),
    path("status/", views.claim_status, name="status"),
    path("evidence/<int:evidence_id>/download/", views.evidence_download, name="evidence-download"),
]
