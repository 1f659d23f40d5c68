from django.urls import path

from payouts import views

app_name = "payouts"

urlpatterns = [path("account/", views.bank_account_page, name="account")]
