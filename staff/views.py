"""Second-factor pages: enrol an authenticator (first login), enter a code or a recovery code."""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from staff import second_factor
from staff.forms import CodeForm


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return "/admin/"


@never_cache
@sensitive_post_parameters("code")
@login_required(login_url="admin:login")
def enrol(request: HttpRequest) -> HttpResponse:
    """First login of a staff member: scan the secret into an authenticator app, confirm one code, note the
    recovery codes (shown once)."""
    if not second_factor.requires_second_factor(request.user):
        return redirect("registration:dashboard")
    if second_factor.has_confirmed_device(request.user):
        return redirect(f"{reverse('staff:verify')}?{urlencode({'next': _next(request)})}")
    device = second_factor.pending_totp_device(user=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = second_factor.confirm_enrolment(request=request, device=device, code=form.cleaned_data["code"])
        if codes is not None:
            return render(request, "staff/recovery_codes.html", {"codes": codes, "next": _next(request)})
        form.add_error("code", _("That code is not the one your authenticator shows now. Check the app's clock and "
                                 "try the next code."))
    return render(request, "staff/enrol.html", {
        "form": form, "next": _next(request), "secret": second_factor.secret_of(device),
        "otpauth_uri": device.config_url, "qr_svg": mark_safe(second_factor.qr_svg(device.config_url)),
    })


@never_cache
@sensitive_post_parameters("code")
@login_required(login_url="admin:login")
def verify(request: HttpRequest) -> HttpResponse:
    """A staff member with an authenticator proves it once per session: a code, or one recovery code."""
    if not second_factor.has_confirmed_device(request.user):
        return redirect("staff:enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # django-otp throttles a device after a wrong code (1 s, 2 s, 4 s, ...): while it is locked even the right
        # code is not checked, so say how long to wait rather than that the code is wrong.
        wait = second_factor.seconds_locked(user=request.user)
        if wait:
            form.add_error("code", _("Too many wrong codes: wait %(seconds)s seconds, then type the code your "
                                     "authenticator shows at that moment.") % {"seconds": wait})
        elif second_factor.verify(request=request, code=form.cleaned_data["code"]):
            return redirect(_next(request))
        else:
            form.add_error("code", _("That code is not valid, or was already used."))
    return render(request, "staff/verify.html", {"form": form, "next": _next(request)})
