"""After the draw, as services: revoking recipients, filling their places from the reserve, recording training
starts, appeals (sanggahan) and their decisions. Each is one transaction with keyword-only arguments; the rules are
docs/DOMAIN.md, "After the draw".

Quota rule: selected minus revoked plus promoted never exceeds the quota. Every revocation and promotion of a wave
runs under that wave's row lock (SELECT ... FOR UPDATE) and promotes at most `quota - recipients now`, counted
under the lock, so two staff revoking at once cannot both fill one place.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare import sql
from aftercare.models import (BARRING_REASONS, Appeal, AppealFile, Promotion, Revocation, RevocationReason,
                              TrainingStart, TrainingStartImport, WaveCounts)
from complaints.uploads import CheckedUpload
from eligibility import cards
from eligibility.models.screening import ScreeningResult, ScreeningRun
from eligibility.screening.sql import KK_LIMIT, KK_SLOTS, LIST_CODES, ScreeningError
from notifications import services as notifications
from prakerja.lib.digest import keyed_digest
from prakerja.lib.identity import clean_number, nik_problem
from prakerja.lib.messages import TranslatableError
from registration.models import Registration, User, Wave

logger = logging.getLogger(__name__)


class AftercareError(TranslatableError):
    """A refused revocation, appeal or decision; str() is the message in the active language."""


def _lock_wave(wave: Wave | int) -> Wave:
    return Wave.objects.select_for_update().get(pk=wave.pk if isinstance(wave, Wave) else wave)


# --- Training deadline ----------------------------------------------------------------------------------------

def training_deadline(*, wave: Wave, promoted_at: dt.datetime | None = None) -> dt.date | None:
    """The day (WIB) by which a recipient must start a first training, counted from the selection or from their
    promotion from the reserve (eligibility.cards.training_deadline). None before the selection."""
    start = promoted_at or wave.seed_revealed_at
    return cards.training_deadline(start=start) if start else None


# --- The kept counts ------------------------------------------------------------------------------------------

def kept_counts(*, wave: Wave) -> WaveCounts:
    """The wave's recipients and reserve now as kept (aftercare.models.WaveCounts): one primary-key read. A drawn
    wave without its row (drawn before the counts were kept and not backfilled) gets one, counted now."""
    counts = WaveCounts.objects.filter(wave_id=wave.pk).first()
    if counts is None:
        recipients, reserve = sql.live_counts(wave)
        WaveCounts.objects.put(wave_id=wave.pk, recipients=recipients, reserve=reserve)
        counts = WaveCounts(wave_id=wave.pk, recipients=recipients, reserve=reserve)
    return counts


def _move_counts(*, wave: Wave, recipients: int = 0, reserve: int = 0) -> None:
    """Registrations moved in or out of the wave's recipients or reserve in this transaction, under the wave's row
    lock: add the deltas to the kept counts. A wave without its row gets one counted now (after the move)."""
    if (recipients or reserve) and not WaveCounts.objects.shift(wave_id=wave.pk, recipients=recipients,
                                                                reserve=reserve):
        kept_counts(wave=wave)


def verify_wave_counts(*, repair: bool = False) -> list[tuple[Wave, tuple[int, int], tuple[int, int]]]:
    """Every drawn wave whose kept counts differ from a live recount (aftercare.sql.live_counts), as (wave, kept,
    live); with `repair`, the live figures are stored, each under its wave's row lock. Scans every drawn wave's
    results: an operator's check, not a page."""
    drifted = []
    for wave_id in Wave.objects.filter(status=Wave.Status.SELECTED).order_by("number").values_list("pk", flat=True):
        with transaction.atomic():
            wave = _lock_wave(wave_id) if repair else Wave.objects.get(pk=wave_id)
            row = WaveCounts.objects.filter(wave_id=wave.pk).values_list("recipients", "reserve").first()
            live = sql.live_counts(wave)
            if row != live:
                drifted.append((wave, row, live))
                if repair:
                    WaveCounts.objects.put(wave_id=wave.pk, recipients=live[0], reserve=live[1])
    return drifted


