"""Admin after the draw: deciding appeals beside what the screening found, revoking recipients (one by one with a
confirmation page and a reason, or from a file), recording training starts, and read-only records."""
from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from aftercare import services
from aftercare.forms import DecisionForm, NikFileForm, RevokeFileForm, RevokeForm
from aftercare.models import (Appeal, AppealFile, HelpdeskLookup, Promotion, Recipient, Revocation, TrainingStartImport)
from eligibility.models.screening import ScreeningResult, ScreeningRun
from prakerja.lib.identity import mask
from prakerja.lib.timefmt import format_wib


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records: written by services only."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _form_page(admin_obj, request, *, title: str, form, intro: str = "", extra: dict | None = None,
               template: str = "aftercare/admin_form.html") -> HttpResponse:
    context = {**admin_obj.admin_site.each_context(request), "opts": admin_obj.model._meta, "title": title,
               "form": form, "intro": intro, **(extra or {})}
    return TemplateResponse(request, template, context)


def _nik_lines(upload) -> list[str]:
    return upload.read().decode("utf-8-sig", errors="replace").splitlines()


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "wave", "reason_display", "status", "filed_wib", "decide_link")
    list_filter = ("status", "reason", "registration__wave")
    list_select_related = ("registration__wave",)

    @admin.display(description=_("wave"))
    def wave(self, appeal: Appeal):
        return appeal.registration.wave

    @admin.display(description=_("reason appealed"))
    def reason_display(self, appeal: Appeal) -> str:
        return appeal.reason_label

    @admin.display(description=_("filed at"), ordering="filed_at")
    def filed_wib(self, appeal: Appeal) -> str:
        return format_wib(appeal.filed_at)

    @admin.display(description="")
    def decide_link(self, appeal: Appeal) -> str:
        label = _("Decide") if appeal.status == Appeal.Status.PENDING else _("View")
        return format_html('<a href="{}">{}</a>', reverse("admin:aftercare_appeal_decide", args=[appeal.pk]), label)

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("aftercare.view_appeal") or request.user.has_perm("aftercare.change_appeal")

    def get_urls(self):
        return [
            path("<int:pk>/decide/", self.admin_site.admin_view(self.decide_view), name="aftercare_appeal_decide"),
            path("file/<int:pk>/", self.admin_site.admin_view(self.file_view), name="aftercare_appeal_file"),
        ] + super().get_urls()

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The appeal beside what the screening found (which list, which version, loaded when, from which file)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        appeal = get_object_or_404(Appeal.objects.select_related("registration__wave", "registration__applicant",
                                                                 "decided_by"), pk=pk)
        result = ScreeningResult.objects.filter(registration=appeal.registration).select_related("run").first()
        run: ScreeningRun | None = result.run if result else None
        versions = [v for v in (run.list_versions if run else []) if v.get("category") == appeal.reason]
        form = DecisionForm(request.POST or None)
        if request.method == "POST":
            if not request.user.has_perm("aftercare.change_appeal"):
                raise PermissionDenied
            if form.is_valid():
                try:
                    services.decide_appeal(appeal=appeal, upheld=form.cleaned_data["decision"] == "upheld",
                                           reason=form.cleaned_data["reason"], by=request.user)
                except services.AftercareError as exc:
                    form.add_error(None, str(exc))
                else:
                    self.message_user(request, _("%(appeal)s decided.") % {"appeal": appeal}, messages.SUCCESS)
                    return redirect("admin:aftercare_appeal_changelist")
        return _form_page(self, request, title=str(appeal), form=form, template="aftercare/appeal_decide.html", extra={
            "appeal": appeal, "result": result, "run": run, "versions": versions,
            "masked_nik": mask(appeal.registration.applicant.nik),
            "can_decide": appeal.status == Appeal.Status.PENDING and request.user.has_perm("aftercare.change_appeal"),
        })

    def file_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        evidence = get_object_or_404(AppealFile, pk=pk)
        name = f"sanggahan-{evidence.appeal_id}-{evidence.pk}{AppealFile.EXTENSIONS.get(evidence.content_type, '')}"
        return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=name,
                            content_type=evidence.content_type)


