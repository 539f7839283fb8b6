"""The mail outbox's workflows: queue (in the event's transaction), claim, send, drain at a rate, progress.

Queueing is set-based: one INSERT ... SELECT per event for a whole wave (millions of rows), never a loop.
Sending is at most once per row (docs/DOMAIN.md, "Notifications"):
1. claim: `UPDATE ... SET status = 'sending' WHERE id IN (the oldest queued rows ... FOR UPDATE SKIP LOCKED)
   RETURNING id` commits before the mail server is spoken to; two workers never claim one row;
2. each message accepted by the server is marked `sent` at once (one UPDATE per message);
3. a mail server that cannot be reached, or answers "try later" (4xx), before taking a message: the claimed
   rows not yet handed over go back to `queued`, not before NOTIFICATION_RETRY_SECONDS; a permanent refusal
   of one message (5xx, refused recipient) marks that row `failed`;
4. a row whose fate is unknown (the worker died after the claim; the connection dropped while the server was
   taking it) stays `sending` and is not resent automatically: it is counted as unconfirmed on the wave's
   admin page, where staff may requeue it (the applicant may then get it twice).
"""
from __future__ import annotations

import datetime as dt
import logging
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from aftercare.sql import reserve_positions
from eligibility.models.screening import ScreeningResult
from notifications.models import Notification
from prakerja.lib.mail import BULK_HEADER
from registration.models import Registration, User, Wave

logger = logging.getLogger(__name__)

Kind = Notification.Kind
Status = Notification.Status
MAX_ATTEMPTS = 5

_COLUMNS = "registration_id, wave_id, user_id, kind, ref, language, status, created_at, available_at, attempts, error"


def _insert_select(select_sql: str, params: list, *, kick: bool = True) -> int:
    """INSERT the rows `select_sql` yields (in _COLUMNS order); a row already queued for that registration and
    kind is kept as it is (ON CONFLICT DO NOTHING: PostgreSQL and SQLite alike). Returns the rows added."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {Notification._meta.db_table} ({_COLUMNS}) {select_sql} ON CONFLICT DO NOTHING",
                       params)
        added = cursor.rowcount
    if added and kick:
        _kick_drain()
    return added


# A web process kicks the drainer at most this often (seconds): at the deadline surge hundreds of joins a second
# each queue a mail, and one drainer claims them all in batches.
KICK_INTERVAL_SECONDS = 1.0
_last_kick = [float("-inf")]  # time.monotonic() of this process's last kick


def _kick_drain() -> None:
    """Start a drainer once this transaction commits, unless this process did so within KICK_INTERVAL_SECONDS or
    a drainer is at work: either claims the new rows in its next batch. A task per join would cost each join a
    broker round trip and the workers a task each for nothing. A row committed just after a finishing drainer's
    last claim waits for the next kick or beat's drain (at most a minute, settings "drain-notifications")."""
    from notifications.tasks import drain_notifications, drainer_running

    now = time.monotonic()
    if now - _last_kick[0] < KICK_INTERVAL_SECONDS or drainer_running():
        return
    _last_kick[0] = now
    drain_notifications.delay_on_commit()


def _select_for_wave(kind: str, where: str, *, ref: int = 0) -> str:
    registration, user, result = (Registration._meta.db_table, User._meta.db_table,
                                  ScreeningResult._meta.db_table)
    return (f"SELECT r.id, r.wave_id, u.id, '{kind}', {int(ref)}, u.language, '{Status.QUEUED}', %s, %s, 0, ''"
            f" FROM {registration} r JOIN {user} u ON u.id = r.applicant_id"
            f" JOIN {result} s ON s.registration_id = r.id WHERE r.wave_id = %s {where}")


def joined_select(source: str, *, language: str) -> tuple[str, list]:
    """The outbox rows "you joined wave N" for the registrations of `source` (a table or CTE name with columns id,
    wave_id and applicant_id; aliased `j`, so that a WHERE can follow), as a SELECT in _COLUMNS order, and its
    parameters (the account's `language`)."""
    now = timezone.now()
    return (f"SELECT j.id, j.wave_id, j.applicant_id, '{Kind.JOINED}', 0, %s, '{Status.QUEUED}', %s, %s, 0, ''"
            f" FROM {source} j", [language, now, now])


