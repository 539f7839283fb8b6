"""Staff triage of complaints in the admin.

Every field of a complaint is read-only: its status moves only through the admin actions, which call
complaints.services.change_status (who, when, old and new status are recorded by django-simple-history and
shown on the change page). Notes are added, never edited. Reported addresses show each site or person once,
with the number of reports, and export the fake sites for Kominfo as a streamed CSV.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from itertools import batched

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponseRedirect, StreamingHttpResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_lazy as _, ngettext

from complaints import services
from complaints.models import (
    Complaint, ComplaintNote, KominfoExport, NikMisuseReport, ReportedTarget, Suspension, TriageStatus,
)
from prakerja.lib import csvfile
from prakerja.lib.admin import PersonalDataLookupsMixin, ReadOnlyAdminMixin
from prakerja.lib.privacy import mask_email, mask_phone
from prakerja.lib.timefmt import format_wib, iso_wib

logger = logging.getLogger(__name__)


class NoteInline(admin.TabularInline):
    model = ComplaintNote
    fields = ["text", "author", "created_at"]
    readonly_fields = ["author", "created_at"]
    extra = 1
    can_delete = False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # Existing notes are shown read-only: a note is part of the record.
        return False


def _status_action(status: TriageStatus, description):
    @admin.action(description=description, permissions=["change"])
    def action(modeladmin: ComplaintAdmin, request: HttpRequest, queryset: QuerySet[Complaint]) -> None:
        changed, refused = 0, []
        for complaint in queryset.order_by("pk"):
            try:
                services.change_status(complaint=complaint, to=status, by=request.user)
                changed += 1
            except services.ComplaintError as error:
                refused.append(str(error))
        if changed:
            modeladmin.message_user(request, ngettext(
                "%(count)d complaint moved to “%(status)s”.", "%(count)d complaints moved to “%(status)s”.", changed,
            ) % {"count": changed, "status": status.label}, messages.SUCCESS)
        for message in refused:
            modeladmin.message_user(request, message, messages.WARNING)

    action.__name__ = f"mark_{status.value}"
    return action


@admin.register(Complaint)
class ComplaintAdmin(PersonalDataLookupsMixin, admin.ModelAdmin):
    list_display = ["reference", "kind", "target_link", "status", "created_at", "file_count"]
    personal_fields = frozenset({"reporter_email", "reporter_phone", "filed_by"})
    personal_data_permission = "complaints.view_reporter_contact"
    list_filter = ["status", "kind", "created_at"]
    search_fields = ["reference", "target__address"]
    list_select_related = ["target"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    inlines = [NoteInline]
    actions = [
        _status_action(TriageStatus.IN_REVIEW, _("Mark as in review")),
        _status_action(TriageStatus.FORWARDED_KOMINFO, _("Mark as forwarded to Kominfo")),
        _status_action(TriageStatus.FORWARDED_BARESKRIM, _("Mark as forwarded to Bareskrim")),
        _status_action(TriageStatus.CLOSED, _("Close")),
    ]

    change_form_template = "admin/complaints/complaint/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Complaint]:
        return super().get_queryset(request).annotate(file_count=Count("files"))

    def get_urls(self):
        return [
            path("<int:pk>/status/", self.admin_site.admin_view(self.change_status_view),
                 name="complaints_complaint_status"),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        complaint = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if complaint is not None and self.has_change_permission(request, complaint):
            extra_context["status_moves"] = [
                (status.value, status.label) for status in TriageStatus
                if status.value in services.TRANSITIONS.get(complaint.status, ())
            ]
        return super().change_view(request, object_id, form_url, extra_context)

    def change_status_view(self, request: HttpRequest, pk: int) -> HttpResponseRedirect:
        """The change page's status buttons: the same service as the list's actions, with an optional note."""
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:complaints_complaint_change", args=[pk]))
        complaint = self.get_object(request, str(pk))
        if complaint is None:
            raise Http404
        if not self.has_change_permission(request, complaint):
            raise PermissionDenied
        to = request.POST.get("to", "")
        try:
            if to not in TriageStatus.values:
                raise services.ComplaintError(gettext("Choose a status."))
            services.change_status(complaint=complaint, to=to, by=request.user,
                                   note=request.POST.get("note", "").strip())
            self.message_user(request, gettext("%(reference)s moved to “%(status)s”.")
                              % {"reference": complaint.reference, "status": TriageStatus(to).label}, messages.SUCCESS)
        except services.ComplaintError as error:
            self.message_user(request, str(error), messages.WARNING)
        return HttpResponseRedirect(reverse("admin:complaints_complaint_change", args=[pk]))

    def _contact_fields(self, request: HttpRequest) -> list[str]:
        # The account's name is its e-mail address, usually the reporter's: masked alike.
        if request.user.has_perm(self.personal_data_permission):
            return ["reporter_email", "reporter_phone", "filed_by"]
        return ["masked_reporter_email", "masked_reporter_phone", "masked_filed_by"]

    def get_fieldsets(self, request: HttpRequest, obj=None):
        return [
            (None, {"fields": ["reference", "kind", "status", "status_changed_at", "created_at"]}),
            (_("What was reported"), {"fields": ["target_link", "address_as_reported", "description", "loss",
                                                 "amount_lost_rupiah", "files_list"]}),
            (_("Reporter (personal data)"), {"fields": [*self._contact_fields(request), "language"]}),
            (_("Status history"), {"fields": ["status_history"]}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [
            "reference", "kind", "status", "status_changed_at", "created_at", "target_link", "address_as_reported",
            "description", "loss", "amount_lost_rupiah", "files_list", *self._contact_fields(request),
            "language", "status_history",
        ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # complaints come from the public form

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # a complaint is a record; deleting one would also break its address's report count

    def save_model(self, request, obj, form, change) -> None:
        # Every field is read-only: only notes are saved from the change page (save_formset).
        pass

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not ComplaintNote:
            return super().save_formset(request, form, formset, change)
        added = []
        for note_form in formset.forms:
            text = note_form.cleaned_data.get("text") if note_form.has_changed() else None
            if note_form.instance.pk is None and text:
                added.append(services.add_note(complaint=form.instance, by=request.user, text=text))
        # What the admin's change message (LogEntry) reads after saving a formset.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = added, [], []

    @admin.display(description=_("reported address"), ordering="target__address")
    def target_link(self, obj: Complaint) -> str:
        url = reverse("admin:complaints_reportedtarget_change", args=[obj.target_id])
        return format_html('<a href="{}">{}</a> ({})', url, obj.target.address,
                           ngettext("%(count)d report", "%(count)d reports", obj.target.report_count)
                           % {"count": obj.target.report_count})

    @admin.display(description=_("files"), ordering="file_count")
    def file_count(self, obj: Complaint) -> int:
        return obj.file_count

    @admin.display(description=_("Money lost, in rupiah (optional)"))
    def amount_lost_rupiah(self, obj: Complaint) -> str:
        """`Rp 1.500.000` (thousands grouped as the staff member's language writes them), or "-"."""
        if obj.amount_lost is None:
            return "-"
        return "Rp " + formats.number_format(obj.amount_lost, use_l10n=True, force_grouping=True)

    @admin.display(description=_("files"))
    def files_list(self, obj: Complaint) -> str:
        files = list(obj.files.all())
        if not files and obj.evidence_removed_at:
            return gettext("Removed on %(date)s: the retention period after closing had passed.") % {
                "date": format_wib(obj.evidence_removed_at)}
        if not files:
            return "—"
        return format_html("<ul>{}</ul>", format_html_join(
            "", '<li><a href="{}">{}</a> · {} · {} bytes</li>',
            ((reverse("complaints:evidence", args=[item.pk]), item.get_kind_display(), item.content_type, item.size)
             for item in files),
        ))

    @admin.display(description=_("reporter's e-mail"))
    def masked_reporter_email(self, obj: Complaint) -> str:
        return mask_email(obj.reporter_email)

    @admin.display(description=_("filed by account"))
    def masked_filed_by(self, obj: Complaint) -> str:
        return mask_email(obj.filed_by.email) if obj.filed_by_id else "—"

    @admin.display(description=_("reporter's phone"))
    def masked_reporter_phone(self, obj: Complaint) -> str:
        return mask_phone(obj.reporter_phone) or "—"

    @admin.display(description=_("who changed the status when"))
    def status_history(self, obj: Complaint) -> str:
        rows, previous = [], None
        for record in obj.history.select_related("history_user").order_by("history_date", "history_id"):
            if previous is None or record.status != previous.status:
                rows.append((
                    format_wib(record.history_date, seconds=True),
                    str(record.history_user) if record.history_user else gettext("reporter (public form)"),
                    TriageStatus(previous.status).label if previous else "—",
                    TriageStatus(record.status).label,
                    record.history_change_reason or "",
                ))
            previous = record
        header = format_html("<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>", gettext("When"),
                             gettext("Who"), gettext("From"), gettext("To"), gettext("Note"))
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        return format_html('<table class="status-history">{}{}</table>', header, body)


@admin.register(ReportedTarget)
class ReportedTargetAdmin(admin.ModelAdmin):
    list_display = ["address", "kind", "report_count", "status", "first_reported_at", "last_reported_at",
                    "kominfo_forwarded_at"]
    list_filter = ["kind", "status"]
    search_fields = ["address"]
    ordering = ["-report_count", "-last_reported_at"]
    readonly_fields = ["kind", "address", "report_count", "status", "status_changed_at", "first_reported_at",
                       "last_reported_at", "kominfo_forwarded_at", "bareskrim_forwarded_at", "complaints_link",
                       "checked_at", "checked_by"]
    # What staff found when they opened the address: the only fields staff write here (record_target_check).
    fields = [*readonly_fields, "leads_to", "check_note"]
    change_list_template = "admin/complaints/reportedtarget/change_list.html"

    def save_model(self, request, obj, form, change) -> None:
        if change and {"leads_to", "check_note"} & set(form.changed_data):
            try:
                services.record_target_check(target=obj, by=request.user, leads_to=obj.leads_to,
                                             note=obj.check_note)
            except services.ComplaintError as error:
                self.message_user(request, str(error), messages.WARNING)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("complaints"))
    def complaints_link(self, obj: ReportedTarget) -> str:
        url = reverse("admin:complaints_complaint_changelist") + f"?target__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, ngettext(
            "See the %(count)d complaint", "See the %(count)d complaints", obj.report_count,
        ) % {"count": obj.report_count})

    def get_urls(self):
        return [
            path("export-kominfo/", self.admin_site.admin_view(self.export_kominfo), name="complaints_kominfo_csv"),
            *super().get_urls(),
        ]

    def export_kominfo(self, request: HttpRequest) -> StreamingHttpResponse:
        """Reported fake-site targets as CSV for Kominfo, one row per target, streamed from a server-side cursor;
        `?new=1`: only those first reported since the previous export."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        new_only = request.GET.get("new") == "1"
        _export, targets = services.start_kominfo_export(by=request.user, new_only=new_only)
        logger.info("Kominfo fake-site export downloaded by user %s", request.user.pk)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = StreamingHttpResponse(_kominfo_csv_lines(targets), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="situs-palsu-prakerja-{stamp}.csv"'
        response["Cache-Control"] = "private, no-store"
        return response


@admin.register(KominfoExport)
class KominfoExportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "by", "new_only", "since"]
    list_select_related = ["by"]



KOMINFO_COLUMNS = ["address", "addresses_as_reported", "first_reported_at", "last_reported_at", "report_count",
                   "status", "leads_to", "staff_check", "checked_at", "forwarded_to_kominfo_at"]
# Targets per query of their reported addresses: a fixed number of queries per block, whatever the export's size.
_KOMINFO_BLOCK = 2000


def _iso(moment) -> str:
    return iso_wib(moment)


def _kominfo_csv_lines(targets: QuerySet[ReportedTarget]) -> Iterator[str]:
    """One row per target: its address, every distinct address reporters typed for it (" | "), first and latest
    report, count, status, and what staff checked (where a short link leads, their note, when)."""
    # Formulas in addresses and notes are neutralised by the one file writer (prakerja.lib.csvfile).
    yield from csvfile.csv_lines([csvfile.Column(key, key) for key in KOMINFO_COLUMNS], _kominfo_rows(targets))


def _kominfo_rows(targets: QuerySet[ReportedTarget]) -> Iterator[list]:
    rows = targets.values_list("pk", "address", "first_reported_at", "last_reported_at", "report_count", "status",
                               "leads_to", "check_note", "checked_at", "kominfo_forwarded_at")
    for block in batched(rows.iterator(chunk_size=_KOMINFO_BLOCK), _KOMINFO_BLOCK):
        reported: dict[int, list[str]] = {}
        originals = (Complaint.objects.filter(target_id__in=[row[0] for row in block])
                     .order_by("target_id", "address_as_reported")
                     .values_list("target_id", "address_as_reported").distinct())
        for target_id, original in originals:
            reported.setdefault(target_id, []).append(original)
        for pk, address, first, last, count, status, leads_to, note, checked, forwarded in block:
            yield [address, " | ".join(reported.get(pk, [])), _iso(first), _iso(last), count, status, leads_to, note,
                   _iso(checked), _iso(forwarded)]


# --- NIK misuse -------------------------------------------------------------------------------------------

FULL_NIK_PERMISSION = "registration.view_full_nik"


def _registration_state(registration) -> str:
    """What a registration's dashboard says, in staff words: registered, eligible, ineligible, (not) selected."""
    result = getattr(registration, "result", None)
    if result is None:
        return gettext("Registered (not screened yet)")
    if result.status != result.Status.ELIGIBLE:
        return gettext("Ineligible")
    if result.selected is None:
        return gettext("Eligible")
    return gettext("Selected") if result.selected else gettext("Not selected")


