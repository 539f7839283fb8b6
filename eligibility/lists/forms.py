"""Forms of the exclusion-list admin: they validate and tidy input only."""
from __future__ import annotations

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from eligibility.lists.services import max_upload_bytes
from eligibility.models.lists import ListCategory
from prakerja.lib.identity import clean_number, nik_problem
from registration.forms import NIK_ERRORS


class ExclusionListUploadForm(forms.Form):
    # An empty first choice: a file loaded as the wrong list replaces that list, so staff must pick it.
    category = forms.ChoiceField(label=_("List"), choices=[("", _("- Choose the list -"))] + list(ListCategory.choices))
    file = forms.FileField(
        label=_("List file"),
        help_text=_("UTF-8 CSV, or an .xlsx or .ods spreadsheet, with a header line holding a “nik” column (the "
                    "2020 recipients list may add “kk”). Keep the NIK column as text."),
    )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is None or "category" not in cleaned:
            return cleaned
        limit = max_upload_bytes()
        if upload.size > limit:
            self.add_error("file", _("The file is larger than %(limit)s. Load it with the import_exclusions command.")
                           % {"limit": filesizeformat(limit)})
            return cleaned
        # Its content (header, encoding, spreadsheet damage) is checked by start_exclusion_load, once.
        return cleaned


class NikLookupForm(forms.Form):
    nik = forms.CharField(label=_("NIK"), max_length=32, widget=forms.TextInput(attrs={"autocomplete": "off",
                                                                                       "inputmode": "numeric"}))
    category = forms.ChoiceField(label=_("List"), required=False,
                                 choices=[("", _("All lists"))] + list(ListCategory.choices))

    def clean_nik(self) -> str:
        # The applicant's NIK rule and wording: a NIK no profile or list can hold is refused, not looked up.
        number = clean_number(self.cleaned_data["nik"])
        problem = nik_problem(number)
        if problem:
            raise forms.ValidationError(NIK_ERRORS[problem], code=f"nik_{problem}")
        return number
