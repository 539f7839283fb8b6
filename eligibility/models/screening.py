"""Screening runs and their results.

Contract relied on by reports/: ScreeningResult has one row per screened registration, with
`status` (eligible/ineligible), `reasons` (reason codes joined by ";" in alphabetical order, "" when
eligible), `rank` (lottery rank of an eligible registration, null otherwise or before selection) and
`selected` (null before selection; after it, true for the first `quota` ranks, false for everyone
else). ScreeningRun.list_versions records the list versions a run used; ScreeningResult.run names
the run that wrote a result.

How a run works (eligibility.screening.services): the run and each of its partitions are rows here, never a
chord or a result backend. Phase "lists" splits the wave's registrations by NIK digest range and
records, per registration, the bit mask of the lists its NIK is on (ScreeningHit). Phase "kk" splits
them by KK digest range (a family never straddles two partitions), applies the KK rule with a window
function and writes the results. The last partition of a phase, seen by decrementing
`partitions_left` under the run's row lock, starts the next phase or completes the run.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registration.models import Registration, Wave


class ReasonCode(models.TextChoices):
    PEJABAT_NEGARA = "pejabat_negara", _("State official (Pejabat Negara)")
    DPRD = "dprd", _("DPRD leader or member")
    ASN = "asn", _("Civil servant (ASN)")
    TNI = "tni", _("Armed forces (TNI)")
    POLRI = "polri", _("Police (POLRI)")
    KEPALA_DESA = "kepala_desa", _("Village head")
    PERANGKAT_DESA = "perangkat_desa", _("Village official")
    BUMN_BUMD = "bumn_bumd", _("Director, commissioner or supervisory board of a BUMN/BUMD")
    BANSOS = "bansos", _("Kemensos social assistance (bansos) recipient")
    BSU = "bsu", _("Kemnaker / BP Jamsostek wage subsidy (BSU) recipient")
    PRIOR_AWARDEE = "prior_awardee", _("Already received Kartu Prakerja")
    KK_LIMIT = "kk_limit", _(
        "Two members of the same family card (KK) registered earlier in this wave or already received Kartu Prakerja")


class Phase(models.TextChoices):
    LISTS = "lists", _("Exclusion lists (by NIK)")
    KK = "kk", _("Family-card rule (by KK)")


class ScreeningRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Replaced by a newer run")

    wave = models.ForeignKey(Wave, on_delete=models.PROTECT, related_name="screening_runs", verbose_name=_("wave"))
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.RUNNING)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("started by"),
    )
    # [{"category", "version_id", "table_name", "file_name", "loaded_by", "loaded_at", "row_count"}, ...]
    list_versions = models.JSONField(_("list versions used"), default=list)
    # {"registrations": n, "eligible": n, "ineligible": n, "reasons": {code: n}}
    outcome_counts = models.JSONField(_("outcome counts"), default=dict)
    error = models.TextField(_("error"), blank=True)
    phase = models.CharField(_("phase"), max_length=8, choices=Phase, default=Phase.LISTS)
    partition_count = models.PositiveSmallIntegerField(_("partitions per phase"), default=1)
    # Partitions of the current phase not yet done; decremented under the run's row lock.
    partitions_left = models.PositiveIntegerField(default=0)
    registration_count = models.PositiveIntegerField(_("registrations to screen"), default=0)
    # Earlier results of this wave exist: the KK phase deletes them before writing (re-run).
    replaces_results = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("screening run")
        verbose_name_plural = _("screening runs")
        ordering = ["-started_at"]
        constraints = [
            # Two runs of one wave never interleave: a new run cancels the running one first (under
            # the wave's row lock), and this index refuses a second running run whatever the code path.
            models.UniqueConstraint(
                fields=["wave"], condition=models.Q(status="running"), name="screening_run_one_running_per_wave"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.wave} #{self.pk}"


class ScreeningPartition(models.Model):
    """One Celery task's share of a run: a digest range of one phase. Its state lives here."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")

    run = models.ForeignKey(ScreeningRun, on_delete=models.CASCADE, related_name="partitions")
    phase = models.CharField(max_length=8, choices=Phase)
    number = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=16, choices=Status, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    registrations = models.PositiveIntegerField(default=0)
    # lists phase: {"reasons": {code: n}}; kk phase: {"eligible": n, "ineligible": n, "reasons": {code: n}}
    counts = models.JSONField(default=dict)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("screening partition")
        verbose_name_plural = _("screening partitions")
        ordering = ["run_id", "phase", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "phase", "number"], name="screening_partition_unique"),
        ]
        indexes = [models.Index(fields=["status", "claimed_at"], name="screening_partition_sweep_idx")]

    def __str__(self) -> str:
        return f"{self.run} {self.phase} {self.number}"


class ScreeningHit(models.Model):
    """Lists-phase output: the bit mask (ReasonCode order, see services.LIST_CODES) of the lists one
    registration's NIK is on. Only registrations with at least one hit have a row; a run's rows are
    deleted when it completes. Bulk-written by set-based SQL: no foreign-key checks."""

    pk = models.CompositePrimaryKey("run", "registration")
    # No indexes besides the primary key: (run_id, registration_id) serves every read.
    run = models.ForeignKey(ScreeningRun, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                            related_name="+")
    registration = models.ForeignKey(Registration, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                                     related_name="+")
    partition = models.PositiveSmallIntegerField()
    mask = models.PositiveIntegerField()


class ScreeningResult(models.Model):
    """The outcome for one registration. Bulk-written by set-based SQL: no foreign-key checks."""

    class Status(models.TextChoices):
        ELIGIBLE = "eligible", _("Eligible")
        INELIGIBLE = "ineligible", _("Ineligible")

    registration = models.OneToOneField(
        Registration, primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="result"
    )
    # db_index=False: (wave, status) below serves lookups by wave; one index fewer per million-row INSERT.
    wave = models.ForeignKey(Wave, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+")
    status = models.CharField(_("status"), max_length=16, choices=Status)
    reasons = models.CharField(_("reasons"), max_length=255, blank=True)
    rank = models.PositiveIntegerField(_("lottery rank"), null=True, blank=True)
    selected = models.BooleanField(_("selected"), null=True, blank=True)
    run = models.ForeignKey(
        ScreeningRun, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
        related_name="+",
        verbose_name=_("screening run"),
    )
    # KP-WWWW-RRRRRRRR-C (eligibility.cards): set for the selected, in the selection's transaction.
    card_number = models.CharField(_("card number"), max_length=20, null=True, blank=True)

    class Meta:
        verbose_name = _("screening result")
        verbose_name_plural = _("screening results")
        indexes = [
            # Partial: screening writes no entry here (rank is null until selection), which keeps the
            # million-row INSERT of a screening cheap.
            models.Index(fields=["wave", "rank"], condition=models.Q(rank__isnull=False), name="result_wave_rank_idx"),
            # Earlier waves' recipients, read by every later screening (prior_awardee and the KK rule).
            models.Index(fields=["wave"], condition=models.Q(selected=True), name="result_selected_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["card_number"], condition=models.Q(card_number__isnull=False),
                                    name="result_card_number_unique"),
        ]

    @property
    def reason_codes(self) -> list[str]:
        return [code for code in self.reasons.split(";") if code]

    @property
    def reason_labels(self) -> list[str]:
        return [str(ReasonCode(code).label) for code in self.reason_codes]
