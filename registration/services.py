"""Workflows of the registration app: each is one transaction, with keyword-only arguments.

Accounts (sign up, e-mail verification), the applicant's profile and joining a wave (a wave's lifecycle is
eligibility.waves).
The rules are in docs/DOMAIN.md; views call these and only word the outcome.
"""
from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from prakerja.lib.digest import keyed_digest
from prakerja.lib import limits, prepared
from prakerja.lib.identity import age_on, canonical_email
from prakerja.lib.outbox import enqueue_on_commit
from prakerja.lib.timefmt import WIB, format_wib
from registration.models import Applicant, Registration, User, Wave

logger = logging.getLogger(__name__)

ADULT_AGE = 18
_VERIFY_SALT = "registration.verify-email"


def _digest_or_none(value: str | None):
    return keyed_digest(value) if value else None


# --- Accounts -----------------------------------------------------------------------------------------

class EmailTaken(Exception):
    """Another account already uses this e-mail address (whatever its case)."""


class VerificationFailed(Exception):
    """A verification link that cannot be used; `code` is "expired" or "invalid"."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def sign_up(
    *, email: str, password: str, ip: str | None, user_agent: str | None, base_url: str | None = None
) -> User:
    """Create an unverified account and send it the verification e-mail.

    Only keyed digests of the client's IP address and user agent are kept (joki signals for reports).
    One account per inbox: an address whose canonical form (prakerja.lib.identity.canonical_email; case,
    `+tags`, Gmail's dots) has an account raises EmailTaken, and its owner is e-mailed at their own address.
    Two sign-ups racing for one inbox are serialised by a lock on it; the unique constraints are the last guard.
    """
    with transaction.atomic():
        # Checked first under a lock on the inbox, never left to the unique constraints: a failed INSERT would
        # write the address and the password hash into PostgreSQL's error log. The constraints stay the guard.
        _lock_values(canonical_email(email))
        taken = (User.objects.filter(email_canonical=canonical_email(email)).first()
                 or User.objects.filter(email__iexact=email.strip()).first())
        if taken is None:
            user = User.objects.create_user(
                email=email,
                password=password,
                language=_active_language(),
                signup_ip_digest=_digest_or_none(ip),
                signup_user_agent_digest=_digest_or_none(user_agent),
            )
            _queue_mail("send_verification", user=user, base_url=base_url)
            return user
        # Told by e-mail, not on the page: the page must not reveal which addresses have an account. At most
        # one such e-mail an hour per account (repeated sign-ups cannot flood its owner); none while the cache
        # is unreachable (fails closed: the page is the same either way).
        if limits.once_per(f"registration:account-exists-mail:{taken.pk}", seconds=3600,
                           name="account-exists-mail", when_cache_down=limits.CacheDown.CLOSED):
            _queue_mail("send_account_exists", user=taken, base_url=base_url)
    raise EmailTaken(email)


def _lock_values(*values: str) -> None:
    """Serialise the writers of these identity values (an inbox, a NIK, a phone) until the transaction ends.

    PostgreSQL: transaction-scoped advisory locks keyed by the values' keyed digests (the statement carries no
    personal data), taken in a fixed order so that two writers cannot deadlock. SQLite needs none: IMMEDIATE
    transactions already hold the database's write lock (settings: transaction_mode).
    """
    if connection.vendor != "postgresql":
        return
    keys = sorted({int.from_bytes(keyed_digest(value).bytes[:8], "big", signed=True) for value in values if value})
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _queue_mail(task_name: str, *, user: User, base_url: str | None) -> None:
    """Queue an account e-mail (registration.tasks) through the task outbox, in the current language: stored
    with the caller's transaction, so a broker that is down delays the mail instead of losing it."""
    from registration import tasks

    enqueue_on_commit(getattr(tasks, task_name), user_id=user.pk, base_url=base_url or settings.SITE_URL,
                      language=translation.get_language() or "id")


def _active_language() -> str:
    """The language an applicant's e-mails are written in: the one active in their request (see User.language)."""
    active = (translation.get_language() or "").split("-")[0]
    return active if active in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def set_account_language(*, user: User, language: str) -> bool:
    """Keep `language` as the account's (User.language, the language of its e-mails), when it is one of
    settings.LANGUAGES; returns whether it was. Called when the applicant saves their profile and when a signed-in
    user switches the site's language: the choice they made last is the one their mail speaks."""
    if language not in dict(settings.LANGUAGES):
        return False
    User.objects.filter(pk=user.pk).exclude(language=language).update(language=language)
    user.language = language
    return True