# --- Revocation and promotion ---------------------------------------------------------------------------------

def _revoke(*, wave: Wave, registration_ids: list[int], reason: str, by: User | None, note: str) -> int:
    """Revoke those of `registration_ids` that are recipients of `wave` now; the caller holds the wave lock.
    Returns how many were revoked."""
    ids = list(ScreeningResult.objects.filter(wave_id=wave.pk, registration_id__in=registration_ids, selected=True)
               .values_list("registration_id", flat=True))
    if not ids:
        return 0
    now = timezone.now()
    Revocation.objects.bulk_create([Revocation(registration_id=pk, wave=wave, reason=reason, note=note, by=by, at=now)
                                    for pk in ids], batch_size=5000)
    revoked = ScreeningResult.objects.filter(registration_id__in=ids, selected=True).update(selected=False)
    # Each leaves the recipients; none joins the reserve (revoked, never again) or left it (it was a recipient).
    _move_counts(wave=wave, recipients=-revoked)
    notifications.queue_revoked(wave_id=wave.pk, at=now)
    return len(ids)


def fill_places(*, wave: Wave, by: User | None) -> list[Promotion]:
    """Fill the wave's unfilled revoked places from the reserve, in rank order (aftercare.sql.next_reserves
    re-checks the KK and prior-recipient rules now), until the quota is met or the reserve runs out. The caller
    holds the wave lock. Returns the promotions made."""
    recipients = kept_counts(wave=wave).recipients  # kept under this lock by every writer: no scan of the wave
    places = list(sql.unfilled_revocations(wave)[: max(0, wave.quota - recipients)])
    reserves = sql.next_reserves(wave=wave, limit=len(places))
    now = timezone.now()
    promotions = [Promotion(registration_id=pk, wave=wave, fills=place, rank=rank, by=by, at=now)
                  for place, (pk, rank) in zip(places, reserves)]
    if not promotions:
        return []
    Promotion.objects.bulk_create(promotions)
    promoted = [p.registration_id for p in promotions]
    moved = ScreeningResult.objects.filter(registration_id__in=promoted, selected=False).update(selected=True)
    # next_reserves picks from the reserve only: each promoted leaves it for the recipients.
    _move_counts(wave=wave, recipients=moved, reserve=-moved)
    # A promoted registration keeps its rank: its card number is computed as at the selection (eligibility.cards).
    cards.assign_card_numbers(wave_id=wave.pk, registration_ids=promoted)
    notify_promoted(wave=wave, at=now)
    return promotions


def notify_promoted(*, wave: Wave, at: dt.datetime) -> None:
    """Tell the applicants promoted in `wave` at `at` (one fill of places): the notifications outbox, in this
    transaction, with their card number and the training deadline counted from the promotion."""
    notifications.queue_promoted(wave_id=wave.pk, at=at)


def revoke_recipient(*, registration: Registration, reason: str, by: User | None, note: str = "") -> Revocation:
    """Revoke one recipient's card with `reason` (RevocationReason) and fill the place from the reserve.
    Raises AftercareError when the registration is not a recipient now."""
    RevocationReason(reason)
    with transaction.atomic():
        wave = _lock_wave(registration.wave_id)
        if not _revoke(wave=wave, registration_ids=[registration.pk], reason=reason, by=by, note=note):
            raise AftercareError(_("This registration is not a recipient of wave %(number)s: nothing to revoke."),
                                 number=wave.number)
        fill_places(wave=wave, by=by)
        return Revocation.objects.get(registration=registration)


def parse_nik_lines(lines: Iterable[str]) -> tuple[list[str], list[tuple[int, str]]]:
    """NIKs from a file, one a line (a header line `nik` and blank lines are skipped): the valid 16-digit NIKs
    (prakerja.lib.identity's rule) and the refused lines as (line number, problem)."""
    niks, problems = [], []
    for number, raw in enumerate(lines, start=1):
        value = raw.strip().strip('"').split(",")[0].strip()
        if not value or value.lower() == "nik":
            continue
        nik = clean_number(value)
        problem = nik_problem(nik)
        if problem:
            problems.append((number, str(problem)))
        else:
            niks.append(nik)
    return niks, problems


