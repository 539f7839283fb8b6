"""The audit of personal-data searches (read-only), and the staff look-up page for people by NIK, phone or
e-mail (a POSTed form: the value never enters a URL)."""
from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters

from prakerja.lib.admin import ReadOnlyAdminMixin
from staff import lookups
from staff.models import PersonalDataSearch

FULL_NIK_PERMISSION = "registration.view_full_nik"


class PersonSearchForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Search by"), choices=[
        (PersonalDataSearch.Kind.NIK, gettext_lazy("NIK (whole)")),
        (PersonalDataSearch.Kind.PHONE, gettext_lazy("mobile phone")),
        (PersonalDataSearch.Kind.EMAIL, gettext_lazy("e-mail address")),
    ])
    value = forms.CharField(label=gettext_lazy("Value"), max_length=254,
                            widget=forms.TextInput(attrs={"autocomplete": "off"}))


@admin.register(PersonalDataSearch)
class PersonalDataSearchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "actor", "kind", "target", "result_count"]
    list_filter = ["kind", "target"]
    date_hierarchy = "at"

    def get_urls(self):
        return [path("cari/", self.admin_site.admin_view(self.lookup_view), name="staff_lookup"),
                *super().get_urls()]

    @method_decorator(sensitive_post_parameters("value"))
    def lookup_view(self, request: HttpRequest) -> HttpResponse:
        """Find applicants by whole NIK, mobile number or e-mail: POST only, rationed, audited."""
        if not request.user.has_perm(lookups.SEARCH_PERMISSION):
            raise PermissionDenied
        form = PersonSearchForm(request.POST or None)
        found, status = None, 200
        if request.method == "POST" and form.is_valid():
            if lookups.over_search_ration(request):
                form.add_error(None, _("Too many searches: try again later. Every search is recorded."))
                status = 429
            else:
                try:
                    found = list(lookups.find_applicants(kind=form.cleaned_data["kind"],
                                                         value=form.cleaned_data["value"])[:20])
                except lookups.SearchRefused:
                    form.add_error("value", _("This is not a whole NIK, a mobile number or an e-mail address of "
                                              "the kind chosen."))
                else:
                    lookups.record(user=request.user, kind=form.cleaned_data["kind"], target="applicants",
                                   result_count=len(found))
                    form = PersonSearchForm(initial={"kind": form.cleaned_data["kind"]})  # the value not shown again
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form, "found": found,
            "title": _("Find an applicant"), "whole": request.user.has_perm(FULL_NIK_PERMISSION),
        }
        return TemplateResponse(request, "staff/lookup.html", context, status=status)
