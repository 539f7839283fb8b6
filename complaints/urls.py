from django.urls import path

from complaints import views

app_name = "complaints"
urlpatterns = [
    path("", views.new, name="new"),
    path("terkirim/", views.sent, name="sent"),
    path("status/", views.status, name="status"),
    path("waspada/", views.warning, name="warning"),
    path("bukti/<int:pk>/", views.evidence_download, name="evidence"),
]
