"""Complaints (pengaduan) about fake Kartu Prakerja websites and joki, and the addresses they report.

A complaint is filed on the public form and triaged by PMO staff in the admin. Every complaint points to one
ReportedTarget: the normalised address of the site or person (complaints.addresses), so that the same fake site
reported a hundred times is one row with a count of 100. The reporter's e-mail and phone are personal data
(UU 27/2022): kept for the status look-up and for staff to reach them, never logged, never in the history.
"""
from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from complaints.addresses import MAX_ADDRESS_LENGTH, TargetKind
from prakerja.lib.identity import mask

# Crockford's base32 without I, L, O and U: no two characters look alike, and none spells a word by accident.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_PREFIX = "PKJ"
REFERENCE_REGEX = r"^PKJ-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$"


class TriageStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_REVIEW = "in_review", _("In review")
    FORWARDED_KOMINFO = "forwarded_kominfo", _("Forwarded to Kominfo")
    FORWARDED_BARESKRIM = "forwarded_bareskrim", _("Forwarded to Bareskrim")
    CLOSED = "closed", _("Closed")


class ReportedTargetQuerySet(models.QuerySet):
    def fake_sites(self) -> ReportedTargetQuerySet:
        """Web addresses for Kominfo's blocking list: the most reported first."""
        return self.filter(kind=TargetKind.WEBSITE).order_by("-report_count", "-last_reported_at", "id")


class ReportedTarget(models.Model):
    """One reported site or person, however many complaints name it.

    report_count is kept in step with the complaints by complaints.services.file_complaint, which increments it
    in the same transaction with an UPDATE ... SET report_count = report_count + 1 (no lost update when two
    reports of one site arrive at once). status is the triage status most recently given to any of its complaints.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=TargetKind)
    address = models.CharField(_("address"), max_length=MAX_ADDRESS_LENGTH)
    report_count = models.PositiveIntegerField(_("reports"), default=1)
    first_reported_at = models.DateTimeField(_("first reported"), default=timezone.now)
    last_reported_at = models.DateTimeField(_("last reported"), default=timezone.now)
    status = models.CharField(_("status"), max_length=24, choices=TriageStatus, default=TriageStatus.NEW)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    kominfo_forwarded_at = models.DateTimeField(_("forwarded to Kominfo at"), null=True, blank=True)
    bareskrim_forwarded_at = models.DateTimeField(_("forwarded to Bareskrim at"), null=True, blank=True)
    # What staff found when they opened the address (services.record_target_check): for a short link, where
    # it leads; kept with who checked and when, and exported for Kominfo.
    leads_to = models.CharField(_("leads to"), max_length=500, blank=True,
                                help_text=_("For a short link: the address it leads to when opened."))
    check_note = models.TextField(_("what staff checked"), blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("checked by"))

    objects = ReportedTargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("reported address")
        verbose_name_plural = _("reported addresses")
        constraints = [
            # Closes the race of two first reports of one address: the second insert fails and merges instead.
            models.UniqueConstraint(fields=["kind", "address"], name="reported_target_unique_address"),
            models.CheckConstraint(condition=models.Q(report_count__gte=1), name="reported_target_count_positive"),
        ]
        indexes = [models.Index(fields=["kind", "-report_count"], name="reported_target_kind_count_idx")]

    def __str__(self) -> str:
        return self.address


class KominfoExport(models.Model):
    """One download of the Kominfo export: "new since the last export" starts from the latest of these."""

    at = models.DateTimeField(_("exported at"), default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                           verbose_name=_("exported by"))
    new_only = models.BooleanField(_("only new since the previous export"), default=False)
    since = models.DateTimeField(_("targets first reported after"), null=True, blank=True)

    class Meta:
        verbose_name = _("Kominfo export")
        verbose_name_plural = _("Kominfo exports")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M}"


def new_reference() -> str:
    """`PKJ-7K3M-9QXA`: 40 random bits, readable aloud, unguessable within the look-up's rate limit."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{REFERENCE_PREFIX}-{chars[:4]}-{chars[4:]}"


def clean_reference(raw: str) -> str:
    """Tidy what a reporter types: case, spaces, missing dashes or prefix, and O/I/L typed for 0/1/1."""
    text = "".join((raw or "").upper().split()).replace("-", "")
    if text.startswith(REFERENCE_PREFIX):
        text = text[len(REFERENCE_PREFIX):]
    text = text.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if len(text) != 8 or any(char not in REFERENCE_ALPHABET for char in text):
        return ""
    return f"{REFERENCE_PREFIX}-{text[:4]}-{text[4:]}"


