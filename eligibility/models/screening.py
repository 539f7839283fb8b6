"""Screening runs and their results (owned by the screening work, issue #3).

Contract relied on by reports/: ScreeningResult has one row per screened registration, with
`status` (eligible/ineligible), `reasons` (reason codes joined by ";" in alphabetical order, "" when
eligible), `rank` (lottery rank of an eligible registration, null otherwise or before selection) and
`selected` (null before selection). ScreeningRun.list_versions records the list versions a run used.
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
    KK_LIMIT = "kk_limit", _("Two members of the same family card (KK) already receive Kartu Prakerja")


class ScreeningRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    wave = models.ForeignKey(Wave, on_delete=models.PROTECT, related_name="screening_runs", verbose_name=_("wave"))
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.RUNNING)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # [{"category", "version_id", "file_name", "loaded_by", "loaded_at", "row_count"}, ...]
    list_versions = models.JSONField(_("list versions used"), default=list)
    # {"registrations": n, "eligible": n, "ineligible": n, "reasons": {code: n}}
    outcome_counts = models.JSONField(_("outcome counts"), default=dict)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("screening run")
        verbose_name_plural = _("screening runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.wave} #{self.pk}"


class ScreeningResult(models.Model):
    """The outcome for one registration. Bulk-written by set-based SQL: no foreign-key checks."""

    class Status(models.TextChoices):
        ELIGIBLE = "eligible", _("Eligible")
        INELIGIBLE = "ineligible", _("Ineligible")

    registration = models.OneToOneField(
        Registration, primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="result"
    )
    wave = models.ForeignKey(Wave, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    status = models.CharField(_("status"), max_length=16, choices=Status)
    reasons = models.CharField(_("reasons"), max_length=255, blank=True)
    rank = models.PositiveIntegerField(_("lottery rank"), null=True, blank=True)
    selected = models.BooleanField(_("selected"), null=True, blank=True)

    class Meta:
        verbose_name = _("screening result")
        verbose_name_plural = _("screening results")
        indexes = [
            models.Index(fields=["wave", "status"], name="result_wave_status_idx"),
            models.Index(fields=["wave", "rank"], name="result_wave_rank_idx"),
        ]

    @property
    def reason_codes(self) -> list[str]:
        return [code for code in self.reasons.split(";") if code]

    @property
    def reason_labels(self) -> list[str]:
        return [str(ReasonCode(code).label) for code in self.reason_codes]
