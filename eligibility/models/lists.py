"""Exclusion lists.

Each load of a category is one ExclusionList row (a version). Its entries live in a table of their own,
named by `table_name`, with columns `nik_digest uuid NOT NULL` (unique) and `kk_digest uuid NULL`:
filled by COPY while unindexed, indexed, then swapped in by flipping `status` to active in one
transaction. A screening snapshots the active versions when it starts and reads their tables; a
replaced version's table is dropped only once no running screening uses it.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ListCategory(models.TextChoices):
    """The eleven list codes of docs/DOMAIN.md (every reason code except kk_limit)."""

    PEJABAT_NEGARA = "pejabat_negara", _("State officials (Pejabat Negara)")
    DPRD = "dprd", _("DPRD leaders and members")
    ASN = "asn", _("Civil servants (ASN)")
    TNI = "tni", _("Armed forces (TNI)")
    POLRI = "polri", _("Police (POLRI)")
    KEPALA_DESA = "kepala_desa", _("Village heads")
    PERANGKAT_DESA = "perangkat_desa", _("Village officials")
    BUMN_BUMD = "bumn_bumd", _("BUMN/BUMD directors, commissioners and supervisory boards")
    BANSOS = "bansos", _("Kemensos social assistance (bansos) recipients")
    BSU = "bsu", _("Kemnaker / BP Jamsostek wage subsidy (BSU) recipients")
    PRIOR_AWARDEE = "prior_awardee", _("2020 Kartu Prakerja recipients")


class ExclusionListQuerySet(models.QuerySet):
    def active(self) -> ExclusionListQuerySet:
        return self.filter(status=ExclusionList.Status.ACTIVE)


class ExclusionList(models.Model):
    class Status(models.TextChoices):
        LOADING = "loading", _("Loading")
        # Loaded, indexed and kept, but not in force: too many bad rows, or much smaller than the list in
        # force. A staff member confirms it (swapped in) or discards it (its table dropped).
        NEEDS_CONFIRMATION = "needs_confirmation", _("Needs confirmation")
        ACTIVE = "active", _("Active")
        REPLACED = "replaced", _("Replaced")
        FAILED = "failed", _("Failed")
        DISCARDED = "discarded", _("Discarded")

    category = models.CharField(_("category"), max_length=32, choices=ListCategory)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.LOADING)
    file_name = models.CharField(_("file name"), max_length=255)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("loaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    table_name = models.CharField(max_length=63, blank=True, editable=False)
    row_count = models.PositiveBigIntegerField(_("rows loaded"), default=0)
    duplicate_count = models.PositiveBigIntegerField(_("duplicate rows"), default=0)
    bad_row_count = models.PositiveBigIntegerField(_("bad rows"), default=0)
    # Prior-awardee rows whose NIK was loaded without their invalid KK (reported as bad rows too): a
    # mistyped KK must not let a 2020 recipient through, so the NIK goes in and the KK is left out.
    # Part of row_count + duplicate_count, not of bad_row_count (the rows that were not loaded).
    kk_dropped_count = models.PositiveBigIntegerField(_("rows loaded without their invalid KK"), default=0)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    error = models.TextField(_("error"), blank=True)
    # Data lines read from the file: row_count + duplicate_count + bad_row_count.
    line_count = models.PositiveBigIntegerField(_("lines read"), default=0)
    # An uploaded file waiting for its Celery task (under var/, outside the web root); emptied once loaded.
    source_path = models.CharField(max_length=500, blank=True, editable=False)
    # When the entries table of a replaced version was dropped (no running screening used it any more).
    released_at = models.DateTimeField(_("table released at"), null=True, blank=True, editable=False)
    # When the load's task was last enqueued (the upload, or the sweep re-enqueueing a lost message),
    # and how many times the sweep did so: a version stuck in `loading` is retried, then failed.
    enqueued_at = models.DateTimeField(null=True, blank=True, editable=False)
    requeues = models.PositiveSmallIntegerField(default=0, editable=False)
    # A load held for confirmation: the row count of the list in force when it was held (None: there was
    # none), and who confirmed or discarded it, when.
    previous_row_count = models.PositiveBigIntegerField(_("rows in the list in force"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("confirmed or discarded by"),
    )
    decided_at = models.DateTimeField(_("confirmed or discarded at"), null=True, blank=True)

    objects = ExclusionListQuerySet.as_manager()

    class Meta:
        verbose_name = _("exclusion list")
        verbose_name_plural = _("exclusion lists")
        ordering = ["category", "-created_at"]
        constraints = [
            # A category has at most one active version: the swap is a single transaction.
            models.UniqueConstraint(
                fields=["category"], condition=models.Q(status="active"), name="exclusion_list_one_active_per_category"
            ),
        ]
        permissions = [
            # Whether a given person is on a list (a bansos recipient, a civil servant) is personal data.
            ("lookup_nik", _("Can look up whether a NIK is on an exclusion list")),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status != self.Status.LOADING


class BadRowReason(models.TextChoices):
    """Why a line of a list file is in its bad-rows report. The NIK reasons (and, in versions loaded
    before KK problems stopped refusing a row, `kk_format` and `kk_province`) mean the line was not
    loaded; the `*_nik_loaded` ones mean its NIK was loaded without the KK."""

    EMPTY = "empty", _("NIK is empty")
    FORMAT = "format", _("NIK is not 16 digits")
    PROVINCE = "province", _("NIK has an invalid province code")
    REGION = "region", _("NIK has regency or district code 00")
    BIRTH_DATE = "birth_date", _("NIK does not hold a possible birth date")
    SERIAL = "serial", _("NIK has serial number 0000")
    KK_FORMAT = "kk_format", _("KK is not 16 digits")
    KK_PROVINCE = "kk_province", _("KK has an invalid province code")
    KK_FORMAT_NIK_LOADED = "kk_format_nik_loaded", _("KK is not 16 digits: the NIK was loaded without its KK")
    KK_PROVINCE_NIK_LOADED = "kk_province_nik_loaded", _(
        "KK has an invalid province code: the NIK was loaded without its KK")
    KK_REGION_NIK_LOADED = "kk_region_nik_loaded", _(
        "KK has regency or district code 00: the NIK was loaded without its KK")


class ExclusionListBadRow(models.Model):
    """A line of a list file that was not loaded (or, for a bad KK, loaded without its KK), and why.

    Never the NIK itself: line number, reason and the offending value masked."""

    exclusion_list = models.ForeignKey(
        ExclusionList, on_delete=models.CASCADE, related_name="bad_rows", verbose_name=_("exclusion list")
    )
    line = models.PositiveBigIntegerField(_("line"))
    reason = models.CharField(_("reason"), max_length=32, choices=BadRowReason)
    # The offending cell masked by eligibility.lists.reasons.mask_value (never a whole NIK): enough for
    # staff to see the cause (3.20***E+15, 3273*******0000), too little to identify anyone.
    value = models.CharField(_("value (masked)"), max_length=40, blank=True, default="")

    class Meta:
        verbose_name = _("bad row")
        verbose_name_plural = _("bad rows")
        indexes = [models.Index(fields=["exclusion_list", "line"], name="exclusion_badrow_list_line_idx")]
