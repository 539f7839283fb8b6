"""After the draw: appeals (sanggahan) against a screening, revocations of recipients, promotions from the reserve,
training starts and the helpdesk's audit log. The rules are in docs/DOMAIN.md, "After the draw".

A revocation sets the registration's ScreeningResult.selected to false and a promotion sets it to true, so that
`selected` always means "a recipient now"; these rows are the record of who, when and why.
"""
from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eligibility.screening.sql import LIST_CODES
from complaints.models import Evidence
from eligibility.models.screening import ScreeningResult
from registration.models import Registration, Wave


class Appeal(models.Model):
    """An ineligible applicant's appeal against one reason of their screening result.

    Upheld, it is an override: the screening (eligibility.screening.sql) ignores that reason for that registration,
    on every later run too. Only list reasons (LIST_CODES) can be appealed: kk_limit follows from the other
    recipients of the family card, not from a list that may be stale.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        UPHELD = "upheld", _("Upheld")
        REJECTED = "rejected", _("Rejected")

    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="appeals",
                                     verbose_name=_("registration"))
    reason = models.CharField(_("reason appealed"), max_length=32)
    statement = models.TextField(_("statement"), max_length=2000)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.PENDING)
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("decided by"))
    # Why it was upheld (kept for the audit) or rejected (shown to the applicant).
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["filed_at", "pk"]
        constraints = [
            # One appeal per reason: a double submit or a second try files nothing new.
            models.UniqueConstraint(fields=["registration", "reason"], name="appeal_once_per_reason"),
            models.CheckConstraint(condition=models.Q(reason__in=LIST_CODES), name="appeal_list_reason"),
            models.CheckConstraint(
                condition=models.Q(status="pending", decided_at__isnull=True)
                | (~models.Q(status="pending") & models.Q(decided_at__isnull=False, decided_by__isnull=False)
                   & ~models.Q(decision_reason="")),
                name="appeal_decision_recorded",
            ),
        ]
        indexes = [models.Index(fields=["status"], condition=models.Q(status="pending"), name="appeal_pending_idx")]

    def __str__(self) -> str:
        return str(_("Appeal #%(pk)s") % {"pk": self.pk})

    @property
    def reason_label(self) -> str:
        from eligibility.models import ReasonCode

        return str(ReasonCode(self.reason).label)


def appeal_file_path(instance: AppealFile, filename: str) -> str:
    """A random name under MEDIA_ROOT: the applicant's file name never reaches the disk."""
    extension = AppealFile.EXTENSIONS.get(instance.content_type, ".bin")
    return f"appeals/{timezone.now():%Y/%m}/{secrets.token_hex(16)}{extension}"


class AppealFile(models.Model):
    """Evidence attached to an appeal, checked by content (complaints.uploads.inspect_upload); no public URL."""

    # The types complaints.uploads accepts, with the complaints' file extensions: one rule for evidence.
    EXTENSIONS = Evidence.EXTENSIONS

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="files", verbose_name=_("appeal"))
    file = models.FileField(_("file"), upload_to=appeal_file_path, max_length=200)
    content_type = models.CharField(_("content type"), max_length=32)
    size = models.PositiveIntegerField(_("size (bytes)"))

    class Meta:
        verbose_name = _("appeal file")
        verbose_name_plural = _("appeal files")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(content_type__in=sorted(Evidence.EXTENSIONS)),
                name="appeal_file_allowed_content_type",
            ),
        ]


class RevocationReason(models.TextChoices):
    NO_TRAINING = "no_training", _("Did not start a training by the deadline")
    INELIGIBLE = "ineligible", _("Found ineligible later")
    FRAUD = "fraud", _("Fraud")


# Revoked for these, a person stays a recipient for every later wave (prior_awardee, a slot of their KK) and may
# not join again; revoked for not starting a training, it is as if they had never been selected.
BARRING_REASONS = (RevocationReason.INELIGIBLE, RevocationReason.FRAUD)


class Revocation(models.Model):
    """A recipient's card revoked: who, when, why. At most one per registration."""

    registration = models.OneToOneField(Registration, on_delete=models.PROTECT, related_name="revocation",
                                        verbose_name=_("registration"))
    wave = models.ForeignKey(Wave, on_delete=models.PROTECT, related_name="revocations", verbose_name=_("wave"))
    reason = models.CharField(_("reason"), max_length=16, choices=RevocationReason)
    note = models.TextField(_("note"), blank=True)
    # Null: the periodic task (no training started by the deadline).
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                           related_name="+", verbose_name=_("revoked by"))
    at = models.DateTimeField(_("revoked at"), default=timezone.now)

    class Meta:
        verbose_name = _("revocation")
        verbose_name_plural = _("revocations")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.wave} / {self.registration_id}: {self.reason}"


