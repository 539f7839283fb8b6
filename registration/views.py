"""The applicant's path: landing, sign-up, e-mail verification, profile, joining a wave, dashboard.

Views are thin: a form, one service call, a message and a redirect. Rules live in registration.services.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import i18n as i18n_views
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from complaints.models import Suspension
from eligibility.draw import entered_after_draw, iter_ticket_lines, ticket
from eligibility.models.draw import PublishedDraw
from eligibility.models.screening import ScreeningResult
from aftercare.models import BARRING_REASONS
from aftercare.sql import reserve_positions
from aftercare.services import training_deadline
from prakerja.lib import limits
from prakerja.lib.http import client_ip, throttle_key
from prakerja.lib.identity import canonical_email
from registration import services
from registration.forms import (
    CONFLICT_RETRY, NIK_TAKEN, PHONE_TAKEN, EmailForm, LoginForm, NewPasswordForm, ProfileForm, QueuedPasswordResetForm,
    SignUpForm,
)
from registration.models import Applicant, Registration, User, Wave
from registration.public_pages import PUBLIC_PAGE_SECONDS, public_page


def _user_agent(request: HttpRequest) -> str | None:
    return request.META.get("HTTP_USER_AGENT") or None


def _base_url(request: HttpRequest) -> str:
    """Where links in e-mails point: this site as the request reached it (the host is checked against
    ALLOWED_HOSTS), the same rule Django's password reset e-mail follows."""
    return request.build_absolute_uri("/")


def _inbox_key(request: HttpRequest) -> str:
    # Per inbox: `a.li+1@gmail.com`, `ali+2@gmail.com`... all count against one limit.
    return canonical_email(request.POST.get("email", ""))


def _account_key(request: HttpRequest) -> str:
    return str(request.user.pk)


# Shown for a limit that fails closed while the cache is unreachable (prakerja.lib.limits): the same words
# whatever was entered, so they tell nothing about which addresses have accounts.
SERVICE_BUSY = gettext_lazy("This service is busy. Please try again in a few minutes.")


def _applicant_for(user: User) -> Applicant | None:
    """The user's applicant profile, loaded with the user (registration.backends): no query of its own."""
    try:
        return user.applicant
    except Applicant.DoesNotExist:
        return None


# --- Public pages -------------------------------------------------------------------------------------

# The wave a public page shows is cached PUBLIC_PAGE_SECONDS too, and the page itself for anonymous visitors
# (registration.public_pages); the phase is computed per request, so the page changes at the deadline.


def _wave_context(wave: Wave | None, now: dt.datetime, phase: str) -> dict:
    return {"wave": wave, "now": now, "phase": phase, "phase_label": Wave.Phase(phase).label if wave else "",
            "public_page_seconds": PUBLIC_PAGE_SECONDS,
            "draw": PublishedDraw.objects.filter(wave=wave).first() if wave and wave.seed_is_revealed else None}


def _cached_wave(key: str, load) -> Wave | None:
    """`load()` (a Wave or None), cached PUBLIC_PAGE_SECONDS under `key`."""
    public = caches["public"]
    found = public.get(key)
    if found is None:
        found = (load(),)  # a tuple: "no wave" is cached too
        public.set(key, found, PUBLIC_PAGE_SECONDS)
    return found[0]


def _wave_page(request: HttpRequest, template_name: str, wave: Wave | None) -> HttpResponse:
    now = timezone.now()
    phase = wave.phase(now) if wave else "none"
    return public_page(request, template_name, lambda: _wave_context(wave, now, phase), wave=wave, phase=phase)


def landing(request: HttpRequest) -> HttpResponse:
    # Which wave is current changes at a window's edge: the cached wave's phase is still computed per request.
    return _wave_page(request, "registration/landing.html", _cached_wave("public:current-wave", Wave.objects.current))


def wave_detail(request: HttpRequest, number: int) -> HttpResponse:
    # Draft waves are not public yet: their dates may still change.
    wave = _cached_wave(f"public:wave:{number}", lambda: Wave.objects.published().filter(number=number).first())
    if wave is None:
        raise Http404
    return _wave_page(request, "registration/wave_detail.html", wave)


