"""The applicant's path: landing, sign-up, e-mail verification, profile, joining a wave, dashboard.

Views are thin: a form, one service call, a message and a redirect. Rules live in registration.services.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from prakerja.lib.http import client_ip
from prakerja.lib.identity import canonical_email
from registration import services
from registration.forms import (
    CONFLICT_RETRY, NIK_TAKEN, PHONE_TAKEN, EmailForm, LoginForm, ProfileForm, QueuedPasswordResetForm, SignUpForm,
)
from registration.models import Applicant, Registration, User, Wave


def _user_agent(request: HttpRequest) -> str | None:
    return request.META.get("HTTP_USER_AGENT") or None


def _base_url(request: HttpRequest) -> str:
    """Where links in e-mails point: this site as the request reached it (the host is checked against
    ALLOWED_HOSTS), the same rule Django's password reset e-mail follows."""
    return request.build_absolute_uri("/")


def _email_key(group: str, request: HttpRequest) -> str:
    # Per inbox: `a.li+1@gmail.com`, `ali+2@gmail.com`... all count against one limit.
    return canonical_email(request.POST.get("email", ""))


def _applicant_for(user: User) -> Applicant | None:
    """The user's applicant profile, loaded with the user (registration.backends): no query of its own."""
    try:
        return user.applicant
    except Applicant.DoesNotExist:
        return None


# --- Public pages -------------------------------------------------------------------------------------

# Public pages at the deadline surge: the wave they show and their unchanging sections are cached this long, per
# wave, phase and language (the countdown and the phase are computed per request). A staff change of a wave shows
# within this many seconds; joining never relies on it (join_wave reads the wave under lock).
PUBLIC_PAGE_SECONDS = 5


def _wave_context(wave: Wave | None) -> dict:
    now = timezone.now()
    return {"wave": wave, "now": now, "phase": wave.phase(now) if wave else "none",
            "public_page_seconds": PUBLIC_PAGE_SECONDS}


def _cached_wave(key: str, load) -> Wave | None:
    """`load()` (a Wave or None), cached PUBLIC_PAGE_SECONDS under `key`."""
    public = caches["public"]
    found = public.get(key)
    if found is None:
        found = (load(),)  # a tuple: "no wave" is cached too
        public.set(key, found, PUBLIC_PAGE_SECONDS)
    return found[0]


def landing(request: HttpRequest) -> HttpResponse:
    # Which wave is current changes at a window's edge: the cached wave's phase is still computed per request.
    return render(request, "registration/landing.html", _wave_context(_cached_wave("public:current-wave", Wave.objects.current)))


def wave_detail(request: HttpRequest, number: int) -> HttpResponse:
    # Draft waves are not public yet: their dates may still change.
    wave = _cached_wave(f"public:wave:{number}", lambda: Wave.objects.published().filter(number=number).first())
    if wave is None:
        raise Http404
    return render(request, "registration/wave_detail.html", _wave_context(wave))


# --- Accounts -----------------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("registration:dashboard")
    form = SignUpForm(request.POST or None)
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


@require_http_methods(["GET", "POST"])
@ratelimit(key=_email_key, rate="5/h", method="POST", block=False)  # no mail-bombing one address
@ratelimit(key="ip", rate="30/h", method="POST", block=False)
def resend_verification(request: HttpRequest) -> HttpResponse:
    initial = {"email": request.user.email} if request.user.is_authenticated else {}
    form = EmailForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if getattr(request, "limited", False):
            messages.error(request, _("Too many requests for a new link. Please wait an hour and try again."))
        else:
            services.resend_verification(email=form.cleaned_data["email"], base_url=_base_url(request))
            # The same answer whether or not the address has an account waiting for verification.
            messages.success(request, _("If an unverified account uses %(email)s, we sent it a new link.")
                             % {"email": form.cleaned_data["email"]})
        if request.user.is_authenticated:
            return redirect("registration:dashboard")
        return redirect("registration:resend_verification")
    return render(request, "registration/verify_resend.html", {"form": form})


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@method_decorator(ratelimit(key=_email_key, rate="5/h", method="POST", block=False), name="post")
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset/form.html"
    form_class = QueuedPasswordResetForm  # the e-mail: services.send_password_reset_email, by a worker
    success_url = reverse_lazy("registration:password_reset_done")

    def form_valid(self, form):
        if getattr(self.request, "limited", False):
            # Looks the same as success: the address gets no more mail this hour.
            return redirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset/done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset/confirm.html"
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


