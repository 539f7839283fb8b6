"""Forms after the draw: they validate and tidy input only."""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from aftercare.models import Appeal, RevocationReason
from complaints import conf
from complaints.forms import MultipleFileField
from complaints.uploads import CheckedUpload, inspect_upload
from eligibility.models import ReasonCode
from registration.models import Wave


class AppealForm(forms.Form):
    """An applicant's appeal against one reason, with a statement and evidence files checked as complaints' are."""

    reason = forms.ChoiceField(label=_("Which reason is wrong?"), widget=forms.RadioSelect,
                               error_messages={"required": _("Choose the reason you appeal."),
                                               "invalid_choice": _("Choose the reason you appeal.")})
    statement = forms.CharField(
        label=_("Why is it wrong?"), widget=forms.Textarea(attrs={"rows": 5}),
        max_length=Appeal._meta.get_field("statement").max_length,
        help_text=_("For example: you left the civil service in 2019, with the letter's number."),
        error_messages={"required": _("Write why the result is wrong.")},
    )
    evidence = MultipleFileField(label=_("Evidence (optional)"), required=False,
                                 help_text=_("Photos or PDF of letters or decrees: JPEG, PNG, WebP or PDF."))

    def __init__(self, *args, reasons: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [(code, ReasonCode(code).label) for code in reasons]

    def clean_evidence(self) -> list[CheckedUpload]:
        files = self.cleaned_data.get("evidence") or []
        if len(files) > conf.max_evidence_files():
            raise ValidationError(_("Attach at most %(count)s files.") % {"count": conf.max_evidence_files()})
        return [CheckedUpload(upload, inspect_upload(upload)) for upload in files]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[
        ("upheld", _("Uphold: the list is wrong about this person")),
        ("rejected", _("Reject: the screening stands")),
    ])
    reason = forms.CharField(label=_("Reason (shown to the applicant when rejected)"),
                             widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class RevokeForm(forms.Form):
    """The reason for revoking the chosen recipients (the admin action's confirmation page)."""

    reason = forms.ChoiceField(label=_("Reason"), choices=[("", _("- Choose a reason -"))] + RevocationReason.choices)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class NikFileForm(forms.Form):
    file = forms.FileField(label=_("File of NIKs"),
                           help_text=_("A text or CSV file with one NIK a line (a first line `nik` is skipped)."))


class RevokeFileForm(NikFileForm, RevokeForm):
    wave = forms.ModelChoiceField(label=_("Wave"), queryset=Wave.objects.filter(status=Wave.Status.SELECTED),
                                  empty_label=_("- Choose a wave -"))


class HelpdeskForm(forms.Form):
    query = forms.CharField(label=_("NIK, phone number or e-mail address"), max_length=254)
    full = forms.BooleanField(label=_("Show whole values"), required=False)
