"""Report pages and CSV downloads for PMO staff. Each needs its own permission, not just is_staff, and
each is written to the audit log (reports.models.AuditEntry)."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from aftercare.services import after_the_draw
from eligibility.models import ReasonCode, ScreeningResult
from prakerja.lib.identity import PROVINCE_CODES
from prakerja.lib.privacy import can_see_whole, mask_name, mask_phone
from registration.models import Wave
from reports import services
from reports.charts import bar_rows, timeline_svg
from reports.models import AuditEntry

# Cluster listing on the page: the biggest clusters, each with its first registrations; the CSV has all.
PAGE_CLUSTERS = 50
PAGE_MEMBERS = 25


def staff_permission_required(perm: str) -> Callable:
    """Anonymous: to the admin login. Signed in without is_staff and `perm` (applicants too): 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("admin:login"))
            if not (user.is_active and user.is_staff and user.has_perm(perm)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _full_identity(request: HttpRequest) -> bool:
    """Whole NIK/KK/name/phone only when asked for (?full=1) by someone who may see them (can_see_whole)."""
    if request.GET.get("full") != "1":
        return False
    if not can_see_whole(request.user):
        raise PermissionDenied
    return True


def _actor(request: HttpRequest) -> dict:
    return {"user": request.user, "actor": request.user.email}


@require_GET
@staff_permission_required(services.PERM_VIEW)
def index(request: HttpRequest) -> HttpResponse:
    waves = Wave.objects.published().order_by("-number")
    return render(request, "reports/index.html", {**admin.site.each_context(request), "waves": waves})


@require_GET
@staff_permission_required(services.PERM_VIEW)
def wave_report(request: HttpRequest, number: int) -> HttpResponse:
    wave = get_object_or_404(Wave, number=number)
    full_identity = _full_identity(request)
    state = services.get_report_state(wave=wave)
    summary = state.summary
    context = {**admin.site.each_context(request), "is_nav_sidebar_enabled": False, "wave": wave, "state": state, "summary": summary,
               "full_identity": full_identity, "title": str(wave),
               "can_download": request.user.has_perm(services.PERM_DOWNLOAD),
               "can_full": can_see_whole(request.user),
               "can_contacts": request.user.has_perm(services.PERM_CONTACTS),
               "statuses": ScreeningResult.Status.choices, "reasons": ReasonCode.choices,
               "after_the_draw": after_the_draw(wave=wave, full_identity=full_identity)}
    shown_rows = 0
    if summary is not None:
        clusters = services.shown_clusters(summary, clusters=PAGE_CLUSTERS, per_cluster=PAGE_MEMBERS)
        members = services.cluster_members(clusters, per_cluster=PAGE_MEMBERS)
        for registration in members.values():
            registration.masked_name = mask_name(registration.applicant.full_name)
            registration.masked_phone = mask_phone(registration.applicant.phone)
        for cluster in clusters:
            cluster.shown = [members[pk] for pk in cluster.first_ids if pk in members]
            shown_rows += len(cluster.shown)
        province_bars = bar_rows([(code, PROVINCE_CODES.get(code, ""), n) for code, n, _e, _s in summary.per_province])
        limits = services.joki_settings()
        context.update(
            clusters=clusters,
            cluster_count=summary.clusters.count(),
            reason_bars=bar_rows([(code, label, summary.per_reason.get(code, 0)) for code, label in ReasonCode.choices]),
            province_rows=list(zip(province_bars, summary.per_province)),
            joki={**limits, "window_minutes": limits["window_seconds"] // 60},
            timeline=timeline_svg(summary.per_day),
            funnel=services.funnel(summary),
        )
    services.record_access(**_actor(request), action=AuditEntry.Action.VIEW, wave=wave, kind=AuditEntry.Kind.PAGE,
                           full_identity=full_identity, row_count=shown_rows, completed=True)
    return render(request, "reports/wave.html", context)


def _download(request: HttpRequest, number: int, kind: str, file_format: str = "csv") -> HttpResponse:
    wave = get_object_or_404(Wave, number=number)
    # The contacts file is whole by nature: its own permission (checked by the decorator) allows it.
    full_identity = kind == AuditEntry.Kind.CONTACTS or _full_identity(request)
    try:
        status, reason = services.parse_filters(status=request.GET.get("status"), reason=request.GET.get("reason"))
        delimiter = services.parse_delimiter(request.GET.get("sep"))
        summary = services.exportable_summary(wave=wave, kind=kind)
        blocks, counter = services.export(wave=wave, kind=kind, status=status, reason=reason,
                                          full_identity=full_identity, summary=summary, file_format=file_format,
                                          delimiter=delimiter)
    except services.ReportError as exc:
        context = {**admin.site.each_context(request), "is_nav_sidebar_enabled": False, "wave": wave,
                   "title": _("The file cannot be downloaded"), "message": str(exc)}
        return render(request, "reports/refused.html", context, status=400)
    entry = services.record_access(**_actor(request), action=AuditEntry.Action.DOWNLOAD, wave=wave, kind=kind,
                                   status=status, reason=reason, full_identity=full_identity)
    response = StreamingHttpResponse(services.audited(entry, blocks, counter),
                                     content_type=services.FORMATS[file_format])
    name = services.file_name(wave=wave, kind=kind, status=status, reason=reason, file_format=file_format)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"  # personal data: never kept by a proxy or the browser cache
    return response


@require_GET
@staff_permission_required(services.PERM_DOWNLOAD)
def results_csv(request: HttpRequest, number: int) -> HttpResponse:
    return _download(request, number, AuditEntry.Kind.RESULTS)


@require_GET
@staff_permission_required(services.PERM_DOWNLOAD)
def results_xlsx(request: HttpRequest, number: int) -> HttpResponse:
    return _download(request, number, AuditEntry.Kind.RESULTS, "xlsx")


@require_GET
@staff_permission_required(services.PERM_DOWNLOAD)
def summary_csv(request: HttpRequest, number: int) -> HttpResponse:
    return _download(request, number, AuditEntry.Kind.SUMMARY)


@require_GET
@staff_permission_required(services.PERM_DOWNLOAD)
def clusters_csv(request: HttpRequest, number: int) -> HttpResponse:
    return _download(request, number, AuditEntry.Kind.CLUSTERS)


@require_GET
@staff_permission_required(services.PERM_CONTACTS)
def contacts_csv(request: HttpRequest, number: int) -> HttpResponse:
    return _download(request, number, AuditEntry.Kind.CONTACTS)


@require_GET
@staff_permission_required(services.PERM_CONTACTS)
def contacts_xlsx(request: HttpRequest, number: int) -> HttpResponse:
    return _download(request, number, AuditEntry.Kind.CONTACTS, "xlsx")