def _address_tag(email: str) -> str:
    """A keyed tag of the address: the link must name it (a changed address invalidates older links) without
    carrying it, since signed tokens are only base64 and links end up in access logs."""
    return salted_hmac(_VERIFY_SALT, email.lower(), algorithm="sha256").hexdigest()[:32]


def make_verification_token(user: User) -> str:
    """A signed, timestamped token naming the account and (by a keyed tag) the address it verifies."""
    return signing.dumps({"user": user.pk, "address": _address_tag(user.email)}, salt=_VERIFY_SALT)


def _send(*, user: User, template: str, context: dict) -> None:
    """Render `<template>_subject.txt` and `<template>_body.txt` in the active language and send them.
    Raises on a mail-server failure: the worker's task retries."""
    context = {"user": user, "official_url": settings.OFFICIAL_SITE_URL, **context}
    subject = "".join(render_to_string(f"{template}_subject.txt", context).splitlines()).strip()
    send_mail(subject, render_to_string(f"{template}_body.txt", context), None, [user.email])


def send_verification_email(*, user: User, base_url: str) -> None:
    """The verification link, in the active language. `base_url` is the site as the applicant's request
    reached it (the host was checked against ALLOWED_HOSTS), or settings.SITE_URL."""
    path = reverse("registration:verify_email", kwargs={"token": make_verification_token(user)})
    _send(user=user, template="registration/emails/verify", context={
        "link": base_url.rstrip("/") + path, "valid_days": settings.EMAIL_VERIFICATION_MAX_AGE // 86400,
    })


def send_account_exists_email(*, user: User, base_url: str) -> None:
    """To the owner of an address someone tried to sign up with: log in, or reset the password."""
    site = base_url.rstrip("/")
    _send(user=user, template="registration/emails/account_exists", context={
        "login_link": site + reverse("registration:login"),
        "reset_link": site + reverse("registration:password_reset"),
    })


def send_password_reset_email(*, user: User, base_url: str) -> None:
    """Django's password-reset e-mail: its context (uid, token from the default token generator) and this
    project's templates, rendered here rather than in the request."""
    site = urlsplit(base_url)
    _send(user=user, template="registration/emails/password_reset", context={
        "email": user.email, "domain": site.netloc, "site_name": site.netloc, "protocol": site.scheme,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user),
    })


def queue_password_reset(*, user: User, base_url: str) -> None:
    _queue_mail("send_password_reset", user=user, base_url=base_url)


def resend_verification(*, email: str, base_url: str | None = None) -> None:
    """Queue a fresh link when an unverified account has this inbox (any spelling of the address: see
    canonical_email); nothing otherwise (the same answer). The link goes to the account's own address."""
    user = User.objects.filter(email_canonical=canonical_email(email), email_verified_at__isnull=True,
                               is_active=True).first()
    if user is not None:
        _queue_mail("send_verification", user=user, base_url=base_url)


def verify_email(*, token: str) -> User:
    """Mark the account named by a verification link as verified. Idempotent; raises VerificationFailed."""
    try:
        data = signing.loads(token, salt=_VERIFY_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE)
    except signing.SignatureExpired:
        raise VerificationFailed("expired") from None
    except signing.BadSignature:
        raise VerificationFailed("invalid") from None
    if not isinstance(data, dict):
        raise VerificationFailed("invalid")
    user = User.objects.filter(pk=data.get("user"), is_active=True).first()
    if user is None or not constant_time_compare(_address_tag(user.email), str(data.get("address", ""))):
        raise VerificationFailed("invalid")
    if user.email_verified_at is None:
        # Conditional update: two clicks at once verify once and keep the first time.
        User.objects.filter(pk=user.pk, email_verified_at__isnull=True).update(email_verified_at=timezone.now())
        user.refresh_from_db(fields=["email_verified_at"])
    return user


# --- Login throttling ---------------------------------------------------------------------------------

