"""The set-based SQL after the draw: the next reserves to promote, a family card's recipients, and a late entry into
a wave's ranking. Rules: docs/DOMAIN.md, "After the draw". PostgreSQL and SQLite spellings alike (both tested).
"""
from __future__ import annotations

from django.db import connection

from aftercare.models import Revocation
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
        f"  WHERE s.wave_id = %(wave)s AND s.status = 'eligible' AND s.rank IS NOT NULL AND NOT s.selected"
        f"   AND NOT EXISTS (SELECT 1 FROM {Revocation._meta.db_table} rv WHERE rv.registration_id = r.id)"
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


def enter_ranking(*, registration: Registration) -> int:
    """Give a registration made eligible after the selection its place in the wave's ranking (the rank its ticket
    earns among the eligible), moving every later rank down by one; it is not selected (the reserve). Returns the
    rank. Two UPDATEs; the caller holds the wave's row lock."""
    params = {"seed": registration.wave.seed, "wave": registration.wave_id, "id": registration.pk}
    ticket_a, ticket_b = ticket_sql("a"), ticket_sql("b")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 + COUNT(*) FROM {RESULT} s JOIN {REG} r ON r.id = s.registration_id"
            f" JOIN {Applicant._meta.db_table} a ON a.user_id = r.applicant_id,"
            f" {REG} rb JOIN {Applicant._meta.db_table} b ON b.user_id = rb.applicant_id"
            f" WHERE rb.id = %(id)s AND s.wave_id = %(wave)s AND s.rank IS NOT NULL AND s.registration_id <> %(id)s"
            f" AND ({ticket_a} < {ticket_b} OR ({ticket_a} = {ticket_b} AND s.registration_id < %(id)s))",
            params,
        )
        rank = cursor.fetchone()[0]
        cursor.execute(f"UPDATE {RESULT} SET rank = rank + 1 WHERE wave_id = %(wave)s AND rank >= %(rank)s",
                       {**params, "rank": rank})
        cursor.execute(f"UPDATE {RESULT} SET rank = %(rank)s, selected = FALSE WHERE registration_id = %(id)s",
                       {**params, "rank": rank})
    return rank


def unfilled_revocations(wave: Wave):
    """The wave's revoked places no promotion fills yet, oldest first."""
    return Revocation.objects.filter(wave=wave, filled_by__isnull=True).order_by("at", "pk")

