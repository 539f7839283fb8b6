"""Admin for waves (registered here, not in registration/admin.py), their closing, screening and
selection, and the screening runs.

Status changes are admin actions that call eligibility/registration services, never free edits: the
status, the seed and its commitment are read-only, and the seed itself is shown only once revealed.
"""
from __future__ import annotations


from django import forms
from django.contrib import admin, messages
from django.db.models import Count, OuterRef, Subquery
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eligibility import waves
from eligibility.lists import admin as lists_admin  # noqa: F401  (registers the exclusion-list admin)
from eligibility.models.screening import ScreeningRun
from eligibility.screening import services
from prakerja.lib.admin import ReadOnlyAdminMixin
from prakerja.lib.timefmt import format_wib
from registration.models import Wave
from registration.services import WaveError, check_no_overlap, open_wave

# Fields staff may still edit in a wave's lifecycle; from closing on, the wave is a record.
EDITABLE_STATUSES = (Wave.Status.DRAFT, Wave.Status.OPEN)


wib = format_wib


class WaveForm(forms.ModelForm):
    """Validates the window: it closes after it opens, and overlaps no other wave's window."""

    class Meta:
        model = Wave
        fields = ["number", "quota", "opens_at", "closes_at"]

    def clean(self):
        cleaned = super().clean()
        opens_at, closes_at = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens_at and closes_at:
            if closes_at <= opens_at:
                self.add_error("closes_at", _("The deadline must be after the opening time."))
            else:
                try:
                    check_no_overlap(opens_at=opens_at, closes_at=closes_at, exclude_pk=self.instance.pk)
                except WaveError as exc:
                    raise forms.ValidationError(str(exc)) from None
        return cleaned


