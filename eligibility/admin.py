"""Admin for waves (registered here, not in registration/admin.py), their closing, screening and
selection, and the screening runs.

Status changes are admin actions that call eligibility.waves, never free edits, and each irreversible one asks
for confirmation on a page stating what it will do with the figures. Once a wave is published its fields are
read-only; an open wave's quota and deadline change on their own page, and every change is recorded (WaveChange).
The seed itself is shown only once revealed.
"""
from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eligibility import waves
from eligibility.lists import admin as lists_admin  # noqa: F401  (registers the exclusion-list admin)
from eligibility.models.screening import ScreeningRun
from eligibility.screening import services
from prakerja.lib.admin import ReadOnlyAdminMixin
from prakerja.lib.numbers import CountField
from prakerja.lib.timefmt import format_wib
from registration.models import Wave, WaveChange

WaveError = waves.WaveError


wib = format_wib


def _check_quota(quota: int) -> None:
    try:
        waves.check_quota(quota)
    except WaveError as exc:
        raise forms.ValidationError(str(exc), code="min_value") from None


def _quota_field() -> CountField:
    """A quota as staff type it (600.000, 600,000, 600 000 or 600000: numbers.parse_count) and the wave rule
    that it is above 0 (waves.check_quota)."""
    return CountField(label=gettext_lazy("quota"), validators=[_check_quota])


class WaveForm(forms.ModelForm):
    """A draft's fields: the window starts in the future, closes after it opens, and overlaps no published wave."""

    quota = _quota_field()

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
                    waves.check_window(opens_at=opens_at, closes_at=closes_at)
                    waves.check_no_overlap(opens_at=opens_at, closes_at=closes_at, exclude_pk=self.instance.pk)
                except WaveError as exc:
                    raise forms.ValidationError(str(exc)) from None
        return cleaned


class OpenWaveChangeForm(forms.Form):
    """An open wave's quota and deadline (eligibility.waves.change_open_wave checks and records them)."""

    quota = _quota_field()
    closes_at = forms.SplitDateTimeField(label=gettext_lazy("closes at (deadline)"), widget=AdminSplitDateTime)


class WaveChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The recorded changes of a wave's quota and deadline: who, when, old and new value."""

    model = WaveChange
    fields = ["at_wib", "by", "field", "old_display", "new_display"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description=gettext_lazy("changed at"))
    def at_wib(self, change: WaveChange) -> str:
        return wib(change.at)

    @admin.display(description=gettext_lazy("old value"))
    def old_display(self, change: WaveChange) -> str:
        return _display_value(change, change.old_value)

    @admin.display(description=gettext_lazy("new value"))
    def new_display(self, change: WaveChange) -> str:
        return _display_value(change, change.new_value)


def _display_value(change: WaveChange, value: str) -> str:
    if change.field == WaveChange.Field.CLOSES_AT:
        return wib(dt.datetime.fromisoformat(value))
    return value