def _user_key(group: str, request: HttpRequest) -> str:
    return str(request.user.pk)


@login_required
@require_http_methods(["GET", "POST"])
# "This NIK is already used" must be said, so it is rationed: no account can test a leaked list of
# NIKs or phone numbers against the registrations. Per account, not per address: Indonesian mobile carriers put
# thousands of phones behind one address (CGNAT), and the deadline brings them all at once.
@ratelimit(key=_user_key, rate="20/h", method="POST", block=False)
def profile(request: HttpRequest) -> HttpResponse:
    applicant = _applicant_for(request.user)
    locked = services.profile_is_locked(applicant)
    form = ProfileForm(request.POST or None, user=request.user, locked=locked, initial=_profile_initial(applicant))
    if request.method == "POST" and not request.user.is_verified:
        # An account costs an inbox before it can ask whether a NIK or phone is registered.
        form.is_valid()  # the entered values stay on the page
        form.add_error(None, _("Verify your e-mail address first: open the link we sent you, then save your profile."))
    elif request.method == "POST" and getattr(request, "limited", False):
        form.is_valid()  # the entered values stay on the page
        form.add_error(None, _("Too many attempts to save the profile. Please wait an hour and try again."))
    elif request.method == "POST" and form.is_valid():
        try:
            services.save_profile(user=request.user, **form.cleaned_data)
        except services.ProfileConflict as exc:
            field, message = {"nik": ("nik", NIK_TAKEN), "phone": ("phone", PHONE_TAKEN)}.get(
                exc.field, (None, CONFLICT_RETRY))
            form.add_error(field, message)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("registration:dashboard")
    return render(request, "registration/profile.html", {"form": form, "locked": locked, "applicant": applicant})


# --- Joining and the dashboard ------------------------------------------------------------------------

@login_required
@require_POST
def join(request: HttpRequest, number: int) -> HttpResponse:
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
    status: str  # registered | eligible | ineligible | selected | not_selected
    reasons: list[str]
    may_rejoin: bool = False  # "yang tidak lolos masih bisa daftar di gelombang berikutnya"
    next_wave: Wave | None = None


def _row(registration: Registration, joinable: list[Wave]) -> RegistrationRow:
    result = getattr(registration, "result", None)  # reverse one-to-one: absent until screening
    # Wave.objects.next_to_join(after=wave), read from the waves already loaded: no query per row.
    next_wave = next((w for w in joinable if w.number > registration.wave.number), None)
    if result is None:
        return RegistrationRow(registration, "registered", [])
    if result.status == result.Status.INELIGIBLE:
        # A prior recipient stays one: joining a later wave would only be screened out again.
        may_rejoin = "prior_awardee" not in result.reason_codes
        return RegistrationRow(registration, "ineligible", result.reason_labels, may_rejoin,
                               next_wave if may_rejoin else None)
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
        Registration.objects.filter(applicant__user=user).select_related("wave", "result").order_by("-wave__number")
    ) if applicant is not None else []
    # Open waves not yet past their deadline: the one accepting now and those opening later.
    joinable = list(Wave.objects.filter(status=Wave.Status.OPEN, closes_at__gt=now).order_by("number"))
    rows = [_row(registration, joinable) for registration in registrations]
    prior_recipient = any(row.status == "selected" for row in rows)

    wave_to_join = next((w for w in joinable if w.opens_at <= now), None) or next(iter(joinable), None)
    joined = {row.registration.wave_id: row.registration for row in rows}
    refusal = None
    if wave_to_join is not None and wave_to_join.pk not in joined:
        try:
            services.check_can_join(user=user, applicant=applicant, wave=wave_to_join, now=now,
                                    prior_recipient=prior_recipient)
        except services.JoinRefused as exc:
            refusal = exc
    return render(request, "registration/dashboard.html", {
        "applicant": applicant,
        "rows": rows,
        "wave_to_join": wave_to_join,
        "joined_registration": joined.get(wave_to_join.pk) if wave_to_join else None,
        "refusal": refusal,
        "now": now,
    })
