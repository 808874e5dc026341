from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("profil/", views.profile, name="profile"),
    path("data/", views.data_export, name="data_export"),
    path("hapus/", views.delete_account, name="delete_account"),
]