def revoke_niks(*, wave: Wave, niks: list[str], reason: str, by: User | None, note: str = "") -> tuple[int, int]:
    """Revoke, in bulk, the recipients of `wave` with these NIKs, then fill the places. Returns (revoked, not
    recipients of the wave)."""
    RevocationReason(reason)
    digests = {keyed_digest(nik) for nik in niks}
    with transaction.atomic():
        wave = _lock_wave(wave)
        ids = list(Registration.objects.filter(wave=wave, nik_digest__in=digests).values_list("pk", flat=True))
        revoked = _revoke(wave=wave, registration_ids=ids, reason=reason, by=by, note=note)
        fill_places(wave=wave, by=by)
    return revoked, len(digests) - revoked


def record_training_starts(*, niks: list[str], by: User | None, file_name: str = "", bad_rows: int = 0) -> int:
    """Record that these NIKs started a training (their keyed digests; a NIK recorded twice counts once) and the
    import itself, whose time the periodic revocation reads. Returns how many NIKs were new."""
    digests = {keyed_digest(nik) for nik in niks}
    with transaction.atomic():
        known = set(TrainingStart.objects.filter(nik_digest__in=digests).values_list("nik_digest", flat=True))
        TrainingStart.objects.bulk_create([TrainingStart(nik_digest=d) for d in digests - known],
                                          batch_size=5000, ignore_conflicts=True)
        TrainingStartImport.objects.create(by=by, file_name=file_name, rows=len(digests), bad_rows=bad_rows)
    return len(digests - known)


def revoke_past_training_deadline(*, now: dt.datetime | None = None) -> int:
    """The periodic task: revoke every recipient whose training deadline passed before the latest training-start
    import and whom no import lists, for not starting a training; then fill their places. Nothing happens before
    the programme's first import. Returns how many were revoked."""
    latest = TrainingStartImport.objects.order_by("-at").values_list("at", flat=True).first()
    if latest is None:
        return 0
    cutoff = cards.deadline_passed_for_starts_before(latest)
    revoked = 0
    for wave_id in Wave.objects.filter(status=Wave.Status.SELECTED, seed_revealed_at__lt=cutoff).values_list("pk", flat=True):
        with transaction.atomic():
            wave = _lock_wave(wave_id)
            due = (ScreeningResult.objects.filter(wave_id=wave.pk, selected=True)
                   .filter(Q(registration__promotion__isnull=True) | Q(registration__promotion__at__lt=cutoff))
                   .exclude(registration__nik_digest__in=TrainingStart.objects.values("nik_digest"))
                   .values_list("registration_id", flat=True))
            revoked += _revoke(wave=wave, registration_ids=list(due), reason=RevocationReason.NO_TRAINING, by=None,
                               note="")
            fill_places(wave=wave, by=None)
    return revoked


def is_barred(applicant) -> bool:
    """Revoked for ineligibility or fraud in any wave: may never join again (docs/DOMAIN.md)."""
    return Revocation.objects.filter(registration__applicant=applicant, reason__in=BARRING_REASONS).exists()


# --- Appeals --------------------------------------------------------------------------------------------------

def appeal_window_closes(results_at: dt.datetime | None) -> dt.datetime | None:
    """When appeals against results published at `results_at` close; None when appeals are off (0 days)."""
    if results_at is None or settings.APPEAL_WINDOW_DAYS == 0:
        return None
    return results_at + dt.timedelta(days=settings.APPEAL_WINDOW_DAYS)


def results_published_at(wave: Wave) -> dt.datetime | None:
    """When the wave's current results were written: the end of its latest completed screening run."""
    return (ScreeningRun.objects.filter(wave=wave, status=ScreeningRun.Status.DONE)
            .order_by("-finished_at").values_list("finished_at", flat=True).first())