@admin.register(Recipient)
class RecipientAdmin(ReadOnlyAdmin):
    list_display = ("wave_number", "masked_nik", "rank", "promoted")
    list_filter = ("wave",)
    list_select_related = ("registration__applicant", "registration__promotion", "wave")
    actions = ["revoke"]
    change_list_template = "aftercare/recipient_change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(selected=True).order_by("wave_id", "rank")

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("aftercare.view_revocation")

    def has_revoke_permission(self, request) -> bool:
        return request.user.has_perm("aftercare.add_revocation")

    @admin.display(description=_("wave"), ordering="wave__number")
    def wave_number(self, result: ScreeningResult) -> int:
        return result.wave.number

    @admin.display(description=_("NIK"))
    def masked_nik(self, result: ScreeningResult) -> str:
        return mask(result.registration.applicant.nik)

    @admin.display(description=_("promoted from the reserve"), boolean=True)
    def promoted(self, result: ScreeningResult) -> bool:
        return hasattr(result.registration, "promotion")

    @admin.action(description=_("Revoke the card (with a reason)"), permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset):
        """Without a valid reason in the POST: the confirmation page listing the chosen recipients (masked)."""
        chosen = list(queryset.select_related("registration__applicant", "wave"))
        form = RevokeForm(request.POST if request.POST.get("confirm") == "yes" else None)
        if form.is_bound and form.is_valid():
            for result in chosen:
                try:
                    services.revoke_recipient(registration=result.registration, reason=form.cleaned_data["reason"],
                                              by=request.user, note=form.cleaned_data["note"])
                except services.AftercareError as exc:
                    self.message_user(request, str(exc), messages.ERROR)
            self.message_user(request, _("%(count)s revoked; the places are filled from the reserve in rank order.")
                              % {"count": len(chosen)}, messages.SUCCESS)
            return None
        return _form_page(self, request, title=_("Revoke Kartu Prakerja"), form=form,
                          template="aftercare/revoke_confirm.html", extra={
                              "chosen": [(r, mask(r.registration.applicant.nik)) for r in chosen],
                              "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME})

    def get_urls(self):
        return [path("from-file/", self.admin_site.admin_view(self.revoke_file_view), name="aftercare_revoke_file")] \
            + super().get_urls()

    def revoke_file_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_revoke_permission(request):
            raise PermissionDenied
        form = RevokeFileForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            niks, problems = services.parse_nik_lines(_nik_lines(form.cleaned_data["file"]))
            revoked, others = services.revoke_niks(wave=form.cleaned_data["wave"], niks=niks,
                                                   reason=form.cleaned_data["reason"], by=request.user,
                                                   note=form.cleaned_data["note"])
            self.message_user(request, _("%(revoked)s revoked, %(others)s NIKs were not recipients of the wave, "
                                         "%(bad)s lines refused.") % {"revoked": revoked, "others": others,
                                                                      "bad": len(problems)}, messages.SUCCESS)
            return redirect("admin:aftercare_revocation_changelist")
        return _form_page(self, request, title=_("Revoke from a file of NIKs"), form=form,
                          intro=_("Every recipient of the wave whose NIK is in the file is revoked for the reason "
                                  "chosen; their places are filled from the reserve in rank order."))


@admin.register(Revocation)
class RevocationAdmin(ReadOnlyAdmin):
    list_display = ("wave", "masked_nik", "reason", "by", "at_wib", "filled")
    list_filter = ("reason", "wave")
    list_select_related = ("wave", "registration__applicant", "by", "filled_by")

    @admin.display(description=_("NIK"))
    def masked_nik(self, revocation: Revocation) -> str:
        return mask(revocation.registration.applicant.nik)

    @admin.display(description=_("revoked at"), ordering="at")
    def at_wib(self, revocation: Revocation) -> str:
        return format_wib(revocation.at)

    @admin.display(description=_("place filled"), boolean=True)
    def filled(self, revocation: Revocation) -> bool:
        return hasattr(revocation, "filled_by")


@admin.register(Promotion)
class PromotionAdmin(ReadOnlyAdmin):
    list_display = ("wave", "masked_nik", "rank", "by", "at_wib")
    list_filter = ("wave",)
    list_select_related = ("wave", "registration__applicant", "by")

    @admin.display(description=_("NIK"))
    def masked_nik(self, promotion: Promotion) -> str:
        return mask(promotion.registration.applicant.nik)

    @admin.display(description=_("promoted at"), ordering="at")
    def at_wib(self, promotion: Promotion) -> str:
        return format_wib(promotion.at)


@admin.register(TrainingStartImport)
class TrainingStartImportAdmin(ReadOnlyAdmin):
    list_display = ("at_wib", "file_name", "rows", "bad_rows", "by")
    change_list_template = "aftercare/training_import_change_list.html"

    @admin.display(description=_("imported at"), ordering="at")
    def at_wib(self, entry: TrainingStartImport) -> str:
        return format_wib(entry.at)

    def has_add_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("aftercare.add_trainingstartimport")

    def get_urls(self):
        return [path("upload/", self.admin_site.admin_view(self.upload_view), name="aftercare_training_upload")] \
            + super().get_urls()

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = NikFileForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            niks, problems = services.parse_nik_lines(_nik_lines(upload))
            new = services.record_training_starts(niks=niks, by=request.user, file_name=upload.name,
                                                  bad_rows=len(problems))
            self.message_user(request, _("%(count)s NIKs recorded (%(new)s new), %(bad)s lines refused.")
                              % {"count": len(set(niks)), "new": new, "bad": len(problems)}, messages.SUCCESS)
            return redirect("admin:aftercare_trainingstartimport_changelist")
        return _form_page(self, request, title=_("Record training starts"), form=form,
                          intro=_("The NIKs of recipients who started a training. Only keyed digests are kept. Each "
                                  "night, recipients past their training deadline whom no import lists are revoked."))


@admin.register(HelpdeskLookup)
class HelpdeskLookupAdmin(ReadOnlyAdmin):
    list_display = ("at_wib", "user", "key", "found_id", "full_identity")
    list_filter = ("key", "full_identity")

    @admin.display(description=_("when"), ordering="at")
    def at_wib(self, entry: HelpdeskLookup) -> str:
        return format_wib(entry.at)
