"""A wave's lifecycle, in one place: the allowed moves, the one function that writes `Wave.status`, and every
service that moves a wave (create, publish, change quota or deadline, close, close at the deadline, start and
finish a screening, select), with the statements staff confirm before an irreversible step.

    draft -> open -> closed -> screening -> screened -> selected
                                  ^  |         |
                                  +--+---------+   (retry screening; a start that failed is a failed run)

Rules: docs/DOMAIN.md, "Waves" and "Selection". Only `_move` writes `Wave.status` (a conditional
`UPDATE ... WHERE status = from_`), and only along `TRANSITIONS`: a move outside the table raises WaveMoveRefused.
"""
from __future__ import annotations

import datetime as dt
import logging
import secrets

from django.db import transaction
from django.db.models.functions import Coalesce, Least
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from eligibility.models.screening import ScreeningResult, ScreeningRun
from eligibility.screening import sql
from eligibility.screening.sql import ScreeningError
from prakerja.lib import sealing
from prakerja.lib.messages import Statement, TranslatableError
from prakerja.lib.outbox import enqueue_on_commit
from prakerja.lib.timefmt import format_wib
from registration.models import Registration, User, Wave, WaveChange

logger = logging.getLogger(__name__)

Status = Wave.Status

# Every move a wave may make, (from, to). Nothing else writes a wave's status.
TRANSITIONS: frozenset[tuple[str, str]] = frozenset({
    (Status.DRAFT, Status.OPEN),            # publish: the seed is drawn, the window is public
    (Status.OPEN, Status.CLOSED),           # close: by staff, or at the deadline (beat)
    (Status.CLOSED, Status.SCREENING),      # start screening; also a start that failed (recorded as a failed run)
    (Status.SCREENING, Status.SCREENING),   # retry a running or failed screening (the new run replaces it)
    (Status.SCREENING, Status.SCREENED),    # the run completed
    (Status.SCREENED, Status.SCREENING),    # retry a finished screening (its results are replaced)
    (Status.SCREENED, Status.SELECTED),     # the lottery; the seed is revealed
})

# Benchmark waves are numbered from here on (real waves are numbered 1, 2, ... 12, 13): only they may be reset.
BENCHMARK_WAVES_FROM = 9_000


class WaveError(TranslatableError):
    """A refused change to a wave; str() is the message in the active language, .bilingual() for commands."""


class WaveMoveRefused(WaveError):
    """A status move outside TRANSITIONS, or one that lost its race (the wave was no longer in `from_`)."""


# The benchmarks' one move back in time (reset_benchmark_wave): a real wave never goes back.
BENCHMARK_RESETS: frozenset[tuple[str, str]] = frozenset((status, Status.OPEN) for status in Status if status != Status.DRAFT)


def _move(wave: Wave | int, *, from_: str, to: str, allowed: frozenset = TRANSITIONS, **fields) -> bool:
    """Move the wave from `from_` to `to` (and set `fields` in the same UPDATE): the only writer of Wave.status.

    Compare-and-set: `UPDATE ... WHERE pk = wave AND status = from_`. Returns False when no row matched (another
    transaction moved it first); raises WaveMoveRefused when (from_, to) is not in TRANSITIONS. A Wave instance
    passed in gets the new values.
    """
    if (from_, to) not in allowed:
        raise WaveMoveRefused(_("A wave cannot go from %(from)s to %(to)s."),
                              **{"from": Status(from_).label, "to": Status(to).label})
    pk = wave.pk if isinstance(wave, Wave) else wave
    moved = Wave.objects.filter(pk=pk, status=from_).update(status=to, **fields)
    if moved and isinstance(wave, Wave):
        wave.status = to
        for name, value in fields.items():
            setattr(wave, name, value)
    return bool(moved)


def can_move(wave: Wave, *, to: str) -> bool:
    """Whether the table allows `wave` (as loaded) to move to `to` now."""
    return (wave.status, to) in TRANSITIONS


