"""The set-based SQL after the draw: the reserve and positions in it, the next reserves to promote, a family card's
recipients, and a late entry into a wave's reserve. Rules: docs/DOMAIN.md, "After the draw". PostgreSQL and SQLite
spellings alike (both tested).
"""
from __future__ import annotations

from django.db import connection
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from aftercare.models import Promotion, Revocation
from eligibility.models.lists import ExclusionList, ListCategory
from eligibility.models.screening import ScreeningResult
from eligibility.screening.sql import KK_SLOTS, check_table_name, recipient_sql, ticket_sql
from registration.models import Applicant, Registration, Wave

RESULT = ScreeningResult._meta.db_table
REG = Registration._meta.db_table


def _prior_list_table() -> str | None:
    """The active prior-awardee list's table (the 2020 recipients), if one is loaded."""
    version = (ExclusionList.objects.filter(category=ListCategory.PRIOR_AWARDEE, status=ExclusionList.Status.ACTIVE)
               .values("category", "pk", "table_name").first())
    if version is None:
        return None
    check_table_name({"category": version["category"], "version_id": version["pk"],
                      "table_name": version["table_name"]})
    return connection.ops.quote_name(version["table_name"])


def kk_recipients_sql() -> str:
    """(kk_digest, nik_digest) of every recipient known to belong to a KK, at this moment: rows of the prior-awardee
    list with a KK, registrations of any wave that are recipients now (recipient_sql), and registrations screened out
    as prior awardees (a prior awardee who applies again takes a slot of the KK on their profile)."""
    sources = [
        f"SELECT r.kk_digest, r.nik_digest FROM {RESULT} s JOIN {REG} r ON r.id = s.registration_id"
        f" WHERE {recipient_sql('s', 'r')} OR s.reasons LIKE '%%prior_awardee%%'"
    ]
    table = _prior_list_table()
    if table:
        sources.append(f"SELECT l.kk_digest, l.nik_digest FROM {table} l WHERE l.kk_digest IS NOT NULL")
    return " UNION ".join(sources)


def next_reserves(*, wave: Wave, limit: int) -> list[tuple[int, int]]:
    """Up to `limit` (registration id, rank) of `wave`'s reserve to promote now, in rank order.

    A reserve is an eligible, ranked, unselected registration never revoked. Re-checked at this moment: the person
    is no recipient anywhere (selected in another wave, revoked there for ineligibility or fraud, or on the active
    prior-awardee list), and their KK has a free slot; two reserves of one KK take its free slots in rank order.
    """
    if limit <= 0:
        return []
    table = _prior_list_table()
    on_prior_list = (f" AND NOT EXISTS (SELECT 1 FROM {table} pl WHERE pl.nik_digest = r.nik_digest)" if table else "")
    query = (
        f"WITH used AS (SELECT k.kk_digest, COUNT(DISTINCT k.nik_digest) AS n FROM ({kk_recipients_sql()}) k"
        f"  GROUP BY k.kk_digest),"
        f" candidates AS ("
        f"  SELECT s.registration_id, s.rank, r.kk_digest, COALESCE(u.n, 0) AS used,"
        f"   ROW_NUMBER() OVER (PARTITION BY r.kk_digest ORDER BY s.rank) AS pos"
        f"  FROM {RESULT} s JOIN {REG} r ON r.id = s.registration_id"
        f"  LEFT JOIN used u ON u.kk_digest = r.kk_digest"
        f"  WHERE s.wave_id = %(wave)s AND s.status = 'eligible' AND {reserve_sql('s')}"
        f"   AND NOT EXISTS (SELECT 1 FROM {REG} r2 JOIN {RESULT} s2 ON s2.registration_id = r2.id"
        f"    WHERE r2.nik_digest = r.nik_digest AND r2.id <> r.id AND {recipient_sql('s2', 'r2')})"
        f"   {on_prior_list}"
        f" )"
        f" SELECT registration_id, rank FROM candidates WHERE pos <= {KK_SLOTS} - used ORDER BY rank LIMIT %(limit)s"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, {"wave": wave.pk, "limit": limit})
        return [(row[0], row[1]) for row in cursor.fetchall()]


def kk_slots_used(*, registration: Registration, count_wave_eligible: bool) -> int:
    """How many slots of `registration`'s KK others hold now: recipients known to belong to it (kk_recipients_sql),
    plus, before the wave's selection, the wave's eligible registrations of that KK (each will be drawn or not)."""
    query = (f"SELECT COUNT(DISTINCT k.nik_digest) FROM ({kk_recipients_sql()}) k"
             f" WHERE k.kk_digest = %(kk)s AND k.nik_digest <> %(nik)s")
    if count_wave_eligible:
        query = (f"SELECT COUNT(DISTINCT k.nik_digest) FROM ({kk_recipients_sql()}"
                 f" UNION SELECT r.kk_digest, r.nik_digest FROM {RESULT} s JOIN {REG} r ON r.id = s.registration_id"
                 f"  WHERE s.wave_id = %(wave)s AND s.status = 'eligible') k"
                 f" WHERE k.kk_digest = %(kk)s AND k.nik_digest <> %(nik)s")
    params = {"kk": _uuid(registration.kk_digest), "nik": _uuid(registration.nik_digest), "wave": registration.wave_id}
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()[0]


def _uuid(value) -> str:
    return str(value) if connection.vendor == "postgresql" else value.hex


