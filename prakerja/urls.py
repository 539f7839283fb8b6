from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csp import csp_override
from django.views.defaults import server_error
from django.views.generic import RedirectView

from registration import views as registration_views

admin.site.site_header = _("Kartu Prakerja: PMO administration")
admin.site.site_title = _("Kartu Prakerja PMO")
admin.site.index_title = _("Waves, screening, reports and complaints")

urlpatterns = [
    # Django's set_language, which also keeps a signed-in user's choice on the account (User.language).
    path("i18n/setlang/", registration_views.set_language, name="set_language"),
    # Browsers ask for /favicon.ico whatever the page links: the static (hashed, cached) icon, not a 404 page.
    path("favicon.ico", RedirectView.as_view(permanent=True, get_redirect_url=lambda *a, **k: static("favicon.ico"))),
    path("admin/", admin.site.urls),
    path("pengaduan/", include("complaints.urls")),
    path("laporan/", include("reports.urls")),
    path("", include("aftercare.urls")),
    path("staf/", include("staff.urls")),
    path("", include("registration.urls")),
]

# templates/500.html is fixed text rendered with no request or context (it must work with the database down), so
# its styles are inline; nothing on it comes from a user, so an inline <style> there injects nothing.
handler500 = csp_override({**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE]})(server_error)

if apps.is_installed("benchmarks"):  # make bench's reference views (bench_surge); never in production
    urlpatterns.insert(0, path("bench/", include("benchmarks.urls")))
