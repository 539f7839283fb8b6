from django.urls import path

from complaints import views

app_name = "complaints"
urlpatterns = [
    path("", views.new, name="new"),
    path("terkirim/", views.sent, name="sent"),
    path("status/", views.status, name="status"),
    path("waspada/", views.warning, name="warning"),
    path("bukti/<int:pk>/", views.evidence_download, name="evidence"),
    path("nik-disalahgunakan/", views.nik_misuse, name="nik_misuse"),
    path("nik-disalahgunakan/terkirim/", views.nik_misuse_sent, name="nik_misuse_sent"),
    path("nik-disalahgunakan/bukti/<int:pk>/", views.misuse_evidence_download, name="nik_misuse_evidence"),
    path("hasil-keliru/<int:number>/", views.result_wrong, name="result_wrong"),
]
