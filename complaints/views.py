"""Public pages (complaint form, confirmation, status look-up, warning) and the staff-only evidence download."""
from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext as _, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from complaints import conf, services
from complaints.forms import ComplaintForm, NikMisuseForm, StatusLookupForm, issue_form_token
from complaints.models import Complaint, Evidence, NikMisuseEvidence, NikMisuseReport
from prakerja.lib import limits
from prakerja.lib.http import throttle_key
from prakerja.middleware import body_limit
from registration.models import Registration
from registration.services import appeal_open_until

logger = logging.getLogger(__name__)

SESSION_KEY = "complaints:last_reference"
MISUSE_SESSION_KEY = "complaints:last_nik_misuse"

# Who keeps each list the screening uses, and so whom an applicant asks to correct it (docs/DOMAIN.md).
REASON_AGENCY = {
    "pejabat_negara": "Kementerian PANRB",
    "dprd": "Kementerian Dalam Negeri",
    "asn": "BKN (Badan Kepegawaian Negara)",
    "tni": "Mabes TNI",
    "polri": "Mabes POLRI",
    "kepala_desa": "Kementerian Desa PDTT",
    "perangkat_desa": "Kementerian Desa PDTT",
    "bumn_bumd": "Kementerian BUMN",
    "bansos": "Kementerian Sosial",
    "bsu": "Kemnaker / BP Jamsostek",
}
REASON_HELP = {
    "prior_awardee": gettext_lazy(
        "Your NIK is on the list of people who already received Kartu Prakerja. If you never received it, "
        "someone may have used your NIK: report it below."),
    "kk_limit": gettext_lazy(
        "Two members of your family card (KK) already receive Kartu Prakerja. If the family card data is "
        "wrong, have it corrected at the Dukcapil office."),
}


def _reason_help(code: str) -> str:
    if code in REASON_AGENCY:
        return _("This list comes from %(agency)s. If you are not (or no longer) on it, ask %(agency)s to correct "
                 "its data; the next wave is screened against the corrected list.") % {"agency": REASON_AGENCY[code]}
    return str(REASON_HELP.get(code, ""))


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
                form_token=request.POST["rendered_at"],  # signed and checked by the form (the bot trap)
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


def _attachment(stored, request: HttpRequest) -> HttpResponse:
    """A stored upload (Evidence or NikMisuseEvidence) served to staff, always as a download.

    Served with its checked content type, as an attachment, with nosniff and a sandboxing CSP, so that a file
    crafted to look like HTML or script can never run in the staff member's browser.
    """
    try:
        handle = stored.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    # Who downloaded which file: ids only, no personal data.
    logger.info("%s %s downloaded by user %s", stored._meta.model_name, stored.pk, request.user.pk)
    response = FileResponse(handle, as_attachment=True, filename=stored.download_name,
                            content_type=stored.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@require_GET
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A complaint's file, to staff holding complaints.view_evidence only, always as a download."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    return _attachment(_get_evidence_for_staff(request, pk), request)


@never_cache
@require_GET
def misuse_evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A NIK misuse report's file, to staff holding complaints.view_nikmisuseevidence only, as a download."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    user = request.user
    if not (user.is_active and user.is_staff and user.has_perm("complaints.view_nikmisuseevidence")):
        raise PermissionDenied
    return _attachment(get_object_or_404(NikMisuseEvidence, pk=pk), request)


# --- NIK misuse and "my result is wrong" (signed-in applicants) ----------------------------------------

@body_limit(conf.max_request_bytes)
@never_cache
@login_required
@sensitive_post_parameters("nik", "statement")
@require_http_methods(["GET", "POST"])
@limits.limit_posts((limits.NIK_MISUSE_PER_ACCOUNT, lambda request: f"account:{request.user.pk}"))
def nik_misuse(request: HttpRequest) -> HttpResponse:
    """An applicant reports that their NIK was registered by someone else's account (docs/DOMAIN.md, "NIK misuse").

    Signed-in and verified accounts only: the report is linked to the account, and staff reach the reporter
    through its verified e-mail. The NIK is posted, never put in a URL.
    """
    verified = request.user.is_verified
    form = NikMisuseForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST":
        if request.limit is not limits.Verdict.ALLOWED:
            return _rate_limited(request)
        if not verified:
            form.is_valid()  # the entered values stay on the page
            form.add_error(None, _("Verify your e-mail address first: open the link we sent you, then send the report."))
        elif form.is_valid():
            data = form.cleaned_data
            report = services.file_nik_misuse_report(reporter=request.user, nik=data["nik"],
                                                     statement=data["statement"], evidence=data["evidence"],
                                                     language=get_language() or "id")
            request.session[MISUSE_SESSION_KEY] = report.pk
            return redirect("complaints:nik_misuse_sent")
    context = {"form": form, "verified": verified, "max_upload_bytes": conf.max_upload_bytes()}
    return render(request, "complaints/nik_misuse.html", context)


@never_cache
@login_required
@require_GET
def nik_misuse_sent(request: HttpRequest) -> HttpResponse:
    """The confirmation of the NIK misuse report just filed in this session, its NIK masked."""
    report = NikMisuseReport.objects.filter(pk=request.session.get(MISUSE_SESSION_KEY),
                                            reporter=request.user).first()
    if report is None:
        return redirect("complaints:nik_misuse")
    return render(request, "complaints/nik_misuse_sent.html", {"report": report})


@login_required
@require_GET
def result_wrong(request: HttpRequest, number: int) -> HttpResponse:
    """For an ineligible registration: which list or rule flagged it, in plain words, and how to contest it.

    Offers the NIK misuse report, which accepts every signed-in applicant: never a form that will refuse them.
    404 for a wave the applicant did not join or was not found ineligible in.
    """
    registration = get_object_or_404(
        Registration.objects.select_related("wave", "result__run"),
        applicant__user=request.user, wave__number=number, result__status="ineligible",
    )
    reasons = [(code, label, _reason_help(code)) for code, label in
               zip(registration.result.reason_codes, registration.result.reason_labels)]
    # The PMO cannot change another agency's list, but it decides appeals: offered while the window is open.
    appeal_until = appeal_open_until(result=registration.result, appeals=list(registration.appeals.all()))
    return render(request, "complaints/result_wrong.html",
                  {"registration": registration, "reasons": reasons, "appeal_until": appeal_until})
