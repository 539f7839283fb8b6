"""The set-based SQL of a screening, in one place: list hits, the KK rule and the lottery's ranking.

Every statement works on one partition's digest range (or on a whole wave, for the ranking), joins
covering indexes and writes its output with one INSERT ... SELECT or UPDATE ... FROM
(docs/PERFORMANCE.md). Each has a PostgreSQL and a SQLite spelling; both are tested. The rules are
docs/DOMAIN.md's "Screening" and "Selection".
"""
from __future__ import annotations

import uuid
from collections import Counter

from django.db import connection
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from complaints.models import Suspension
from eligibility.lists.tables import is_list_table
from eligibility.models.lists import ListCategory
from eligibility.models.screening import ScreeningHit, ScreeningPartition, ScreeningResult, ScreeningRun
from prakerja.lib.messages import TranslatableError
from registration.models import Applicant, Registration, Wave


class ScreeningError(TranslatableError):
    """A refused screening or selection step; str() is a message for staff in their language."""


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


# Bit i of a hit mask is LIST_CODES[i]; alphabetical, so reasons come out in alphabetical order.
LIST_CODES: list[str] = sorted(ListCategory.values)


PRIOR_AWARDEE = ListCategory.PRIOR_AWARDEE.value


KK_LIMIT = "kk_limit"


KK_SLOTS = 2  # at most two recipients per family card, across the whole programme