def _lock(wave: Wave | int) -> Wave:
    return Wave.objects.select_for_update().get(pk=wave.pk if isinstance(wave, Wave) else wave)


# --- Statements staff confirm ---------------------------------------------------------------------------------

def _count(value: int):
    """A count formatted in whichever language renders it (4.812.330 in Indonesian, 4,812,330 in English)."""
    return lazy(lambda: formats.number_format(value, force_grouping=True), str)()


# The move each confirmed staff action makes: the statuses it starts from, and where it goes.
ACTION_MOVES = {
    "publish": ((Status.DRAFT,), Status.OPEN),
    "close": ((Status.OPEN,), Status.CLOSED),
    "retry": ((Status.CLOSED, Status.SCREENING, Status.SCREENED), Status.SCREENING),
    "select": ((Status.SCREENED,), Status.SELECTED),
}


def refusal(action: str, wave: Wave) -> TranslatableError | None:
    """Why `action` ("publish", "close", "retry", "select") cannot be done on `wave` as loaded, or None: asked
    before staff are shown what the action would do, so nobody confirms an action that will be refused. For
    "publish", that includes the window and number-order rules (check_publishable); for "select", the earlier
    wave's selection and the appeals (select_awardees checks the same again under its lock)."""
    starts, _to = ACTION_MOVES[action]
    if wave.status in starts:
        try:
            if action == "publish":
                check_publishable(wave)
            elif action == "select":
                from aftercare.services import check_appeals_settled

                _check_earlier_recipients_known(wave)
                check_appeals_settled(wave=wave)
        except (WaveError, ScreeningError) as exc:
            return exc
        return None
    return WaveError(_("Wave %(number)s cannot be %(action)s: it is %(phase)s. Nothing was changed."),
                     number=wave.number, action=ACTION_LABELS[action], phase=Wave.Phase(wave.phase()).label)


ACTION_LABELS = {
    "publish": _("published"), "close": _("closed"), "retry": _("screened again"), "select": _("drawn"),
}


def statement(action: str, wave: Wave) -> Statement:
    """The statement staff confirm before `action` ("publish", "close", "retry", "select") on `wave`."""
    registrations = Registration.objects.filter(wave=wave).count()
    params = {"number": wave.number, "registrations": _count(registrations), "quota": _count(wave.quota),
              "opens": format_wib(wave.opens_at), "closes": format_wib(wave.closes_at)}
    if action == "publish":
        return Statement(_("Publish wave %(number)s: registration opens on %(opens)s and closes on %(closes)s, quota "
                           "%(quota)s. The lottery seed is drawn and its commitment published; the wave's number, "
                           "seed and opening time can no longer be changed."), params)
    if action == "close":
        return Statement(_("Close wave %(number)s now: %(registrations)s registrations will be screened; registration "
                           "stops for everyone (the deadline was %(closes)s)."), params)
    if action == "retry":
        return Statement(_("Screen wave %(number)s again: %(registrations)s registrations will be screened with the "
                           "active lists; the results of any earlier screening are replaced."), params)
    if action == "select":  # waiting for appeals or an earlier wave is refused before this (refusal)
        from aftercare.services import appeal_counts

        eligible = ScreeningResult.objects.filter(wave=wave, status=ScreeningResult.Status.ELIGIBLE).count()
        params = {**params, "selected": _count(min(eligible, wave.quota)), "eligible": _count(eligible)}
        appeals = appeal_counts(wave=wave)
        if appeals["filed"]:
            return Statement(_("Run the selection of wave %(number)s: %(selected)s of %(eligible)s eligible "
                               "registrations will be selected (quota %(quota)s) and the seed revealed. This cannot be "
                               "undone. Every appeal is decided: %(filed)s filed, %(upheld)s upheld."),
                             {**params, **{k: _count(v) for k, v in appeals.items()}})
        return Statement(_("Run the selection of wave %(number)s: %(selected)s of %(eligible)s eligible registrations "
                           "will be selected (quota %(quota)s) and the seed revealed. This cannot be undone."), params)
    raise ValueError(action)


