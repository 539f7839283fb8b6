"""Screening reports for PMO staff: stored summaries, joki clusters and the audit log of every view and download.

A summary is computed once per (screening run, selection) from the result table with a fixed set of SQL
aggregates (reports.services.build_summary), so a report page over millions of registrations reads one
row. It is keyed by the run and by the moment the seed was revealed (the selection), so a newer run or a
selection always gets a summary of its own and an old one is never shown as current.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from eligibility.models import ScreeningRun
from prakerja.lib.timefmt import format_wib
from registration.models import Wave


class WaveSummary(models.Model):
    """The figures of one wave's report, for one screening run and one selection state.

    `selected_at` is the wave's `seed_revealed_at` when the summary was computed: null before selection.
    The report permissions live on this model's Meta (it has no admin of its own).
    """

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="+", verbose_name=_("wave"))
    run = models.ForeignKey(ScreeningRun, on_delete=models.CASCADE, related_name="+", verbose_name=_("screening run"))
    selected_at = models.DateTimeField(_("selection (seed revealed) at"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"), auto_now_add=True)
    registrations = models.PositiveIntegerField(_("registrations"))
    eligible = models.PositiveIntegerField(_("eligible"))
    ineligible = models.PositiveIntegerField(_("ineligible"))
    selected = models.PositiveIntegerField(_("selected"))
    reserve = models.PositiveIntegerField(_("reserve"))
    excluded_by_lists = models.PositiveIntegerField(_("excluded by at least one list"))
    # {reason code: ineligible registrations carrying it} for every ReasonCode (zeros included).
    per_reason = models.JSONField(default=dict)
    # [[province code, registrations, eligible, selected], ...] in code order.
    per_province = models.JSONField(default=list)
    # [[WIB day "YYYY-MM-DD", registrations], ...] for every day of the wave, zeros included.
    per_day = models.JSONField(default=list)
    # The list versions the run used, copied from ScreeningRun.list_versions.
    list_versions = models.JSONField(default=list)

    class Meta:
        verbose_name = _("wave report summary")
        verbose_name_plural = _("wave report summaries")
        default_permissions = ()
        permissions = [
            ("view_wave_report", _("Can open screening reports")),
            ("download_wave_report", _("Can download screening reports (CSV)")),
            # Whole NIK, name, phone and e-mail of the selected applicants, to reach them: its own permission.
            ("download_contacts", _("Can download the selected applicants' contact details")),
            # Whole personal data is registration.view_full_nik, the one permission (prakerja.lib.privacy).
        ]
        constraints = [
            # One summary per run and selection state: two staff opening a fresh report at once compute it
            # twice, but only one row lands (the other gets IntegrityError and reads the winner's row).
            models.UniqueConstraint(fields=["run", "selected_at"], name="wave_summary_run_selection_unique"),
            models.UniqueConstraint(
                fields=["run"], condition=models.Q(selected_at__isnull=True), name="wave_summary_run_unselected_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.wave} / run {self.run_id}"

    @property
    def lottery_pool(self) -> int:
        return self.eligible

    @property
    def after_lists(self) -> int:
        return self.registrations - self.excluded_by_lists

    @property
    def unscreened(self) -> int:
        """Registrations without a result: zero unless the screening missed some (shown as a warning)."""
        return self.registrations - self.eligible - self.ineligible

    @property
    def kk_limit(self) -> int:
        return self.per_reason.get("kk_limit", 0)

    @property
    def is_selected(self) -> bool:
        return self.selected_at is not None


class JokiCluster(models.Model):
    """A group of registrations that share a sign-up/join IP or device within a short time, or whose phone
    numbers lie in one tight sequence. A signal for staff review, never a rejection."""

    class Signal(models.TextChoices):
        SIGNUP_IP = "signup_ip", _("Accounts created from one IP address")
        SIGNUP_DEVICE = "signup_device", _("Accounts created from one device (IP address and browser)")
        JOIN_IP = "join_ip", _("Registrations from one IP address")
        JOIN_DEVICE = "join_device", _("Registrations from one device (IP address and browser)")
        PHONE_SEQUENCE = "phone_sequence", _("Phone numbers in one tight sequence")

    summary = models.ForeignKey(WaveSummary, on_delete=models.CASCADE, related_name="clusters")
    signal = models.CharField(_("signal"), max_length=32, choices=Signal)
    # The first 8 hex digits of the shared keyed digest (IP / device), or the phone prefix: enough for staff
    # to tell clusters apart, useless for recovering an address.
    key = models.CharField(_("shared key"), max_length=64)
    first_at = models.DateTimeField(_("first"), null=True, blank=True)
    last_at = models.DateTimeField(_("last"), null=True, blank=True)
    size = models.PositiveIntegerField(_("registrations"))
    # Registration ids, in time (or phone number) order.
    registration_ids = models.JSONField(default=list)
    # The first FIRST_MEMBERS of registration_ids, stored beside them by the statement that stores the cluster
    # (reports.services.store_joki_clusters): the report page shows these without reading the whole list, which
    # holds hundreds of thousands of ids at 6 M registrations (megabytes to decompress on every view).
    first_ids = models.JSONField(default=list)

    FIRST_MEMBERS = 10

    class Meta:
        verbose_name = _("joki cluster")
        verbose_name_plural = _("joki clusters")
        default_permissions = ()
        ordering = ["-size", "signal", "pk"]


class AuditEntry(models.Model):
    """Who saw or downloaded which report, when, with which filter, how many rows, masked or not.

    Written before the first byte of a download leaves, and updated with the row count when the stream
    ends (`completed` stays false when the client went away). Read-only in the admin.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed report page")
        DOWNLOAD = "download", _("Downloaded")
        COMMAND = "command", _("Exported with the command")

    class Kind(models.TextChoices):
        PAGE = "page", _("Report page")
        RESULTS = "results", _("Result rows")
        SUMMARY = "summary", _("Summary")
        CLUSTERS = "clusters", _("Joki clusters")
        CONTACTS = "contacts", _("Selected applicants' contact details")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("user"),
    )
    # The e-mail of the user, or "command-line:<OS user>": kept even if the account is deleted later.
    actor = models.CharField(_("who"), max_length=254)
    action = models.CharField(_("action"), max_length=16, choices=Action)
    wave = models.ForeignKey(Wave, on_delete=models.PROTECT, related_name="+", verbose_name=_("wave"))
    kind = models.CharField(_("what"), max_length=16, choices=Kind)
    status_filter = models.CharField(_("status filter"), max_length=16, blank=True)
    reason_filter = models.CharField(_("reason filter"), max_length=32, blank=True)
    full_identity = models.BooleanField(_("unmasked NIK/KK"), default=False)
    row_count = models.PositiveBigIntegerField(_("rows"), null=True, blank=True)
    completed = models.BooleanField(_("completed"), default=False)
    output = models.CharField(_("output file"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("report audit entry")
        verbose_name_plural = _("report audit log")
        ordering = ["-at", "-pk"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.actor} {self.action} {self.kind} wave {self.wave_id} at {format_wib(self.at)}"

    @property
    def filter_label(self) -> str:
        return ", ".join(f for f in (self.status_filter, self.reason_filter) if f) or "-"
