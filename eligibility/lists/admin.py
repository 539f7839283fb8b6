"""Admin for exclusion lists: versions (read-only), the upload that starts a load, the confirmation of a
load held for it, the bad rows by reason and their download, and the staff look-up "is this NIK on list X".

A version's status changes only through the load (and the swap it ends with) and the Confirm / Discard
buttons of a held load, which call the services: no free edit here.
"""
from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.defaultfilters import filesizeformat
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.utils.translation import gettext_lazy

from eligibility.lists import pending_uploads
from eligibility.lists.confirm import replacement_statement
from eligibility.lists.forms import ExclusionListUploadForm, NikLookupForm
from eligibility.lists.reasons import bad_rows_by_reason, bad_rows_file
from eligibility.lists.services import (
    ListDecisionError, ListFileError, check_list_upload, confirm_exclusion_list, discard_exclusion_list, is_nik_on_list,
    max_bad_share, max_shrink, max_upload_bytes, start_exclusion_load,
)
from eligibility.models.lists import ExclusionList, ListCategory
from staff import lookups
from prakerja.lib.admin import ReadOnlyAdminMixin
from prakerja.lib.identity import mask

UPLOAD_PERMISSION = "eligibility.add_exclusionlist"
LOOKUP_PERMISSION = "eligibility.lookup_nik"


