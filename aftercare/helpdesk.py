"""The helpdesk look-up: one applicant found by NIK, phone or e-mail, with every registration and what happened to
it (status, reasons, the list versions behind them, rank, appeals, revocation, promotion, notifications), so that
"why was I not selected?" is answered without a CSV. Every look-up is audited (HelpdeskLookup)."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from aftercare.models import Appeal, HelpdeskLookup
from prakerja.lib.identity import IdentityError, canonical_email, clean_number, nik_problem, normalize_phone
from prakerja.lib.privacy import mask_email, mask_name, mask_number, mask_phone
from registration.models import Applicant, Registration, User

# Whole NIK, KK and phone are shown only to staff who hold the whole-value permission (docs/DOMAIN.md).
PERM_FULL = "registration.view_full_nik"


@dataclass
class Found:
    """What a look-up shows: `problem` (a message) when the query is unusable, else the applicant (or None) and
    their registrations, newest wave first, with identity values masked unless `full_identity`."""

    problem: str = ""
    applicant: Applicant | None = None
    full_identity: bool = False
    registrations: list[Registration] = field(default_factory=list)
    nik: str = ""
    kk: str = ""
    phone: str = ""
    email: str = ""
    name: str = ""
    notifications: list = field(default_factory=list)


def _key(query: str) -> tuple[str, dict]:
    """(kind, filter) for a query: an e-mail address, a NIK (16 digits, spaces or dots allowed) or a phone."""
    query = query.strip()
    if "@" in query:
        return HelpdeskLookup.Key.EMAIL, {"user__email_canonical": canonical_email(query)}
    digits = clean_number(query)
    if len(digits) == 16 and not nik_problem(digits):
        return HelpdeskLookup.Key.NIK, {"nik": digits}
    try:
        return HelpdeskLookup.Key.PHONE, {"phone": normalize_phone(query)}
    except IdentityError:
        raise ValueError from None


def look_up(*, query: str, by: User, full_identity: bool) -> Found:
    try:
        kind, lookup = _key(query)
    except ValueError:
        return Found(problem=_("Type a NIK (16 digits), a mobile number or an e-mail address."))
    applicant = Applicant.objects.select_related("user").filter(**lookup).first()
    HelpdeskLookup.objects.create(user=by, key=kind, found=applicant, full_identity=full_identity)
    if applicant is None:
        return Found(full_identity=full_identity)
    def show(value: str, masked) -> str:  # one mask per kind of data (prakerja.lib.privacy), as on every screen
        return value if full_identity else masked(value)
    registrations = list(
        Registration.objects.filter(applicant=applicant).order_by("-wave__number")
        .select_related("wave", "result__run", "revocation__by", "promotion")
        .prefetch_related(Prefetch("appeals", queryset=Appeal.objects.order_by("filed_at")))
    )
    for registration in registrations:
        result = getattr(registration, "result", None)
        run = result.run if result is not None else None
        codes = set(result.reason_codes) if result is not None else set()
        # The list versions behind the result: those of its reasons, or every list the run checked when eligible.
        registration.versions = [v for v in (run.list_versions if run else []) if not codes or v["category"] in codes]
    return Found(applicant=applicant, full_identity=full_identity, registrations=registrations,
                 nik=show(applicant.nik, mask_number), kk=show(applicant.kk, mask_number),
                 phone=show(applicant.phone, mask_phone), email=show(applicant.user.email, mask_email),
                 name=show(applicant.full_name, mask_name),
                 notifications=notifications_sent(applicant=applicant))


def notifications_sent(*, applicant: Applicant) -> list:
    """The e-mails the outbox holds for the applicant's registrations, newest first: Notification rows (kind,
    status, wave, queued and sent time; the message itself is rendered only when sent). One query."""
    from notifications.models import Notification

    return list(Notification.objects.filter(registration__applicant=applicant).select_related("wave")
                .order_by("-created_at", "-pk"))
