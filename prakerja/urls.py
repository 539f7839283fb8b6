from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("pengaduan/", include("complaints.urls")),
    path("laporan/", include("reports.urls")),
    path("", include("registration.urls")),
]