def login_wait(*, email: str, ip: str, now: dt.datetime | None = None) -> int:
    """Seconds before a login attempt for `email` from `ip` may be checked (0: check it now).

    Beside django-axes' lock of one (account, address) pair after AXES_FAILURE_LIMIT failures, read from the
    failures axes records (its AccessAttempt rows, in the database: no cache involved), within AXES_COOLOFF_TIME:
    - per account, from any address: after LOGIN_ACCOUNT_SLOWDOWN_AFTER failures, one attempt per
      LOGIN_ACCOUNT_DELAY_SECONDS since the last failure. A slow-down, never a lock: a stranger guessing from
      many addresses cannot keep the real applicant out at the deadline, only make them wait a minute.
    - per address, on any account: failures on LOGIN_ADDRESS_MAX_ACCOUNTS different accounts stop the address
      until the oldest expires. High, because a carrier's NAT puts thousands of applicants behind one address and
      an applicant's typos fail on their own account only; a spray touches a new account with each guess.
    """
    from axes.models import AccessAttempt
    from django.db.models import Max, Sum

    now = now or timezone.now()
    cooloff = settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(attempt_time__gte=now - cooloff)
    from_address = recent.filter(ip_address=ip)
    if from_address.values("username").distinct().count() >= settings.LOGIN_ADDRESS_MAX_ACCOUNTS:
        oldest = from_address.order_by("attempt_time").values_list("attempt_time", flat=True).first()
        return max(1, int((oldest + cooloff - now).total_seconds()))
    account = recent.filter(username__iexact=email.strip()).aggregate(failures=Sum("failures_since_start"),
                                                                      last=Max("attempt_time"))
    if (account["failures"] or 0) >= settings.LOGIN_ACCOUNT_SLOWDOWN_AFTER:
        return max(0, int(settings.LOGIN_ACCOUNT_DELAY_SECONDS - (now - account["last"]).total_seconds()))
    return 0


# --- Profile ------------------------------------------------------------------------------------------

class ProfileConflict(Exception):
    """The NIK or phone number belongs to another account. `field` names which ("nik", "phone"), or is
    None when the clash cannot be told (a retry is then the answer). Never says whose."""

    def __init__(self, field: str | None):
        super().__init__(field)
        self.field = field


# Once an applicant has joined a wave, the registration's digests and its screening were computed from
# these: they cannot change afterwards (a wrong NIK needs a complaint to PMO, not an edit).
LOCKED_AFTER_JOINING = ("nik", "kk", "birth_date")


def profile_is_locked(applicant: Applicant | None) -> bool:
    return applicant is not None and applicant.registrations.exists()


def save_profile(
    *, user: User, nik: str, kk: str, full_name: str, birth_date: dt.date, phone: str,
    not_in_formal_education: bool,
) -> Applicant:
    """Create or update the user's applicant profile with already validated values.

    NIK, KK and birth date are kept as stored once the applicant has a registration. Raises ProfileConflict
    (field "nik" or "phone") when another account holds the NIK or phone; two accounts claiming one NIK at the
    same moment are serialised by a lock on it, so the second gets ProfileConflict and nothing stored is
    overwritten. Says who holds nothing; callers ration it (views.profile).
    """
    values = {"nik": nik, "kk": kk, "full_name": full_name, "birth_date": birth_date, "phone": phone,
              "not_in_formal_education": not_in_formal_education}
    with transaction.atomic():
        # Asked first, under locks on the account, the NIK and the phone, never left to the unique constraints: a
        # failed INSERT or UPDATE would write NIK, KK, name, birth date and phone into PostgreSQL's error log. The
        # account's lock also serialises two first saves of one account (two tabs), which would both insert.
        _lock_values(f"account:{user.pk}", f"nik:{nik}", f"phone:{phone}")
        # Row lock: a join running now either sees the old NIK and writes its digest first, or
        # waits for this edit (join_wave holds the same row locked).
        applicant = Applicant.objects.select_for_update().filter(user=user).first()
        locked = applicant is not None and profile_is_locked(applicant)
        if locked:
            nik = applicant.nik  # not editable any more: the stored one is what may clash
        conflict = _conflicting_field(user=user, nik=nik, phone=phone)
        if conflict is not None:
            raise ProfileConflict(conflict)
        if applicant is None:
            applicant = Applicant(user=user, **values)
            applicant.save(force_insert=True)
            set_account_language(user=user, language=_active_language())
            return applicant
        for field, value in values.items():
            if not (locked and field in LOCKED_AFTER_JOINING):
                setattr(applicant, field, value)
        applicant.save()
        set_account_language(user=user, language=_active_language())
        return applicant