@admin.register(NikMisuseReport)
class NikMisuseReportAdmin(PersonalDataLookupsMixin, admin.ModelAdmin):
    """A report that a NIK was registered by someone else, shown beside the account holding that NIK.

    The NIK is whole only for staff holding registration.view_full_nik and masked for everyone else, on the list
    and on the change page; it is never a search field or filter (the query would put it in the URL). Staff
    holding complaints.add_suspension suspend the holder's registrations with a required reason; staff holding
    complaints.change_suspension lift it (complaints.services, recorded in Suspension).
    """

    list_display = ["__str__", "masked_reporter", "created_at", "file_count"]
    list_select_related = ["reporter"]
    personal_fields = frozenset({"nik", "reporter", "statement"})
    personal_data_permission = FULL_NIK_PERMISSION
    date_hierarchy = "created_at"
    fields = ["masked_nik", "masked_reporter", "created_at", "language", "statement", "files_list"]
    readonly_fields = fields
    change_form_template = "admin/complaints/nikmisusereport/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[NikMisuseReport]:
        return super().get_queryset(request).annotate(file_count=Count("files"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # filed by applicants on their own form

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # a report is a record; staff act through the suspension buttons

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_urls(self):
        return [
            path("<int:pk>/suspend/", self.admin_site.admin_view(self.suspend_view),
                 name="complaints_nikmisusereport_suspend"),
            path("<int:pk>/lift/", self.admin_site.admin_view(self.lift_view),
                 name="complaints_nikmisusereport_lift"),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        report = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if report is not None:
            holder = services.nik_holder(report=report)
            extra_context.update({
                # Whole for the permission's holders only; the fields above show it masked to everyone.
                "full_nik": report.nik if request.user.has_perm(FULL_NIK_PERMISSION) else "",
                "holder": holder,
                "holder_email": mask_email(holder.user.email) if holder else "",
                "holder_registrations": [
                    (registration.wave, _registration_state(registration))
                    for registration in holder.registrations.select_related("wave", "result").order_by("wave__number")
                ] if holder else [],
                "active_suspension": holder.suspensions.active().first() if holder else None,
                "suspensions": list(report.suspensions.select_related("suspended_by", "lifted_by")),
                "may_suspend": request.user.has_perm("complaints.add_suspension"),
                "may_lift": request.user.has_perm("complaints.change_suspension"),
            })
        return super().change_view(request, object_id, form_url, extra_context)

    def _redirect(self, pk: int) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:complaints_nikmisusereport_change", args=[pk]))

    def suspend_view(self, request: HttpRequest, pk: int) -> HttpResponseRedirect:
        """Suspend the holder's registrations pending review: the reason is required (services.suspend_registrations)."""
        if request.method != "POST":
            return self._redirect(pk)
        if not request.user.has_perm("complaints.add_suspension"):
            raise PermissionDenied
        report = self.get_object(request, str(pk))
        if report is None:
            raise Http404
        try:
            services.suspend_registrations(report=report, by=request.user, reason=request.POST.get("reason", ""))
            self.message_user(request, gettext("The registrations of the account holding this NIK are suspended "
                                               "pending review."), messages.SUCCESS)
        except services.ComplaintError as error:
            self.message_user(request, str(error), messages.WARNING)
        return self._redirect(pk)

    def lift_view(self, request: HttpRequest, pk: int) -> HttpResponseRedirect:
        """Lift the holder's active suspension: the reason is required (services.lift_suspension)."""
        if request.method != "POST":
            return self._redirect(pk)
        if not request.user.has_perm("complaints.change_suspension"):
            raise PermissionDenied
        report = self.get_object(request, str(pk))
        if report is None:
            raise Http404
        suspension = Suspension.objects.active().filter(pk=request.POST.get("suspension") or 0).first()
        try:
            if suspension is None:
                raise services.ComplaintError(gettext("This suspension was already lifted."))
            services.lift_suspension(suspension=suspension, by=request.user, reason=request.POST.get("reason", ""))
            self.message_user(request, gettext("The suspension is lifted."), messages.SUCCESS)
        except services.ComplaintError as error:
            self.message_user(request, str(error), messages.WARNING)
        return self._redirect(pk)

    @admin.display(description=_("NIK reported as misused"))
    def masked_nik(self, obj: NikMisuseReport) -> str:
        return obj.masked_nik

    @admin.display(description=_("reported by account"))
    def masked_reporter(self, obj: NikMisuseReport) -> str:
        return mask_email(obj.reporter.email)

    @admin.display(description=_("files"), ordering="file_count")
    def file_count(self, obj: NikMisuseReport) -> int:
        return obj.file_count

    @admin.display(description=_("files"))
    def files_list(self, obj: NikMisuseReport) -> str:
        files = list(obj.files.all())
        if not files:
            return "—"
        return format_html("<ul>{}</ul>", format_html_join(
            "", '<li><a href="{}">{}</a> · {} · {} bytes</li>',
            ((reverse("complaints:nik_misuse_evidence", args=[item.pk]), item, item.content_type, item.size)
             for item in files),
        ))


@admin.register(Suspension)
class SuspensionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who suspended whose registrations, when and why, and who lifted it: written only by the services."""

    list_display = ["__str__", "report", "suspended_by", "suspended_at", "lifted_by", "lifted_at"]
    list_filter = ["suspended_at", "lifted_at"]
    list_select_related = ["report", "suspended_by", "lifted_by"]
    fields = ["report", "reason", "suspended_by", "suspended_at", "lift_reason", "lifted_by", "lifted_at"]