def wave_tickets(request: HttpRequest, number: int) -> StreamingHttpResponse:
    """The ticket list of a selected wave (docs/DOMAIN.md, "Checking the draw"): no NIK, streamed. Its SHA-256
    is the pool commitment on the wave page."""
    wave = get_object_or_404(Wave.objects.filter(seed_revealed_at__isnull=False), number=number)
    response = StreamingHttpResponse(iter_ticket_lines(wave), content_type="text/plain; charset=us-ascii")
    response["Content-Disposition"] = f'attachment; filename="wave-{wave.number}-tickets.txt"'
    return response


# --- Accounts -----------------------------------------------------------------------------------------

@sensitive_post_parameters("email", "password1", "password2")
@require_http_methods(["GET", "POST"])
# Per client and per inbox, counted before the password is hashed (the costly part): a flood of sign-ups from one
# address cannot slow the landing page for everyone. Both fail open when the cache is down (README).
@limits.limit_posts((limits.SIGNUP_PER_CLIENT, throttle_key), (limits.SIGNUP_PER_INBOX, _inbox_key))
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("registration:dashboard")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and request.limit is limits.Verdict.LIMITED:
        form.is_valid()  # the entered address stays on the page
        form.add_error(None, _("Too many sign-ups from your connection or for this address. Please wait an hour "
                               "and try again."))
        return render(request, "registration/signup.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        try:
            services.sign_up(
                email=form.cleaned_data["email"], password=form.cleaned_data["password1"],
                ip=client_ip(request), user_agent=_user_agent(request), base_url=_base_url(request),
            )
        except services.EmailTaken:
            pass  # the same page: the address's owner is e-mailed how to log in instead
        request.session["signup_email"] = form.cleaned_data["email"]
        return redirect("registration:signup_done")
    return render(request, "registration/signup.html", {"form": form})


def signup_done(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/signup_done.html", {
        "email": request.session.get("signup_email", ""),
        "resend_form": EmailForm(initial={"email": request.session.get("signup_email", "")}),
    })


def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = services.verify_email(token=token)
    except services.VerificationFailed as exc:
        return render(request, "registration/verify_failed.html",
                      {"reason": exc.code, "resend_form": EmailForm()}, status=400)
    if request.user.is_authenticated and request.user.pk == user.pk:
        messages.success(request, _("Your e-mail address is verified."))
        return redirect("registration:dashboard")
    return render(request, "registration/verify_done.html", {"verified_user": user})


@sensitive_post_parameters("email")
@require_http_methods(["GET", "POST"])
# No mail-bombing one address; both fail closed when the cache is down (one answer for every address).
@limits.limit_posts((limits.RESEND_PER_CLIENT, throttle_key), (limits.RESEND_PER_INBOX, _inbox_key))
def resend_verification(request: HttpRequest) -> HttpResponse:
    initial = {"email": request.user.email} if request.user.is_authenticated else {}
    form = EmailForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if request.limit is limits.Verdict.LIMITED:
            messages.error(request, _("Too many requests for a new link. Please wait an hour and try again."))
        elif request.limit is limits.Verdict.UNAVAILABLE:
            messages.error(request, SERVICE_BUSY)
        else:
            services.resend_verification(email=form.cleaned_data["email"], base_url=_base_url(request))
            # The same answer whether or not the address has an account waiting for verification.
            messages.success(request, _("If an unverified account uses %(email)s, we sent it a new link.")
                             % {"email": form.cleaned_data["email"]})
        if request.user.is_authenticated:
            return redirect("registration:dashboard")
        return redirect("registration:resend_verification")
    return render(request, "registration/verify_resend.html", {"form": form})


