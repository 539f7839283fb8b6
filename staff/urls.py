from django.urls import path

from staff import views

app_name = "staff"
urlpatterns = [
    path("verifikasi/", views.verify, name="verify"),
    path("verifikasi/daftar/", views.enrol, name="enrol"),
]