class Promotion(models.Model):
    """A reserve registration made a recipient to fill a revoked place: who, when, which place it fills."""

    registration = models.OneToOneField(Registration, on_delete=models.PROTECT, related_name="promotion",
                                        verbose_name=_("registration"))
    wave = models.ForeignKey(Wave, on_delete=models.PROTECT, related_name="promotions", verbose_name=_("wave"))
    fills = models.OneToOneField(Revocation, on_delete=models.PROTECT, related_name="filled_by",
                                 verbose_name=_("fills the place of"))
    rank = models.PositiveIntegerField(_("reserve rank"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                           related_name="+", verbose_name=_("promoted by"))
    at = models.DateTimeField(_("promoted at"), default=timezone.now)

    class Meta:
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.wave} / {self.registration_id} (rank {self.rank})"


class WaveCountsQuerySet(models.QuerySet):
    def put(self, *, wave_id: int, recipients: int, reserve: int) -> None:
        """Store the wave's counts as they are now (the draw; a repair)."""
        self.update_or_create(wave_id=wave_id, defaults={"recipients": recipients, "reserve": reserve})

    def shift(self, *, wave_id: int, recipients: int = 0, reserve: int = 0) -> bool:
        """Add these deltas to the wave's counts, in the caller's transaction. False when the wave has no row."""
        return bool(self.filter(wave_id=wave_id).update(recipients=models.F("recipients") + recipients,
                                                        reserve=models.F("reserve") + reserve))


class WaveCounts(models.Model):
    """A drawn wave's recipients now (ScreeningResult.selected) and reserve now (aftercare.sql.reserve_sql), kept by
    every writer that moves a registration in or out of either, in the writer's transaction and under the wave's
    row lock, so that the report reads two numbers instead of counting millions of results. The definitions stay in
    aftercare.sql; aftercare.sql.live_counts recounts them, and `manage.py verify_wave_counts` compares the two.

    One row per wave from its draw on (eligibility.waves.select_awardees); none before it.
    """

    wave = models.OneToOneField(Wave, primary_key=True, on_delete=models.CASCADE, related_name="counts",
                                verbose_name=_("wave"))
    # Positive: a delta that would take a count below zero is a bug, refused by the database.
    recipients = models.PositiveIntegerField(_("recipients now"), default=0)
    reserve = models.PositiveIntegerField(_("reserve now"), default=0)

    objects = WaveCountsQuerySet.as_manager()

    class Meta:
        verbose_name = _("wave counts")
        verbose_name_plural = _("wave counts")

    def __str__(self) -> str:
        return f"{self.wave_id}: {self.recipients} recipients, {self.reserve} reserve"


class TrainingStart(models.Model):
    """The programme's record that a person started a training: the NIK's keyed digest, never the NIK."""

    nik_digest = models.UUIDField(unique=True, editable=False)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("training start")
        verbose_name_plural = _("training starts")


class TrainingStartImport(models.Model):
    """One import of training starts. The periodic revocation only revokes recipients whose deadline passed before
    the latest import: an import older than the deadline says nothing about who started in time."""

    at = models.DateTimeField(_("imported at"), default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                           related_name="+", verbose_name=_("imported by"))
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    rows = models.PositiveIntegerField(_("NIKs recorded"), default=0)
    bad_rows = models.PositiveIntegerField(_("rows refused"), default=0)

    class Meta:
        verbose_name = _("training start import")
        verbose_name_plural = _("training start imports")
        ordering = ["-at"]


class HelpdeskLookup(models.Model):
    """Audit of a helpdesk search: who looked up which kind of key, when, whether whole values were shown, and whom
    it found. The searched value itself is personal data and is not kept."""

    class Key(models.TextChoices):
        NIK = "nik", _("NIK")
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")

    at = models.DateTimeField(_("when"), default=timezone.now)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("user"))
    key = models.CharField(_("searched by"), max_length=8, choices=Key)
    found = models.ForeignKey("registration.Applicant", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("applicant found"))
    full_identity = models.BooleanField(_("whole values shown"), default=False)

    class Meta:
        verbose_name = _("helpdesk lookup")
        verbose_name_plural = _("helpdesk lookups")
        ordering = ["-at", "-pk"]
        default_permissions = ("view",)
        permissions = [("use_helpdesk", _("Can look up applicants at the helpdesk"))]


class Recipient(ScreeningResult):
    """A wave's recipients now (ScreeningResult.selected), for the admin's revoke action."""

    class Meta:
        proxy = True
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
