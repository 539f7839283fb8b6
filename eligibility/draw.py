"""A draw every applicant can check (docs/DOMAIN.md, "Checking the draw").

A registration's ticket is the SHA-256 (lower-case hex) of "{seed}:{nik}". The selection ranks eligible
registrations by ticket, ascending. After it, the wave page publishes the seed, the number of eligible
registrations, the cut-off ticket (the ticket of the last selected registration: a ticket at or below it was
selected) and the pool commitment: the SHA-256 of the ticket list file, which is every eligible ticket sorted
ascending, each followed by one "\\n" (ASCII, no header, no NIK). tools/verify_draw.py recomputes both.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator

from django.db import connection
from django.utils import timezone

from eligibility.models.draw import PublishedDraw
from eligibility.models.screening import ScreeningResult
from registration.models import Applicant, Registration, Wave

_CHUNK = 10_000


def ticket(seed: str, nik: str) -> str:
    """SHA-256 hex of "{seed}:{nik}" (UTF-8): the registration's place in the draw."""
    return hashlib.sha256(f"{seed}:{nik}".encode()).hexdigest()


def _ticket_sql() -> str:
    """The database's computation of ticket() (the same expression the ranking sorts by)."""
    if connection.vendor == "postgresql":
        return "encode(sha256(convert_to(%(seed)s || ':' || a.nik, 'UTF8')), 'hex')"
    return "lower(SHA256(%(seed)s || ':' || a.nik))"


def entered_after_draw_sql(result_alias: str) -> str:
    """SQL true when the result's registration was not in the pool at the draw: it became eligible later, by an
    appeal upheld after the seed was revealed (the `%(revealed)s` parameter). Before the draw every appeal is
    decided (the selection waits for them), so such a registration was ineligible when the draw ran.
    `entered_after_draw` is the same rule for one registration whose appeals are loaded."""
    from aftercare.models import Appeal

    return (f"EXISTS (SELECT 1 FROM {Appeal._meta.db_table} ap WHERE ap.registration_id = {result_alias}.registration_id"
            f" AND ap.status = 'upheld' AND ap.decided_at > %(revealed)s)")


def entered_after_draw(registration: Registration) -> bool:
    """Whether `registration` (with its wave and its appeals, prefetched) joined the ranking after the draw: see
    entered_after_draw_sql."""
    revealed = registration.wave.seed_revealed_at
    return revealed is not None and any(appeal.status == "upheld" and appeal.decided_at > revealed
                                        for appeal in registration.appeals.all())


def iter_ticket_lines(wave: Wave) -> Iterator[bytes]:
    """The ticket list file of a selected wave, in chunks of lines: every ticket of the pool AT THE DRAW in rank
    order (which is ticket order), each followed by b"\\n"; registrations that entered the reserve after the draw
    (entered_after_draw_sql) are not in it, so the file keeps matching the published commitment. Streamed from a
    server-side cursor: memory stays flat."""
    sql = (f"SELECT {_ticket_sql()} FROM {ScreeningResult._meta.db_table} s"
           f" JOIN {Registration._meta.db_table} r ON r.id = s.registration_id"
           f" JOIN {Applicant._meta.db_table} a ON a.user_id = r.applicant_id"
           f" WHERE s.wave_id = %(wave)s AND s.rank IS NOT NULL AND NOT {entered_after_draw_sql('s')} ORDER BY s.rank")
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, {"seed": wave.seed, "wave": wave.pk, "revealed": wave.seed_revealed_at})
        while rows := cursor.fetchmany(_CHUNK):
            yield "".join(f"{row[0]}\n" for row in rows).encode("ascii")


def publish_draw(*, wave: Wave) -> PublishedDraw:
    """Compute and store what the wave page publishes after the selection (called inside select_awardees'
    transaction, after the ranking). Reads every eligible ticket once."""
    digest = hashlib.sha256()
    for chunk in iter_ticket_lines(wave):
        digest.update(chunk)
    results = ScreeningResult.objects.filter(wave_id=wave.pk)
    eligible = results.filter(status=ScreeningResult.Status.ELIGIBLE).count()
    selected = results.filter(selected=True).count()
    cutoff = ""
    if selected:
        last = (Registration.objects.filter(result__wave_id=wave.pk, result__rank=selected)
                .values_list("applicant__nik", flat=True).get())
        cutoff = ticket(wave.seed, last)
    draw, _ = PublishedDraw.objects.update_or_create(wave=wave, defaults={
        "eligible_count": eligible, "selected_count": selected, "cutoff_ticket": cutoff,
        "pool_commitment": digest.hexdigest(), "published_at": timezone.now(),
    })
    return draw