@admin.register(ExclusionList)
class ExclusionListAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "category", "status", "file_name", "loaded_by", "created_at", "activated_at",
        "row_count", "bad_row_count", "duplicate_count", "progress_display",
    ]
    list_filter = ["category", "status"]
    list_select_related = ["loaded_by"]
    search_fields = ["file_name"]
    date_hierarchy = "created_at"
    fields = [
        "category", "status", "file_name", "loaded_by", "created_at", "activated_at", "progress_display",
        "error", "line_count", "row_count", "duplicate_count", "bad_row_count", "kk_dropped_count", "bad_rows_link",
        "previous_row_count", "decided_by", "decided_at", "table_name", "released_at",
    ]
    readonly_fields = fields
    change_list_template = "eligibility/lists/change_list.html"
    change_form_template = "eligibility/lists/change_form.html"


    @admin.display(description=gettext_lazy("progress"))
    def progress_display(self, obj: ExclusionList) -> str:
        if obj.status == ExclusionList.Status.LOADING:
            return f"{obj.progress}%"
        if obj.status == ExclusionList.Status.FAILED:
            return _("failed")
        return "100%"

    @admin.display(description=gettext_lazy("bad rows (line, reason)"))
    def bad_rows_link(self, obj: ExclusionList) -> str:
        if not obj.bad_row_count and not obj.kk_dropped_count:
            return "-"
        if obj.kk_dropped_count:
            # The report also holds the prior-awardee rows loaded without their invalid KK.
            text = _("Download the %(count)s reported rows (CSV): %(bad)s not loaded, %(kk)s loaded without "
                     "their KK") % {"count": obj.bad_row_count + obj.kk_dropped_count, "bad": obj.bad_row_count,
                                    "kk": obj.kk_dropped_count}
        else:
            text = _("Download the %(count)s bad rows (CSV)") % {"count": obj.bad_row_count}
        return format_html('<a href="{}">{}</a>', reverse("admin:eligibility_exclusionlist_bad_rows", args=[obj.pk]),
                           text)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("upload/", view(self.upload_view), name="eligibility_exclusionlist_upload"),
            path("lookup/", view(self.lookup_view), name="eligibility_exclusionlist_lookup"),
            path("<int:pk>/bad-rows.csv", view(self.bad_rows_view), name="eligibility_exclusionlist_bad_rows"),
            path("<int:pk>/decide/", view(self.decide_view), name="eligibility_exclusionlist_decide"),
        ] + super().get_urls()

    def changelist_view(self, request: HttpRequest, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_upload": request.user.has_perm(UPLOAD_PERMISSION),
            "can_lookup": request.user.has_perm(LOOKUP_PERMISSION),
            "any_loading": ExclusionList.objects.filter(status=ExclusionList.Status.LOADING).exists(),
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        version = self.get_object(request, object_id)
        extra_context = dict(extra_context or {})
        if version is not None:
            extra_context["bad_row_groups"] = bad_rows_by_reason(version) if version.bad_row_count or \
                version.kk_dropped_count else []
            if version.status == ExclusionList.Status.NEEDS_CONFIRMATION:
                in_force = ExclusionList.objects.active().filter(category=version.category).first()
                extra_context.update({
                    "in_force": in_force,
                    "bad_percent": 100 * version.bad_row_count / version.line_count if version.line_count else 0,
                    "max_bad_percent": 100 * max_bad_share(),
                    "max_shrink_percent": 100 * max_shrink(),
                    "can_decide": request.user.has_perm(UPLOAD_PERMISSION),
                })
        return super().change_view(request, object_id, form_url, extra_context)

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """POST "confirm" or "discard" for a load held for confirmation (the upload permission)."""
        if not request.user.has_perm(UPLOAD_PERMISSION):
            raise PermissionDenied
        if request.method != "POST":
            return redirect("admin:eligibility_exclusionlist_change", pk)
        version = get_object_or_404(ExclusionList, pk=pk)
        decision = request.POST.get("decision")
        try:
            if decision == "confirm":
                version = confirm_exclusion_list(version_id=version.pk, by=request.user)
                messages.success(request, _("%(version)s is now the list in force.") % {"version": version})
            elif decision == "discard":
                version = discard_exclusion_list(version_id=version.pk, by=request.user)
                messages.success(request, _("%(version)s was discarded; the list in force did not change.")
                                 % {"version": version})
        except ListDecisionError as exc:
            messages.error(request, str(exc))
        return redirect("admin:eligibility_exclusionlist_change", pk)

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm(UPLOAD_PERMISSION):
            raise PermissionDenied
        if request.method == "POST" and "pending" in request.POST:
            return self._confirmed_upload(request)
        form = ExclusionListUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            # Replacing a list is irreversible for the screenings that follow: first a page stating what it
            # replaces (confirm.replacement_statement); the file waits under var/ meanwhile. A file refused as
            # a whole is refused here, before anyone is asked to confirm it.
            upload, category = form.cleaned_data["file"], form.cleaned_data["category"]
            try:
                check_list_upload(category=category, upload=upload)
            except ListFileError as exc:
                form.add_error("file", str(exc))
                return self._upload_form(request, form)
            pending = pending_uploads.keep(upload, category=category, file_name=upload.name, user=request.user)
            context = {
                **self.admin_site.each_context(request), "opts": self.model._meta,
                "title": _("Load an exclusion list"), "pending": pending,
                "statement": replacement_statement(category=category, file_name=upload.name, size=upload.size),
            }
            return TemplateResponse(request, "eligibility/lists/upload_confirm.html", context)
        return self._upload_form(request, form)

    def _upload_form(self, request: HttpRequest, form: ExclusionListUploadForm) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Load an exclusion list"),
            "form": form,
            "max_size": filesizeformat(max_upload_bytes()),
        }
        return TemplateResponse(request, "eligibility/lists/upload.html", context)

    def _confirmed_upload(self, request: HttpRequest) -> HttpResponse:
        """The confirmation of a kept upload: start its load, or say the confirmation is no longer valid."""
        try:
            with pending_uploads.take(request.POST["pending"], user=request.user) as (file, category, file_name):
                version = start_exclusion_load(category=category, upload=file, file_name=file_name, by=request.user)
        except (pending_uploads.Expired, ListFileError) as exc:
            messages.error(request, str(exc))
            return redirect("admin:eligibility_exclusionlist_upload")
        messages.success(request, _("The file is being loaded as %(version)s. Its progress shows below.")
                         % {"version": version})
        return redirect("admin:eligibility_exclusionlist_change", version.pk)

    @method_decorator(sensitive_post_parameters("nik"))
    def lookup_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm(LOOKUP_PERMISSION):
            raise PermissionDenied
        # POST only: a NIK in a query string would end up in access logs and browser history.
        form = NikLookupForm(request.POST or None)
        result = None
        if request.method == "POST" and form.is_valid() and lookups.over_search_ration(request):
            form.add_error(None, _("Too many searches: try again later. Every search is recorded."))
        elif request.method == "POST" and form.is_valid():
            category = form.cleaned_data["category"] or None
            found = is_nik_on_list(nik=form.cleaned_data["nik"], category=category)
            lookups.record(user=request.user, kind=lookups.Kind.NIK, target="exclusion lists", result_count=len(found))
            searched = (
                [category] if category
                else list(ExclusionList.objects.active().order_by("category").values_list("category", flat=True))
            )
            result = {
                "masked_nik": mask(form.cleaned_data["nik"]),
                "found": found,
                "searched": [ListCategory(code).label for code in searched],
            }
            # The answer shows the NIK masked; the form is not filled with it again.
            form = NikLookupForm(initial={"category": category or ""})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Is this NIK on an exclusion list?"),
            "form": form,
            "result": result,
        }
        return TemplateResponse(request, "eligibility/lists/lookup.html", context)

    def bad_rows_view(self, request: HttpRequest, pk: int) -> StreamingHttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        version = get_object_or_404(ExclusionList, pk=pk)
        response = StreamingHttpResponse(bad_rows_file(version), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="bad-rows-{version.category}-{version.pk}.csv"'
        return response
