"""Applicants, waves (gelombang) and registrations.

The rules are in docs/DOMAIN.md. Identity numbers are stored as their 16 digits; keyed digests of
NIK and KK are copied onto each registration at join time so that screening joins digests only.
"""
from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prakerja.lib.identity import PROVINCE_CODES, age_on, canonical_email, mask


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("The e-mail address is required.")
        # Mail goes to the address as typed (docs/DOMAIN.md): only the domain, which is case-blind, is lowered.
        # The inbox (email_canonical) is what makes two spellings one account.
        email = self.normalize_email(email.strip())
        user = self.model(email=email, email_canonical=canonical_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str):
        """The account signing in: the address in any case (user_email_ci_unique makes it one account)."""
        return self.get(email__iexact=username)

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("email_verified_at", timezone.now())
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """An account, signed in by e-mail. Applicants and PMO staff alike; staff have is_staff."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    # The inbox the address delivers to (prakerja.lib.identity.canonical_email): `A.Li+x@GoogleMail.com` and
    # `ali@gmail.com` are one inbox, so one account. Mail goes to `email`, as typed. NULL only for an account
    # that shared an inbox with an older one before this column existed (migration 0004).
    email_canonical = models.CharField(_("inbox (canonical e-mail)"), max_length=254, null=True, editable=False)
    email_verified_at = models.DateTimeField(_("e-mail verified at"), null=True, blank=True)
    # Keyed digests (never the raw values) of where the account was created: joki signals for reports.
    signup_ip_digest = models.UUIDField(null=True, blank=True, editable=False)
    signup_user_agent_digest = models.UUIDField(null=True, blank=True, editable=False)
    # The language the applicant's e-mails are written in: the active one when they signed up, last saved their
    # profile or last switched the site's language while signed in (registration.services.set_account_language).
    # A database default too: bulk loads by SQL get Indonesian.
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="id", db_default="id")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            # E-mail addresses are unique whatever their case: one account per person.
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            # One account per inbox: closes the race of two sign-ups with two spellings of one address.
            models.UniqueConstraint(fields=["email_canonical"], name="user_email_canonical_unique"),
        ]

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    def clean(self) -> None:
        # Model forms (the admin's account pages) call this before validating constraints: an edited address
        # gets its inbox recomputed, and an inbox another account has is refused by user_email_canonical_unique.
        super().clean()
        self.email_canonical = canonical_email(self.email)


class Applicant(models.Model):
    """An applicant's profile: the personal data the programme needs (UU 27/2022: this purpose only)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, primary_key=True, related_name="applicant")
    nik = models.CharField(_("NIK"), max_length=16, unique=True)
    kk = models.CharField(_("family card (KK) number"), max_length=16)
    full_name = models.CharField(_("full name"), max_length=150)
    birth_date = models.DateField(_("birth date"))
    phone = models.CharField(_("mobile phone"), max_length=16, unique=True)
    not_in_formal_education = models.BooleanField(_("not in formal education"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")
        permissions = [
            # UU 27/2022: NIK, KK and phone are shown masked in the admin unless staff hold this.
            ("view_full_nik", _("Can see whole NIK, KK and phone numbers")),
        ]
        indexes = [models.Index(fields=["kk"], name="applicant_kk_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(nik__regex=r"^[0-9]{16}$"), name="applicant_nik_16_digits"),
            models.CheckConstraint(condition=models.Q(kk__regex=r"^[0-9]{16}$"), name="applicant_kk_16_digits"),
            models.CheckConstraint(condition=models.Q(phone__regex=r"^\+628[0-9]{8,11}$"), name="applicant_phone_e164"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.masked_nik})"

    @property
    def masked_nik(self) -> str:
        return mask(self.nik)

    @property
    def masked_kk(self) -> str:
        return mask(self.kk)

    @property
    def province(self) -> str:
        return PROVINCE_CODES.get(self.nik[:2], "")

    def age_on(self, day: dt.date) -> int:
        return age_on(self.birth_date, day)

    @property
    def is_complete(self) -> bool:
        """Every field is filled and the declaration of not being in formal education is ticked."""
        return bool(self.nik and self.kk and self.full_name and self.birth_date and self.phone
                    and self.not_in_formal_education)


class WaveQuerySet(models.QuerySet):
    def published(self) -> WaveQuerySet:
        """Waves the public may see: every status but draft (a draft's dates may still change)."""
        return self.exclude(status=Wave.Status.DRAFT)

    def accepting(self, now: dt.datetime | None = None) -> WaveQuerySet:
        """Waves that accept registrations at `now`: open, and opens_at <= now < closes_at."""
        now = now or timezone.now()
        return self.filter(status=Wave.Status.OPEN, opens_at__lte=now, closes_at__gt=now)

    def current(self, now: dt.datetime | None = None) -> Wave | None:
        """The wave shown on the landing page: the accepting one, else the next to open, else the latest."""
        now = now or timezone.now()
        return (
            self.accepting(now).first()
            or self.filter(status=Wave.Status.OPEN, opens_at__gt=now).order_by("opens_at").first()
            or self.published().order_by("-number").first()
        )

    def next_to_join(self, after: Wave, now: dt.datetime | None = None) -> Wave | None:
        now = now or timezone.now()
        return (
            self.filter(number__gt=after.number, status=Wave.Status.OPEN, closes_at__gt=now)
            .order_by("number")
            .first()
        )


class Wave(models.Model):
    """A registration wave (gelombang) with a quota and a hard deadline.

    Lifecycle: draft -> open -> closed -> screening -> screened -> selected. Only eligibility.waves writes the
    status (its table of moves); once published, number, seed and opening time are frozen (a database trigger),
    and quota and deadline change only by a recorded staff action (WaveChange).
    """

    class Phase(models.TextChoices):
        """What a wave means to the public at a moment (Wave.phase)."""

        DRAFT = "draft", _("Not published")
        UPCOMING = "upcoming", _("Opens soon")
        ACCEPTING = "accepting", _("Accepting registrations")
        CLOSED_EARLY = "closed_early", _("Closed before its deadline")
        CLOSED = "closed", _("Closed")
        SCREENING = "screening", _("Being screened")
        SCREENED = "screened", _("Screened")
        SELECTED = "selected", _("Recipients selected")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        SCREENING = "screening", _("Screening")
        SCREENED = "screened", _("Screened")
        SELECTED = "selected", _("Selected")

    number = models.PositiveIntegerField(_("wave number"), unique=True)
    quota = models.PositiveIntegerField(_("quota"))
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at (deadline)"))
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.DRAFT)
    opened_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False,
        verbose_name=_("closed by"),
    )
    published_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False,
        verbose_name=_("published by"),
    )
    # The lottery seed: drawn when the wave opens, secret until selection; only its SHA-256 (the commitment) is
    # public. Until the selection it exists only sealed (prakerja.lib.sealing, a key from the environment), so a
    # database copy does not reveal it; the selection writes it in clear to `seed`, the revealed value. A database
    # trigger freezes the sealed seed and the commitment once drawn, and lets `seed` be written once, only with
    # the value whose SHA-256 is the commitment (eligibility.waves draws and reveals).
    sealed_seed = models.TextField(_("sealed seed"), blank=True, editable=False)
    seed = models.CharField(_("seed (revealed)"), max_length=64, blank=True, editable=False)
    seed_commitment = models.CharField(_("seed commitment (SHA-256)"), max_length=64, blank=True, editable=False)
    seed_revealed_at = models.DateTimeField(_("seed revealed at"), null=True, blank=True, editable=False)
    selected_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False,
        verbose_name=_("selection run by"),
    )

    objects = WaveQuerySet.as_manager()

    class Meta:
        verbose_name = _("wave")
        verbose_name_plural = _("waves")
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")), name="wave_closes_after_opens"),
            models.CheckConstraint(condition=models.Q(quota__gt=0), name="wave_quota_positive"),
        ]

    def __str__(self) -> str:
        return str(_("Wave %(number)s") % {"number": self.number})

    def phase(self, now: dt.datetime | None = None) -> str:
        """The wave's Phase at `now`: before screening, by its window and when it was closed; after, its status."""
        now = now or timezone.now()
        if self.status == self.Status.DRAFT:
            return self.Phase.DRAFT
        if self.status == self.Status.OPEN:
            if now < self.opens_at:
                return self.Phase.UPCOMING
            return self.Phase.ACCEPTING if now < self.closes_at else self.Phase.CLOSED
        if self.status == self.Status.CLOSED:
            early = self.closed_at is not None and self.closed_at < self.closes_at
            return self.Phase.CLOSED_EARLY if early else self.Phase.CLOSED
        return self.Phase(self.status)

    def is_accepting(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.OPEN and self.opens_at <= now < self.closes_at

    @property
    def seed_is_revealed(self) -> bool:
        return self.seed_revealed_at is not None

    @staticmethod
    def commitment_for(seed: str) -> str:
        return hashlib.sha256(seed.encode()).hexdigest()


class WaveChange(models.Model):
    """A recorded staff change of an open wave's quota or deadline (eligibility.waves.change_open_wave): who, when,
    the old and the new value. Read-only everywhere; shown on the wave's admin page."""

    class Field(models.TextChoices):
        QUOTA = "quota", _("quota")
        CLOSES_AT = "closes_at", _("closes at (deadline)")

    wave = models.ForeignKey(Wave, on_delete=models.PROTECT, related_name="changes", verbose_name=_("wave"))
    field = models.CharField(_("field"), max_length=16, choices=Field)
    # As text: a quota ("600000") or a moment in ISO 8601 with its offset.
    old_value = models.CharField(_("old value"), max_length=64)
    new_value = models.CharField(_("new value"), max_length=64)
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by"))
    at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("wave change")
        verbose_name_plural = _("wave changes")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.wave} {self.field}: {self.old_value} -> {self.new_value}"


