"""Pages after the draw: an applicant's appeal form (sanggahan), and the staff helpdesk look-up."""
from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from aftercare import helpdesk, services
from aftercare.forms import AppealForm, HelpdeskForm
from aftercare.models import Appeal
from eligibility.models.screening import ScreeningResult
from registration.models import Registration
from reports.views import staff_permission_required


def _registration_for_user(request: HttpRequest, number: int) -> Registration:
    registration = (Registration.objects.filter(applicant__user=request.user, wave__number=number)
                    .select_related("wave").first())
    if registration is None:
        raise Http404
    return registration


@login_required
@require_http_methods(["GET", "POST"])
def appeal(request: HttpRequest, number: int) -> HttpResponse:
    """The appeal form for the user's own registration in wave `number`, one reason per appeal."""
    registration = _registration_for_user(request, number)
    result = ScreeningResult.objects.filter(registration=registration).select_related("run").first()
    appeals = list(Appeal.objects.filter(registration=registration))
    appealed = {a.reason for a in appeals}
    reasons = [code for code in services.appealable_reasons(result) if code not in appealed]
    closes = services.appeal_window_closes(result.run.finished_at if result and result.run else None)
    is_open = bool(reasons) and closes is not None and timezone.now() < closes
    form = AppealForm(request.POST or None, request.FILES or None, reasons=reasons) if is_open else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.file_appeal(registration=registration, reason=form.cleaned_data["reason"],
                                 statement=form.cleaned_data["statement"], files=form.cleaned_data["evidence"])
        except services.AftercareError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your appeal was sent. PMO staff decide it before the draw; the decision "
                                        "appears on your dashboard."))
            return redirect("registration:dashboard")
    return render(request, "aftercare/appeal.html", {
        "registration": registration, "result": result, "appeals": appeals, "form": form, "closes": closes,
        "is_open": is_open,
    })


@staff_permission_required("aftercare.use_helpdesk")
@require_http_methods(["GET", "POST"])
def helpdesk_view(request: HttpRequest) -> HttpResponse:
    """Find an applicant by NIK, phone or e-mail (POSTed, never in the URL) and show every registration; each
    look-up is audited. Whole values only for staff who hold registration.view_full_nik and ask for them."""
    form = HelpdeskForm(request.POST or None)
    found = None
    if request.method == "POST" and form.is_valid():
        full = form.cleaned_data["full"] and request.user.has_perm(helpdesk.PERM_FULL)
        found = helpdesk.look_up(query=form.cleaned_data["query"], by=request.user, full_identity=full)
        if found.problem:
            form.add_error("query", found.problem)
        else:
            form = HelpdeskForm()  # the searched value is not echoed back: it may be a whole NIK
    return render(request, "aftercare/helpdesk.html", {
        **admin.site.each_context(request), "title": _("Helpdesk"), "form": form, "found": found,
        "can_full": request.user.has_perm(helpdesk.PERM_FULL),
    })