@admin.register(Wave)
class WaveAdmin(admin.ModelAdmin):
    form = WaveForm
    list_display = ["number", "quota_display", "window", "status", "registrations", "progress"]
    list_filter = ["status"]
    search_fields = ["=number"]
    ordering = ["-number"]
    actions = ["open_waves", "close_waves", "retry_screening", "run_selection"]
    inlines = [WaveChangeInline]
    change_form_template = "eligibility/wave_change_form.html"
    readonly_fields = ["status", "opened_at", "published_by", "closed_at", "closed_by", "seed_commitment",
                       "seed_display", "seed_revealed_at", "selected_by", "report_link", "notifications"]

    # Refused in changelist URLs for everyone: `?seed__startswith=c`, then `ca`, ... answered row by row would
    # spell a secret seed out (and the commitment is public on the wave page, so nobody needs to filter by it).
    SECRET_LOOKUP_FIELDS = frozenset({"seed", "sealed_seed", "seed_commitment"})

    def lookup_allowed(self, lookup: str, value, request: HttpRequest) -> bool:
        if any(part in self.SECRET_LOOKUP_FIELDS for part in lookup.split("__")):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_fieldsets(self, request, obj=None):
        main = ["number", "quota", "opens_at", "closes_at"]
        if obj is None:
            return [(None, {"fields": main})]
        return [
            (None, {"fields": main + ["status"]}),
            (_("Lifecycle"), {"fields": ["opened_at", "published_by", "closed_at", "closed_by", "report_link",
                                         "notifications"]}),
            (_("Lottery"), {"fields": ["seed_commitment", "seed_display", "seed_revealed_at", "selected_by"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None and obj.status != Wave.Status.DRAFT:
            # Published: number, seed and opening time are frozen; quota and deadline change on their own page.
            fields += ["number", "quota", "opens_at", "closes_at"]
        return fields

    def get_urls(self):
        return [
            path("<path:object_id>/quota-and-deadline/", self.admin_site.admin_view(self.change_open_wave_view),
                 name="registration_wave_quota_deadline"),
        ] + super().get_urls()

    def change_open_wave_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Change an open wave's quota or deadline: a recorded staff action (waves.change_open_wave)."""
        wave = get_object_or_404(Wave, pk=object_id)
        if not self.has_change_permission(request, wave):
            raise PermissionDenied
        initial = {"quota": wave.quota, "closes_at": timezone.localtime(wave.closes_at)}
        form = OpenWaveChangeForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                changes = waves.change_open_wave(wave=wave, by=request.user, quota=form.cleaned_data["quota"],
                                                 closes_at=form.cleaned_data["closes_at"])
            except WaveError as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(request, _("Wave %(number)s: %(count)s change(s) recorded.")
                                  % {"number": wave.number, "count": len(changes)}, messages.SUCCESS)
                return redirect("admin:registration_wave_change", wave.pk)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "original": wave,
                   "title": _("Change the quota or deadline of wave %(number)s") % {"number": wave.number},
                   "form": form, "is_open": wave.status == Wave.Status.OPEN}
        return TemplateResponse(request, "eligibility/wave_quota_deadline.html", context)

    def get_queryset(self, request):
        latest = ScreeningRun.objects.filter(wave=OuterRef("pk")).order_by("-pk")
        return super().get_queryset(request).select_related("published_by", "closed_by", "selected_by").annotate(
            registration_count=Count("registrations"),
            run_status=Subquery(latest.values("status")[:1]),
            run_phase=Subquery(latest.values("phase")[:1]),
            run_partitions=Subquery(latest.values("partition_count")[:1]),
            run_left=Subquery(latest.values("partitions_left")[:1]),
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        # Only a draft may go: a published wave has a public seed commitment and registrations.
        return super().has_delete_permission(request, obj) and (obj is None or obj.status == Wave.Status.DRAFT)

    def get_actions(self, request):
        # "Delete selected" would be offered for every wave and refused for all but drafts: a draft is deleted
        # from its own page, where the button shows only for a draft.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    # --- columns ---

    @admin.display(description=gettext_lazy("quota"), ordering="quota")
    def quota_display(self, wave: Wave) -> str:
        return formats.number_format(wave.quota, force_grouping=True)

    @admin.display(description=gettext_lazy("registration window"))
    def window(self, wave: Wave) -> str:
        return f"{wib(wave.opens_at)} – {wib(wave.closes_at)}"

    @admin.display(description=gettext_lazy("registrations"), ordering="registration_count")
    def registrations(self, wave: Wave) -> int:
        return wave.registration_count

    @admin.display(description=gettext_lazy("screening"))
    def progress(self, wave: Wave) -> str:
        if wave.run_status is None:
            # Closed, and the screening task not yet taken by a worker (it creates the run).
            return _("queued") if wave.status == Wave.Status.CLOSED else "-"
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

    @admin.display(description=gettext_lazy("e-mails to applicants"))
    def notifications(self, wave: Wave) -> str:
        """The mail outbox's progress (notifications app); "unconfirmed" rows are never resent by themselves."""
        from notifications.services import progress

        counts = {key: formats.number_format(value, force_grouping=True) for key, value in progress(wave=wave).items()}
        return _("%(queued)s queued, %(sent)s sent, %(failed)s failed, %(sending)s being sent or unconfirmed") % counts

    @admin.display(description=gettext_lazy("report"))
    def report_link(self, wave: Wave) -> str:
        url = report_url(wave)
        return format_html('<a href="{}">{}</a>', url, _("Wave report")) if url else "-"

    def save_model(self, request, obj: Wave, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if obj.status == Wave.Status.DRAFT:
            try:
                waves.check_number_order(obj)
            except WaveError as exc:  # a draft may wait for its turn, but staff should know now
                self.message_user(request, _("Wave %(number)s was saved as a draft, but it cannot be published: "
                                             "%(reason)s") % {"number": obj.number, "reason": exc}, messages.WARNING)

    # --- change page ---

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        wave = self.get_object(request, object_id)
        if wave is not None:
            run = ScreeningRun.objects.filter(wave=wave).order_by("-pk").first()
            extra_context.update({
                "quota_deadline_url": reverse("admin:registration_wave_quota_deadline", args=[wave.pk])
                if wave.status == Wave.Status.OPEN else None,
                "screening_run": run,
                "screening_progress": services.run_progress(run) if run else None,
                "report_url": report_url(wave),
                **self._waiting(wave),
            })
            if wave.status != Wave.Status.DRAFT and wave.status != Wave.Status.OPEN:
                # Every field is read-only from here on (quota and deadline change on their own page while
                # open): no Save buttons that would save nothing.
                extra_context.update(show_save=False, show_save_and_continue=False,
                                     show_save_and_add_another=False)
        return super().change_view(request, object_id, form_url, extra_context)

    @staticmethod
    def _waiting(wave: Wave) -> dict:
        """For a closed wave: the earlier wave its screening waits for, and whether that wave's screening failed."""
        earlier = waves.unselected_earlier_wave(wave) if wave.status == Wave.Status.CLOSED else None
        failed = earlier is not None and ScreeningRun.objects.filter(wave__number=earlier).order_by("-pk").values_list(
            "status", flat=True).first() == ScreeningRun.Status.FAILED
        return {"waiting_for": earlier, "waiting_for_failed": failed}

    # --- actions: each states what it will do, asks for confirmation, then calls one service per wave ---

    def _confirmed(self, request, queryset, action: str, verb: str, title: str, do, done_message: str):
        """Without `confirm=yes` in the POST: the confirmation page, stating per wave what `action` will do. With
        it: `do(wave)` for each wave, its outcome or refusal as a message."""
        chosen = []
        for wave in queryset.order_by("number"):
            refused = waves.refusal(verb, wave)
            if refused is None:
                chosen.append(wave)
            else:  # said now, not after a confirmation page describing what will not happen
                self.message_user(request, str(refused), messages.ERROR)
        if not chosen:
            return None
        if request.POST.get("confirm") != "yes":
            context = {
                **self.admin_site.each_context(request), "opts": self.model._meta, "title": title,
                "statements": [(wave, waves.statement(verb, wave)) for wave in chosen],
                "action": action, "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "eligibility/wave_confirm_action.html", context)
        for wave in chosen:
            try:
                outcome = do(wave)
            except (WaveError, services.ScreeningError) as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, done_message % {"number": wave.number, "outcome": outcome},
                                  messages.SUCCESS)
        return None

    @admin.action(description=gettext_lazy("Open (publish) wave"), permissions=["change"])
    def open_waves(self, request: HttpRequest, queryset):
        return self._confirmed(
            request, queryset, "open_waves", "publish", _("Publish waves"),
            lambda wave: waves.publish_wave(wave=wave, by=request.user).get_status_display(),
            _("Wave %(number)s: %(outcome)s."))

    @admin.action(description=gettext_lazy("Close wave"), permissions=["change"])
    def close_waves(self, request: HttpRequest, queryset):
        def close(wave):
            if waves.close_wave(wave=wave, by=request.user):
                return _("closed; screening queued")
            return _("was not open, nothing changed")

        return self._confirmed(request, queryset, "close_waves", "close", _("Close waves"), close,
                               _("Wave %(number)s %(outcome)s."))

    @admin.action(description=gettext_lazy("Retry screening"), permissions=["change"])
    def retry_screening(self, request: HttpRequest, queryset):
        return self._confirmed(
            request, queryset, "retry_screening", "retry", _("Screen waves again"),
            lambda wave: services.start_screening(wave=wave, by=request.user, restart=True).pk,
            _("Wave %(number)s: screening run #%(outcome)s queued."))

    @admin.action(description=gettext_lazy("Run selection"), permissions=["change"])
    def run_selection(self, request: HttpRequest, queryset):
        return self._confirmed(
            request, queryset, "run_selection", "select", _("Run the selection"),
            lambda wave: waves.select_awardees(wave=wave, by=request.user),
            _("Wave %(number)s: %(outcome)s selected; the seed is revealed."))


def report_url(wave: Wave) -> str | None:
    try:
        return reverse("reports:wave", kwargs={"number": wave.number})
    except NoReverseMatch:  # the reports app defines it
        return None


@admin.register(ScreeningRun)
class ScreeningRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every run, read-only: which list versions it used, its counts, and a failure's cause."""

    list_display = ["run_number", "wave", "status", "phase", "started_at", "finished_at", "started_by"]
    list_filter = ["status"]
    list_select_related = ["wave", "started_by"]
    search_fields = ["=wave__number"]
    fields = ["wave", "status", "phase", "started_at", "finished_at", "started_by", "partition_count",
              "registration_count", "list_versions", "outcome_counts", "error"]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("run"), ordering="pk")
    def run_number(self, run: ScreeningRun) -> str:
        return f"#{run.pk}"

