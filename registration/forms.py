"""Forms of the applicant's path: they validate and tidy input; services do the writing."""
from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm, SetPasswordMixin
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from prakerja.lib.identity import IdentityError, normalize_phone, parse_kk, parse_nik
from registration.models import User

NIK_TAKEN = _(
    "This NIK is already used by another account. One NIK may have only one account. If you did not "
    "create that account, report the misuse of your NIK (link below)."
)
PHONE_TAKEN = _("This phone number is already used by another account. Enter your own mobile number.")
CONFLICT_RETRY = _("Your profile could not be saved because it changed at the same moment. Please try again.")

# The wording of each prakerja.lib.identity error code, for every form that takes a NIK or KK number.
NIK_ERRORS = {
    "empty": _("A NIK has exactly 16 digits (spaces and dots are ignored)."),
    "format": _("A NIK has exactly 16 digits (spaces and dots are ignored)."),
    "province": _("The first two digits of the NIK are not a valid province code."),
    "region": _("Digits 3 to 6 of the NIK (regency and district codes) cannot be 00."),
    "birth_date": _("Digits 7 to 12 of the NIK are not a possible birth date (ddmmyy; women add 40 to the day)."),
    "serial": _("The last four digits of the NIK (the serial number) cannot be 0000."),
}
KK_ERRORS = {
    "empty": _("A family card (KK) number has exactly 16 digits (spaces and dots are ignored)."),
    "format": _("A family card (KK) number has exactly 16 digits (spaces and dots are ignored)."),
    "province": _("The first two digits of the KK number are not a valid province code."),
    "region": _("Digits 3 to 6 of the KK number (regency and district codes) cannot be 00."),
}
PHONE_ERROR = _("Enter an Indonesian mobile number such as 0812 3456 7890, +62812 3456 7890 or 62812 3456 7890.")
BIRTH_DATE_MISMATCH = _("This birth date does not match the one in your NIK (%(date)s). Check both.")
DECLARATION_REQUIRED = _("You must declare that you are not in formal education (school or university) to register.")


class SignUpForm(SetPasswordMixin, forms.Form):
    """E-mail and a password checked by Django's password validators (AUTH_PASSWORD_VALIDATORS)."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
        help_text=_("We send a verification link to this address."),
    )
    password1, password2 = SetPasswordMixin.create_password_fields(label1=_("Password"),
                                                                  label2=_("Password again"))

    def clean_email(self) -> str:
        # An address that already has an account is not refused here: the page would tell anyone which
        # addresses have accounts. services.sign_up e-mails the owner instead.
        # Kept as typed: mail goes there (some servers honour the local part's case); the inbox is the key.
        return self.cleaned_data["email"].strip()

    def clean(self) -> dict:
        self.validate_passwords()
        # The similarity validator compares the password with the e-mail address.
        # Its errors go under the password itself, not under "password again" (which only has to match).
        self.validate_password_for_user(User(email=self.cleaned_data.get("email") or ""), "password1")
        return self.cleaned_data


class LoginForm(AuthenticationForm):
    """Django's login form; the field stays named `username` (django-axes counts failures by it)."""

    username = forms.CharField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The e-mail address or password is wrong."),
    }

    def clean_username(self) -> str:
        # One spelling per address for django-axes' failure counts; the account is found in any case
        # (UserManager.get_by_natural_key).
        return self.cleaned_data["username"].strip().lower()


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class ProfileForm(forms.Form):
    """The applicant's personal data, validated as docs/DOMAIN.md says.

    `locked` disables NIK, KK and birth date (the applicant already joined a wave): posted values for
    them are ignored and the stored ones kept.
    """

    nik = forms.CharField(
        label=_("NIK"), max_length=32,
        help_text=_("16 digits, as on your KTP. Spaces and dots are allowed."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    kk = forms.CharField(
        label=_("Family card (KK) number"), max_length=32,
        help_text=_("16 digits, as on your Kartu Keluarga."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, help_text=_("As written on your KTP."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    birth_date = forms.DateField(
        label=_("Birth date"),
        input_formats=["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
        help_text=_("Must match the birth date in your NIK."),
    )
    phone = forms.CharField(
        label=_("Mobile phone"), max_length=24,
        help_text=_("For example 0812 3456 7890."),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    not_in_formal_education = forms.BooleanField(
        label=_("I declare that I am not in formal education (not a school pupil or university student)."),
        error_messages={"required": DECLARATION_REQUIRED},
    )

    @property
    def nik_taken(self) -> bool:
        """True when the NIK was refused as another account's: the page then links to the NIK misuse report."""
        return str(NIK_TAKEN) in self.errors.get("nik", [])

    def __init__(self, *args, user: User, locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if locked:
            for name in ("nik", "kk", "birth_date"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Locked: you already joined a wave.")

    def clean_nik(self) -> str:
        try:
            nik = parse_nik(self.cleaned_data["nik"], today=timezone.localdate())
        except IdentityError as exc:
            raise forms.ValidationError(NIK_ERRORS[exc.code], code=f"nik_{exc.code}") from None
        # Whether another account holds it is not asked here: the form also runs for unverified and rationed
        # posts. services.save_profile asks, only for a post that passed every check (views.profile).
        self.nik = nik
        return nik.number

    def clean_kk(self) -> str:
        try:
            return parse_kk(self.cleaned_data["kk"])
        except IdentityError as exc:
            raise forms.ValidationError(KK_ERRORS[exc.code], code=f"kk_{exc.code}") from None

    def clean_full_name(self) -> str:
        return " ".join(self.cleaned_data["full_name"].split())

    def clean_phone(self) -> str:
        try:
            phone = normalize_phone(self.cleaned_data["phone"])
        except IdentityError:
            raise forms.ValidationError(PHONE_ERROR, code="phone_format") from None
        return phone

    def clean(self) -> dict:
        data = super().clean()
        nik = getattr(self, "nik", None)
        birth_date: dt.date | None = data.get("birth_date")
        if nik is not None and birth_date is not None and birth_date != nik.birth_date:
            self.add_error("birth_date", forms.ValidationError(
                BIRTH_DATE_MISMATCH, code="birth_date_mismatch",
                params={"date": formats.date_format(nik.birth_date, "j F Y")},
            ))
        return data


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's password-reset form; the e-mail is rendered and sent by a worker (registration.tasks), so an
    address with an account answers as fast as one without, and a slow mail server holds no request."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None) -> None:
        from registration import services

        services.queue_password_reset(user=context["user"], base_url=f"{context['protocol']}://{context['domain']}/")


class NewPasswordForm(SetPasswordForm):
    """Django's new-password form (reset link), with the password rules' errors under the new password, as on
    sign-up, not under "new password again" (which only has to match)."""

    def clean(self) -> dict:
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return forms.Form.clean(self)
