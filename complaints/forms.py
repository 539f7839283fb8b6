"""The public complaint form and the status look-up form. They validate and tidy; services store."""
from __future__ import annotations

import re
import secrets
import time

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _, ngettext

from complaints import conf
from complaints.addresses import MAX_ADDRESS_LENGTH, AddressError, AddressTooLong, TargetKind, normalise_address
from complaints.models import Complaint, clean_reference
from complaints.services import is_official_site
from complaints.uploads import CheckedUpload, inspect_upload
from prakerja.lib.identity import IdentityError, normalize_phone, parse_nik
from registration.forms import NIK_ERRORS
from registration.models import Applicant

FORM_TOKEN_SALT = "complaints.form-rendered-at"
ACCEPT = "image/jpeg,image/png,image/webp,application/pdf"


def issue_form_token() -> str:
    """A signed [timestamp, nonce] put in the form when it is rendered: the bot trap's clock (see ComplaintForm)
    and, the nonce making it unique to this rendering, what makes posting the same form twice file one complaint
    (services.file_complaint's `form_token`)."""
    return signing.dumps([time.time(), secrets.token_urlsafe(12)], salt=FORM_TOKEN_SALT)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); cleans to a list, empty when none."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def evidence_help_text() -> str:
    limit = conf.max_evidence_files()
    return ngettext(
        "Screenshots, photos or transfer receipts: JPEG, PNG, WebP or PDF, at most %(count)d file.",
        "Screenshots, photos or transfer receipts: JPEG, PNG, WebP or PDF, at most %(count)d files.",
        limit,
    ) % {"count": limit}


def check_evidence(files: list) -> list[CheckedUpload]:
    """At most COMPLAINT_MAX_EVIDENCE_FILES files, each checked by content (complaints.uploads); every refusal
    is reported, not just the first. Raises ValidationError."""
    limit = conf.max_evidence_files()
    if len(files) > limit:
        raise ValidationError(
            ngettext("Attach at most %(count)d evidence file.", "Attach at most %(count)d evidence files.", limit)
            % {"count": limit},
            code="too_many_files",
        )
    checked, errors = [], []
    for upload in files:
        try:
            checked.append(CheckedUpload(upload, inspect_upload(upload)))
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    return checked


_RUPIAH = re.compile(r"(?:rp\.?)?\s*([0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,[0-9]{1,2})?", re.IGNORECASE)


class RupiahField(forms.IntegerField):
    """An amount in rupiah as Indonesians write it: `1500000`, `1.500.000`, `Rp 1.500.000`, `Rp1.500.000,00`
    (dots group thousands; a comma starts the sen, which are dropped)."""

    def to_python(self, value):
        if isinstance(value, str):
            match = _RUPIAH.fullmatch(value.strip().replace("\u00a0", " "))
            if match:
                value = match.group(1).replace(".", "")
        return super().to_python(value)