class Registration(models.Model):
    """An applicant's entry in one wave. Exactly one per applicant and wave (a database constraint).

    nik_digest / kk_digest are keyed digests (prakerja.lib.digest) copied at join time: screening joins
    them against the exclusion lists and groups by KK without reading personal data.
    ip_digest / user_agent_digest are keyed digests kept only to spot joki at scale (reports).
    """

    # No index of its own: every index below and the once-per-wave constraint lead with the wave (each index is one
    # more write per join at the deadline surge).
    wave = models.ForeignKey(Wave, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("wave"),
                             db_index=False)
    applicant = models.ForeignKey(
        Applicant, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("applicant")
    )
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    nik_digest = models.UUIDField(editable=False)
    kk_digest = models.UUIDField(editable=False)
    ip_digest = models.UUIDField(null=True, blank=True, editable=False)
    user_agent_digest = models.UUIDField(null=True, blank=True, editable=False)
    seconds_since_signup = models.PositiveIntegerField(_("seconds since sign-up"), null=True, blank=True,
                                                       editable=False)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            # Closes the double-join race: 50 concurrent "Gabung" clicks create exactly one row.
            models.UniqueConstraint(fields=["wave", "applicant"], name="registration_once_per_wave"),
        ]
        indexes = [
            models.Index(fields=["wave", "registered_at", "id"], name="registration_wave_time_idx"),
            models.Index(fields=["wave", "kk_digest"], name="registration_wave_kk_idx"),
            models.Index(fields=["nik_digest"], name="registration_nik_digest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.wave} / {self.applicant_id}"