def joined_insert(source: str, *, language: str) -> tuple[str, list]:
    """`joined_select` as the INSERT that queues those rows: one statement, so that join_wave can write the
    registration and its mail in one round trip on PostgreSQL (a data-modifying WITH). Call `kick()` after."""
    select_sql, params = joined_select(source, language=language)
    return f"INSERT INTO {Notification._meta.db_table} ({_COLUMNS}) {select_sql} ON CONFLICT DO NOTHING", params


def queue_joined(*, registration: Registration) -> None:
    """Queue "you joined wave N" (inside join_wave's transaction) for a registration already written."""
    # join_wave loaded the applicant's user with its locking read: the language costs no query.
    select_sql, params = joined_select(connection.ops.quote_name(Registration._meta.db_table),
                                       language=registration.applicant.user.language)
    _insert_select(f"{select_sql} WHERE j.id = %s", [*params, registration.pk])


def kick() -> None:
    """After queueing rows in a statement of one's own (joined_insert): start a drainer if none is at work."""
    _kick_drain()


def queue_results(*, wave_id: int, kick: bool = True) -> int:
    """Queue the screening result of every screened registration of the wave (inside the transaction that
    completes the screening). A re-screen queues nothing for registrations already told. Returns rows added.
    `kick=False` (the benchmark, which drains by itself) sends no drain task to the workers."""
    now = timezone.now()
    return _insert_select(_select_for_wave(Kind.RESULT, ""), [now, now, wave_id], kick=kick)


def queue_selection(*, wave_id: int) -> int:
    """Queue the selection result (selected, or in the reserve with a rank) of every eligible registration of
    the wave (inside select_awardees' transaction). The ineligible were told with their result. Rows added."""
    now = timezone.now()
    return _insert_select(_select_for_wave(Kind.SELECTION, "AND s.status = %s"),
                          [now, now, wave_id, ScreeningResult.Status.ELIGIBLE])


def _queue_for_rows(kind: str, rows) -> int:
    """Queue `kind` for the registrations of `rows` (a queryset of one wave's rows with a registration_id: the
    event's own records), set-based: one INSERT ... SELECT. Rows added."""
    subquery, params = rows.order_by().values("registration_id").query.sql_with_params()
    wave_id = rows.values_list("wave_id", flat=True).first()
    if wave_id is None:
        return 0
    now = timezone.now()
    return _insert_select(_select_for_wave(kind, f"AND r.id IN ({subquery})"), [now, now, wave_id, *params])


def queue_promoted(*, wave_id: int, at: dt.datetime) -> int:
    """Queue "you were promoted from the reserve" (card number, training deadline counted from the promotion) for
    every promotion of the wave made at `at` (one fill of places: aftercare.services.fill_places, in its
    transaction). Rows added."""
    from aftercare.models import Promotion

    return _queue_for_rows(Kind.PROMOTED, Promotion.objects.filter(wave_id=wave_id, at=at))


def queue_revoked(*, wave_id: int, at: dt.datetime) -> int:
    """Queue "your card was revoked" (with the reason) for every revocation of the wave made at `at` (one
    revocation, in bulk or by the periodic task, in its transaction). Rows added."""
    from aftercare.models import Revocation

    return _queue_for_rows(Kind.REVOKED, Revocation.objects.filter(wave_id=wave_id, at=at))


def queue_appeal_decided(*, appeal) -> int:
    """Queue the decision on one appeal (upheld or rejected, with the reason), in the decision's transaction. One
    e-mail per appeal: an applicant with several appeals gets one per decision (keyed by the appeal's id)."""
    registration = appeal.registration
    now = timezone.now()
    return _insert_select(_select_for_wave(Kind.APPEAL_DECIDED, "AND r.id = %s", ref=appeal.pk),
                          [now, now, registration.wave_id, registration.pk])


# --- Sending ----------------------------------------------------------------------------------------------