# --- Creating and publishing ----------------------------------------------------------------------------------

def check_no_overlap(*, opens_at: dt.datetime, closes_at: dt.datetime, exclude_pk: int | None = None) -> None:
    """At most one wave accepts registrations at a time: open windows may not overlap (docs/DOMAIN.md).

    Drafts accept nothing yet (they are checked when they are published), and a wave closed before its deadline
    accepted registrations only until it was closed. Raises WaveError naming the first overlapping wave.
    """
    window_end = Least("closes_at", Coalesce("closed_at", "closes_at"))
    overlapping = (Wave.objects.published().exclude(pk=exclude_pk)
                   .alias(window_end=window_end).filter(opens_at__lt=closes_at, window_end__gt=opens_at))
    wave = overlapping.order_by("number").first()
    if wave is not None:
        raise WaveError(_("The registration window overlaps wave %(number)s."), number=wave.number)


def check_publishable(wave: Wave) -> None:
    """The rules a draft must meet to be published now: a window overlapping no published wave, and number order
    (check_number_order). publish_wave checks them again with every wave locked. Raises WaveError."""
    check_no_overlap(opens_at=wave.opens_at, closes_at=wave.closes_at, exclude_pk=wave.pk)
    check_number_order(wave)


def check_number_order(wave: Wave) -> None:
    """Published waves run in number order: wave N+1's window comes after wave N's, and a wave can no longer be
    published once a higher-numbered one is. The screening counts earlier waves' recipients as prior awardees
    by wave number (docs/DOMAIN.md), so number order must be calendar order. Raises WaveError."""
    published = Wave.objects.published().exclude(pk=wave.pk)
    later = published.filter(number__gt=wave.number).order_by("number").first()
    if later is not None:
        raise WaveError(_("Wave %(later)s is already published: waves are published in number order, so wave "
                          "%(number)s can no longer be."), later=later.number, number=wave.number)
    earlier = published.filter(number__lt=wave.number, opens_at__gte=wave.opens_at).order_by("-number").first()
    if earlier is not None:
        raise WaveError(_("Wave %(number)s must open after wave %(earlier)s, which opens on %(date)s: waves run "
                          "in number order."), number=wave.number, earlier=earlier.number, date=format_wib(earlier.opens_at))


def check_window(*, opens_at: dt.datetime, closes_at: dt.datetime, now: dt.datetime | None = None) -> None:
    """A new window opens after `now` and closes after it opens. Raises WaveError."""
    now = now or timezone.now()
    if opens_at < now:
        raise WaveError(_("The registration window must not start in the past (%(opens)s)."), opens=format_wib(opens_at))
    if closes_at <= opens_at:
        raise WaveError(_("The deadline must be after the opening time."))


def check_quota(quota: int) -> None:
    """A wave's quota is a whole number of recipients above 0 (the database's wave_quota_positive). Raises
    WaveError worded for staff, where the database would only name its constraint."""
    if quota < 1:
        raise WaveError(_("The quota must be more than 0."))


def create_wave(*, number: int, quota: int, opens_at: dt.datetime, closes_at: dt.datetime) -> Wave:
    """A draft wave: not public, every field still editable. Refuses a window in the past, a quota below 1, a
    number taken and a window overlapping a published wave (WaveError)."""
    check_window(opens_at=opens_at, closes_at=closes_at)
    check_quota(quota)
    with transaction.atomic():
        if Wave.objects.filter(number=number).exists():
            raise WaveError(_("Wave %(number)s already exists."), number=number)
        check_no_overlap(opens_at=opens_at, closes_at=closes_at)
        return Wave.objects.create(number=number, quota=quota, opens_at=opens_at, closes_at=closes_at)