def _conflicting_field(*, user: User, nik: str, phone: str) -> str | None:
    others = Applicant.objects.exclude(user=user)
    if others.filter(nik=nik).exists():
        return "nik"
    if others.filter(phone=phone).exists():
        return "phone"
    return None


# --- Joining a wave -----------------------------------------------------------------------------------

class JoinRefused(Exception):
    """Joining a wave was refused. `code` is stable (tests, templates), str() is the message in the
    current language. For "already_registered", `registration` is the existing row."""

    ALREADY_REGISTERED = "already_registered"
    CLOSED = "closed"
    NOT_OPEN = "not_open"
    EMAIL_UNVERIFIED = "email_unverified"
    PROFILE_INCOMPLETE = "profile_incomplete"
    TOO_YOUNG = "too_young"
    PRIOR_RECIPIENT = "prior_recipient"
    BARRED = "barred"

    def __init__(self, code: str, message: str, *, registration: Registration | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.registration = registration


def check_can_join(
    *, user: User, applicant: Applicant | None, wave: Wave, now: dt.datetime, prior_recipient: bool,
    barred: bool = False,
) -> None:
    """Raise JoinRefused with the first reason `user` may not join `wave` at `now`; no queries.

    Shared by join_wave (inside its transaction, with facts read under lock) and the dashboard (which
    shows the reason beside the button).
    """
    if wave.phase(now) in (Wave.Phase.DRAFT, Wave.Phase.UPCOMING):
        raise JoinRefused(
            JoinRefused.NOT_OPEN,
            _("Registration for wave %(number)s opens on %(opens)s.")
            % {"number": wave.number, "opens": format_wib(wave.opens_at)},
        )
    if not wave.is_accepting(now):
        raise JoinRefused(
            JoinRefused.CLOSED,
            _("Registration for wave %(number)s is closed.") % {"number": wave.number},
        )
    if not user.is_verified:
        raise JoinRefused(
            JoinRefused.EMAIL_UNVERIFIED,
            _("Verify your e-mail address first: open the link we sent to %(email)s.") % {"email": user.email},
        )
    if applicant is None or not applicant.is_complete:
        raise JoinRefused(
            JoinRefused.PROFILE_INCOMPLETE,
            _("Complete your profile first: NIK, KK number, name, birth date, phone and the declaration."),
        )
    today = timezone.localdate(now, WIB)  # "aged 18 on the day of joining", a day in Indonesia
    if age_on(applicant.birth_date, today) < ADULT_AGE:
        birthday = _eighteenth_birthday(applicant.birth_date)
        raise JoinRefused(
            JoinRefused.TOO_YOUNG,
            _("You must be 18 or older on the day you join. You turn 18 on %(date)s.")
            % {"date": formats.date_format(birthday, "j F Y")},
        )
    if barred:
        # Revoked for ineligibility or fraud (docs/DOMAIN.md, "After the draw"); revoked for not starting a
        # training is not barred: that card never served anyone.
        raise JoinRefused(
            JoinRefused.BARRED,
            _("Your Kartu Prakerja was revoked for ineligibility or fraud: you cannot join again."),
        )
    if prior_recipient:
        raise JoinRefused(
            JoinRefused.PRIOR_RECIPIENT,
            _("You already became a Kartu Prakerja recipient in an earlier wave: recipients cannot join again."),
        )


def _eighteenth_birthday(birth_date: dt.date) -> dt.date:
    try:
        return birth_date.replace(year=birth_date.year + ADULT_AGE)
    except ValueError:  # born on 29 February
        return dt.date(birth_date.year + ADULT_AGE, 3, 1)


def _columns(model, alias: str) -> str:
    return ", ".join(f"{alias}.{connection.ops.quote_name(f.column)}" for f in model._meta.concrete_fields)


def _from_row(model, row: tuple, start: int):
    """A `model` instance from `row[start:]` in concrete-field order, and the index after its columns."""
    fields = model._meta.concrete_fields
    values = []
    for field, value in zip(fields, row[start:], strict=False):
        col = field.get_col(model._meta.db_table)  # the ORM's own conversions (SQLite stores datetimes as text)
        for convert in connection.ops.get_db_converters(col) + col.get_db_converters(connection):
            value = convert(value, col, connection)
        values.append(value)
    return model.from_db(connection.alias, [f.attname for f in fields], values), start + len(fields)


def _lock_join_facts(*, applicant_pk: int, wave_pk: int | None,
                     number: int | None) -> tuple[Wave, Applicant, int | None, bool, bool]:
    """One statement: the wave (by pk, or the published one by number) and the applicant's row, both locked FOR SHARE on
    PostgreSQL, with the applicant's user, the id of their registration in that wave (None), whether they were
    selected in an earlier wave, and whether they are barred (a card revoked for ineligibility or fraud,
    aftercare.models.BARRING_REASONS). Raises Wave.DoesNotExist when no published wave matches.

    FOR SHARE: close_wave takes the wave row FOR UPDATE and a profile edit takes the applicant row FOR UPDATE, so
    each waits for the joins in flight and they wait for it; joins do not block each other. SQLite needs no
    lock clause: IMMEDIATE transactions already hold the database write lock (settings: transaction_mode).
    """
    from aftercare.models import BARRING_REASONS, Revocation
    from eligibility.models import ScreeningResult

    q = connection.ops.quote_name
    lock = " FOR SHARE OF w, a" if connection.vendor == "postgresql" else ""
    sql = (
        f"SELECT {_columns(Wave, 'w')}, {_columns(Applicant, 'a')}, {_columns(User, 'u')}, "
        f"(SELECT r.id FROM {q(Registration._meta.db_table)} r WHERE r.wave_id = w.id AND r.applicant_id = a.user_id), "
        f"EXISTS (SELECT 1 FROM {q(ScreeningResult._meta.db_table)} s "
        f"JOIN {q(Registration._meta.db_table)} p ON p.id = s.registration_id "
        f"WHERE p.applicant_id = a.user_id AND s.selected = %s), "
        f"EXISTS (SELECT 1 FROM {q(Revocation._meta.db_table)} v "
        f"JOIN {q(Registration._meta.db_table)} b ON b.id = v.registration_id "
        f"WHERE b.applicant_id = a.user_id AND v.reason IN ({', '.join(['%s'] * len(BARRING_REASONS))})) "
        f"FROM {q(Wave._meta.db_table)} w, {q(Applicant._meta.db_table)} a "
        f"JOIN {q(User._meta.db_table)} u ON u.id = a.user_id "
        # By number (the public URL) only published waves; by pk, check_can_join refuses a draft as not open.
        f"WHERE a.user_id = %s AND " + ("w.id = %s" if wave_pk is not None else "w.number = %s AND w.status <> %s")
        + lock
    )
    params = [True, *BARRING_REASONS, applicant_pk] + ([wave_pk] if wave_pk is not None else [number, Wave.Status.DRAFT])
    with connection.cursor() as cursor:
        prepared.execute(cursor, sql, params)  # planned once per connection: the surge's hottest read
        row = cursor.fetchone()
    if row is None:
        raise Wave.DoesNotExist("no published wave matches")
    wave, at = _from_row(Wave, row, 0)
    applicant, at = _from_row(Applicant, row, at)
    user, at = _from_row(User, row, at)
    applicant.user = user
    return wave, applicant, row[at], bool(row[at + 1]), bool(row[at + 2])


def _insert_once(registration: Registration, *, language: str) -> int | None:
    """INSERT the row unless the applicant already has one in the wave (registration_once_per_wave), and queue its
    "you joined" mail in `language`: the new row's id, or None (and no mail) when another try of the same
    applicant committed first. On PostgreSQL one statement (the mail's INSERT in a data-modifying WITH: one round
    trip at the deadline surge); on SQLite, which has none, two. No savepoint."""
    from notifications import services as outbox

    fields = [f for f in Registration._meta.concrete_fields if not f.primary_key]
    q = connection.ops.quote_name
    insert = (
        f"INSERT INTO {q(Registration._meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT (wave_id, applicant_id) DO NOTHING"
    )
    values = [f.get_db_prep_save(f.pre_save(registration, True), connection) for f in fields]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            mail, mail_params = outbox.joined_insert("new", language=language)
            prepared.execute(cursor, f"WITH new AS ({insert} RETURNING id, wave_id, applicant_id), mail AS ({mail})"
                                     f" SELECT id FROM new", [*values, *mail_params])
            row = cursor.fetchone()
            if row:
                outbox.kick()
            return row[0] if row else None
        cursor.execute(f"{insert} RETURNING id", values)
        row = cursor.fetchone()
    if row is None:
        return None
    registration.pk = row[0]
    outbox.queue_joined(registration=registration)
    return row[0]


def join_wave(
    *, applicant: Applicant, wave: Wave | None = None, number: int | None = None, ip: str | None, user_agent: str | None,
) -> Registration:
    """Register `applicant` in `wave` (or the published wave numbered `number`) ("Gabung Gelombang") and return
    the new registration.

    Raises JoinRefused: with code "already_registered" (and the existing registration) on a second
    try, or with the reason it is refused; Wave.DoesNotExist when no published wave matches (drafts are not
    public). Every condition is checked inside the transaction that writes the row, after locking the wave and
    the applicant rows FOR SHARE (see _lock_join_facts): a close waits for the joins in flight (each is then
    screened), a join that waited for a close sees it closed, and a profile edit cannot change the NIK whose
    digest is written here. The unique constraint registration_once_per_wave closes the race between two joins
    of one applicant: the loser's INSERT ... ON CONFLICT DO NOTHING writes nothing and it reports the winner's row.

    Built for the deadline surge: two statements in one transaction (the locking read, the insert with its mail), whatever the
    applicant's history (docs/PERFORMANCE.md, "Deadline surge").
    """
    if (wave is None) == (number is None):
        raise TypeError("join_wave needs exactly one of wave and number")
    with transaction.atomic():
        wave, applicant, existing_id, prior_recipient, barred = _lock_join_facts(
            applicant_pk=applicant.pk, wave_pk=wave.pk if wave is not None else None, number=number)
        now = timezone.now()  # after the locks: a join that waited for a close sees the close
        if existing_id is not None:
            raise _already_registered(Registration.objects.get(pk=existing_id), wave)
        check_can_join(user=applicant.user, applicant=applicant, wave=wave, now=now, prior_recipient=prior_recipient,
                       barred=barred)
        registration = Registration(
            wave=wave,
            applicant=applicant,
            registered_at=now,
            nik_digest=keyed_digest(applicant.nik),
            kk_digest=keyed_digest(applicant.kk),
            ip_digest=_digest_or_none(ip),
            user_agent_digest=_digest_or_none(user_agent),
            seconds_since_signup=max(0, int((now - applicant.user.date_joined).total_seconds())),
        )
        # The "you joined" e-mail is queued in this transaction: no join without it, none without a join.
        registration.pk = _insert_once(registration, language=applicant.user.language)
        if registration.pk is not None:
            registration._state.adding = False
            return registration
        # Another try of the same applicant committed first (READ COMMITTED: now visible).
        existing = Registration.objects.get(wave=wave, applicant=applicant)
    raise _already_registered(existing, wave)


def _already_registered(registration: Registration, wave: Wave) -> JoinRefused:
    return JoinRefused(
        JoinRefused.ALREADY_REGISTERED,
        _("You already joined wave %(number)s on %(date)s.")
        % {"number": wave.number, "date": format_wib(registration.registered_at)},
        registration=registration,
    )


def appeal_open_until(*, result, appeals) -> dt.datetime | None:
    """Until when an appeal against the ineligible `result` is offered (aftercare's window, APPEAL_WINDOW_DAYS
    after the results): the window is open now and a reason found on a list is not appealed yet among `appeals`
    (the registration's Appeal rows). None otherwise: appeals off, the window closed, nothing left to appeal."""
    from aftercare.services import appeal_window_closes, appealable_reasons  # aftercare imports registration

    closes = appeal_window_closes(result.run.finished_at if result.run else None)
    left = set(appealable_reasons(result)) - {appeal.reason for appeal in appeals}
    return closes if closes is not None and timezone.now() < closes and left else None