def claim(*, batch: int, now: dt.datetime | None = None) -> list[int]:
    """Move up to `batch` of the oldest available queued rows to `sending` and return their ids (committed
    before anything is sent). SKIP LOCKED: concurrent drainers take disjoint rows."""
    now = now or timezone.now()
    table = Notification._meta.db_table
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    # A MATERIALIZED CTE, not `WHERE id IN (SELECT ... LIMIT n)`: PostgreSQL may evaluate such a subquery more
    # than once and claim more than `batch` rows.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"WITH picked AS MATERIALIZED (SELECT id FROM {table} WHERE status = %s AND available_at <= %s"
            f"  ORDER BY available_at, id LIMIT %s{lock})"
            f" UPDATE {table} SET status = %s, claimed_at = %s, attempts = attempts + 1"
            f" WHERE id IN (SELECT id FROM picked) AND status = %s RETURNING id",
            [Status.QUEUED, now, batch, Status.SENDING, now, Status.QUEUED],
        )
        return sorted(row[0] for row in cursor.fetchall())


def render(notification: Notification, *, positions: dict[int, int] | None = None) -> mail.EmailMessage:
    """The e-mail of one notification, in its language, from the registration's state now. `positions`: reserve
    positions (aftercare.sql.reserve_positions) computed for a whole batch; looked up for this one when None."""
    registration = notification.registration
    wave = registration.wave
    result = getattr(registration, "result", None)
    site = settings.SITE_URL.rstrip("/")
    context = {
        "name": registration.applicant.full_name, "wave": wave, "result": result,
        "dashboard_link": site + reverse("registration:dashboard"),
        "wave_link": site + reverse("registration:wave", args=[wave.number]),
        "official_url": settings.OFFICIAL_SITE_URL,
    }
    from aftercare.services import training_deadline  # aftercare.services queues through this module

    promotion = getattr(registration, "promotion", None)
    if result is not None and result.selected and wave.seed_revealed_at:
        context["training_deadline"] = training_deadline(wave=wave, promoted_at=promotion.at if promotion else None)
    if result is not None and result.rank and not result.selected:
        positions = reserve_positions([result]) if positions is None else positions
        context["reserve_rank"] = positions.get(registration.pk)
    if notification.kind == Kind.APPEAL_DECIDED:
        context["appeal"] = registration.appeals.filter(pk=notification.ref).first()
    if notification.kind == Kind.REVOKED:
        context["revocation"] = getattr(registration, "revocation", None)
    template = f"notifications/emails/{notification.kind}"
    with translation.override(notification.language):
        subject = "".join(render_to_string(f"{template}_subject.txt", context).splitlines()).strip()
        body = render_to_string(f"{template}_body.txt", context)
    # The kind as a header: the development console summarises these (prakerja.lib.mail); mail servers ignore it.
    return mail.EmailMessage(subject, body, None, [notification.user.email],
                             headers={BULK_HEADER: notification.kind})


@dataclass
class BatchOutcome:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    released: int = 0   # back to queued: the server was unavailable
    unconfirmed: int = 0  # left in sending: fate unknown

    @property
    def server_unavailable(self) -> bool:
        return self.released > 0


