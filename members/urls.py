from django.urls import path

import core.converters  # noqa: F401 - registers the <id:> and <token:> converters

from . import link_views, views

app_name = "members"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("profil/", views.profile, name="profile"),
    path("profil/perubahan/", views.change_request, name="change_request"),
    path("profil/foto/", views.photo, name="photo"),
    path("kartu.pdf", views.card_pdf, name="card_pdf"),
    path("kartu/qr.png", views.card_qr, name="card_qr"),
    path("kartu/foto.jpg", views.card_photo, name="card_photo"),
    path("data/", views.data_export, name="data_export"),
    path("hapus/", views.delete_account, name="delete_account"),
    path("pelatihan/<id:training_id>/daftar/", views.enroll, name="enroll"),
    path("pelatihan/<id:training_id>/batal/", views.cancel, name="cancel"),
    path("tawaran/<token:token>/", link_views.offer, name="offer"),
    path("berhalangan/<token:token>/", link_views.absence, name="absence"),
    path("hadir/<token:token>/", link_views.attend, name="attend"),
    path("kabar/", views.preferences, name="preferences"),
    path("kabar/berhenti/<token:token>/", link_views.unsubscribe, name="unsubscribe"),
    path("kalender/<token:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("kalender/ganti/", views.calendar_rotate, name="calendar_rotate"),
    path("sertifikat/<str:number>/unduh/", views.certificate_download, name="certificate_download"),
]