@admin.register(Wave)
class WaveAdmin(admin.ModelAdmin):
    form = WaveForm
    list_display = ["number", "quota", "window", "status", "registrations", "progress"]
    list_filter = ["status"]
    search_fields = ["=number"]
    ordering = ["-number"]
    actions = ["open_waves", "close_waves", "retry_screening", "run_selection"]
    change_form_template = "eligibility/wave_change_form.html"
    readonly_fields = ["status", "opened_at", "closed_at", "closed_by", "seed_commitment", "seed_display",
                       "seed_revealed_at", "selected_by", "report_link"]

    def get_fieldsets(self, request, obj=None):
        main = ["number", "quota", "opens_at", "closes_at"]
        if obj is None:
            return [(None, {"fields": main})]
        return [
            (None, {"fields": main + ["status"]}),
            (_("Lifecycle"), {"fields": ["opened_at", "closed_at", "closed_by", "report_link"]}),
            (_("Lottery"), {"fields": ["seed_commitment", "seed_display", "seed_revealed_at", "selected_by"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None and obj.status not in EDITABLE_STATUSES:
            fields += ["number", "quota", "opens_at", "closes_at"]
        return fields

    def get_queryset(self, request):
        latest = ScreeningRun.objects.filter(wave=OuterRef("pk")).order_by("-pk")
        return super().get_queryset(request).select_related("closed_by", "selected_by").annotate(
            registration_count=Count("registrations"),
            run_status=Subquery(latest.values("status")[:1]),
            run_phase=Subquery(latest.values("phase")[:1]),
            run_partitions=Subquery(latest.values("partition_count")[:1]),
            run_left=Subquery(latest.values("partitions_left")[:1]),
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        # Only a draft may go: a published wave has a public seed commitment and registrations.
        return super().has_delete_permission(request, obj) and (obj is None or obj.status == Wave.Status.DRAFT)

    # --- columns ---

    @admin.display(description=gettext_lazy("registration window"))
    def window(self, wave: Wave) -> str:
        return f"{wib(wave.opens_at)} – {wib(wave.closes_at)}"

    @admin.display(description=gettext_lazy("registrations"), ordering="registration_count")
    def registrations(self, wave: Wave) -> int:
        return wave.registration_count

    @admin.display(description=gettext_lazy("screening"))
    def progress(self, wave: Wave) -> str:
        if wave.run_status is None:
            return "-"
        if wave.run_status == ScreeningRun.Status.RUNNING:
            return _("step %(step)s of 2: %(done)s/%(total)s partitions") % {
                "step": 1 if wave.run_phase == "lists" else 2,
                "done": wave.run_partitions - wave.run_left, "total": wave.run_partitions}
        return ScreeningRun.Status(wave.run_status).label

    @admin.display(description=gettext_lazy("seed"))
    def seed_display(self, wave: Wave) -> str:
        if wave.seed_is_revealed:
            return wave.seed
        return _("secret until the selection (only its SHA-256 commitment is public)")

    @admin.display(description=gettext_lazy("report"))
    def report_link(self, wave: Wave) -> str:
        url = report_url(wave)
        return format_html('<a href="{}">{}</a>', url, _("Wave report")) if url else "-"

    # --- change page ---

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        wave = self.get_object(request, object_id)
        if wave is not None:
            run = ScreeningRun.objects.filter(wave=wave).order_by("-pk").first()
            extra_context.update({
                "screening_run": run,
                "screening_progress": services.run_progress(run) if run else None,
                "report_url": report_url(wave),
                **self._waiting(wave),
            })
        return super().change_view(request, object_id, form_url, extra_context)

    @staticmethod
    def _waiting(wave: Wave) -> dict:
        """For a closed wave: the earlier wave its screening waits for, and whether that wave's screening failed."""
        earlier = services.unselected_earlier_wave(wave) if wave.status == Wave.Status.CLOSED else None
        failed = earlier is not None and ScreeningRun.objects.filter(wave__number=earlier).order_by("-pk").values_list(
            "status", flat=True).first() == ScreeningRun.Status.FAILED
        return {"waiting_for": earlier, "waiting_for_failed": failed}

    # --- actions: each calls one service per wave ---

    def _each(self, request, queryset, do, done_message: str) -> None:
        for wave in queryset.order_by("number"):
            try:
                outcome = do(wave)
            except (WaveError, services.ScreeningError) as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, done_message % {"number": wave.number, "outcome": outcome},
                                  messages.SUCCESS)

    @admin.action(description=gettext_lazy("Open (publish) wave"), permissions=["change"])
    def open_waves(self, request: HttpRequest, queryset) -> None:
        self._each(request, queryset, lambda wave: open_wave(wave=wave, by=request.user).get_status_display(),
                   _("Wave %(number)s: %(outcome)s."))

    @admin.action(description=gettext_lazy("Close wave"), permissions=["change"])
    def close_waves(self, request: HttpRequest, queryset) -> None:
        def close(wave):
            if waves.close_wave(wave=wave, by=request.user):
                return _("closed; screening queued")
            return _("was not open, nothing changed")

        self._each(request, queryset, close, _("Wave %(number)s %(outcome)s."))

    @admin.action(description=gettext_lazy("Retry screening"), permissions=["change"])
    def retry_screening(self, request: HttpRequest, queryset) -> None:
        self._each(request, queryset,
                   lambda wave: services.start_screening(wave=wave, by=request.user, restart=True).pk,
                   _("Wave %(number)s: screening run #%(outcome)s queued."))

    @admin.action(description=gettext_lazy("Run selection"), permissions=["change"])
    def run_selection(self, request: HttpRequest, queryset) -> None:
        self._each(request, queryset, lambda wave: waves.select_awardees(wave=wave, by=request.user),
                   _("Wave %(number)s: %(outcome)s selected; the seed is revealed."))


def report_url(wave: Wave) -> str | None:
    try:
        return reverse("reports:wave", kwargs={"number": wave.number})
    except NoReverseMatch:  # the reports app defines it
        return None


@admin.register(ScreeningRun)
class ScreeningRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every run, read-only: which list versions it used, its counts, and a failure's cause."""

    list_display = ["pk", "wave", "status", "phase", "started_at", "finished_at", "started_by"]
    list_filter = ["status"]
    list_select_related = ["wave", "started_by"]
    search_fields = ["=wave__number"]
    fields = ["wave", "status", "phase", "started_at", "finished_at", "started_by", "partition_count",
              "registration_count", "list_versions", "outcome_counts", "error"]
    readonly_fields = fields