def digest_bounds(number: int, count: int) -> tuple[uuid.UUID, uuid.UUID | None]:
    """Partition `number` of `count` covers digests in [low, high); the last one has no upper bound.

    The digests are HMAC output, uniform over 128 bits: equal ranges are equal shares.
    """
    low = uuid.UUID(int=(number << 128) // count)
    high = uuid.UUID(int=((number + 1) << 128) // count) if number + 1 < count else None
    return low, high


def uuid_param(value: uuid.UUID) -> str:
    # PostgreSQL: a uuid literal; SQLite: Django stores UUIDField as 32 lowercase hex characters,
    # whose text order equals the byte order PostgreSQL uses for uuid.
    return str(value) if is_postgres() else value.hex


def range_sql(column: str, high: uuid.UUID | None) -> str:
    return f"{column} >= %(low)s" + (f" AND {column} < %(high)s" if high is not None else "")


def earlier_recipient_waves(wave_id: int) -> list[int]:
    number = Wave.objects.filter(pk=wave_id).values_list("number", flat=True).get()
    return list(Wave.objects.filter(number__lt=number, status=Wave.Status.SELECTED).values_list("pk", flat=True))


def earlier_recipient_waves_sql(wave_id: int, params: dict) -> str:
    """Placeholders for the earlier waves' ids ("" when there are none), their values added to `params`."""
    earlier = earlier_recipient_waves(wave_id)
    params.update({f"w{i}": pk for i, pk in enumerate(earlier)})
    return ", ".join(f"%(w{i})s" for i in range(len(earlier)))


def screen_lists(run: ScreeningRun, partition: ScreeningPartition) -> tuple[int, dict]:
    """Lists phase for one NIK digest range: every list the NIK is on, as a bit mask per registration.

    Returns (registrations with at least one hit, {"reasons": {code: registrations}}); writes one ScreeningHit
    row per such registration. One pass: the range of the registration index (wave_id, nik_digest) INCLUDE (id)
    is merge-joined once against the merged ranges of every list's (nik_digest) index, each list row carrying
    its bit (a Merge Append of index-only scans: no sort, no hash), so the cost is registrations + list
    entries of the range, never registrations x lists.
    """
    qn = connection.ops.quote_name
    reg = Registration._meta.db_table
    low, high = digest_bounds(partition.number, run.partition_count)
    params = {"run": run.pk, "wave": run.wave_id, "partition": partition.number, "low": uuid_param(low)}
    if high is not None:
        params["high"] = uuid_param(high)
    sources = []
    for version in run.list_versions:
        check_table_name(version)
        bit = 1 << LIST_CODES.index(version["category"])
        # No WHERE here: PostgreSQL flattens a UNION ALL into one appendrel only when its members have
        # none; the range below, on the union, then reaches each member's index scan, and the members'
        # sorted index ranges merge (Merge Append) into the merge join.
        sources.append(f"SELECT nik_digest, {bit} AS bit FROM {qn(version['table_name'])}")
    waves = earlier_recipient_waves_sql(run.wave_id, params)
    if waves:
        # Selected in an earlier wave of this system: prior_awardee, like the 2020 list.
        sources.append(
            f"SELECT r2.nik_digest, {1 << LIST_CODES.index(PRIOR_AWARDEE)} AS bit"
            f" FROM {ScreeningResult._meta.db_table} s JOIN {reg} r2 ON r2.id = s.registration_id"
            f" WHERE s.wave_id IN ({waves}) AND {recipient_sql('s', 'r2')} AND {range_sql('r2.nik_digest', high)}"
        )
    hit = ScreeningHit._meta.db_table
    with connection.cursor() as cursor:
        # A re-delivered partition never commits twice (its claim), but stay exact regardless.
        cursor.execute(f"DELETE FROM {hit} WHERE run_id = %(run)s AND partition = %(partition)s", params)
        if not sources:
            return 0, {"reasons": {}}
        # The mask is the OR of the bits (the 2020 list and an earlier selection give the same one):
        # bit_or on PostgreSQL; SUM(DISTINCT) is the same OR of distinct powers of two on SQLite.
        mask = "bit_or(l.bit)" if is_postgres() else "SUM(DISTINCT l.bit)"
        insert = (
            f"INSERT INTO {hit} (run_id, registration_id, partition, mask)"
            f" SELECT %(run)s, r.id, %(partition)s, {mask}"
            f" FROM {reg} r JOIN ({' UNION ALL '.join(sources)}) l ON l.nik_digest = r.nik_digest"
            f" WHERE r.wave_id = %(wave)s AND {range_sql('r.nik_digest', high)} AND {range_sql('l.nik_digest', high)}"
            f" GROUP BY r.id"
        )
        if is_postgres():
            # The counts from the rows just written, not a second read of the hit table.
            cursor.execute(f"WITH ins AS ({insert} RETURNING mask) SELECT mask, COUNT(*) FROM ins GROUP BY mask",
                           params)
        else:
            cursor.execute(insert, params)
            cursor.execute(
                f"SELECT mask, COUNT(*) FROM {hit} WHERE run_id = %(run)s AND partition = %(partition)s GROUP BY mask",
                params,
            )
        reasons: Counter[str] = Counter()
        hits = 0
        for mask_value, number in cursor.fetchall():
            hits += number
            for code in codes(mask_value):
                reasons[code] += number
    return hits, {"reasons": dict(reasons)}


def check_table_name(version: dict) -> None:
    # Table names are interpolated into SQL: only the loader's plain identifiers pass.
    if not is_list_table(version.get("table_name")):
        raise ScreeningError(_("List %(category)s #%(id)s has no usable table (%(table)r)."),
                             category=version.get("category"), id=version.get("version_id"),
                             table=version.get("table_name"))


def codes(mask: int) -> list[str]:
    return [code for i, code in enumerate(LIST_CODES) if mask & (1 << i)]


def reasons_sql(mask: str) -> str:
    """The reason codes of a hit mask, joined by ';' in alphabetical order (LIST_CODES is sorted)."""
    parts = " || ".join(f"CASE WHEN {mask} & {1 << i} <> 0 THEN ';{code}' ELSE '' END"
                        for i, code in enumerate(LIST_CODES))
    return f"LTRIM({parts}, ';')"


def recipient_sql(result_alias: str, registration_alias: str) -> str:
    """SQL true when the result's registration counts as a recipient for later waves: selected now, or revoked for
    ineligibility or fraud (aftercare.models.BARRING_REASONS: such a person may not receive the card again and keeps
    their KK slot). A recipient revoked for not starting a training is no longer selected and counts for nothing."""
    from aftercare.models import BARRING_REASONS, Revocation

    barring = ", ".join(f"'{reason.value}'" for reason in BARRING_REASONS)
    return (f"({result_alias}.selected OR EXISTS (SELECT 1 FROM {Revocation._meta.db_table} rv"
            f" WHERE rv.registration_id = {registration_alias}.id AND rv.reason IN ({barring})))")


def overrides_sql() -> str:
    """(registration_id, bits): per registration, the hit-mask bits of its upheld appeals (aftercare.models.Appeal),
    which the KK phase clears. An override is staff's decision that a list is wrong about this person: it holds
    for every later run with any list version."""
    from aftercare.models import Appeal

    bit = " ".join(f"WHEN '{code}' THEN {1 << i}" for i, code in enumerate(LIST_CODES))
    return (f"SELECT ap.registration_id, SUM(CASE ap.reason {bit} ELSE 0 END) AS bits"
            f" FROM {Appeal._meta.db_table} ap WHERE ap.status = 'upheld' GROUP BY ap.registration_id")


def screen_kk(run: ScreeningRun, partition: ScreeningPartition) -> tuple[int, dict]:
    """KK phase for one KK digest range: the results, with the KK rule, for its registrations.

    Among the registrations with no list reason, per KK ordered by registration time then id, the
    first `2 - prior recipients of the KK` are eligible and the rest get kk_limit. Prior recipients
    are the 2020 list's rows with that KK and earlier waves' selected registrations with that KK,
    each person counted once (by NIK digest). An ineligible family member never uses a slot.
    """
    qn = connection.ops.quote_name
    reg = Registration._meta.db_table
    result = ScreeningResult._meta.db_table
    low, high = digest_bounds(partition.number, run.partition_count)
    params = {"run": run.pk, "wave": run.wave_id, "low": uuid_param(low)}
    if high is not None:
        params["high"] = uuid_param(high)
    in_range = f"r.wave_id = %(wave)s AND {range_sql('r.kk_digest', high)}"

    prior_sources = []
    prior_list = next((v for v in run.list_versions if v["category"] == PRIOR_AWARDEE), None)
    if prior_list:
        check_table_name(prior_list)
        prior_sources.append(
            f"SELECT l.kk_digest, l.nik_digest FROM {qn(prior_list['table_name'])} l"
            f" WHERE l.kk_digest IS NOT NULL AND {range_sql('l.kk_digest', high)}"
        )
    waves = earlier_recipient_waves_sql(run.wave_id, params)
    if waves:
        prior_sources.append(
            f"SELECT r2.kk_digest, r2.nik_digest FROM {result} s JOIN {reg} r2 ON r2.id = s.registration_id"
            f" WHERE s.wave_id IN ({waves}) AND {recipient_sql('s', 'r2')} AND {range_sql('r2.kk_digest', high)}"
        )
    if prior_sources:
        # One source: the list's nik_digest is unique, COUNT(*) counts people (and the list's
        # (kk_digest) index answers alone). Two: a person on both counts once.
        counted = "COUNT(DISTINCT x.nik_digest)" if len(prior_sources) > 1 else "COUNT(*)"
        prior_cte = (
            f", prior AS (SELECT x.kk_digest, {counted} AS n"
            f" FROM ({' UNION ALL '.join(prior_sources)}) x GROUP BY x.kk_digest)"
        )
        prior_join, prior_n = " LEFT JOIN prior pr ON pr.kk_digest = p.kk_digest", "COALESCE(pr.n, 0)"
    else:
        prior_cte, prior_join, prior_n = "", "", "0"

    body = (
        f"WITH part AS ("
        # An upheld appeal removes its reason's bit, on this run and every later one (overrides_sql).
        f"  SELECT r.id, r.kk_digest, r.registered_at, COALESCE(h.mask, 0) & ~COALESCE(o.bits, 0) AS mask FROM {reg} r"
        f"  LEFT JOIN {ScreeningHit._meta.db_table} h ON h.run_id = %(run)s AND h.registration_id = r.id"
        f"  LEFT JOIN ({overrides_sql()}) o ON o.registration_id = r.id"
        f"  WHERE {in_range}"
        f"){prior_cte}, ranked AS ("
        f"  SELECT p.id, p.mask, {prior_n} AS prior,"
        # Free slots are used in registration order (ties by id), by family members with no list reason.
        f"   ROW_NUMBER() OVER (PARTITION BY p.kk_digest, p.mask = 0 ORDER BY p.registered_at, p.id) AS pos"
        f"  FROM part p{prior_join}"
        f")"
    )
    insert = (
        f"INSERT INTO {result} (registration_id, wave_id, run_id, status, reasons, rank, selected)"
        f" SELECT id, %(wave)s, %(run)s,"
        f"  CASE WHEN mask = 0 AND pos <= {KK_SLOTS} - prior THEN 'eligible' ELSE 'ineligible' END,"
        f"  CASE WHEN mask <> 0 THEN {reasons_sql('mask')}"
        f"   WHEN pos > {KK_SLOTS} - prior THEN '{KK_LIMIT}' ELSE '' END,"
        f"  NULL, NULL FROM ranked"
        # In primary-key order: the index's leaf pages are then visited once each, in order.
        f" ORDER BY id"
    )
    with connection.cursor() as cursor:
        if run.replaces_results:
            # Re-run: this partition's registrations lose their previous results in the same transaction.
            if is_postgres():
                # The range's ids (an index-only scan), then one primary-key probe each: the cost follows
                # the partition's size, never the size of the result table (every wave's results), and
                # no plan built on stale statistics of a table the other partitions are filling can
                # walk all of it (measured, 500,000 registrations: 0.4-0.7 s, against 0.8-1.1 s for
                # `IN (SELECT ...)` planned as a join).
                cursor.execute(
                    f"DELETE FROM {result} WHERE registration_id = ANY(ARRAY(SELECT r.id FROM {reg} r WHERE {in_range}))",
                    params,
                )
            else:
                cursor.execute(
                    f"DELETE FROM {result} WHERE registration_id IN (SELECT r.id FROM {reg} r WHERE {in_range})", params
                )
        if is_postgres():
            cursor.execute(f"{body}, ins AS ({insert} RETURNING reasons) SELECT reasons, COUNT(*) FROM ins GROUP BY reasons",
                           params)
            rows = cursor.fetchall()
        else:
            cursor.execute(f"{body} {insert}", params)
            cursor.execute(
                f"SELECT s.reasons, COUNT(*) FROM {result} s WHERE s.registration_id IN"
                f" (SELECT r.id FROM {reg} r WHERE {in_range}) GROUP BY s.reasons",
                params,
            )
            rows = cursor.fetchall()
    counts = {"eligible": 0, "ineligible": 0, "reasons": {}}
    reasons: Counter[str] = Counter()
    total = 0
    for text, number in rows:
        total += number
        counts["eligible" if not text else "ineligible"] += number
        for code in filter(None, text.split(";")):
            reasons[code] += number
    counts["reasons"] = dict(reasons)
    return total, counts


def ticket_sql(applicant_alias: str) -> str:
    """The lottery ticket of an applicant row as SQL, SHA-256 of "{seed}:{nik}" (the `%(seed)s` parameter), in an
    order equal to its hex form's (PostgreSQL's sha256(bytea) orders bytewise; SQLite's SHA256() gives hex)."""
    if is_postgres():
        return f"sha256(convert_to(%(seed)s || ':' || {applicant_alias}.nik, 'UTF8'))"
    return f"SHA256(%(seed)s || ':' || {applicant_alias}.nik)"


@sensitive_variables("seed", "params")  # error reports show ******** instead of the seed
def rank_eligible(wave: Wave, *, seed: str) -> tuple[int, int]:
    """The lottery's ranking, in one UPDATE ... FROM a ROW_NUMBER() window: every eligible registration of
    `wave` gets its rank by SHA-256 of "{seed}:{nik}" (`seed`: the wave's unsealed seed, which the caller,
    eligibility.waves.select_awardees, opens and checks against the commitment) (ascending hex, ties by registration id) and
    `selected = rank <= quota`; every other registration loses any rank. The hash is computed by the
    database (PostgreSQL's sha256(); on SQLite the SHA256() function Django registers on each connection).
    A registration whose account is suspended after a NIK misuse report (an active complaints.Suspension,
    docs/DOMAIN.md "NIK misuse") is left out of the pool: no rank, not selected.

    Returns (selected, ranked and not selected), from the ranking's row count: ranks are 1..n, the first `quota`
    selected (aftercare.models.WaveCounts keeps them from here on).
    """
    result = ScreeningResult._meta.db_table
    suspension = Suspension._meta.db_table
    ticket = ticket_sql("a")
    params = {"seed": seed, "wave": wave.pk, "quota": wave.quota, "eligible": ScreeningResult.Status.ELIGIBLE}
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {result} SET rank = ranked.n, selected = (ranked.n <= %(quota)s)"
            f" FROM (SELECT s.registration_id, ROW_NUMBER() OVER (ORDER BY {ticket}, s.registration_id) AS n"
            f"  FROM {result} s JOIN {Registration._meta.db_table} r ON r.id = s.registration_id"
            f"  JOIN {Applicant._meta.db_table} a ON a.user_id = r.applicant_id"
            f"  WHERE s.wave_id = %(wave)s AND s.status = %(eligible)s"
            f"  AND NOT EXISTS (SELECT 1 FROM {suspension} h WHERE h.applicant_id = r.applicant_id"
            f"   AND h.lifted_at IS NULL)) ranked"
            f" WHERE {result}.registration_id = ranked.registration_id",
            params,
        )
        ranked = cursor.rowcount
        # Everything the ranking above did not reach: the ineligible and the suspended.
        cursor.execute(
            f"UPDATE {result} SET rank = NULL, selected = FALSE WHERE wave_id = %(wave)s AND (status <> %(eligible)s"
            f" OR registration_id IN (SELECT r.id FROM {Registration._meta.db_table} r JOIN {suspension} h"
            f"  ON h.applicant_id = r.applicant_id WHERE r.wave_id = %(wave)s AND h.lifted_at IS NULL))",
            params,
        )
    selected = min(ranked, wave.quota)
    return selected, ranked - selected