class ComplaintQuerySet(models.QuerySet):
    def for_reporter(self, *, reference: str, email: str) -> Complaint | None:
        """The complaint with this reference AND this reporter e-mail, else None.

        One indexed query whatever is wrong (the number, the e-mail or both), so that neither the answer nor
        its timing tells a stranger that a reference exists.
        """
        return self.filter(reference=reference, reporter_email=email.strip().lower()).first()


class Complaint(models.Model):
    """A report about a fake website, a joki or something else, filed by anyone (signed in or not)."""

    class Kind(models.TextChoices):
        FAKE_WEBSITE = "fake_website", _("Fake website")
        JOKI = "joki", _("Joki (someone who offers to register you for a fee)")
        OTHER = "other", _("Something else")

    reference = models.CharField(_("reference number"), max_length=13, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    target = models.ForeignKey(
        ReportedTarget, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("reported address")
    )
    address_as_reported = models.CharField(_("address as reported"), max_length=500)
    description = models.TextField(_("what happened"))
    loss = models.TextField(_("what was lost"), blank=True)
    amount_lost = models.PositiveBigIntegerField(_("amount lost (Rp)"), null=True, blank=True)
    reporter_email = models.EmailField(_("reporter's e-mail"))
    reporter_phone = models.CharField(_("reporter's phone"), max_length=16, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("filed by account"),
    )
    language = models.CharField(_("language"), max_length=8, default="id")
    status = models.CharField(_("status"), max_length=24, choices=TriageStatus, default=TriageStatus.NEW)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("filed at"), default=timezone.now)
    receipt_sent_at = models.DateTimeField(_("receipt e-mailed at"), null=True, blank=True, editable=False)
    # Set when the retention task deleted this complaint's files (see services.remove_expired_evidence).
    evidence_removed_at = models.DateTimeField(_("files removed at"), null=True, blank=True, editable=False)
    # The keyed digest of the signed token of the form rendering this complaint was posted from
    # (complaints.forms.issue_form_token): the same form posted twice (a double click, a resend after a timeout)
    # files one complaint. Null for complaints filed another way.
    form_digest = models.UUIDField(_("form digest"), null=True, blank=True, editable=False)

    # Who changed what when. The reporter's contact and free text never change after filing and are personal
    # data: they stay out of the history tables.
    history = HistoricalRecords(
        excluded_fields=["reporter_email", "reporter_phone", "description", "loss", "address_as_reported",
                         "receipt_sent_at", "form_digest"],
    )
    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-created_at"]
        permissions = [("view_reporter_contact", _("Can see the reporter's e-mail and phone in full"))]
        constraints = [
            models.CheckConstraint(condition=models.Q(reference__regex=REFERENCE_REGEX), name="complaint_reference_format"),
            models.CheckConstraint(condition=models.Q(reporter_email=Lower("reporter_email")),
                                   name="complaint_reporter_email_lowercase"),
            # Closes the race of two posts of one form at once: the second insert fails, and the first's
            # complaint is the answer (services.file_complaint).
            models.UniqueConstraint(fields=["form_digest"], name="complaint_form_digest_unique"),
        ]
        indexes = [
            # The triage queue: open complaints, newest first.
            models.Index(fields=["status", "-created_at"], name="complaint_status_created_idx"),
        ]

    def __str__(self) -> str:
        return self.reference


class ComplaintNote(models.Model):
    """A staff note on a complaint. Notes are added, never edited: they are part of the record."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="notes",
                                  verbose_name=_("complaint"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("author"))
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return str(_("Note by %(author)s") % {"author": self.author})


def evidence_path(instance: Evidence, filename: str) -> str:
    """A random name under MEDIA_ROOT: the reporter's file name never reaches the disk."""
    extension = Evidence.EXTENSIONS.get(instance.content_type, ".bin")
    now = timezone.now()
    return f"complaints/{now:%Y/%m}/{secrets.token_hex(16)}{extension}"