def reserve_sql(result_alias: str) -> str:
    """SQL true when the result is in its wave's reserve now: ranked, not a recipient, never revoked (docs/DOMAIN.md,
    "After the draw")."""
    return (f"({result_alias}.rank IS NOT NULL AND NOT {result_alias}.selected AND NOT EXISTS"
            f" (SELECT 1 FROM {Revocation._meta.db_table} rv WHERE rv.registration_id = {result_alias}.registration_id))")


def enter_ranking(*, registration: Registration) -> int:
    """Give a registration made eligible after the selection (an appeal upheld late) a place in the wave's RESERVE,
    at its ticket's place among the reserve (docs/DOMAIN.md, "After the draw"); it is not selected. Returns its rank.

    Recipients (selected, revoked or promoted) keep their ranks, hence their card numbers: the new registration takes
    the rank of the first reserve registration with a later ticket, and each reserve registration from there on moves
    to the rank of the next one in the reserve (the last to one past the highest rank), so ranks stay unique and the
    reserve's order stays its tickets' order. With no later ticket in the reserve it takes one past the highest rank
    (and past the quota). Three statements; the caller holds the wave's row lock.
    """
    wave = registration.wave
    params = {"seed": wave.seed, "wave": wave.pk, "id": registration.pk}
    ticket_a, ticket_b = ticket_sql("a"), ticket_sql("b")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MIN(s.rank), (SELECT MAX(m.rank) FROM {RESULT} m WHERE m.wave_id = %(wave)s)"
            f" FROM {REG} rb JOIN {Applicant._meta.db_table} b ON b.user_id = rb.applicant_id"
            f" LEFT JOIN ({RESULT} s JOIN {REG} r ON r.id = s.registration_id"
            f"  JOIN {Applicant._meta.db_table} a ON a.user_id = r.applicant_id)"
            f" ON s.wave_id = %(wave)s AND s.registration_id <> %(id)s AND {reserve_sql('s')}"
            f"  AND ({ticket_a} > {ticket_b} OR ({ticket_a} = {ticket_b} AND s.registration_id > %(id)s))"
            f" WHERE rb.id = %(id)s",
            params,
        )
        place, highest = cursor.fetchone()
        past_end = max(highest or 0, wave.quota) + 1
        rank = place if place is not None else past_end
        if place is not None:
            cursor.execute(
                f"UPDATE {RESULT} SET rank = moved.next_rank"
                f" FROM (SELECT s.registration_id, COALESCE(LEAD(s.rank) OVER (ORDER BY s.rank), %(past_end)s)"
                f"  AS next_rank FROM {RESULT} s WHERE s.wave_id = %(wave)s AND s.rank >= %(rank)s"
                f"  AND s.registration_id <> %(id)s AND {reserve_sql('s')}) moved"
                f" WHERE {RESULT}.registration_id = moved.registration_id",
                {**params, "rank": rank, "past_end": past_end},
            )
        cursor.execute(f"UPDATE {RESULT} SET rank = %(rank)s, selected = FALSE WHERE registration_id = %(id)s",
                       {**params, "rank": rank})
    return rank


def reserve_count(wave: Wave) -> int:
    """How many registrations of `wave` are in its reserve now (reserve_sql). One query, a scan of the wave's ranked
    results: the report reads the kept count instead (aftercare.models.WaveCounts)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {RESULT} s WHERE s.wave_id = %s AND {reserve_sql('s')}", [wave.pk])
        return cursor.fetchone()[0]


def live_counts(wave: Wave) -> tuple[int, int]:
    """(recipients now, reserve now) of `wave`, counted over its results: what aftercare.models.WaveCounts keeps.
    Two queries, each a scan of the wave's results (about 1 s at 6 M): for checks and repairs, never a page."""
    return ScreeningResult.objects.filter(wave_id=wave.pk, selected=True).count(), reserve_count(wave)


def reserve_positions(results) -> dict[int, int]:
    """{registration id: position in the reserve, 1 = next to promote} for those of `results` (ScreeningResult rows,
    each with registration_id, wave_id, rank, selected) in the reserve now: their place among the wave's
    unpromoted, unrevoked reserve registrations by rank. The one computation of a reserve position (dashboard,
    e-mails, helpdesk). One query whatever the number of results, none when no result is in the reserve.

    Ranks 1..quota were drawn within the quota (recipients or revoked: never the reserve), and every rank above the
    quota is held by a reserve registration or a promoted one (enter_ranking keeps them contiguous), so the
    position is rank - quota - the promotions of the wave with a lower rank.
    """
    candidates = [r for r in results if r is not None and r.rank and r.selected is False]
    if not candidates:
        return {}
    ahead = (Promotion.objects.filter(wave_id=OuterRef("wave_id"), rank__lt=OuterRef("rank")).order_by()
             .values("wave_id").annotate(n=Count("pk")).values("n"))
    rows = (ScreeningResult.objects.filter(registration_id__in=[r.registration_id for r in candidates],
                                           registration__revocation__isnull=True)
            .annotate(ahead=Coalesce(Subquery(ahead), 0))
            .values_list("registration_id", "rank", "wave__quota", "ahead"))
    return {pk: rank - quota - ahead for pk, rank, quota, ahead in rows}


def unfilled_revocations(wave: Wave):
    """The wave's revoked places no promotion fills yet, oldest first."""
    return Revocation.objects.filter(wave=wave, filled_by__isnull=True).order_by("at", "pk")