def appealable_reasons(result: ScreeningResult | None) -> list[str]:
    """The reasons of an ineligible result an appeal may contest: those found on a list (never kk_limit)."""
    if result is None or result.status != ScreeningResult.Status.INELIGIBLE:
        return []
    return [code for code in result.reason_codes if code in LIST_CODES]


def file_appeal(*, registration: Registration, reason: str, statement: str, files: list[CheckedUpload],
                now: dt.datetime | None = None) -> Appeal:
    """File an appeal against one reason of an ineligible result, with a statement and checked evidence files.
    Raises AftercareError: appeals off or the window closed, a reason not appealable, or already appealed."""
    now = now or timezone.now()
    with transaction.atomic():
        result = ScreeningResult.objects.filter(registration=registration).select_related("run").first()
        closes = appeal_window_closes(result.run.finished_at if result and result.run else None)
        if closes is None or now >= closes:
            raise AftercareError(_("Appeals for this result are closed."))
        if reason not in appealable_reasons(result):
            raise AftercareError(_("This reason cannot be appealed."))
        if Appeal.objects.filter(registration=registration, reason=reason).exists():
            raise AftercareError(_("You already appealed this reason."))
        appeal = Appeal.objects.create(registration=registration, reason=reason, statement=statement, filed_at=now)
        for checked in files:
            AppealFile.objects.create(appeal=appeal, file=checked.upload, content_type=checked.content_type,
                                      size=checked.upload.size or 0)
    return appeal


def check_appeals_settled(*, wave: Wave, now: dt.datetime | None = None) -> None:
    """The selection waits until the wave's appeal window has ended and every appeal is decided.
    Raises ScreeningError saying which (eligibility.waves.select_awardees calls this)."""
    now = now or timezone.now()
    closes = appeal_window_closes(results_published_at(wave))
    if closes is not None and now < closes:
        from prakerja.lib.timefmt import format_wib

        raise ScreeningError(_("The selection of wave %(number)s waits for the appeal window, which closes on "
                               "%(closes)s."), number=wave.number, closes=format_wib(closes))
    pending = Appeal.objects.filter(registration__wave=wave, status=Appeal.Status.PENDING).count()
    if pending:
        raise ScreeningError(_("The selection of wave %(number)s waits for %(pending)s appeals to be decided."),
                             number=wave.number, pending=pending)


def appeal_counts(*, wave: Wave) -> dict[str, int]:
    """{"filed", "pending", "upheld", "rejected"}: the wave's appeals by outcome (one query)."""
    rows = dict(Appeal.objects.filter(registration__wave=wave).values_list("status").annotate(n=Count("pk")))
    counts = {status: rows.get(status, 0) for status in Appeal.Status.values}
    return {"filed": sum(counts.values()), **counts}


def decide_appeal(*, appeal: Appeal, upheld: bool, reason: str, by: User) -> Appeal:
    """Uphold or reject a pending appeal, with the reason (kept; shown to the applicant when rejected).

    Upheld, the appeal is an override the screening honours on every run (eligibility.screening.sql.overrides_sql)
    and the result is rewritten now: without the reason; eligible when no other reason is left and the KK has a
    free slot (else kk_limit); after the selection, eligible enters the RESERVE at its ticket's place among it
    (aftercare.sql.enter_ranking: recipients' ranks and cards never change, and the published draw stays as it was)
    and the wave's unfilled revoked places are filled. Raises AftercareError: decided already, no reason given, or the wave is
    being screened (decide once its result is out).
    """
    if not reason.strip():
        raise AftercareError(_("Give the reason for the decision."))
    with transaction.atomic():
        wave = _lock_wave(appeal.registration.wave_id)
        if wave.status not in (Wave.Status.SCREENED, Wave.Status.SELECTED):
            raise AftercareError(_("Wave %(number)s is being screened: decide once the results are out."),
                                 number=wave.number)
        status = Appeal.Status.UPHELD if upheld else Appeal.Status.REJECTED
        # Conditional update: two staff deciding at once decide once.
        if not Appeal.objects.filter(pk=appeal.pk, status=Appeal.Status.PENDING).update(
                status=status, decided_by=by, decided_at=timezone.now(), decision_reason=reason.strip()):
            raise AftercareError(_("This appeal has already been decided."))
        appeal.refresh_from_db()
        if upheld:
            _apply_override(appeal=appeal, wave=wave, by=by)
        notify_appeal_decided(appeal=appeal)
    return appeal