class ComplaintForm(forms.Form):
    """A complaint about a fake website, a joki or something else.

    Bot trap, with no third-party service: `homepage` is hidden by CSS and left empty by people, and
    `rendered_at` is a signed timestamp from when the page was rendered; a form posted sooner than
    COMPLAINT_MIN_FILL_SECONDS afterwards, or with a missing or forged stamp, is refused.
    """

    kind = forms.ChoiceField(
        label=_("What are you reporting?"), choices=Complaint.Kind.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Choose what you are reporting."),
                        "invalid_choice": _("Choose what you are reporting.")},
    )
    address = forms.CharField(
        label=_("Address of the site, or contact of the person"),
        max_length=Complaint._meta.get_field("address_as_reported").max_length,
        help_text=_("A web address (e.g. prakerja-daftar.com), a phone or WhatsApp number, or a social media account."),
        error_messages={"required": _("Enter the address of the site or the contact of the person.")},
    )
    description = forms.CharField(
        label=_("What happened?"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("When and how you found them, what they asked for, what you did."),
        error_messages={"required": _("Describe what happened.")},
    )
    loss = forms.CharField(
        label=_("What did you lose or hand over? (optional)"), max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Money, your NIK or KK, photos of your ID card, an OTP code, a password..."),
    )
    amount_lost = RupiahField(
        label=_("Money lost, in rupiah (optional)"), required=False, min_value=0, max_value=10**12,
        error_messages={"invalid": _("Enter the amount in rupiah, digits only."),
                        "min_value": _("Enter the amount in rupiah, digits only.")},
    )
    evidence = MultipleFileField(
        label=_("Evidence (optional)"), required=False,
        help_text=_("Screenshots, photos or transfer receipts: JPEG, PNG, WebP or PDF."),
    )
    police_report = forms.FileField(
        label=_("Your police report (optional)"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=_("If you reported it to the police, attach the report (JPEG, PNG, WebP or PDF)."),
    )
    reporter_email = forms.EmailField(
        label=_("Your e-mail"), max_length=Complaint._meta.get_field("reporter_email").max_length,
        help_text=_("We send the reference number here; you need it with this e-mail to check the status."),
        error_messages={"required": _("Enter your e-mail address: you need it to check the status."),
                        "invalid": _("Enter a valid e-mail address, e.g. nama@contoh.com.")},
    )
    reporter_phone = forms.CharField(
        label=_("Your mobile phone (optional)"), max_length=20, required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    consent = forms.BooleanField(
        label=_("I agree that the PMO may use this report and forward it to Kominfo and the police (Bareskrim)."),
        error_messages={"required": _("Tick the box to agree, or we cannot act on your report.")},
    )
    # The honeypot: a tempting name, hidden from people by complaints.css, never read otherwise.
    homepage = forms.CharField(label=_("Leave this field empty"), required=False,
                               widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))
    rendered_at = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].help_text = evidence_help_text()
        self.is_bot = False

    def clean_address(self) -> str:
        address = " ".join(self.cleaned_data["address"].split())
        try:
            self.target_address = normalise_address(address)
        except AddressTooLong:
            raise ValidationError(
                _("This address is too long: even without “https://”, “www.” and the rest of the link it is over "
                  "%(limit)d characters. Give only the site's address (e.g. prakerja-daftar.com) or the short link "
                  "(e.g. bit.ly/abc)."),
                code="too_long", params={"limit": MAX_ADDRESS_LENGTH},
            )
        except AddressError:
            raise ValidationError(_("Enter a web address, a phone number or an account name."), code="address")
        return address

    def clean_reporter_email(self) -> str:
        email = self.cleaned_data["reporter_email"].strip().lower()
        # Lowercasing can lengthen an address ("İ" becomes "i" and a combining dot): measure it again for the column.
        if len(email) > Complaint._meta.get_field("reporter_email").max_length:
            raise ValidationError(_("Enter a valid e-mail address, e.g. nama@contoh.com."), code="invalid")
        return email

    def clean_reporter_phone(self) -> str:
        raw = self.cleaned_data["reporter_phone"].strip()
        if not raw:
            return ""
        try:
            return normalize_phone(raw)
        except IdentityError:
            raise ValidationError(_("Enter an Indonesian mobile number, e.g. 0812 3456 7890."), code="phone")

    def clean_evidence(self) -> list[CheckedUpload]:
        return check_evidence(self.cleaned_data["evidence"])

    def clean_police_report(self) -> CheckedUpload | None:
        upload = self.cleaned_data["police_report"]
        if not upload:
            return None
        return CheckedUpload(upload, inspect_upload(upload))

    def clean(self) -> dict:
        cleaned = super().clean()
        if self._is_bot():
            self.is_bot = True
            # Said plainly to a person who was merely quick; a bot learns nothing it can use.
            raise ValidationError(
                _("Your report was not sent. Please check it and send it again in a few seconds."), code="bot"
            )
        target = getattr(self, "target_address", None)
        if cleaned.get("kind") == Complaint.Kind.FAKE_WEBSITE and target and target.kind != TargetKind.WEBSITE:
            self.add_error("address", ValidationError(
                _("Enter the web address of the fake site, e.g. prakerja-daftar.com."), code="not_a_website"
            ))
        elif cleaned.get("kind") == Complaint.Kind.FAKE_WEBSITE and target and is_official_site(target):
            self.add_error("address", ValidationError(
                _("This is the official Prakerja address, not a fake site."), code="official_site"))
        return cleaned

    def _is_bot(self) -> bool:
        if self.data.get("homepage"):
            return True
        try:
            stamp = signing.loads(self.data.get("rendered_at", ""), salt=FORM_TOKEN_SALT)
            # A bare timestamp: a form rendered before the nonce was added.
            rendered_at = float(stamp[0] if isinstance(stamp, list) else stamp)
        except (signing.BadSignature, TypeError, ValueError, IndexError):
            return True
        age = time.time() - rendered_at
        return not conf.min_fill_seconds() <= age <= conf.form_max_age()


class NikMisuseForm(forms.Form):
    """A signed-in applicant's report that their NIK was registered by someone else's account.

    Cleans `nik` to its 16 digits (prakerja.lib.identity.parse_nik; the profile's wording of each error) and
    refuses the NIK of the reporter's own profile: that account is theirs.
    """

    nik = forms.CharField(
        label=_("The NIK that someone else used"), max_length=32,
        help_text=_("Your NIK, as on your KTP: 16 digits."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": NIK_ERRORS["empty"]},
    )
    statement = forms.CharField(
        label=_("What happened?"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("How you found out that your NIK was used, and whether you gave it to anyone (a joki, a site)."),
        error_messages={"required": _("Describe what happened.")},
    )
    evidence = MultipleFileField(label=_("Evidence (optional)"), required=False)
    declaration = forms.BooleanField(
        label=_("I declare that this NIK is mine and that this report is true."),
        error_messages={"required": _("Tick the box to declare that the NIK is yours.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["evidence"].help_text = evidence_help_text()

    def clean_nik(self) -> str:
        try:
            number = parse_nik(self.cleaned_data["nik"]).number
        except IdentityError as error:
            raise ValidationError(NIK_ERRORS[error.code], code=error.code) from None
        if Applicant.objects.filter(user=self.user, nik=number).exists():
            raise ValidationError(_("This NIK is on your own profile: no other account holds it."), code="own_nik")
        return number

    def clean_evidence(self) -> list[CheckedUpload]:
        return check_evidence(self.cleaned_data["evidence"])


class StatusLookupForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference number"), max_length=32,
        widget=forms.TextInput(attrs={"placeholder": "PKJ-XXXX-XXXX", "autocapitalize": "characters",
                                      "autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Enter the reference number from your e-mail.")},
    )
    email = forms.EmailField(
        label=_("The e-mail you reported with"), max_length=254,
        error_messages={"required": _("Enter the e-mail address you reported with."),
                        "invalid": _("Enter a valid e-mail address, e.g. nama@contoh.com.")},
    )

    def clean_reference(self) -> str:
        reference = clean_reference(self.cleaned_data["reference"])
        if not reference:
            raise ValidationError(_("A reference number looks like PKJ-7K3M-9QXA."), code="format")
        return reference

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()
