"""Public pages (complaint form, confirmation, status look-up, warning) and the staff-only evidence download."""
from __future__ import annotations

import logging

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from complaints import conf, services
from complaints.forms import ComplaintForm, StatusLookupForm, issue_form_token
from complaints.models import Complaint, Evidence
from prakerja.lib import limits
from prakerja.lib.http import throttle_key
from prakerja.middleware import body_limit

logger = logging.getLogger(__name__)

SESSION_KEY = "complaints:last_reference"


def _rate_limited(request: HttpRequest) -> HttpResponse:
    response = render(request, "complaints/rate_limited.html", status=429)
    response["Retry-After"] = "3600"
    return response


@body_limit(conf.max_request_bytes)  # refused before the body is parsed or written to disk (prakerja.middleware)
@never_cache  # each rendering carries a fresh bot-trap stamp and CSRF token
@sensitive_post_parameters("reporter_email", "reporter_phone", "description")
@require_http_methods(["GET", "POST"])
# Fails open when the cache is down: a complaint is stored in the database, and receipts are limited per inbox
# there (complaints.tasks.send_receipt), not in the cache.
@limits.limit_posts((limits.COMPLAINT_PER_CLIENT, throttle_key))
def new(request: HttpRequest) -> HttpResponse:
    """The public complaint form, for anyone, signed in or not."""
    status = 200
    if request.method == "POST":
        if request.limit is not limits.Verdict.ALLOWED:
            return _rate_limited(request)
        form = ComplaintForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            complaint = services.file_complaint(
                kind=data["kind"], address=data["address"], description=data["description"], loss=data["loss"],
                amount_lost=data["amount_lost"], reporter_email=data["reporter_email"],
                reporter_phone=data["reporter_phone"], evidence=data["evidence"],
                police_report=data["police_report"], filed_by=request.user, language=get_language() or "id",
            )
            request.session[SESSION_KEY] = complaint.reference
            return redirect("complaints:sent")
        status = 400 if form.is_bot else 200
    else:
        initial = {"reporter_email": request.user.email} if request.user.is_authenticated else {}
        form = ComplaintForm(initial=initial)
    context = {"form": form, "form_token": issue_form_token(), "max_files": conf.max_evidence_files(),
               "max_upload_bytes": conf.max_upload_bytes()}
    return render(request, "complaints/new.html", context, status=status)


@never_cache
@require_GET
def sent(request: HttpRequest) -> HttpResponse:
    """The confirmation page: the reference number of the complaint just filed in this browser session."""
    reference = request.session.get(SESSION_KEY)
    if not reference:
        return redirect("complaints:new")
    return render(request, "complaints/sent.html", {"reference": reference})


@never_cache
@sensitive_post_parameters("email")
@require_http_methods(["GET", "POST"])
# Fails open when the cache is down: a look-up needs a 40-bit reference AND its e-mail address.
@limits.limit_posts((limits.COMPLAINT_LOOKUP_PER_CLIENT, throttle_key))
def status(request: HttpRequest) -> HttpResponse:
    """Status look-up by reference number AND e-mail.

    A wrong number and a wrong e-mail give the same page with the same message: nothing tells a stranger
    whether a reference exists.
    """
    complaint, not_found = None, False
    if request.method == "POST":
        if request.limit is not limits.Verdict.ALLOWED:
            return _rate_limited(request)
        form = StatusLookupForm(request.POST)
        if form.is_valid():
            complaint = Complaint.objects.for_reporter(reference=form.cleaned_data["reference"],
                                                       email=form.cleaned_data["email"])
            not_found = complaint is None
            if not_found:
                # A blank form: echoing what was typed would make the two kinds of miss differ.
                form = StatusLookupForm()
    else:
        form = StatusLookupForm()
    return render(request, "complaints/status.html", {"form": form, "complaint": complaint, "not_found": not_found})


@require_GET
def warning(request: HttpRequest) -> HttpResponse:
    """How to recognise a fake site or a joki, the one official address, and where to report."""
    return render(request, "complaints/warning.html")


def _get_evidence_for_staff(request: HttpRequest, pk: int) -> Evidence:
    if not (request.user.is_active and request.user.is_staff and request.user.has_perm("complaints.view_evidence")):
        raise PermissionDenied
    return get_object_or_404(Evidence.objects.select_related("complaint"), pk=pk)


@never_cache
@require_GET
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A complaint's file, to staff holding complaints.view_evidence only, always as a download.

    Served with its checked content type, as an attachment, with nosniff and a sandboxing CSP, so that a file
    crafted to look like HTML or script can never run in the staff member's browser.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    evidence = _get_evidence_for_staff(request, pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    # Who downloaded which file: ids only, no personal data.
    logger.info("complaint evidence %s downloaded by user %s", evidence.pk, request.user.pk)
    response = FileResponse(handle, as_attachment=True, filename=evidence.download_name,
                            content_type=evidence.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