def _apply_override(*, appeal: Appeal, wave: Wave, by: User) -> None:
    registration = Registration.objects.select_related("wave").get(pk=appeal.registration_id)
    result = ScreeningResult.objects.select_for_update().get(registration=registration)
    upheld = set(Appeal.objects.filter(registration=registration, status=Appeal.Status.UPHELD)
                 .values_list("reason", flat=True))
    left = [code for code in result.reason_codes if code not in upheld and code != KK_LIMIT]
    selected = wave.status == Wave.Status.SELECTED
    if not left and sql.kk_slots_used(registration=registration, count_wave_eligible=not selected) >= KK_SLOTS:
        left = [KK_LIMIT]
    result.reasons = ";".join(sorted(left))
    result.status = ScreeningResult.Status.INELIGIBLE if left else ScreeningResult.Status.ELIGIBLE
    result.save(update_fields=["reasons", "status"])
    if not left and selected:
        sql.enter_ranking(registration=registration)
        # It had no rank (screened out), so was neither a recipient nor a reserve; now it is a reserve, unrevoked.
        # The reserve registrations enter_ranking moves down keep their place in it.
        _move_counts(wave=wave, reserve=1)
        fill_places(wave=wave, by=by)


def notify_appeal_decided(*, appeal: Appeal) -> None:
    """Tell the applicant the decision on their appeal (upheld or rejected, with the reason): the notifications
    outbox, in the decision's transaction, one e-mail per appeal."""
    notifications.queue_appeal_decided(appeal=appeal)


# --- The wave's report ----------------------------------------------------------------------------------------

# The report page lists this many revocations and promotions; the counts cover all of them.
REPORT_LIST_LIMIT = 100


def after_the_draw(*, wave: Wave, full_identity: bool = False) -> dict:
    """The report's "after the draw" section: appeals by outcome, revocations by reason, promotions, unfilled
    places, recipients and the reserve now (late entries by appeal included), and the latest revocations and promotions (who, when, why; NIK masked unless `full_identity`).
    A fixed number of queries."""
    from prakerja.lib.identity import mask

    show = (lambda value: value) if full_identity else mask
    by_reason = dict(Revocation.objects.filter(wave=wave).values_list("reason").annotate(n=Count("pk")))
    revocations = list(Revocation.objects.filter(wave=wave).select_related("registration__applicant", "by",
                                                                           "filled_by")[:REPORT_LIST_LIMIT])
    promotions = list(Promotion.objects.filter(wave=wave).select_related("registration__applicant", "by")
                      [:REPORT_LIST_LIMIT])
    for row in revocations + promotions:
        row.shown_nik = show(row.registration.applicant.nik)
    revoked = sum(by_reason.values())
    promoted = Promotion.objects.filter(wave=wave).count()
    # Kept by every writer (aftercare.models.WaveCounts): counting them here scanned millions of results.
    kept = WaveCounts.objects.filter(wave_id=wave.pk).values_list("recipients", "reserve").first()
    if kept is None:
        kept = sql.live_counts(wave) if wave.status == Wave.Status.SELECTED else (0, 0)
    return {
        "appeals": appeal_counts(wave=wave),
        "revoked": revoked,
        "revoked_by_reason": [(label, by_reason.get(code, 0)) for code, label in RevocationReason.choices],
        "promoted": promoted,
        "unfilled": revoked - promoted,
        "recipients": kept[0],
        "reserve": kept[1],
        "revocations": revocations,
        "promotions": promotions,
    }