class Evidence(models.Model):
    """An uploaded file: evidence (screenshots, transfer receipts) or the reporter's police report.

    Stored under MEDIA_ROOT, outside the web root with no public URL; staff download it through
    complaints.views.evidence_download. content_type is what the content was found to be, not what the browser said.
    """

    class Kind(models.TextChoices):
        EVIDENCE = "evidence", _("Evidence")
        POLICE_REPORT = "police_report", _("Police report")

    EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "application/pdf": ".pdf"}

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="files",
                                  verbose_name=_("complaint"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.EVIDENCE)
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    content_type = models.CharField(_("content type"), max_length=32)
    size = models.PositiveIntegerField(_("size (bytes)"))
    original_name = models.CharField(_("original name"), max_length=255, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("file")
        verbose_name_plural = _("files")
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["complaint"], condition=models.Q(kind="police_report"),
                                    name="evidence_one_police_report"),
            models.CheckConstraint(
                condition=models.Q(content_type__in=["image/jpeg", "image/png", "image/webp", "application/pdf"]),
                name="evidence_allowed_content_type",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def download_name(self) -> str:
        return f"{self.complaint.reference}-{self.kind}-{self.pk}{self.EXTENSIONS.get(self.content_type, '')}"


class NikMisuseReport(models.Model):
    """An applicant's report that their NIK was registered by someone else's account.

    Filed only by a signed-in, verified account (the reporter), with the NIK in question (16 digits, valid per
    prakerja.lib.identity.parse_nik), a statement and optional evidence. No web address and no ReportedTarget:
    each report stands alone, never merged with another. The NIK is personal data (UU 27/2022): shown whole only
    to staff holding registration.view_full_nik, masked everywhere else, never in a URL or a log line.
    Staff act on it by suspending the registrations of the account that holds the NIK (Suspension).
    """

    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="nik_misuse_reports", verbose_name=_("reported by account"))
    nik = models.CharField(_("NIK reported as misused"), max_length=16)
    statement = models.TextField(_("statement"))
    language = models.CharField(_("language"), max_length=8, default="id")
    created_at = models.DateTimeField(_("filed at"), default=timezone.now)

    class Meta:
        verbose_name = _("NIK misuse report")
        verbose_name_plural = _("NIK misuse reports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(nik__regex=r"^[0-9]{16}$"), name="nik_misuse_nik_16_digits"),
        ]
        indexes = [models.Index(fields=["nik"], name="nik_misuse_nik_idx")]

    def __str__(self) -> str:
        # Masked: __str__ reaches admin breadcrumbs, log entries and messages.
        return str(_("NIK misuse %(nik)s (#%(pk)s)") % {"nik": mask(self.nik), "pk": self.pk})

    @property
    def masked_nik(self) -> str:
        return mask(self.nik)


class NikMisuseEvidence(models.Model):
    """A file attached to a NIK misuse report, checked by content (complaints.uploads) like complaint evidence.

    Stored under MEDIA_ROOT with a random name; staff download it through complaints.views.misuse_evidence_download.
    """

    report = models.ForeignKey(NikMisuseReport, on_delete=models.CASCADE, related_name="files",
                               verbose_name=_("NIK misuse report"))
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    content_type = models.CharField(_("content type"), max_length=32)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("file")
        verbose_name_plural = _("files")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(content_type__in=list(Evidence.EXTENSIONS)),
                name="nik_misuse_evidence_allowed_content_type",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('File')} #{self.pk}"

    @property
    def download_name(self) -> str:
        return f"nik-misuse-{self.report_id}-{self.pk}{Evidence.EXTENSIONS.get(self.content_type, '')}"


class SuspensionQuerySet(models.QuerySet):
    def active(self) -> SuspensionQuerySet:
        return self.filter(lifted_at__isnull=True)


class Suspension(models.Model):
    """The registrations of one account held pending review after a NIK misuse report (docs/DOMAIN.md, "NIK misuse").

    While active (lifted_at is null) none of the account's registrations is selected by the lottery
    (eligibility.screening.sql.rank_eligible) and its dashboard says they are under review. Written only by
    complaints.services.suspend_registrations and lift_suspension: a row is the record of who suspended, when
    and why, and of who lifted it, when and why; rows are never deleted.
    """

    applicant = models.ForeignKey("registration.Applicant", on_delete=models.PROTECT, related_name="suspensions",
                                  verbose_name=_("account holding the NIK"))
    report = models.ForeignKey(NikMisuseReport, on_delete=models.PROTECT, related_name="suspensions",
                               verbose_name=_("NIK misuse report"))
    reason = models.TextField(_("reason for suspending"))
    suspended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("suspended by"))
    suspended_at = models.DateTimeField(_("suspended at"), default=timezone.now)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("lifted by"))
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lift_reason = models.TextField(_("reason for lifting"), blank=True)

    objects = SuspensionQuerySet.as_manager()

    class Meta:
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")
        ordering = ["-suspended_at", "-id"]
        constraints = [
            # Closes the race of two staff members suspending one account at once: one active row per account.
            models.UniqueConstraint(fields=["applicant"], condition=models.Q(lifted_at__isnull=True),
                                    name="suspension_one_active_per_applicant"),
            models.CheckConstraint(condition=~models.Q(reason=""), name="suspension_reason_required"),
            models.CheckConstraint(
                condition=(models.Q(lifted_at__isnull=True, lifted_by__isnull=True, lift_reason="")
                           | (models.Q(lifted_at__isnull=False, lifted_by__isnull=False) & ~models.Q(lift_reason=""))),
                name="suspension_lift_recorded_whole",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Suspension #%(pk)s") % {"pk": self.pk})

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None