def publish_wave(*, wave: Wave, by: User | None) -> Wave:
    """Publish a draft wave: it accepts registrations from opens_at until closes_at. Returns the wave.

    The lottery seed is drawn here, once, and stored only sealed (prakerja.lib.sealing); only its SHA-256
    commitment is shown until the selection. `by` is recorded as the wave's publisher. From now on the wave's
    number, seed and opening time are frozen (a database trigger guards them too).
    Idempotent: publishing a published wave changes nothing (the seed is never redrawn). Raises WaveError
    for an overlapping window or a wave out of number order.
    """
    with transaction.atomic():
        # Lock every wave row: two waves published at once must not both pass the overlap check.
        list(Wave.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
        wave = Wave.objects.get(pk=wave.pk)
        if wave.status != Status.DRAFT:
            return wave
        check_publishable(wave)
        _move(wave, from_=Status.DRAFT, to=Status.OPEN, **_drawn_seed(), opened_at=timezone.now(), published_by=by)
    logger.info("Wave %s published by user #%s", wave.number, by.pk if by else None)
    return wave


def change_open_wave(*, wave: Wave, by: User, quota: int | None = None,
                     closes_at: dt.datetime | None = None, now: dt.datetime | None = None) -> list[WaveChange]:
    """Staff change the quota and/or the deadline of an open wave; each change is recorded (who, when, old and
    new value) and shown on the wave's page. Returns the recorded changes (none when nothing differs).

    Raises WaveError: the wave is not open, the quota is below 1, the deadline is in the past, not after the
    opening time, or makes the window overlap another wave's.
    """
    now = now or timezone.now()
    with transaction.atomic():
        list(Wave.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
        wave = Wave.objects.get(pk=wave.pk)
        if wave.status != Status.OPEN:
            raise WaveError(_("Only an open wave's quota and deadline can be changed; wave %(number)s is "
                              "%(status)s."), number=wave.number, status=Status(wave.status).label)
        changes = []
        if quota is not None and quota != wave.quota:
            check_quota(quota)
            changes.append(WaveChange(wave=wave, by=by, field=WaveChange.Field.QUOTA,
                                      old_value=str(wave.quota), new_value=str(quota)))
            wave.quota = quota
        if closes_at is not None and closes_at != wave.closes_at:
            if closes_at <= now:
                raise WaveError(_("The deadline cannot move into the past (%(closes)s)."), closes=format_wib(closes_at))
            if closes_at <= wave.opens_at:
                raise WaveError(_("The deadline must be after the opening time."))
            check_no_overlap(opens_at=wave.opens_at, closes_at=closes_at, exclude_pk=wave.pk)
            changes.append(WaveChange(wave=wave, by=by, field=WaveChange.Field.CLOSES_AT,
                                      old_value=wave.closes_at.isoformat(), new_value=closes_at.isoformat()))
            wave.closes_at = closes_at
        if changes:
            wave.save(update_fields=["quota", "closes_at"])
            WaveChange.objects.bulk_create(changes)
    return changes


# --- Closing --------------------------------------------------------------------------------------------------

def close_wave(*, wave: Wave, by: User | None) -> bool:
    """Close an open wave and enqueue its screening. Idempotent: returns False when it was not open.

    Race with joining: join_wave holds FOR SHARE on the wave row and re-checks the status inside its
    transaction. FOR UPDATE here waits for those in-flight joins to commit (they are screened), and
    every join after this commit sees the wave closed.
    """
    from eligibility.screening.tasks import screen_wave

    with transaction.atomic():
        _lock(wave)
        closed = _move(wave, from_=Status.OPEN, to=Status.CLOSED, closed_at=timezone.now(), closed_by=by)
        if closed:
            # The compare-and-set makes this the only transaction that enqueues the screening; the outbox keeps
            # it when the broker is down (no 500 after the wave was closed).
            enqueue_on_commit(screen_wave, wave.pk)
    return closed


def close_due_waves(*, now: dt.datetime | None = None) -> list[int]:
    """Close every open wave whose deadline has passed (Celery beat). Returns the closed numbers."""
    now = now or timezone.now()
    closed = []
    for wave in Wave.objects.filter(status=Status.OPEN, closes_at__lte=now).order_by("closes_at"):
        if close_wave(wave=wave, by=None):
            closed.append(wave.number)
    return closed


# --- Screening (called by eligibility.screening.services) -----------------------------------------------------

# Waves closed whose lottery has not run yet: their recipients are not known.
UNSELECTED = (Status.CLOSED, Status.SCREENING, Status.SCREENED)


def unselected_earlier_wave(wave: Wave) -> int | None:
    """The number of the first earlier wave that has closed but whose selection has not run, if any.

    Earlier waves' selected registrations count against the KK and as prior awardees (docs/DOMAIN.md). Screening
    a wave before an earlier wave's lottery would miss them: one person, or a third member of one KK, could be
    selected in both waves.
    """
    return (Wave.objects.filter(number__lt=wave.number, status__in=UNSELECTED)
            .order_by("number").values_list("number", flat=True).first())


def mark_screening(wave: Wave) -> None:
    """A run starts (or a start failed, recorded as a failed run): the locked wave goes to `screening`."""
    if not _move(wave, from_=wave.status, to=Status.SCREENING):
        raise WaveMoveRefused(_("Wave %(number)s changed while its screening started."), number=wave.number)


def mark_screened(wave_id: int) -> bool:
    """The run completed: screening -> screened. False when the wave had left `screening` (nothing changes)."""
    return _move(wave_id, from_=Status.SCREENING, to=Status.SCREENED)


# --- Selection ------------------------------------------------------------------------------------------------

def _check_earlier_recipients_known(wave: Wave) -> None:
    """Refuse a selection while an earlier wave's recipients are unknown. (Its screening waited for them too, and
    published waves run in number order: check_number_order.)"""
    earlier = unselected_earlier_wave(wave)
    if earlier is not None:
        raise ScreeningError(_("Run the selection of wave %(earlier)s first: its recipients are prior awardees "
                               "for wave %(number)s."), number=wave.number, earlier=earlier)


# sensitive_variables: an error report (the technical 500 page, a mailed report) shows the seed as ********.
@sensitive_variables("seed")
def select_awardees(*, wave: Wave, by: User | None) -> int:
    """Rank every eligible registration by SHA-256 of "{seed}:{nik}" (ascending hex), select the first
    `quota`, keep every rank (the reserve list) and reveal the seed. Returns the number selected.

    Idempotent: a selected wave is returned unchanged. Set-based: one UPDATE ... FROM a ROW_NUMBER()
    window, the hash computed by the database (PostgreSQL's built-in sha256(); on SQLite the SHA256()
    function Django registers on every connection).
    """
    with transaction.atomic():
        wave = _lock(wave)
        if wave.status == Status.SELECTED:
            from aftercare.services import kept_counts

            return kept_counts(wave=wave).recipients
        if wave.status != Status.SCREENED:
            raise ScreeningError(
                _("Wave %(number)s must be screened before the selection (it is %(status)s)."),
                number=wave.number, status=Status(wave.status).label,
            )
        _check_earlier_recipients_known(wave)
        from aftercare.services import check_appeals_settled

        check_appeals_settled(wave=wave)  # the draw waits for the appeal window and every decision
        seed = unsealed_seed(wave)
        selected, reserve = sql.rank_eligible(wave, seed=seed)
        # The report's "recipients now" and "reserve now", kept from here on by every writer (aftercare.services).
        # Nobody is revoked yet: every ranked registration not selected is the reserve.
        from aftercare.models import WaveCounts

        WaveCounts.objects.put(wave_id=wave.pk, recipients=selected, reserve=reserve)
        # The reveal: the seed in clear beside its commitment (the trigger checks that they match).
        _move(wave, from_=Status.SCREENED, to=Status.SELECTED, seed=seed, seed_revealed_at=timezone.now(),
              selected_by=by)
        # In the same transaction: card numbers, the published draw (docs/DOMAIN.md) and the e-mails telling it.
        from eligibility.cards import assign_card_numbers
        from eligibility.draw import publish_draw
        from notifications.services import queue_selection

        assign_card_numbers(wave_id=wave.pk)
        publish_draw(wave=wave)
        queue_selection(wave_id=wave.pk)
        # A later wave waiting for these recipients starts its screening now (the sweep is the fallback).
        from eligibility.screening.services import enqueue_wave_summary
        from eligibility.screening.tasks import screen_wave

        waiting = Wave.objects.filter(number__gt=wave.number, status=Status.CLOSED)
        for wave_id in waiting.values_list("pk", flat=True):
            screen_wave.delay_on_commit(wave_id)
        enqueue_wave_summary(wave.pk)
    logger.info("Wave %s: %s selected by user #%s", wave.number, selected, by.pk if by else None)
    return selected


# --- Benchmarks -----------------------------------------------------------------------------------------------

def reset_benchmark_wave(*, wave: Wave) -> None:
    """Benchmarks only (waves numbered from BENCHMARK_WAVES_FROM): put a benchmark wave back to `open`, past its
    deadline and never closed, so that it can be closed and screened again (BENCHMARK_RESETS, outside
    TRANSITIONS on purpose). Raises WaveMoveRefused for any other wave."""
    if wave.number < BENCHMARK_WAVES_FROM:
        raise WaveMoveRefused(_("Wave %(number)s is not a benchmark wave: it cannot go back to open."),
                              number=wave.number)
    with transaction.atomic():
        wave = _lock(wave)
        # Undrawn again: its counts are kept from its next draw (aftercare.models.WaveCounts).
        from aftercare.models import WaveCounts

        WaveCounts.objects.filter(wave_id=wave.pk).delete()
        ScreeningRun.objects.filter(wave=wave, status=ScreeningRun.Status.RUNNING).update(
            status=ScreeningRun.Status.CANCELLED)
        if wave.status != Status.OPEN:
            _move(wave, from_=wave.status, to=Status.OPEN, allowed=BENCHMARK_RESETS, closed_at=None, closed_by=None,
                  seed_revealed_at=None, selected_by=None)


def publish_benchmark_wave(*, wave: Wave) -> Wave:
    """Benchmarks only: publish a benchmark wave without the number-order and overlap checks (a benchmark wave's
    window lies beside real and other benchmark waves' windows). Raises WaveMoveRefused for any other wave."""
    if wave.number < BENCHMARK_WAVES_FROM:
        raise WaveMoveRefused(_("Wave %(number)s is not a benchmark wave: publish it with publish_wave."),
                              number=wave.number)
    _move(wave, from_=Status.DRAFT, to=Status.OPEN, **_drawn_seed(), opened_at=timezone.now())
    return wave


@sensitive_variables("seed")
def _drawn_seed() -> dict[str, str]:
    """A new lottery seed as the wave's fields: sealed (never stored in clear before the selection) and its
    SHA-256 commitment (public)."""
    seed = secrets.token_hex(32)
    return {"sealed_seed": sealing.seal(seed), "seed_commitment": Wave.commitment_for(seed)}


@sensitive_variables("seed")
def unsealed_seed(wave: Wave) -> str:
    """The wave's lottery seed in clear, for the selection only: 64 hex characters. Raises ScreeningError when the
    wave has no seed or its sealed seed cannot be opened with SEED_ENCRYPTION_KEY (a changed key)."""
    if not wave.sealed_seed:
        raise ScreeningError(_("Wave %(number)s has no lottery seed: it was never published."), number=wave.number)
    try:
        seed = sealing.unseal(wave.sealed_seed)
    except sealing.InvalidToken:
        raise ScreeningError(_("The lottery seed of wave %(number)s cannot be opened: SEED_ENCRYPTION_KEY is not the "
                          "key it was sealed with."), number=wave.number) from None
    if Wave.commitment_for(seed) != wave.seed_commitment:
        raise ScreeningError(_("The lottery seed of wave %(number)s does not match its published commitment."),
                        number=wave.number)
    return seed
