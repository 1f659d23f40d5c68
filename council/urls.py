from django.contrib.auth import views as auth_views
from django.urls import path

from council import views

app_name = "council"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.MemberLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="council:login"), name="logout"),
    path("meetings/<int:meeting_id>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:meeting_id>/conflicts/", views.conflict_declare, name="conflict_declare"),
    path("resolutions/<int:resolution_id>/vote/", views.vote, name="vote"),
    path("papers/<int:paper_id>/download/", views.paper_download, name="paper_download"),
    path("minutes/<int:version_id>/", views.minutes_version, name="minutes_version"),
    path("minutes/<int:version_id>/pdf/", views.minutes_version_pdf, name="minutes_version_pdf"),
    path("public/minutes/<uuid:token>/", views.minutes_public, name="minutes_public"),
    path("public/minutes/<uuid:token>/v<int:number>/", views.minutes_public, name="minutes_public_version"),
]
