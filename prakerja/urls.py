from django.apps import apps
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Kartu Prakerja: PMO administration")
admin.site.site_title = _("Kartu Prakerja PMO")
admin.site.index_title = _("Waves, screening, reports and complaints")

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("pengaduan/", include("complaints.urls")),
    path("laporan/", include("reports.urls")),
    path("", include("registration.urls")),
]

if apps.is_installed("benchmarks"):  # make bench's reference views (bench_surge); never in production
    urlpatterns.insert(0, path("bench/", include("benchmarks.urls")))