def _mark(pk: int, **fields) -> None:
    """Record what the mail server did with a claimed row. On PostgreSQL the commit does not wait for the write-ahead
    log to reach the disk (`synchronous_commit` off for this transaction only): a commit per message otherwise costs
    the drain a disk flush each, most of its time. Still at most once: were the database to crash before the flush,
    the row would be back at `sending` (its claim was committed durably), which is never sent again automatically."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        Notification.objects.filter(pk=pk, status=Status.SENDING).update(**fields)


def _release(ids: list[int], *, error: str, now: dt.datetime) -> int:
    """Rows never handed to the server go back to the queue, later; after MAX_ATTEMPTS they fail."""
    retry_at = now + dt.timedelta(seconds=settings.NOTIFICATION_RETRY_SECONDS)
    rows = Notification.objects.filter(pk__in=ids, status=Status.SENDING)
    rows.filter(attempts__gte=MAX_ATTEMPTS).update(status=Status.FAILED, error=error)
    return rows.update(status=Status.QUEUED, available_at=retry_at, error=error)


def _error_text(exc: Exception) -> str:
    code = getattr(exc, "smtp_code", None)
    return f"{type(exc).__name__} {code}" if code else type(exc).__name__


def send_batch(*, batch: int, connection_factory: Callable | None = None) -> BatchOutcome:
    """Claim up to `batch` rows and send them over one mail-server connection. See the module docstring for
    what each failure leaves behind. Never raises for a mail-server failure."""
    outcome = BatchOutcome()
    ids = claim(batch=batch)
    outcome.claimed = len(ids)
    if not ids:
        return outcome
    rows = list(Notification.objects.filter(pk__in=ids).order_by("pk").select_related(
        "user", "registration__wave", "registration__applicant", "registration__result",
        "registration__promotion", "registration__revocation"))
    positions = reserve_positions([getattr(row.registration, "result", None) for row in rows])
    pending = [row.pk for row in rows]
    backend = connection_factory() if connection_factory else mail.mailers.default
    try:
        backend.open()
    except (smtplib.SMTPException, OSError) as exc:
        outcome.released = _release(pending, error=_error_text(exc), now=timezone.now())
        logger.warning("Mail server unavailable: %s claimed notifications requeued (%s)", len(pending),
                       _error_text(exc))
        return outcome
    try:
        for row in rows:
            message = render(row, positions=positions)
            try:
                backend.send_messages([message])
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
                _mark(row.pk, status=Status.FAILED, error=_error_text(exc))
                outcome.failed += 1
            except smtplib.SMTPResponseException as exc:
                if 400 <= exc.smtp_code < 500:  # "try later": the server did not take it
                    outcome.released = _release(pending, error=_error_text(exc), now=timezone.now())
                    break
                _mark(row.pk, status=Status.FAILED, error=_error_text(exc))
                outcome.failed += 1
            except (smtplib.SMTPException, OSError) as exc:
                # The connection broke while the server was taking this message: it may have been delivered.
                # At most once: this row stays `sending` (unconfirmed); the rest go back to the queue.
                outcome.unconfirmed += 1
                pending.remove(row.pk)
                outcome.released = _release(pending, error=_error_text(exc), now=timezone.now())
                logger.warning("Mail server connection lost: notification #%s unconfirmed (%s)", row.pk,
                               _error_text(exc))
                break
            else:
                _mark(row.pk, status=Status.SENT, sent_at=timezone.now(), error="")
                outcome.sent += 1
            pending.remove(row.pk)
    finally:
        try:
            backend.close()
        except (smtplib.SMTPException, OSError):
            pass
    return outcome


def drain(*, rate: float | None = None, batch: int | None = None, budget_seconds: float = 50.0,
          sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
          connection_factory: Callable | None = None) -> dict:
    """Send batches until the queue is empty, the mail server is unavailable or `budget_seconds` have passed,
    at most `rate` messages a second on average (NOTIFICATION_RATE, NOTIFICATION_BATCH by default).
    Returns totals {"sent", "failed", "released", "unconfirmed", "more"}; "more" is True when rows are left.
    `connection_factory` returns the mail backend of each batch (the default mailer when None)."""
    rate = rate or settings.NOTIFICATION_RATE
    batch = batch or settings.NOTIFICATION_BATCH
    started = clock()
    totals = {"sent": 0, "failed": 0, "released": 0, "unconfirmed": 0, "more": False}
    while True:
        batch_started = clock()
        outcome = send_batch(batch=batch, connection_factory=connection_factory)
        for key in ("sent", "failed", "released", "unconfirmed"):
            totals[key] += getattr(outcome, key)
        if outcome.claimed == 0 or outcome.server_unavailable:
            return totals
        # Pace: a batch of n messages takes at least n / rate seconds.
        wait = outcome.claimed / rate - (clock() - batch_started)
        if wait > 0:
            sleep(wait)
        if clock() - started >= budget_seconds:
            totals["more"] = Notification.objects.filter(status=Status.QUEUED).exists()
            return totals


def requeue_unconfirmed(*, wave: Wave) -> int:
    """Staff decision: send the wave's unconfirmed rows again (they may arrive twice). Returns rows requeued."""
    now = timezone.now()
    return Notification.objects.filter(wave=wave, status=Status.SENDING).update(
        status=Status.QUEUED, available_at=now, error="requeued by staff")


def progress(*, wave: Wave) -> dict[str, int]:
    """{"queued", "sending", "sent", "failed"} counts of the wave's notifications (one grouped query)."""
    counts = {status: 0 for status in Status.values}
    for row in Notification.objects.filter(wave=wave).values("status").annotate(n=Count("pk")).order_by():
        counts[row["status"]] = row["n"]
    return counts
