"""Report pages and CSV downloads for PMO staff. Each needs its own permission, not just is_staff, and
each is written to the audit log (reports.models.AuditEntry)."""
from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from aftercare.services import after_the_draw
from eligibility.models import ReasonCode, ScreeningResult
from prakerja.lib.identity import PROVINCE_CODES
from prakerja.lib.privacy import can_see_whole
from registration.models import Wave
from reports import services
from reports.charts import bar_rows, timeline_svg
from reports.models import AuditEntry, JokiCluster

# Cluster listing on the page: the biggest clusters, each with its first registrations (JokiCluster.FIRST_MEMBERS,
# stored with it); every member is one link away, a page at a time, and in the CSV.
PAGE_CLUSTERS = 50
CLUSTER_PAGE_MEMBERS = 100


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
        clusters, cluster_count = services.shown_clusters(summary, clusters=PAGE_CLUSTERS)
        rows = services.member_rows([pk for cluster in clusters for pk in cluster.first_ids],
                                    full_identity=full_identity)
        for cluster in clusters:
            cluster.shown = [rows[pk] for pk in cluster.first_ids if pk in rows]
            shown_rows += len(cluster.shown)
        province_bars = bar_rows([(code, PROVINCE_CODES.get(code, ""), n) for code, n, _e, _s in summary.per_province])
        limits = services.joki_settings()
        context.update(
            clusters=clusters,
            cluster_count=cluster_count,
            reason_bars=bar_rows([(code, label, summary.per_reason.get(code, 0)) for code, label in ReasonCode.choices]),
            province_rows=list(zip(province_bars, summary.per_province)),
            joki={**limits, "window_minutes": limits["window_seconds"] // 60},
            timeline=timeline_svg(summary.per_day),
            funnel=services.funnel(summary),
        )
    services.record_access(**_actor(request), action=AuditEntry.Action.VIEW, wave=wave, kind=AuditEntry.Kind.PAGE,
                           full_identity=full_identity, row_count=shown_rows, completed=True)
    return render(request, "reports/wave.html", context)


@require_GET
@staff_permission_required(services.PERM_VIEW)
def cluster_members(request: HttpRequest, number: int, cluster: int) -> HttpResponse:
    """Every member of one joki cluster, CLUSTER_PAGE_MEMBERS a page (?page=N), in the cluster's order; masked
    unless asked for whole by someone who may see it, and each page view audited with its rows."""
    wave = get_object_or_404(Wave, number=number)
    full_identity = _full_identity(request)
    cluster = get_object_or_404(JokiCluster.objects.defer("registration_ids"), pk=cluster, summary__wave=wave)
    pages = max(1, math.ceil(cluster.size / CLUSTER_PAGE_MEMBERS))
    page = request.GET.get("page", "1")
    if not page.isdecimal() or not 1 <= int(page) <= pages:
        raise Http404
    page = int(page)
    rows = services.cluster_member_page(cluster, page=page, per_page=CLUSTER_PAGE_MEMBERS, full_identity=full_identity)
    services.record_access(**_actor(request), action=AuditEntry.Action.VIEW, wave=wave, kind=AuditEntry.Kind.CLUSTERS,
                           full_identity=full_identity, row_count=len(rows), completed=True)
    first = (page - 1) * CLUSTER_PAGE_MEMBERS
    context = {**admin.site.each_context(request), "is_nav_sidebar_enabled": False, "wave": wave,
               "cluster": cluster, "rows": rows, "page": page, "pages": pages, "full_identity": full_identity,
               "first": first + 1, "last": first + len(rows), "title": str(wave),
               "can_download": request.user.has_perm(services.PERM_DOWNLOAD)}
    return render(request, "reports/cluster.html", context)


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