@method_decorator(sensitive_post_parameters("username", "password"), name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        # Per account and per address, before the password is checked (services.login_wait); django-axes
        # locks the (account, address) pair.
        wait = services.login_wait(email=request.POST.get("username", ""), ip=throttle_key(request))
        if wait:
            form = self.get_form()
            form.add_error(None, _("Too many failed logins. Please wait %(seconds)s seconds and try again.")
                           % {"seconds": wait})
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = 429
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        # The language cookie lasts only as long as the browser session: signing in again on a fresh browser
        # (or another device) brings back the account's language, unless this browser has a choice of its own.
        if settings.LANGUAGE_COOKIE_NAME not in self.request.COOKIES:
            _set_language_cookie(response, form.get_user().language)
        return response


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch (the cookie, the redirect to `next`), and for a signed-in user the account's
    language too: the one their e-mails are written in (services.set_account_language)."""
    response = i18n_views.set_language(request)
    language = request.POST.get(i18n_views.LANGUAGE_QUERY_PARAMETER, "")
    if request.user.is_authenticated and language:
        services.set_account_language(user=request.user, language=language)
    return response


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    """The cookie django.views.i18n.set_language sets, with the same settings."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE)


class LogoutView(auth_views.LogoutView):
    # Logging out stays a POST (CSRF); a GET shows the button (registration/logout.html) and changes nothing.
    http_method_names = ["get", "post", "options"]

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect("registration:landing")
        return render(request, "registration/logout.html")

    def post(self, request, *args, **kwargs):
        # Messages wait in a cookie, which logging out does not clear: a "you joined wave 12" not yet shown
        # would greet the next person on this device. Reading them marks them shown, so they are dropped.
        for _message in messages.get_messages(request):
            pass
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You are signed out."))
        return response


@method_decorator(sensitive_post_parameters("email"), name="dispatch")
# Per client and per inbox; both fail closed when the cache is down (one answer for every address).
@method_decorator(limits.limit_posts((limits.PASSWORD_RESET_PER_CLIENT, throttle_key),
                                     (limits.PASSWORD_RESET_PER_INBOX, _inbox_key)), name="post")
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset/form.html"
    form_class = QueuedPasswordResetForm  # the e-mail: services.send_password_reset_email, by a worker
    success_url = reverse_lazy("registration:password_reset_done")

    def form_valid(self, form):
        if self.request.limit is limits.Verdict.LIMITED:
            # Looks the same as success: the address gets no more mail this hour.
            return redirect(self.get_success_url())
        if self.request.limit is limits.Verdict.UNAVAILABLE:
            form.add_error(None, SERVICE_BUSY)
            return self.form_invalid(form)
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset/done.html"


@method_decorator(sensitive_post_parameters("new_password1", "new_password2"), name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset/confirm.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("registration:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset/complete.html"


# --- Profile ------------------------------------------------------------------------------------------

def _profile_initial(applicant: Applicant | None) -> dict:
    if applicant is None:
        return {}
    return {"nik": applicant.nik, "kk": applicant.kk, "full_name": applicant.full_name,
            "birth_date": applicant.birth_date, "phone": applicant.phone,
            "not_in_formal_education": applicant.not_in_formal_education}


@sensitive_post_parameters("nik", "kk", "full_name", "birth_date", "phone")
@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """"This NIK / phone is already used" must be said, so it is rationed: only a verified account within
    PROFILE_RATE_PER_ACCOUNT saves (counted per account, not per address: carriers put thousands of phones
    behind one address), and only a post that passes every other check of the form reaches the question
    (services.save_profile). Only such a post counts against the limit: one the form's own checks refuse asks
    nothing. An unverified or limited post is answered from the form's own checks alone, the refusal under its
    own heading (`refusal`), not as a field to correct.
    """
    applicant = _applicant_for(request.user)
    locked = services.profile_is_locked(applicant)
    form = ProfileForm(request.POST or None, user=request.user, locked=locked, initial=_profile_initial(applicant))
    refusal = None
    if request.method == "POST":
        if not request.user.is_verified:
            # An account costs an inbox before it can ask whether a NIK or phone is registered.
            refusal = _("Verify your e-mail address first: open the link we sent you, then save your profile.")
            form.is_valid()  # the entered values stay on the page with the form's own checks
        elif form.is_valid():
            verdict = limits.hit(request, limits.PROFILE_PER_ACCOUNT, key=_account_key(request))
            if verdict is limits.Verdict.LIMITED:
                refusal = _("Too many attempts to save the profile. Please wait an hour and try again.")
            elif verdict is limits.Verdict.UNAVAILABLE:
                refusal = SERVICE_BUSY
        if refusal is None and form.is_valid():
            try:
                services.save_profile(user=request.user, **form.cleaned_data)
            except services.ProfileConflict as exc:
                field, message, code = {"nik": ("nik", NIK_TAKEN, "nik_taken"),
                                        "phone": ("phone", PHONE_TAKEN, "phone_taken")}.get(
                    exc.field, (None, CONFLICT_RETRY, "conflict"))
                form.add_error(field, ValidationError(message, code=code))
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("registration:dashboard")
    context = {"form": form, "locked": locked, "applicant": applicant, "refusal": refusal}
    return render(request, "registration/profile.html", context)


# --- Joining and the dashboard ------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, number: int) -> HttpResponse:
    if request.method == "GET":
        # A join posted after the session expired comes back here by GET from the login page (?next=): joining
        # changes data, so it needs the button again, on the dashboard that explains it. Only for a wave that
        # accepts registrations and that this account has not joined: any other GET gets the dashboard as it is.
        joinable = Wave.objects.accepting().filter(number=number).exclude(registrations__applicant__user=request.user)
        if joinable.exists():
            messages.info(request, _("You are signed in. Press “Join the wave” again to join wave %(number)s.")
                          % {"number": number})
        return redirect("registration:dashboard")
    applicant = _applicant_for(request.user)
    if applicant is None:
        messages.error(request, _("Complete your profile first: NIK, KK number, name, birth date, phone and the declaration."))
        return redirect("registration:profile")
    try:
        services.join_wave(applicant=applicant, number=number, ip=client_ip(request), user_agent=_user_agent(request))
    except Wave.DoesNotExist:
        raise Http404 from None  # drafts are not public
    except services.JoinRefused as refusal:
        if refusal.code == services.JoinRefused.ALREADY_REGISTERED:
            messages.info(request, refusal.message)
        else:
            messages.error(request, refusal.message)
    else:
        messages.success(request, _("You have joined wave %(number)s. We screen every registration after the "
                                    "wave closes; the result appears here.") % {"number": number})
    return redirect("registration:dashboard")


@dataclass
class RegistrationRow:
    """One line of the dashboard: a registration and what it means for the applicant."""

    registration: Registration
    status: str  # registered | under_review | eligible | ineligible | selected | not_selected | revoked
    reasons: list[str]
    may_rejoin: bool = False  # "yang tidak lolos masih bisa daftar di gelombang berikutnya"
    next_wave: Wave | None = None
    # After the selection: the applicant's own ticket against the published cut-off (docs/DOMAIN.md).
    ticket: str = ""
    cutoff_ticket: str = ""
    training_deadline: object = None
    reserve_rank: int | None = None  # the position in the reserve now (aftercare.sql.reserve_positions)
    at_or_below_cutoff: bool = False  # the ticket against the published cut-off: within the quota at the draw
    entered_after_draw: bool = False  # joined the reserve after the draw, by an appeal upheld late
    appeal_until: dt.datetime | None = None  # the appeal form is offered until then (aftercare)
    appeals: list = field(default_factory=list)


def _row(registration: Registration, joinable: list[Wave], positions: dict[int, int]) -> RegistrationRow:
    row = _status_row(registration, joinable)
    wave, result = registration.wave, getattr(registration, "result", None)
    if wave.seed_is_revealed and result is not None and result.rank:
        row.ticket = ticket(wave.seed, registration.applicant.nik)
        draw = getattr(wave, "draw", None)
        row.cutoff_ticket = draw.cutoff_ticket if draw else ""
        row.at_or_below_cutoff = bool(row.cutoff_ticket) and row.ticket <= row.cutoff_ticket
        row.entered_after_draw = entered_after_draw(registration)
        if result.selected:
            promotion = getattr(registration, "promotion", None)  # a promoted reserve counts from the promotion
            row.training_deadline = training_deadline(wave=wave, promoted_at=promotion.at if promotion else None)
        elif row.status == "not_selected":
            row.reserve_rank = positions.get(registration.pk)
    return row


def _status_row(registration: Registration, joinable: list[Wave]) -> RegistrationRow:
    result = getattr(registration, "result", None)  # reverse one-to-one: absent until screening
    # Wave.objects.next_to_join(after=wave), read from the waves already loaded: no query per row.
    next_wave = next((w for w in joinable if w.number > registration.wave.number), None)
    if getattr(registration, "suspended", False) and not (result and result.selected):
        # Held after a NIK misuse report (complaints.Suspension): the lottery skips it until the hold is lifted.
        return RegistrationRow(registration, "under_review", [])
    if result is None:
        return RegistrationRow(registration, "registered", [])
    revocation = getattr(registration, "revocation", None)
    if revocation is not None:
        # Revoked for not starting a training: as if never selected. For ineligibility or fraud: barred.
        may_rejoin = revocation.reason not in BARRING_REASONS
        return RegistrationRow(registration, "revoked", [revocation.get_reason_display()], may_rejoin,
                               next_wave if may_rejoin else None)
    if result.status == result.Status.INELIGIBLE:
        # A prior recipient stays one: joining a later wave would only be screened out again.
        may_rejoin = "prior_awardee" not in result.reason_codes
        appeals = list(registration.appeals.all())
        return RegistrationRow(registration, "ineligible", result.reason_labels, may_rejoin,
                               next_wave if may_rejoin else None,
                               appeal_until=services.appeal_open_until(result=result, appeals=appeals),
                               appeals=appeals)
    if result.selected is None:
        return RegistrationRow(registration, "eligible", [])
    if result.selected:
        return RegistrationRow(registration, "selected", [])
    return RegistrationRow(registration, "not_selected", [], True, next_wave)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """A fixed number of queries whatever the number of registrations (pinned by a test)."""
    user = request.user
    now = timezone.now()
    applicant = _applicant_for(user)
    registrations = list(
        Registration.objects.filter(applicant__user=user)
        .select_related("wave", "wave__draw", "result__run", "applicant", "revocation", "promotion")
        .prefetch_related("appeals")
        .annotate(suspended=Exists(Suspension.objects.active().filter(applicant=OuterRef("applicant"))))
        .order_by("-wave__number")
    ) if applicant is not None else []
    # Open waves not yet past their deadline: the one accepting now and those opening later.
    joinable = list(Wave.objects.filter(status=Wave.Status.OPEN, closes_at__gt=now).order_by("number"))
    positions = reserve_positions([getattr(registration, "result", None) for registration in registrations])
    rows = [_row(registration, joinable, positions) for registration in registrations]
    prior_recipient = any(row.status == "selected" for row in rows)
    barred = any(row.status == "revoked" and not row.may_rejoin for row in rows)
    # The KK rule (docs/DOMAIN.md): with two other members of the family card already recipients, a registration
    # in a later wave can only be screened out: say so instead of inviting the applicant.
    family_full = applicant is not None and not prior_recipient and ScreeningResult.objects.filter(
        selected=True, registration__applicant__kk=applicant.kk).exclude(registration__applicant=applicant).count() >= 2
    if family_full or prior_recipient:
        for row in rows:
            row.may_rejoin, row.next_wave = False, None

    wave_to_join = next((w for w in joinable if w.opens_at <= now), None) or next(iter(joinable), None)
    joined = {row.registration.wave_id: row.registration for row in rows}
    refusal = None
    if wave_to_join is not None and wave_to_join.pk not in joined:
        try:
            services.check_can_join(user=user, applicant=applicant, wave=wave_to_join, now=now,
                                    prior_recipient=prior_recipient, barred=barred)
        except services.JoinRefused as exc:
            refusal = exc
    return render(request, "registration/dashboard.html", {
        "applicant": applicant,
        "rows": rows,
        "wave_to_join": wave_to_join,
        "joined_registration": joined.get(wave_to_join.pk) if wave_to_join else None,
        "refusal": refusal,
        "family_full": family_full,
        "prior_recipient": prior_recipient,
        "now": now,
    })
